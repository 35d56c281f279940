"""Columns shared by every app's tables."""

from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables

from custnotes.money import format_money


class MoneyColumn(tables.Column):
    """An amount shown as ¥12,345.60, right-aligned, exported to Excel as a number."""

    def __init__(self, *args, **kwargs):
        attrs = kwargs.pop("attrs", {})
        attrs.setdefault("td", {"class": "text-end text-nowrap"})
        attrs.setdefault("th", {"class": "text-end"})
        attrs.setdefault("tf", {"class": "text-end text-nowrap fw-semibold"})
        super().__init__(*args, attrs=attrs, **kwargs)

    def render(self, value):
        return format_money(value)

    def value(self, value):
        return value


def format_person(user) -> str:
    """A user as people know them: the full name, else the username; — for nobody (a deleted user)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def format_percent(value) -> str:
    """A ratio as a percentage to 0.1 (0.1234 -> 12.3 %); — when there is no figure."""
    if value is None:
        return "—"
    if isinstance(value, float):
        value = Decimal(repr(value))
    return f"{(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} %"


class PercentColumn(tables.Column):
    """A ratio (0.1234) shown as 12.3 %, None as —; exported as the ratio with a percent format."""

    def __init__(self, *args, **kwargs):
        attrs = kwargs.pop("attrs", {})
        attrs.setdefault("td", {"class": "text-end text-nowrap"})
        attrs.setdefault("th", {"class": "text-end"})
        attrs.setdefault("tf", {"class": "text-end text-nowrap fw-semibold"})
        kwargs.setdefault("empty_values", ())
        super().__init__(*args, attrs=attrs, **kwargs)

    def render(self, value):
        return format_percent(value)

    def value(self, value):
        return value
