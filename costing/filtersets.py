import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from custnotes.filters import SearchFilter
from customers.choices import CustomerType
from customers.models import Customer, Industry

from .choices import CostFamily
from .models import Campaign, CostCategory, CostEntry

DATE = forms.DateInput(attrs={"type": "date"})


class CostEntryFilterSet(django_filters.FilterSet):
    q = SearchFilter(search_fields=("customer__name", "customer__company", "note"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("from"), widget=DATE)
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("to"), widget=DATE)
    family = django_filters.ChoiceFilter(field_name="category__family", choices=CostFamily.choices, label=_("family"))
    category = django_filters.ModelChoiceFilter(queryset=CostCategory.objects.all(), label=_("category"))

    class Meta:
        model = CostEntry
        fields = ["q", "date_from", "date_to", "family", "category"]


class ProfitabilityFilterSet(django_filters.FilterSet):
    """Which customers the profitability report covers (the window is a separate form)."""

    q = SearchFilter(search_fields=("name", "company"))
    team = django_filters.ModelChoiceFilter(queryset=None, label=_("team"))
    industry = django_filters.ModelChoiceFilter(queryset=Industry.objects.all(), label=_("industry"))
    customer_type = django_filters.ChoiceFilter(choices=CustomerType.choices, label=_("customer type"))

    class Meta:
        model = Customer
        fields = ["q", "team", "industry", "customer_type"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from customers.selectors import team_choices

        self.filters["team"].queryset = team_choices(user=user)


class CampaignFilterSet(django_filters.FilterSet):
    q = SearchFilter(search_fields=("name", "note"))
    starts_from = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte", label=_("from"), widget=DATE)
    starts_to = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte", label=_("to"), widget=DATE)

    class Meta:
        model = Campaign
        fields = ["q", "starts_from", "starts_to"]
