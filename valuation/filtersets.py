import django_filters
from django.utils.translation import gettext_lazy as _

from custnotes.filters import SearchFilter

from .choices import Segment, Tier
from .models import CustomerValuation


class ValuationFilterSet(django_filters.FilterSet):
    q = SearchFilter(search_fields=("customer__name", "customer__company"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("tier"))
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label=_("segment"))
    team = django_filters.ModelChoiceFilter(field_name="customer__team", queryset=None, label=_("team"))

    class Meta:
        model = CustomerValuation
        fields = ["q", "tier", "segment", "team"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from customers.selectors import team_choices

        self.filters["team"].queryset = team_choices(user=user)
