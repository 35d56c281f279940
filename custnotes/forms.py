"""Forms shared across apps: sign-in, and the crispy helper every form uses."""

import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custnotes.dates import earliest_date, too_early_message


def form_helper(*, tag: bool = False) -> FormHelper:
    """The crispy helper of every form: the template renders <form>, csrf and buttons itself."""
    helper = FormHelper()
    helper.form_tag = tag
    helper.disable_csrf = True  # the page's <form> carries the token
    return helper


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
        self.fields["username"].widget.attrs.update(autofocus=True, autocomplete="username")


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class AsOfForm(forms.Form):
    """The as-of date of a page's figures: today unless a valid past date is given."""

    as_of = forms.DateField(
        label=_("as of"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_as_of(self):
        value = self.cleaned_data.get("as_of")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The as-of date cannot be in the future."), code="future")
        if value and value < earliest_date():
            raise forms.ValidationError(too_early_message(), code="past")
        return value

    def as_of_date(self) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx) or one sheet as CSV"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper()

    def clean_file(self):
        from django.conf import settings

        from custnotes.importing import too_large_message

        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload
