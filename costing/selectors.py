"""Reads for costs and profit: per-customer P&L for any window in a fixed number of aggregate
queries (one per source: sales, payment fees, cost entries, campaign shares), whatever the number
of customers."""

import datetime
from collections import defaultdict
from functools import cached_property

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.dates import local_days
from custnotes.memo import per_request
from custnotes.money import ZERO, MoneyField, format_money, from_fen, money_sum
from custnotes.permissions import scope_queryset, sees_all_customers
from custnotes.registry import FiguresDrift
from custnotes.rows import SqlRows
from custnotes.workbook import batch_range
from customers.choices import CustomerType
from customers.models import Customer, Industry
from transactions.calculations import month_starts
from transactions.models import Payment, Sale

from .calculations import (
    CONTRIBUTION,
    GROSS_MARGIN,
    MARGIN_RATIO,
    ROI_RATIO,
    ProfitAndLoss,
    campaign_roi,
    signed_sum_sql,
    t12m_window,
)
from .choices import CostFamily
from .models import Campaign, CampaignAllocation, CostCategory, CostEntry, CustomerFigures


def _family_sum(family_field: str, *, marketing: bool):
    """Σ amount of the rows in the marketing family (or in any other: the service family)."""
    condition = Q(**{family_field: CostFamily.MARKETING})
    return money_sum(
        Case(
            When(condition if marketing else ~condition, then=F("amount")), default=Value(0), output_field=MoneyField()
        )
    )


def pnl_sources(*, ids, start: datetime.date, end: datetime.date) -> list[QuerySet]:
    """The grouped queries a P&L over [start, end] is summed from, one row per customer id in each
    (`customer_id` and some of ProfitAndLoss's fields): sales, payment fees, cost entries and
    campaign shares. `ids` is a queryset of the customers' pks. pnl_by_customer reads them into
    P&Ls; the profitability report joins them to the customers in SQL."""
    sales = (
        Sale.objects.filter(local_days("occurred_at", start, end), customer__in=ids, is_void=False)
        .values("customer_id")
        .annotate(  # cost_unknown_revenue first: after it, "cost_of_goods" names the sum, not the field
            cost_unknown_revenue=money_sum(
                Case(When(cost_of_goods__isnull=True, then=F("amount")), default=Value(0), output_field=MoneyField())
            ),
            revenue=money_sum("amount"),
            cost_of_goods=money_sum("cost_of_goods"),
        )
    )
    fees = (
        Payment.objects.filter(local_days("received_at", start, end), customer__in=ids)
        .values("customer_id")
        .annotate(payment_fees=money_sum("fee"))
    )
    costs = (
        CostEntry.objects.filter(customer__in=ids, date__gte=start, date__lte=end)
        .values("customer_id")
        .annotate(
            marketing_cost=_family_sum("category__family", marketing=True),
            service_cost=_family_sum("category__family", marketing=False),
        )
    )
    shares = (
        CampaignAllocation.objects.filter(
            customer__in=ids, campaign__starts_on__gte=start, campaign__starts_on__lte=end
        )
        .values("customer_id")
        .annotate(
            marketing_cost=_family_sum("campaign__category__family", marketing=True),
            service_cost=_family_sum("campaign__category__family", marketing=False),
        )
    )
    return [source.order_by() for source in (sales, fees, costs, shares)]


def pnl_by_customer(
    *, customers: QuerySet[Customer], start: datetime.date, end: datetime.date
) -> dict[int, ProfitAndLoss]:
    """{customer id: P&L over [start, end]} for the given customers (only those with any figure), in
    one grouped query per source (pnl_sources). Revenue of the sales without a cost of goods ("cost
    unknown") comes from the same grouped query as the revenue."""
    ids = customers.prefetch_related(None).order_by().values("pk")
    figures: dict[int, dict] = defaultdict(dict)
    for source in pnl_sources(ids=ids, start=start, end=end):
        for row in source:
            current = figures[row.pop("customer_id")]
            for key, amount in row.items():
                current[key] = current.get(key, ZERO) + amount
    return {customer_id: ProfitAndLoss(**values) for customer_id, values in figures.items()}


@per_request
def pnl_of(*, customer_ids, start: datetime.date, end: datetime.date) -> dict[int, ProfitAndLoss]:
    """pnl_by_customer for these customer ids, once per page (custnotes.memo): the notebook's
    header (the summary's profit columns) and its costs section ask the same."""
    ids = [int(pk) for pk in customer_ids]
    return pnl_by_customer(customers=Customer.objects.filter(batch_range(ids, "pk"), pk__in=ids), start=start, end=end)


def customer_pnl(*, customer: Customer, start: datetime.date, end: datetime.date) -> ProfitAndLoss:
    return pnl_of(customer_ids=[customer.pk], start=start, end=end).get(customer.pk, ProfitAndLoss())


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


# --- the profitability report: sorted, paged and totalled in SQL ---------------------------------

CHECK_CHUNK = 5000  # customers compared at a time
PNL_FIGURES = ("revenue", "cost_of_goods", "cost_unknown_revenue", "payment_fees", "marketing_cost", "service_cost")


def figures_fresh(*, as_of: datetime.date) -> bool:
    """Whether every customer has stored figures (CustomerFigures) as of `as_of`: then the report
    may read them instead of summing the ledger."""
    stale = CustomerFigures.objects.filter(Q(as_of__lt=as_of) | Q(as_of__gt=as_of))
    return not stale.exists() and CustomerFigures.objects.count() == Customer.objects.count()


def figures_drift(*, as_of: datetime.date, shown: int = 20) -> FiguresDrift:
    """The customers whose stored running figures are missing, out of date or differ from the
    ledger (pnl_by_customer over the T12M ending `as_of`), compared in chunks of customer ids."""
    start, end = t12m_window(as_of)
    count, examples = 0, []

    def found(text: str) -> None:
        nonlocal count
        count += 1
        if len(examples) < shown:
            examples.append(text)

    for pk in Customer.objects.filter(figures__isnull=True).order_by("pk").values_list("pk", flat=True):
        found(_("customer #%(id)s: no running figures stored") % {"id": pk})
    for pk, day in CustomerFigures.objects.exclude(as_of=as_of).order_by("pk").values_list("pk", "as_of"):
        found(_("customer #%(id)s: running figures as of %(day)s") % {"id": pk, "day": day.isoformat()})
    last = 0
    while True:
        stored = list(CustomerFigures.objects.filter(customer_id__gt=last, as_of=as_of).order_by("pk")[:CHECK_CHUNK])
        if not stored:
            return FiguresDrift(count=count, examples=examples)
        last = stored[-1].pk
        chunk = Customer.objects.filter(pk__gte=stored[0].pk, pk__lte=last)
        source = pnl_by_customer(customers=chunk, start=start, end=end)
        for row in stored:
            pnl = source.get(row.pk, ProfitAndLoss())
            wrong = [f for f in CustomerFigures.FIGURES if getattr(row, f) != getattr(pnl, f)]
            if wrong:
                found(
                    _("customer #%(id)s: %(figure)s %(stored)s stored, %(source)s in the ledger")
                    % {
                        "id": row.pk,
                        "figure": CustomerFigures._meta.get_field(wrong[0]).verbose_name,
                        "stored": format_money(getattr(row, wrong[0])),
                        "source": format_money(getattr(pnl, wrong[0])),
                    }
                )


def _sql(queryset: QuerySet) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


class ProfitabilityRows(SqlRows):
    """The report's rows (custnotes.rows): a row is a dict of the customer and its P&L
    (pnl_figures): the ratios are ProfitAndLoss's, as everywhere; SQL only sorts by them.
    Two kinds: FiguresRows read the stored running figures, LedgerRows sum the ledger's sources."""

    model = Customer  # what the rows are: django-tables2 names them by its verbose name
    figures_stale = False  # the T12M as of today summed from the ledger: the stored figures are behind

    def __init__(self, *, customers: QuerySet[Customer]):
        super().__init__()
        self.customers = customers.prefetch_related(None)

    def _count_rows(self) -> int:
        return self.customers.order_by().count()

    def _rows(self, start, stop, chunked):
        return (self._row(values) for values in self._values(start, stop, chunked))

    def _values(self, start: int, stop: int | None, chunked: bool):
        """The rows' values (dicts: pk, name, team_name, industry_ref, customer_type and the six
        figures as money) from `start` to `stop`, in the set's order."""
        raise NotImplementedError

    def totals(self) -> ProfitAndLoss:
        raise NotImplementedError

    @cached_property
    def _labels(self) -> tuple[dict, dict]:
        return {industry.pk: str(industry) for industry in Industry.objects.all()}, dict(CustomerType.choices)

    def _row(self, values: dict) -> dict:
        industries, types = self._labels
        pnl = ProfitAndLoss(**{figure: values[figure] for figure in PNL_FIGURES})
        return {
            "pk": values["pk"],
            "name": values["name"],
            "team": values["team_name"],
            "industry": industries.get(values["industry_ref"], ""),
            "customer_type": types.get(values["customer_type"], values["customer_type"]),
            **pnl_figures(pnl),
        }


class FiguresRows(ProfitabilityRows):
    """Over the T12M ending on `as_of`, from the stored running figures (every customer's are as of
    that day: figures_fresh): a sorted page reads the figures' index for the sort."""

    COLUMNS = {  # sort keys -> the field paths that order them
        "pk": "pk",
        "name": "name",
        "team": "team__name",
        "industry": "industry__name",
        "customer_type": "customer_type",
        **{figure: f"figures__{figure}" for figure in (*PNL_FIGURES, "gross_margin", "contribution_profit")},
        "margin_pct": "figures__margin_key",
        "marketing_roi": "figures__roi_key",
    }
    NULLABLE = frozenset({"industry__name", "figures__margin_key", "figures__roi_key"})

    def __init__(self, *, customers: QuerySet[Customer], as_of: datetime.date):
        super().__init__(customers=customers)
        self.as_of = as_of

    def _queryset(self) -> QuerySet:
        return self.customers.filter(figures__as_of=self.as_of)

    def _values(self, start, stop, chunked):
        ordering = []
        for key in (*self.order, *self.TIEBREAK):
            path = self.COLUMNS[key.lstrip("-")]
            nulls = {"nulls_last": True} if path in self.NULLABLE else {}
            ordering.append(F(path).desc(**nulls) if key.startswith("-") else F(path).asc(**nulls))
        rows = (
            self._queryset()
            .order_by(*ordering)
            .values(
                "pk",
                "name",
                "customer_type",
                team_name=F("team__name"),
                industry_ref=F("industry_id"),
                **{figure: F(f"figures__{figure}") for figure in PNL_FIGURES},
            )
        )
        if chunked:
            return rows.iterator(chunk_size=self.CHUNK)
        return rows[start:stop]

    def totals(self) -> ProfitAndLoss:
        sums = self._queryset().aggregate(**{figure: money_sum(f"figures__{figure}") for figure in PNL_FIGURES})
        return ProfitAndLoss(**sums)


def _column(name: str) -> str:
    return f"b.{name}"


class LedgerRows(ProfitabilityRows):
    """Over any window, summed from the ledger: the customers left-joined to the grouped queries
    of pnl_sources (one row per customer each), sorted and paged in one statement."""

    COLUMNS = {  # sort keys -> the column of the statement that orders them
        "pk": "pk",
        "name": "name",
        "team": "team_name",
        "industry": "industry_name",
        "customer_type": "customer_type",
        **{figure: figure for figure in (*PNL_FIGURES, "gross_margin", "contribution_profit")},
        "margin_pct": "margin_key",
        "marketing_roi": "roi_key",
    }
    NULLABLE = frozenset({"industry_name", "margin_key", "roi_key"})
    # the sort keys CustomerFigures stores as generated columns, from the same terms
    DERIVED = (
        f"{signed_sum_sql(GROSS_MARGIN, _column)} AS gross_margin",
        f"{signed_sum_sql(CONTRIBUTION, _column)} AS contribution_profit",
        *(
            f"CASE WHEN b.{denominator} = 0 THEN NULL "
            f"ELSE 1.0 * ({signed_sum_sql(terms, _column)}) / b.{denominator} END AS {name}"
            for name, (terms, denominator) in (("margin_key", MARGIN_RATIO), ("roi_key", ROI_RATIO))
        ),
    )

    def __init__(self, *, customers: QuerySet[Customer], start: datetime.date, end: datetime.date):
        super().__init__(customers=customers)
        ids = self.customers.order_by().values("pk")
        self.sources = pnl_sources(ids=ids, start=start, end=end)

    def _base(self) -> tuple[str, list]:
        """One row per customer: who they are and their six P&L figures in fen (0 where no source has any)."""
        people, params = _sql(
            self.customers.order_by().values(
                cid=F("pk"),
                cname=F("name"),
                team_name=F("team__name"),
                industry_ref=F("industry_id"),
                industry_name=F("industry__name"),
                ctype=F("customer_type"),
            )
        )
        joins, sums = [], {figure: [] for figure in PNL_FIGURES}
        for i, source in enumerate(self.sources):
            sql, source_params = _sql(source)
            joins.append(f"LEFT JOIN ({sql}) s{i} ON s{i}.customer_id = c.cid")
            params += source_params
            for name in source.query.annotation_select:
                sums[name].append(f"COALESCE(s{i}.{name}, 0)")
        figures = ", ".join(f"{' + '.join(terms) or '0'} AS {figure}" for figure, terms in sums.items())
        sql = (
            "SELECT c.cid AS pk, c.cname AS name, c.team_name, c.industry_ref, c.industry_name, "  # noqa: S608 - our names, values bound
            f"c.ctype AS customer_type, {figures} FROM ({people}) c {' '.join(joins)}"
        )
        return sql, params

    def _values(self, start, stop, chunked):
        base, params = self._base()
        sql = (
            f"SELECT * FROM (SELECT b.*, {', '.join(self.DERIVED)} FROM ({base}) b) r "  # noqa: S608 - our names, values bound
            f"ORDER BY {self.order_sql()}"
        )
        for values in self.fetch(self.page_sql(sql, start, stop), params, chunked):
            yield {**values, **{figure: from_fen(values[figure]) for figure in PNL_FIGURES}}

    def totals(self) -> ProfitAndLoss:
        """The P&L of all the rows: one aggregate over the same rows."""
        base, params = self._base()
        sums = ", ".join(f"SUM({figure})" for figure in PNL_FIGURES)
        row = self.fetch_one(f"SELECT {sums} FROM ({base}) b", params)  # noqa: S608 - our names, values bound
        return ProfitAndLoss(**{figure: from_fen(value) for figure, value in zip(PNL_FIGURES, row, strict=True)})


def pnl_figures(pnl: ProfitAndLoss) -> dict:
    """A P&L's figures by the report's column names."""
    return {
        "revenue": pnl.revenue,
        "cost_of_goods": pnl.cost_of_goods,
        "gross_margin": pnl.gross_margin,
        "cost_unknown_revenue": pnl.cost_unknown_revenue,
        "payment_fees": pnl.payment_fees,
        "marketing_cost": pnl.marketing_cost,
        "service_cost": pnl.service_cost,
        "contribution_profit": pnl.contribution_profit,
        "margin_pct": pnl.margin_pct,
        "marketing_roi": pnl.marketing_roi,
    }


def profitability(
    *, customers: QuerySet[Customer], start: datetime.date, end: datetime.date, today: datetime.date | None = None
) -> tuple[ProfitabilityRows, ProfitAndLoss]:
    """The profitability report: its rows (sorted and paged in SQL, see ProfitabilityRows) and their
    totals. Over the T12M ending today it reads the stored running figures when every customer's
    are current; over any other window, or while they are not, it sums the ledger (pnl_sources)."""
    today = today or timezone.localdate()
    if (start, end) != t12m_window(today):
        rows = LedgerRows(customers=customers, start=start, end=end)
    elif figures_fresh(as_of=today):
        rows = FiguresRows(customers=customers, as_of=today)
    else:
        rows = LedgerRows(customers=customers, start=start, end=end)
        rows.figures_stale = True
    return rows, rows.totals()
