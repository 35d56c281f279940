"""Ledger forms: validation and layout; the ledger rules themselves are in services/calculations."""

from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custnotes.forms import form_helper
from custnotes.money import MAX_DIGITS

from .models import PaymentMethod
from .selectors import payment_method_list


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def money_form_field(label, **kwargs) -> forms.DecimalField:
    field = forms.DecimalField(label=label, max_digits=MAX_DIGITS, decimal_places=2, **kwargs)
    field.widget.attrs.update(step="0.01", inputmode="decimal")
    return field


class SaleForm(forms.Form):
    occurred_at = forms.DateTimeField(label=_("date of sale"), widget=DateTimeLocalInput(), initial=_now_local)
    product = forms.CharField(label=_("product or service"), max_length=200)
    amount = money_form_field(_("amount"))
    cost_of_goods = money_form_field(_("cost of goods"), required=False)
    due_date = forms.DateField(
        label=_("due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: the date of sale plus the customer's payment terms."),
    )
    confirm_risk = forms.BooleanField(label=_("Record it anyway"), required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["due_date"].help_text = _("Empty: the date of sale plus %(days)s days (the customer's terms).") % {
            "days": customer.payment_terms_days
        }
        self.helper = form_helper()
        self.helper.layout = Layout(
            Row(Column("occurred_at", css_class="col-md-4"), Column("product", css_class="col-md-8")),
            Row(
                Column("amount", css_class="col-md-4"),
                Column("cost_of_goods", css_class="col-md-4"),
                Column("due_date", css_class="col-md-4"),
            ),
        )


class PaymentForm(forms.Form):
    """A receipt. `allocate` chooses oldest-due-first or the per-sale amounts typed by hand."""

    received_at = forms.DateTimeField(label=_("date received"), widget=DateTimeLocalInput(), initial=_now_local)
    amount = money_form_field(_("amount"))
    method = forms.ModelChoiceField(label=_("method"), queryset=PaymentMethod.objects.none())
    reference = forms.CharField(label=_("reference"), max_length=100, required=False)
    note = forms.CharField(label=_("memo"), max_length=300, required=False)
    allocate = forms.ChoiceField(
        label=_("allocation"),
        choices=[("auto", _("Oldest due first")), ("manual", _("By hand"))],
        initial="auto",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, open_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].queryset = payment_method_list(active_only=True)
        self.open_items = list(open_items)
        for item in self.open_items:
            self.fields[f"alloc_{item.sale_id}"] = money_form_field(
                _("Sale #%(id)s") % {"id": item.sale_id}, required=False
            )
        self.helper = form_helper()
        self.helper.layout = Layout(
            Row(
                Column("received_at", css_class="col-md-4"),
                Column("amount", css_class="col-md-4"),
                Column("method", css_class="col-md-4"),
            ),
            Row(Column("reference", css_class="col-md-4"), Column("note", css_class="col-md-8")),
            "allocate",
        )

    def manual_allocations(self) -> dict[int, object] | None:
        if self.cleaned_data.get("allocate") != "manual":
            return None
        return {
            item.sale_id: self.cleaned_data[f"alloc_{item.sale_id}"]
            for item in self.open_items
            if self.cleaned_data.get(f"alloc_{item.sale_id}") not in (None, "")
        }

    def allocation_fields(self):
        return [(item, self[f"alloc_{item.sale_id}"]) for item in self.open_items]


class RefundForm(forms.Form):
    received_at = forms.DateTimeField(label=_("date paid back"), widget=DateTimeLocalInput(), initial=_now_local)
    amount = money_form_field(_("amount"))
    method = forms.ModelChoiceField(label=_("method"), queryset=PaymentMethod.objects.none())
    reference = forms.CharField(label=_("reference"), max_length=100, required=False)
    note = forms.CharField(label=_("memo"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].queryset = payment_method_list(active_only=True)
        self.helper = form_helper()


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("reason for voiding"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class PaymentMethodForm(forms.ModelForm):
    class Meta:
        model = PaymentMethod
        fields = ["name", "name_en", "fee_rate", "fixed_fee", "settlement_days", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
