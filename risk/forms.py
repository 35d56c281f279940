from django import forms
from django.utils.translation import gettext_lazy as _

from custnotes.forms import form_helper
from customers.choices import Competition, Outlook
from transactions.forms import money_form_field


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("what is being done"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class ProposalDecisionForm(forms.Form):
    credit_limit = money_form_field(_("credit limit"), min_value=0)
    payment_terms_days = forms.IntegerField(label=_("payment terms (days)"), min_value=0, max_value=365)
    require_prepayment = forms.BooleanField(label=_("prepayment required"), required=False)
    require_guarantee = forms.BooleanField(label=_("guarantee required"), required=False)
    note = forms.CharField(label=_("decision note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class IndustryOutlookForm(forms.Form):
    outlook = forms.ChoiceField(label=_("outlook"), choices=Outlook.choices)
    competition = forms.ChoiceField(label=_("competition"), choices=Competition.choices)
    reason = forms.CharField(label=_("why"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class RiskSettingsForm(forms.Form):
    block_risky_sales = forms.BooleanField(
        label=_("Refuse sales over the credit limit or to customers at high credit risk (instead of warning)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
