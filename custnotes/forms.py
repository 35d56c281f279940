"""Forms shared across apps: sign-in, and the crispy helper every form uses."""

from crispy_forms.helper import FormHelper
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


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
