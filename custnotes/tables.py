"""Columns shared by every app's tables."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

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


class TotalsTable(tables.Table):
    """A table whose footer shows totals. `totals` gives each figure column's total by the column's
    name: a mapping, or an object with the totals as attributes. The page's footer and the export's
    last row both read it, so they cannot disagree."""

    def __init__(self, *args, totals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.totals = totals

    def total(self, name: str):
        if self.totals is None:
            return None
        if isinstance(self.totals, Mapping):
            return self.totals.get(name)
        return getattr(self.totals, name, None)

    def totals_row(self) -> list:
        """The totals as one more export row, aligned with `as_values()`: "Total", then each
        exported column's total (empty where a column has none)."""
        columns = [column for column in self.columns.iterall() if not column.column.exclude_from_export]
        return [str(_("Total"))] + [self.total(column.name) for column in columns[1:]]


def money_total(table: TotalsTable, bound_column) -> str:
    """A footer: the column's total as money."""
    return format_money(table.total(bound_column.name))


def percent_total(table: TotalsTable, bound_column) -> str:
    """A footer: the column's total as a percentage."""
    return format_percent(table.total(bound_column.name))
