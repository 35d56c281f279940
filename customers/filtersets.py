import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from custnotes.filters import SearchFilter

from .choices import CustomerType
from .models import Customer, Industry, Tag, Team
from .selectors import SEARCH_FIELDS


class CustomerFilterSet(django_filters.FilterSet):
    """Filters of the customer list. Archived customers are hidden unless asked for."""

    q = SearchFilter(search_fields=SEARCH_FIELDS)
    customer_type = django_filters.ChoiceFilter(choices=CustomerType.choices, label=_("customer type"))
    industry = django_filters.ModelChoiceFilter(queryset=Industry.objects.all(), label=_("industry"))
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("team"))
    owner = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True, teams__isnull=False).distinct(),
        label=_("owner"),
    )
    tags = django_filters.ModelChoiceFilter(queryset=Tag.objects.all(), label=_("tags"))
    archived = django_filters.BooleanFilter(
        field_name="is_archived",
        label=_("archived"),
        method="filter_archived",
        widget=forms.Select(choices=[("", _("Active only")), ("true", _("Archived only")), ("all", _("All"))]),
    )

    class Meta:
        model = Customer
        fields = ["q", "customer_type", "industry", "team", "owner", "tags", "archived"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import team_choices

        if user is not None:
            self.filters["team"].queryset = team_choices(user=user)

    def filter_archived(self, queryset, name, value):
        return queryset.filter(is_archived=value)

    @property
    def qs(self):
        queryset = super().qs
        if self.data.get("archived") in (None, ""):
            queryset = queryset.filter(is_archived=False)
        return queryset
