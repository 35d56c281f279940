import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from custnotes.tables import MoneyColumn, PercentColumn

from .models import CustomerValuation


class CustomerValuationTable(tables.Table):
    customer = tables.Column(linkify=True, verbose_name=_("customer"), order_by=("customer__name",))
    team = tables.Column(accessor="customer__team__name", verbose_name=_("team"))
    current_value = MoneyColumn(verbose_name=_("current value"))
    t12m_contribution = MoneyColumn(verbose_name=_("T12M contribution profit"))
    expected_value = MoneyColumn(verbose_name=_("expected purchase value"))
    predicted_value = MoneyColumn(verbose_name=_("predicted 12-month value"))
    potential_value = MoneyColumn(verbose_name=_("potential value"))
    p_alive = PercentColumn(verbose_name=_("P(alive)"))
    expected_purchases = tables.Column(
        verbose_name=_("expected purchases (12 months)"), attrs={"td": {"class": "text-end"}}
    )

    class Meta:
        model = CustomerValuation
        fields = (
            "customer",
            "team",
            "tier",
            "segment",
            "current_value",
            "t12m_purchases",
            "t12m_contribution",
            "recency_days",
            "r_score",
            "f_score",
            "m_score",
            "p_alive",
            "expected_purchases",
            "expected_value",
            "predicted_value",
            "potential_value",
            "history_note",
        )
        order_by = ("-potential_value",)
        empty_text = _("No valuation yet: start a re-scoring run.")

    def render_expected_purchases(self, value):
        return f"{value:.2f}"

    def value_p_alive(self, value):
        return value

    def value_expected_purchases(self, value):
        return value
