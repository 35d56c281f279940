"""The notebook workbook: the customer summary sheet (客户汇总) then one sheet per section, composed
from what the sections register (custnotes.registry). Rows are streamed (custnotes.excel), customers
read in batches by keyset (pk > the last one read, LIMIT n), so memory stays flat as the portfolio
grows: one batch of customers and its rows at a time, never the whole portfolio."""

import datetime
from collections.abc import Callable, Iterable, Iterator

from django.db.models import Q, QuerySet

from custnotes.excel import KIND_FORMATS, SheetWriter, StreamingWorkbook, new_workbook
from custnotes.registry import registry
from custnotes.summary import summary_headers, summary_values

SUMMARY_TITLE = "客户汇总 Customer summary"
# Customers a batch. Each batch costs the summary providers a fixed number of queries, some of which
# read a window of the whole ledger (see docs/performance.md), so fewer, larger batches are cheaper;
# a batch of this size and its rows take a few MB.
BATCH = 2000
FORMATS = KIND_FORMATS  # by SummaryColumn.kind, the same as every other export


def customer_batches(customers, size: int = BATCH) -> Iterator[list]:
    """The customers, `size` at a time. A queryset is read by keyset in pk order — each batch one
    query, `pk > the last pk read ORDER BY pk LIMIT size`, on the primary key's index — so only one
    batch is ever in memory, and each batch's customers are a contiguous range of ids (which the
    sections' per-batch queries bound themselves by). Anything else (a list) keeps its own order."""
    if not isinstance(customers, QuerySet):
        customers = list(customers)
        for start in range(0, len(customers), size):
            yield customers[start : start + size]
        return
    queryset = customers.select_related("team", "industry", "owner").order_by("pk")
    last = None
    while True:
        batch = list((queryset if last is None else queryset.filter(pk__gt=last))[:size])
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = batch[-1].pk


def batch_range(customer_ids: Iterable[int], field: str = "customer_id") -> Q:
    """`field` between the smallest and the largest of a batch's customer ids: a filter the sections'
    per-batch queries add beside `field__in=ids`. The rows are the same, but the planner sees a bounded
    range of the (customer, …) index: on a table without statistics (just bulk-loaded, autovacuum
    off) it takes an IN list of thousands of ids for the whole table and scans a date index or the
    table itself, once a batch."""
    ids = [int(pk) for pk in customer_ids]
    if not ids:
        return Q(pk__in=[])
    return Q(**{f"{field}__gte": min(ids), f"{field}__lte": max(ids)})


def customer_count(customers) -> int:
    return customers.order_by().count() if isinstance(customers, QuerySet) else len(customers)


def write_summary_sheet(
    workbook: StreamingWorkbook,
    *,
    customers,
    as_of: datetime.date,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH,
) -> SheetWriter:
    """The 客户汇总 sheet: one row per customer (a queryset, read in batches, or a list), its figures
    from the sections' providers (custnotes.summary, the pages' one source), each column typed by its
    kind. `progress(done, total)` is told after each batch."""
    columns = registry.summary_columns(exported_only=True)
    sheet = SheetWriter(workbook, SUMMARY_TITLE, summary_headers(), widths=[_width(c) for c in columns])
    formats = [FORMATS.get(c.kind) for c in columns]
    total = customer_count(customers) if progress else 0
    done = 0
    for batch in customer_batches(customers, batch_size):
        for values in summary_values(customers=batch, as_of=as_of, columns=columns):
            sheet.append(values, formats=formats)
        done += len(batch)
        if progress:
            progress(done, total)
    return sheet


def write_workbook(
    *, customers, as_of: datetime.date, progress: Callable[[int, int], None] | None = None
) -> StreamingWorkbook:
    """Build the workbook for `customers` (a queryset, read in pk order, or a list, in its order) as
    of a date. `progress(done, total)` is told after each batch of summary rows. A section sheet
    longer than Excel's 1,048,576 rows goes on in "<title> (2)", … (custnotes.excel.SheetWriter)."""
    if not isinstance(customers, QuerySet):
        customers = list(customers)
    workbook = new_workbook()
    write_summary_sheet(workbook, customers=customers, as_of=as_of, progress=progress)
    for spec in registry.ordered(registry.sheets):
        section = SheetWriter(workbook, spec.title, spec.headers)
        for batch in customer_batches(customers):
            for row in spec.rows(customers=batch, as_of=as_of):
                section.append(row)
    return workbook


def _width(column) -> int:
    if column.key == "verdict":
        return 60
    if column.key in ("name", "industry", "team"):
        return 24
    return max(12, min(26, len(column.header_en) + 4))
