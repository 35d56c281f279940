"""The customer summary: one row per customer with the figures every section contributes, computed
set-based by the sections' providers (custnotes.registry). The workbook's 客户汇总 sheet, the
notebook's key figures and verdict all read these rows: one source of truth."""

import datetime
from collections.abc import Sequence

from custnotes.registry import SummaryColumn, registry


def _merged(customers: list, as_of: datetime.date) -> dict[int, dict]:
    """{customer id: {column key: value}} from every provider, for these customers only."""
    merged: dict[int, dict] = {c.pk: {} for c in customers}
    for provider in registry.ordered(registry.summary_providers):
        for customer_id, values in provider.compute(customers=customers, as_of=as_of).items():
            if customer_id in merged:
                merged[customer_id].update(values)
    return merged


def summary_rows(*, customers, as_of: datetime.date) -> list[dict]:
    """Rows in the customers' order, each {column key: value} for every registered column."""
    customers = list(customers)
    merged = _merged(customers, as_of)
    columns = registry.summary_columns()
    return [{column.key: merged[c.pk].get(column.key) for column in columns} for c in customers]


def summary_values(*, customers, as_of: datetime.date, columns: Sequence[SummaryColumn] | None = None) -> list[list]:
    """The same rows as summary_rows, as lists of the values of `columns` (by default the exported
    ones, in the sheet's order): what the workbook writes, without a dict per row."""
    customers = list(customers)
    merged = _merged(customers, as_of)
    keys = [c.key for c in (columns if columns is not None else registry.summary_columns(exported_only=True))]
    return [[values.get(key) for key in keys] for values in (merged[c.pk] for c in customers)]


def summary_headers() -> list[str]:
    """Bilingual headers: 中文 / English."""
    return [f"{c.header_zh} / {c.header_en}" for c in registry.summary_columns(exported_only=True)]
