import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from custnotes.tables import MoneyColumn, PercentColumn, format_person

from .models import CreditAssessment, RiskAlert
from .texts import alert_text

LEVEL_BADGES = {"high": "text-bg-danger", "medium": "text-bg-warning", "low": "text-bg-success"}


class LevelColumn(tables.Column):
    """A risk level as a coloured badge. Reads the stored code from the record: the column's value
    is the translated label (the field has choices), which cannot be turned back into a level."""

    def render(self, record, bound_column):
        from django.utils.html import format_html

        from .choices import Level

        code = getattr(record, bound_column.name)
        return format_html('<span class="badge {}">{}</span>', LEVEL_BADGES.get(code, ""), Level(code).label)

    def value(self, record, bound_column):
        from .choices import Level

        return str(Level(getattr(record, bound_column.name)).label)


class RiskAlertTable(tables.Table):
    customer = tables.Column(linkify=True, verbose_name=_("customer"), order_by=("customer__name",))
    level = LevelColumn(verbose_name=_("level"))
    what = tables.Column(verbose_name=_("what"), accessor="pk", orderable=False)
    opened_at = tables.DateTimeColumn(format="Y-m-d", verbose_name=_("opened"))
    actions = tables.TemplateColumn(
        template_name="risk/includes/alert_actions.html",
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = RiskAlert
        fields = (
            "customer",
            "kind",
            "level",
            "what",
            "assigned_to",
            "opened_at",
            "last_seen_as_of",
            "acknowledged_by",
            "acknowledgement",
            "resolved_at",
            "actions",
        )
        order_by = ("-opened_at",)
        empty_text = _("No alerts.")

    def render_what(self, record):
        return alert_text(record)

    def render_assigned_to(self, value):
        return format_person(value)

    def value_assigned_to(self, value):
        return format_person(value)

    def render_acknowledged_by(self, value):
        return format_person(value)

    def value_acknowledged_by(self, value):
        return format_person(value)

    def value_what(self, record):
        return alert_text(record)


class DebtorTable(tables.Table):
    """Top overdue debtors of the latest run."""

    customer = tables.Column(linkify=True, verbose_name=_("customer"), order_by=("customer__name",))
    open_total = MoneyColumn(verbose_name=_("open receivables"))
    d31_60 = MoneyColumn(verbose_name=_("31–60 days"))
    d61_90 = MoneyColumn(verbose_name=_("61–90 days"))
    over_90 = MoneyColumn(verbose_name=_("Over 90 days"))
    credit_limit = MoneyColumn(verbose_name=_("credit limit"))
    late_share = PercentColumn(verbose_name=_("paid late (T12M)"))
    level = LevelColumn(verbose_name=_("credit risk"))

    class Meta:
        model = CreditAssessment
        fields = (
            "customer",
            "open_total",
            "d31_60",
            "d61_90",
            "over_90",
            "credit_limit",
            "late_share",
            "dso",
            "level",
        )
        orderable = False
