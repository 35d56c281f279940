"""Money: exact Decimal amounts, rounded half-up to the fen (0.01), formatted with the currency sign.

Money never becomes a float. Every module that rounds or formats money calls these functions.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import models

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


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """A model field for an amount of money in the base currency."""
    kwargs.setdefault("max_digits", MAX_DIGITS)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)
