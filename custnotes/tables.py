"""Columns shared by every app's tables, and how a table's cells go to Excel (custnotes.excel)."""

import datetime
import html
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import django_tables2 as tables
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from custnotes.money import format_money


class MoneyColumn(tables.Column):
    """An amount shown as ¥12,345.60, right-aligned, exported to Excel as a number."""

    export_kind = "money"

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

    export_kind = "ratio"

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


# --- export --------------------------------------------------------------------------------------

# The export kind of django-tables2's own columns (those it makes from model fields too). A column
# of ours says its kind itself (`export_kind`: MoneyColumn, PercentColumn); any other column's
# cells keep the type of their value. Kinds and their number formats: custnotes.excel.KIND_FORMATS.
EXPORT_KINDS = (
    (tables.DateTimeColumn, "datetime"),
    (tables.DateColumn, "date"),
    (tables.BooleanColumn, "bool"),
)
RAW_KINDS = ("datetime", "date", "bool")  # exported from the record's own value, not the page's text


def export_columns(table) -> list:
    """The bound columns an export has: every column (shown or hidden) not excluded from export."""
    return [column for column in table.columns.iterall() if not column.column.exclude_from_export]


def export_kind(bound_column) -> str | None:
    """What a column holds, for its Excel type and number format: money, ratio, date, datetime,
    bool, or None (the cell keeps its value's type)."""
    column = bound_column.column
    kind = getattr(column, "export_kind", None)
    if kind:
        return kind
    for column_class, kind in EXPORT_KINDS:
        if isinstance(column, column_class):
            return kind
    return None


def export_value(value):
    """A cell value as a spreadsheet takes it: booleans as yes/no in the active language, HTML as
    its text, lazy and other objects as their text; numbers, dates and None as they are."""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, SafeData):
        return html.unescape(strip_tags(str(value))).strip()
    if value is None or isinstance(value, str | int | float | Decimal | datetime.date):
        return value
    return str(value)  # a lazy translation, a related object


def export_row(bound_row, columns: Sequence, kinds: Sequence[str | None]) -> list:
    """One row's exported values. Cells come from the column's export value (`value_<name>`, the
    choice label, the text of a link), except dates, times and booleans, which come from the record
    (django-tables2 would export them as text) unless the table says otherwise with `value_<name>`."""
    table = bound_row.table
    values = []
    for column, kind in zip(columns, kinds, strict=True):
        if kind in RAW_KINDS and not hasattr(table, f"value_{column.name}"):
            value = column.accessor.resolve(bound_row.record, quiet=True)
        else:
            value = bound_row.get_cell_value(column.name)
        values.append(export_value(value))
    return values
