"""The customer summary: one row per customer with the figures every section contributes, computed
set-based by the sections' providers (custnotes.registry). The workbook's 客户汇总 sheet, the
notebook's key figures and verdict all read these rows: one source of truth."""

import datetime

from custnotes.registry import registry


def summary_rows(*, customers, as_of: datetime.date) -> list[dict]:
    """Rows in the customers' order, each {column key: value} for every registered column."""
    customers = list(customers)
    merged: dict[int, dict] = {c.pk: {} for c in customers}
    for provider in registry.ordered(registry.summary_providers):
        for customer_id, values in provider.compute(customers=customers, as_of=as_of).items():
            if customer_id in merged:
                merged[customer_id].update(values)
    columns = registry.summary_columns()
    return [{column.key: merged[c.pk].get(column.key) for column in columns} for c in customers]


def summary_headers() -> list[str]:
    """Bilingual headers: 中文 / English."""
    return [f"{c.header_zh} / {c.header_en}" for c in registry.summary_columns(exported_only=True)]
