"""The notebook workbook: the customer summary sheet (客户汇总) then one sheet per section, composed
from what the sections register (custnotes.registry). Rows are streamed (openpyxl write-only),
customers in batches, so memory stays flat as the portfolio grows."""

import datetime
from collections.abc import Callable, Iterable

from openpyxl import Workbook

from custnotes.excel import KIND_FORMATS, SheetWriter, new_workbook
from custnotes.registry import registry
from custnotes.summary import summary_headers, summary_rows

SUMMARY_TITLE = "客户汇总 Customer summary"
BATCH = 500
FORMATS = KIND_FORMATS  # by SummaryColumn.kind, the same as every other export


def _batches(customers: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(customers), size):
        yield customers[start : start + size]


def write_workbook(*, customers, as_of: datetime.date, progress: Callable[[int, int], None] | None = None) -> Workbook:
    """Build the workbook for `customers` (a queryset or list) as of a date. `progress(done, total)`
    is told after each batch of summary rows."""
    customers = list(
        customers.select_related("team", "industry", "owner") if hasattr(customers, "select_related") else customers
    )
    workbook = new_workbook()
    columns = registry.summary_columns(exported_only=True)
    sheet = SheetWriter(workbook, SUMMARY_TITLE, summary_headers(), widths=[_width(c) for c in columns])
    formats = [FORMATS.get(c.kind) for c in columns]
    done = 0
    for batch in _batches(customers):
        for row in summary_rows(customers=batch, as_of=as_of):
            sheet.append([row[c.key] for c in columns], formats=formats)
        done += len(batch)
        if progress:
            progress(done, len(customers))
    for spec in registry.ordered(registry.sheets):
        section = SheetWriter(workbook, spec.title, spec.headers)
        for batch in _batches(customers):
            for row in spec.rows(customers=batch, as_of=as_of):
                section.append(row)
    return workbook


def _width(column) -> int:
    if column.key == "verdict":
        return 60
    if column.key in ("name", "industry", "team"):
        return 24
    return max(12, min(26, len(column.header_en) + 4))
