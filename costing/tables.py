import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from custnotes.tables import MoneyColumn, PercentColumn, TotalsTable, format_percent, money_total, percent_total

from .calculations import campaign_roi
from .models import Campaign, CostEntry


class CostEntryTable(tables.Table):
    date = tables.DateColumn(format="Y-m-d", verbose_name=_("date"))
    customer = tables.Column(linkify=True, verbose_name=_("customer"), order_by=("customer__name",))
    amount = MoneyColumn(verbose_name=_("amount"))
    family = tables.Column(accessor="category__family", verbose_name=_("family"), orderable=False)

    class Meta:
        model = CostEntry
        fields = ("date", "customer", "category", "family", "amount", "note", "created_by")
        order_by = ("-date",)
        empty_text = _("No costs recorded.")

    def render_family(self, record):
        return record.category.get_family_display()

    def value_family(self, record):
        return str(record.category.get_family_display())


class ProfitabilityTable(TotalsTable):
    """One row per customer over the chosen window; every figure sortable; totals = sum of rows."""

    name = tables.Column(
        verbose_name=_("customer"), linkify=("customers:detail", {"pk": tables.A("pk")}), footer=_("Total")
    )
    team = tables.Column(verbose_name=_("team"))
    industry = tables.Column(verbose_name=_("industry"))
    customer_type = tables.Column(verbose_name=_("customer type"))
    revenue = MoneyColumn(verbose_name=_("revenue"), footer=money_total)
    cost_of_goods = MoneyColumn(verbose_name=_("cost of goods"), footer=money_total)
    gross_margin = MoneyColumn(verbose_name=_("gross margin"), footer=money_total)
    # part of the revenue, from sales without a cost of goods: the gross margin counts it in full
    cost_unknown_revenue = MoneyColumn(verbose_name=_("revenue without cost of goods"), footer=money_total)
    payment_fees = MoneyColumn(verbose_name=_("payment fees"), footer=money_total)
    marketing_cost = MoneyColumn(verbose_name=_("marketing cost"), footer=money_total)
    service_cost = MoneyColumn(verbose_name=_("service cost"), footer=money_total)
    contribution_profit = MoneyColumn(verbose_name=_("contribution profit"), footer=money_total)
    margin_pct = PercentColumn(
        verbose_name=_("margin %"),
        footer=percent_total,
    )
    marketing_roi = PercentColumn(
        verbose_name=_("marketing ROI"),
        footer=percent_total,
    )

    FIGURES = (
        "revenue",
        "cost_of_goods",
        "gross_margin",
        "cost_unknown_revenue",
        "payment_fees",
        "marketing_cost",
        "service_cost",
        "contribution_profit",
        "margin_pct",
        "marketing_roi",
    )

    class Meta:
        order_by = ("-contribution_profit",)
        empty_text = _("No customers match these filters.")


class CampaignTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("name"))
    starts_on = tables.DateColumn(format="Y-m-d", verbose_name=_("starts on"))
    ends_on = tables.DateColumn(format="Y-m-d", verbose_name=_("ends on"))
    scoped_cost = MoneyColumn(verbose_name=_("cost"))  # the whole, or a Sales user's customers' share
    target_count = tables.Column(verbose_name=_("targets"))
    target_revenue = MoneyColumn(verbose_name=_("revenue of targets in the period"))
    roi = PercentColumn(verbose_name=_("ROI"), accessor="pk", orderable=False)

    class Meta:
        model = Campaign
        fields = (
            "name",
            "category",
            "starts_on",
            "ends_on",
            "allocation_rule",
            "scoped_cost",
            "target_count",
            "target_revenue",
            "roi",
        )
        order_by = ("-starts_on",)
        empty_text = _("No campaigns yet.")

    def render_roi(self, record):
        return format_percent(campaign_roi(record.target_revenue, record.scoped_cost))

    def value_roi(self, record):
        return campaign_roi(record.target_revenue, record.scoped_cost)
