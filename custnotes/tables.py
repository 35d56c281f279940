"""Columns shared by every app's tables."""

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
