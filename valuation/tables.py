import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from custnotes.tables import MoneyColumn, PercentColumn

from . import selectors
from .choices import HistoryNote
from .models import CustomerValuation


class ModelFigureMixin:
    """A column of a model figure: for a customer too new to predict, the note in its place rather
    than a bare "—" (the other notes leave the dash; the note column says why)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        if value is None:
            return record.get_history_note_display() if record.history_note == HistoryNote.TOO_NEW else "—"
        return super().render(value)


class ModelMoneyColumn(ModelFigureMixin, MoneyColumn):
    pass


class ModelPercentColumn(ModelFigureMixin, PercentColumn):
    pass


class CustomerValuationTable(tables.Table):
    customer = tables.Column(linkify=True, verbose_name=_("customer"), order_by=("customer__name",))
    team = tables.Column(accessor="customer__team__name", verbose_name=_("team"))
    current_value = MoneyColumn(verbose_name=_("current value"))
    t12m_contribution = MoneyColumn(verbose_name=_("T12M contribution profit"))
    expected_value = ModelMoneyColumn(verbose_name=_("expected purchase value"))
    predicted_value = ModelMoneyColumn(verbose_name=_("predicted 12-month value"))
    potential_value = ModelMoneyColumn(verbose_name=_("potential value"))
    p_alive = ModelPercentColumn(verbose_name=_("P(alive)"))
    expected_purchases = tables.Column(
        verbose_name=_("expected purchases (12 months)"), attrs={"td": {"class": "text-end"}}, empty_values=()
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

    def render_expected_purchases(self, value, record):
        if value is None:
            return record.get_history_note_display() if record.history_note == HistoryNote.TOO_NEW else "—"
        return f"{value:.2f}"

    # The model figures sort with the customers that have none (too new, no model) last either way,
    # on SQLite and PostgreSQL alike: they must never top a "most potential" list.
    def order_potential_value(self, queryset, is_descending):
        return selectors.valuation_ordered(queryset, "potential_value", descending=is_descending), True

    def order_predicted_value(self, queryset, is_descending):
        return selectors.valuation_ordered(queryset, "predicted_value", descending=is_descending), True

    def order_expected_value(self, queryset, is_descending):
        return selectors.valuation_ordered(queryset, "expected_value", descending=is_descending), True

    def order_expected_purchases(self, queryset, is_descending):
        return selectors.valuation_ordered(queryset, "expected_purchases", descending=is_descending), True

    def order_p_alive(self, queryset, is_descending):
        return selectors.valuation_ordered(queryset, "p_alive", descending=is_descending), True

    def value_p_alive(self, value):
        return value

    def value_expected_purchases(self, value):
        return value
