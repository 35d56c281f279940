"""Reads for costs and profit: per-customer P&L for any window in a fixed number of aggregate
queries (one per source: sales, payment fees, cost entries, campaign shares), whatever the number
of customers."""

import datetime
from collections import defaultdict

from django.db.models import Case, Count, Exists, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from custnotes.dates import local_days
from custnotes.money import ZERO, MoneyField, money_sum
from custnotes.permissions import scope_queryset, sees_all_customers
from customers.models import Customer
from transactions.calculations import month_starts
from transactions.models import Payment, Sale

from .calculations import ProfitAndLoss, campaign_roi
from .choices import CostFamily
from .models import Campaign, CampaignAllocation, CostCategory, CostEntry


def pnl_by_customer(
    *, customers: QuerySet[Customer], start: datetime.date, end: datetime.date
) -> dict[int, ProfitAndLoss]:
    """{customer id: P&L over [start, end]} for the given customers (only those with any figure).
    Revenue of the sales without a cost of goods ("cost unknown") comes from the same grouped query."""
    ids = customers.prefetch_related(None).order_by().values("pk")
    figures: dict[int, dict] = defaultdict(dict)
    for row in (
        Sale.objects.filter(local_days("occurred_at", start, end), customer__in=ids, is_void=False)
        .values("customer_id")
        .annotate(
            revenue=money_sum("amount"),
            cogs=money_sum("cost_of_goods"),
            cost_unknown=money_sum(
                Case(When(cost_of_goods__isnull=True, then=F("amount")), default=Value(0), output_field=MoneyField())
            ),
        )
        .order_by()
    ):
        figures[row["customer_id"]].update(
            revenue=row["revenue"], cost_of_goods=row["cogs"], cost_unknown_revenue=row["cost_unknown"]
        )
    for row in (
        Payment.objects.filter(local_days("received_at", start, end), customer__in=ids)
        .values("customer_id")
        .annotate(fees=money_sum("fee"))
        .order_by()
    ):
        figures[row["customer_id"]]["payment_fees"] = row["fees"]
    costs = (
        CostEntry.objects.filter(customer__in=ids, date__gte=start, date__lte=end)
        .values("customer_id", family=F("category__family"))
        .annotate(total=money_sum("amount"))
        .order_by()
    )
    shares = (
        CampaignAllocation.objects.filter(
            customer__in=ids, campaign__starts_on__gte=start, campaign__starts_on__lte=end
        )
        .values("customer_id", family=F("campaign__category__family"))
        .annotate(total=money_sum("amount"))
        .order_by()
    )
    for row in [*costs, *shares]:
        key = "marketing_cost" if row["family"] == CostFamily.MARKETING else "service_cost"
        current = figures[row["customer_id"]]
        current[key] = current.get(key, ZERO) + row["total"]
    return {customer_id: ProfitAndLoss(**values) for customer_id, values in figures.items()}


def customer_pnl(*, customer: Customer, start: datetime.date, end: datetime.date) -> ProfitAndLoss:
    return pnl_by_customer(customers=Customer.objects.filter(pk=customer.pk), start=start, end=end).get(
        customer.pk, ProfitAndLoss()
    )


def monthly_series(*, customer: Customer, as_of: datetime.date, months: int = 12) -> list[dict]:
    """Revenue and costs (cost of goods, fees, marketing, service) by calendar month, oldest first."""
    starts = month_starts(as_of, months)
    first = starts[0]
    series = {start: {"month": start, "revenue": ZERO, "costs": ZERO} for start in starts}

    def add(queryset, date_field: str, **totals):
        """Add each month's sums of `totals` (series key -> amount field) from one grouped query."""
        rows = (
            queryset.annotate(month=TruncMonth(date_field))
            .values("month")
            .annotate(**{key: money_sum(field) for key, field in totals.items()})
            .order_by()
        )
        for row in rows:
            month = row["month"]
            month = month.date() if isinstance(month, datetime.datetime) else month
            if month in series:
                for key in totals:
                    series[month][key] += row[key]

    sales = Sale.objects.filter(local_days("occurred_at", first, as_of), customer=customer, is_void=False)
    add(sales, "occurred_at", revenue="amount", costs="cost_of_goods")
    payments = Payment.objects.filter(local_days("received_at", first, as_of), customer=customer)
    add(payments, "received_at", costs="fee")
    add(CostEntry.objects.filter(customer=customer, date__gte=first, date__lte=as_of), "date", costs="amount")
    shares = CampaignAllocation.objects.filter(
        customer=customer, campaign__starts_on__gte=first, campaign__starts_on__lte=as_of
    )
    add(shares, "campaign__starts_on", costs="amount")
    return list(series.values())


def cost_entry_list(*, user) -> QuerySet[CostEntry]:
    return scope_queryset(CostEntry.objects.all(), user, "customer__").select_related(
        "customer", "category", "created_by"
    )


def category_choices(*, user) -> QuerySet[CostCategory]:
    """Active categories the user may book: marketing ones need costing.add_marketing_cost."""
    queryset = CostCategory.objects.filter(is_active=True)
    if not user.has_perm("costing.add_marketing_cost"):
        queryset = queryset.filter(family=CostFamily.SERVICE)
    return queryset


def campaign_list(*, user) -> QuerySet[Campaign]:
    """Campaigns with their figures over the targets the user may see, in one query: a user who sees
    every customer gets the whole campaign; a Sales user only campaigns aimed at their customers, with
    the number of those targets, their revenue in the campaign period and their share of the cost
    (`scoped_cost`) — never another team's figures."""
    visible = scope_queryset(Customer.objects.all(), user).values("pk")
    revenue = (
        Sale.objects.filter(
            customer__campaigns=OuterRef("pk"),
            customer__in=visible,
            is_void=False,
            occurred_at__date__gte=OuterRef("starts_on"),
            occurred_at__date__lte=OuterRef("ends_on"),
        )
        .values("customer__campaigns")
        .annotate(total=money_sum("amount"))
        .values("total")
    )
    targets = Campaign.targets.through.objects.filter(campaign=OuterRef("pk"), customer__in=visible)
    share = (
        CampaignAllocation.objects.filter(campaign=OuterRef("pk"), customer__in=visible)
        .values("campaign")
        .annotate(total=money_sum("amount"))
        .values("total")
    )
    campaigns = Campaign.objects.select_related("category").annotate(
        target_revenue=Coalesce(Subquery(revenue, output_field=MoneyField()), Value(0), output_field=MoneyField()),
        target_count=Coalesce(Subquery(targets.values("campaign").annotate(n=Count("pk")).values("n")), Value(0)),
    )
    if sees_all_customers(user):
        return campaigns.annotate(scoped_cost=F("total_cost"))
    return campaigns.filter(Exists(targets)).annotate(
        scoped_cost=Coalesce(Subquery(share, output_field=MoneyField()), Value(0), output_field=MoneyField())
    )


def campaign_get(*, user, pk) -> Campaign:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(campaign_list(user=user), pk=pk)


def campaign_report_row(campaign: Campaign) -> dict:
    """The campaign's figures as the user may see them (see campaign_list)."""
    return {
        "cost": campaign.scoped_cost,
        "revenue": campaign.target_revenue,
        "roi": campaign_roi(campaign.target_revenue, campaign.scoped_cost),
    }


def campaign_allocations(*, campaign: Campaign, user) -> list[dict]:
    """The campaign's shares among the targets the user may see, each with the target's revenue in
    the campaign period (whatever the split rule: the page's column says what the target brought)."""
    allocations = list(
        campaign.allocations.select_related("customer")
        .filter(customer__in=scope_queryset(Customer.objects.all(), user).values("pk"))
        .order_by("-amount", "customer__name")
    )
    revenue = revenue_in_period(
        customers=[a.customer_id for a in allocations], start=campaign.starts_on, end=campaign.ends_on
    )
    return [{"allocation": a, "revenue": revenue.get(a.customer_id, ZERO)} for a in allocations]


def revenue_in_period(*, customers, start: datetime.date, end: datetime.date) -> dict[int, object]:
    """{customer id: revenue in [start, end]} in one query (the weights of a revenue split)."""
    return dict(
        Sale.objects.filter(local_days("occurred_at", start, end), customer__in=customers, is_void=False)
        .values("customer_id")
        .annotate(total=money_sum("amount"))
        .order_by()
        .values_list("customer_id", "total")
    )


def profitability(
    *, customers: QuerySet[Customer], start: datetime.date, end: datetime.date
) -> tuple[list, ProfitAndLoss]:
    """The profitability report: one row per customer (a dict of its figures) and the totals, which
    are the sum of the rows' P&Ls."""
    customers = customers.select_related("team", "industry")
    pnl = pnl_by_customer(customers=customers, start=start, end=end)
    rows, totals = [], ProfitAndLoss()
    for customer in customers:
        figures = pnl.get(customer.pk, ProfitAndLoss())
        totals += figures
        rows.append(_row(customer, figures))
    return rows, totals


def _row(customer, figures: ProfitAndLoss) -> dict:
    return {
        "pk": customer.pk,
        "name": customer.name,
        "team": customer.team.name,
        "industry": str(customer.industry or ""),
        "customer_type": customer.get_customer_type_display(),
        "revenue": figures.revenue,
        "cost_of_goods": figures.cost_of_goods,
        "gross_margin": figures.gross_margin,
        "cost_unknown_revenue": figures.cost_unknown_revenue,
        "payment_fees": figures.payment_fees,
        "marketing_cost": figures.marketing_cost,
        "service_cost": figures.service_cost,
        "contribution_profit": figures.contribution_profit,
        "margin_pct": figures.margin_pct,
        "marketing_roi": figures.marketing_roi,
    }
