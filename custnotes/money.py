"""Money: exact Decimal amounts, rounded half-up to the fen (0.01), formatted with the currency sign.

Money never becomes a float. Every module that rounds or formats money calls these functions.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DIGITS = 14  # up to 999,999,999,999.99 in the base currency

CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥", "GBP": "£"}


def to_decimal(value) -> Decimal:
    """Turn an int, str or Decimal into a Decimal; refuse floats, which cannot hold money exactly."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if value is None:
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def round_money(value) -> Decimal:
    """Round half-up to 0.01 (0.005 -> 0.01, -0.005 -> -0.01)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def currency_sign(currency: str | None = None) -> str:
    code = currency or settings.CURRENCY
    return CURRENCY_SIGNS.get(code, code + " ")


def format_money(value, currency: str | None = None) -> str:
    """¥12,345.60; negative amounts as -¥12,345.60; None as an empty string."""
    if value is None or value == "":
        return ""
    amount = round_money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency_sign(currency)}{abs(amount):,.2f}"


class MoneyField(models.BigIntegerField):
    """An amount of money: a Decimal with two places in Python, an integer number of fen in the
    database, so that sums are exact on every backend (SQLite would keep decimals as floats).

    Lookups and constraints take Decimals (amount__gte=Decimal("10.50")); aggregate with
    money_sum() so the result converts back to a Decimal.
    """

    description = _("Amount of money")

    def from_db_value(self, value, expression, connection):
        return None if value is None else from_fen(value)

    def to_python(self, value):
        if value is None or value == "":
            return None
        try:
            return round_money(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Enter an amount such as 1234.50."), code="invalid") from exc

    def get_prep_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return int(round_money(value) * 100)

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.DecimalField,
            "max_digits": MAX_DIGITS,
            "decimal_places": 2,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


def from_fen(fen) -> Decimal:
    """A number of fen from the database (an integer, or a numeric sum on PostgreSQL) as money;
    0.00 for None (a sum over no rows)."""
    return Decimal(fen or 0).scaleb(-2).quantize(CENT)


def money_field(verbose_name, **kwargs) -> MoneyField:
    """A model field for an amount of money in the base currency."""
    return MoneyField(verbose_name, **kwargs)


def money_sum(expression) -> Coalesce:
    """Σ of a money expression, 0.00 when there are no rows, converted back to a Decimal."""
    return Coalesce(Sum(expression, output_field=MoneyField()), Value(0), output_field=MoneyField())


def money_value(amount) -> Value:
    """A constant amount inside a query expression."""
    return Value(int(round_money(amount) * 100), output_field=MoneyField())
