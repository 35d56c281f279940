import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from custnotes.tables import MoneyColumn, TotalsTable, money_total

from .models import Payment, PaymentMethod, Sale

STATUS_BADGES = {
    "open": "text-bg-light border",
    "partly_paid": "text-bg-info",
    "paid": "text-bg-success",
    "overdue": "text-bg-danger",
    "void": "text-bg-secondary",
}


class SaleTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name="#")
    occurred_at = tables.DateTimeColumn(format="Y-m-d", verbose_name=_("date of sale"))
    customer = tables.Column(linkify=True, verbose_name=_("customer"), order_by=("customer__name",))
    amount = MoneyColumn(verbose_name=_("amount"))
    # a sale without a cost of goods: shown as such on the page, a blank money cell in the export
    cost_of_goods = MoneyColumn(verbose_name=_("cost of goods"), default=_("cost unknown"))
    paid = MoneyColumn(verbose_name=_("paid"))
    open_amount = MoneyColumn(verbose_name=_("open"))
    due_date = tables.DateColumn(format="Y-m-d", verbose_name=_("due date"))
    # the status depends on today (overdue: unsettled and past due), so it sorts by the stored
    # settlement and the due date (an index): unpaid, then partly paid (overdue first), paid, void
    status = tables.Column(verbose_name=_("status"), order_by=("settlement", "due_date"))

    class Meta:
        model = Sale
        fields = (
            "id",
            "occurred_at",
            "customer",
            "product",
            "amount",
            "cost_of_goods",
            "paid",
            "open_amount",
            "due_date",
            "status",
            "void_reason",
        )
        order_by = ("-occurred_at",)
        empty_text = _("No sales match these filters.")

    def render_status(self, value):
        from django.utils.html import format_html

        from .choices import SaleStatus

        return format_html('<span class="badge {}">{}</span>', STATUS_BADGES.get(value, ""), SaleStatus(value).label)

    def value_status(self, value):
        from .choices import SaleStatus

        return str(SaleStatus(value).label)


class PaymentTable(tables.Table):
    id = tables.Column(verbose_name="#")
    received_at = tables.DateTimeColumn(format="Y-m-d", verbose_name=_("date"))
    customer = tables.Column(linkify=True, verbose_name=_("customer"), order_by=("customer__name",))
    amount = MoneyColumn(verbose_name=_("amount"))
    fee = MoneyColumn(verbose_name=_("fee"))
    unallocated = MoneyColumn(verbose_name=_("credit left"), order_by=("unallocated_to_date",))
    settles_on = tables.DateColumn(format="Y-m-d", verbose_name=_("settles on"))
    actions = tables.TemplateColumn(
        template_name="transactions/includes/payment_actions.html",
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = Payment
        fields = (
            "id",
            "received_at",
            "customer",
            "kind",
            "amount",
            "method",
            "fee",
            "settles_on",
            "reference",
            "unallocated",
            "note",
            "actions",
        )
        order_by = ("-received_at",)
        empty_text = _("No payments match these filters.")


class AgingTable(TotalsTable):
    """One row per customer: open receivables by bucket. Footer totals are the sums of all rows."""

    customer__name = tables.Column(
        verbose_name=_("customer"),
        linkify=("customers:detail", {"pk": tables.A("customer_id")}),
        footer=_("Total"),
    )
    customer__team__name = tables.Column(verbose_name=_("team"))
    open_total = MoneyColumn(verbose_name=_("open receivables"), footer=money_total)
    not_due = MoneyColumn(verbose_name=_("Not yet due"), footer=money_total)
    d1_30 = MoneyColumn(verbose_name=_("1–30 days"), footer=money_total)
    d31_60 = MoneyColumn(verbose_name=_("31–60 days"), footer=money_total)
    d61_90 = MoneyColumn(verbose_name=_("61–90 days"), footer=money_total)
    over_90 = MoneyColumn(verbose_name=_("Over 90 days"), footer=money_total)
    customer__credit_limit = MoneyColumn(verbose_name=_("credit limit"))

    class Meta:
        order_by = ("-open_total",)
        empty_text = _("No open receivables on this date.")


class PaymentMethodTable(tables.Table):
    name = tables.Column(linkify=True)
    fixed_fee = MoneyColumn(verbose_name=_("fixed fee"))

    class Meta:
        model = PaymentMethod
        fields = ("name", "name_en", "fee_rate", "fixed_fee", "settlement_days", "is_active")
        empty_text = _("No payment methods.")
