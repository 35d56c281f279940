import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custnotes.forms import form_helper

from .choices import TimeUnit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HoldoutForm(forms.Form):
    calibration_end = forms.DateField(label=_("fit on purchases up to"), widget=DATE)
    holdout_end = forms.DateField(label=_("predict up to"), widget=DATE)
    unit = forms.ChoiceField(label=_("time unit"), choices=TimeUnit.choices, initial=TimeUnit.WEEKS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["calibration_end"].initial = today - datetime.timedelta(days=182)
        self.fields["holdout_end"].initial = today
        self.helper = form_helper()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("calibration_end"), cleaned.get("holdout_end")
        if start and end:
            if end <= start:
                raise forms.ValidationError(_("The prediction must end after the fitting period."))
            if end > timezone.localdate():
                raise forms.ValidationError(_("The holdout cannot end in the future: nothing to compare yet."))
        return cleaned
