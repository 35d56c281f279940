"""Field validators for customer data."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+((\s*(ext\.?|x|转|分机)\s*)[0-9]{1,6})?$", re.IGNORECASE)


def validate_phone(value: str) -> None:
    """A phone number: digits with optional leading +, spaces, dashes, brackets and an extension.

    Accepts 13812345678, +86 138 1234 5678, 021-6123 4567, (010) 6123-4567 转 123.
    """
    text = value.strip()
    main = re.split(r"(?i)\s*(?:ext\.?|x|转|分机)\s*", text)[0]
    digits = sum(ch.isdigit() for ch in main)
    if not _PHONE_CHARS.match(text) or not 5 <= digits <= 20:
        raise ValidationError(_("Enter a valid phone number, e.g. 13812345678 or 021-6123 4567."), code="invalid_phone")


# Credit terms: one rule, asked by the model (field validators and database constraints), the
# import and the credit decisions of the risk section.
MAX_PAYMENT_TERMS_DAYS = 365
NEGATIVE_CREDIT_LIMIT = _("The credit limit cannot be negative.")
PAYMENT_TERMS_RANGE = _("Payment terms must be between 0 and 365 days.")


def credit_terms_problems(*, credit_limit=None, payment_terms_days=None) -> dict[str, str]:
    """{field: message} for a credit limit below zero or payment terms outside 0..365 days;
    None means "not given" and is fine."""
    problems = {}
    if credit_limit is not None and credit_limit < 0:
        problems["credit_limit"] = str(NEGATIVE_CREDIT_LIMIT)
    if payment_terms_days is not None and not 0 <= payment_terms_days <= MAX_PAYMENT_TERMS_DAYS:
        problems["payment_terms_days"] = str(PAYMENT_TERMS_RANGE)
    return problems
