from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custnotes.forms import form_helper
from customers.selectors import customer_list
from customers.widgets import CustomerPicker
from transactions.forms import money_form_field

from .calculations import month_window, quarter_window, t12m_window
from .choices import AllocationRule, CostFamily, Period
from .models import CostCategory
from .selectors import category_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CostEntryForm(forms.Form):
    category = forms.ModelChoiceField(label=_("category"), queryset=CostCategory.objects.none())
    amount = money_form_field(_("amount"))
    date = forms.DateField(label=_("date"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("memo"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_choices(user=user)
        self.helper = form_helper()
        self.helper.layout = Layout(
            Row(
                Column("category", css_class="col-md-4"),
                Column("amount", css_class="col-md-4"),
                Column("date", css_class="col-md-4"),
            ),
            "note",
        )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    starts_on = forms.DateField(label=_("starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("ends on"), widget=DATE)
    total_cost = money_form_field(_("total cost"))
    category = forms.ModelChoiceField(
        label=_("category"), queryset=CostCategory.objects.filter(is_active=True, family=CostFamily.MARKETING)
    )
    allocation_rule = forms.ChoiceField(label=_("cost split"), choices=AllocationRule.choices)
    targets = forms.ModelMultipleChoiceField(
        label=_("target customers"),
        queryset=None,
        widget=CustomerPicker,
        help_text=_("Search, then tick the customers the campaign targets; untick one to leave it out."),
    )
    note = forms.CharField(label=_("memo"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = customer_list(user=user, include_archived=False).prefetch_related(None)
        self.helper = form_helper()
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-6"), Column("category", css_class="col-md-6")),
            Row(
                Column("starts_on", css_class="col-md-4"),
                Column("ends_on", css_class="col-md-4"),
                Column("total_cost", css_class="col-md-4"),
            ),
            "allocation_rule",
            "targets",
            "note",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return cleaned


class WindowForm(forms.Form):
    """The window of a P&L: this month, this quarter, the last 12 months or custom dates."""

    period = forms.ChoiceField(label=_("period"), choices=Period.choices, required=False, initial=Period.T12M)
    date_from = forms.DateField(label=_("from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("to"), required=False, widget=DATE)

    def window(self, as_of=None):
        """(start, end, period) — T12M by default or when the input is not usable."""
        as_of = as_of or timezone.localdate()
        period = Period.T12M
        if self.is_valid():
            period = self.cleaned_data.get("period") or Period.T12M
            if period == Period.CUSTOM:
                start, end = self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
                if start and end and start <= end:
                    return start, end, period
                period = Period.T12M
        if period == Period.MONTH:
            return (*month_window(as_of), period)
        if period == Period.QUARTER:
            return (*quarter_window(as_of), period)
        return (*t12m_window(as_of), Period.T12M)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") == Period.CUSTOM:
            start, end = cleaned.get("date_from"), cleaned.get("date_to")
            if not start or not end:
                raise forms.ValidationError(_("A custom window needs both dates."))
            if end < start:
                raise forms.ValidationError(_("The window cannot end before it starts."))
        return cleaned
