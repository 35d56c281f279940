import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custnotes.dates import local_days
from custnotes.filters import SearchFilter
from customers.models import Customer

from .choices import PaymentKind, SaleStatus
from .models import Payment, PaymentMethod, Sale

DATE = forms.DateInput(attrs={"type": "date"})


class LocalDaysMixin:
    """date_from / date_to on a timestamp: local days as a timestamp range (custnotes.dates.local_days),
    so that the index on the timestamp serves them."""

    def filter_from(self, queryset, name, value):
        return queryset.filter(local_days(name, value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(local_days(name, last=value))


class SaleFilterSet(LocalDaysMixin, django_filters.FilterSet):
    """Filters of the sales list. Status is derived, so it filters the annotation of the selector."""

    q = SearchFilter(search_fields=("customer__name", "customer__company", "product"))
    # one customer's sales (the notebook links here): an id, never a dropdown of every customer
    customer = django_filters.NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    date_from = django_filters.DateFilter(field_name="occurred_at", method="filter_from", label=_("from"), widget=DATE)
    date_to = django_filters.DateFilter(field_name="occurred_at", method="filter_to", label=_("to"), widget=DATE)
    status = django_filters.ChoiceFilter(choices=SaleStatus.choices, label=_("status"))
    overdue = django_filters.BooleanFilter(label=_("overdue only"), method="filter_overdue", widget=forms.CheckboxInput)
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label=_("amount from"))
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label=_("amount to"))

    class Meta:
        model = Sale
        fields = ["q", "date_from", "date_to", "status", "overdue", "amount_min", "amount_max"]

    def filter_overdue(self, queryset, name, value):
        # overdue = open and past due: the running open amount and the due date (a partial index)
        return queryset.filter(open_amount__gt=0, due_date__lt=timezone.localdate()) if value else queryset


class PaymentFilterSet(LocalDaysMixin, django_filters.FilterSet):
    q = SearchFilter(search_fields=("customer__name", "customer__company", "reference"))
    customer = django_filters.NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    date_from = django_filters.DateFilter(field_name="received_at", method="filter_from", label=_("from"), widget=DATE)
    date_to = django_filters.DateFilter(field_name="received_at", method="filter_to", label=_("to"), widget=DATE)
    method = django_filters.ModelChoiceFilter(queryset=PaymentMethod.objects.all(), label=_("method"))
    kind = django_filters.ChoiceFilter(choices=PaymentKind.choices, label=_("kind"))
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte", label=_("amount from"))
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte", label=_("amount to"))

    class Meta:
        model = Payment
        fields = ["q", "date_from", "date_to", "method", "kind", "amount_min", "amount_max"]


class AgingFilterSet(django_filters.FilterSet):
    """The aging report filters customers; the as-of date is read by the view."""

    q = SearchFilter(search_fields=("name", "company"))
    team = django_filters.ModelChoiceFilter(field_name="team", queryset=None, label=_("team"))

    class Meta:
        model = Customer
        fields = ["q", "team"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from customers.selectors import team_choices

        self.filters["team"].queryset = team_choices(user=user)


class PaymentMethodFilterSet(django_filters.FilterSet):
    q = SearchFilter(search_fields=("name", "name_en"))
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = PaymentMethod
        fields = ["q", "is_active"]
