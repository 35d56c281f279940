import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from custnotes.filters import SearchFilter

from .choices import AlertKind, Level
from .models import RiskAlert


class RiskAlertFilterSet(django_filters.FilterSet):
    q = SearchFilter(search_fields=("customer__name", "customer__company"))
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices, label=_("kind"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("level"))
    state = django_filters.ChoiceFilter(
        label=_("state"),
        method="filter_state",
        empty_label=None,
        choices=[
            ("open", _("Not resolved")),
            ("unacknowledged", _("Open, not acknowledged")),
            ("resolved", _("Resolved")),
            ("all", _("All")),
        ],
    )
    mine = django_filters.BooleanFilter(label=_("assigned to me"), method="filter_mine", widget=forms.CheckboxInput)

    class Meta:
        model = RiskAlert
        fields = ["q", "kind", "level", "state", "mine"]

    def __init__(self, data=None, *args, user=None, **kwargs):
        # Open alerts unless another state is asked for.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("state"):
            data["state"] = "open"
        super().__init__(data, *args, **kwargs)
        self.user = user

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(resolved_at__isnull=True)
        if value == "unacknowledged":
            return queryset.filter(resolved_at__isnull=True, acknowledged_at__isnull=True)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assigned_to=self.user) if value and self.user else queryset
