"""The Excel engine: streaming .xlsx writing shared by every export.

Rows are written in openpyxl's write-only mode, so memory stays flat however many rows there are.
Numbers stay numbers (money with two decimals), dates stay dates, and text that a spreadsheet would
take for a formula (= + - @ at the start) is stored as plain text with Excel's quote prefix, so an
exported sheet can never run a formula that a user typed into a customer's name.

Every export runs through here: the notebook workbook (custnotes.workbook), the statement, and each
list's and report's table (table_to_workbook), which adds a title row (title, as-of date, filters),
an autofilter on the header row and column widths fitted to the content.
"""

import datetime
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import chain, islice

from django.http import FileResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from custnotes.tables import export_columns, export_kind, export_row, export_value

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# The number format of each kind of column (custnotes.registry.SummaryColumn.kind, and the kinds of
# table columns in custnotes.tables.export_kind); kinds not named here keep the format of the value.
KIND_FORMATS = {
    "money": MONEY_FORMAT,
    "ratio": PERCENT_FORMAT,
    "days": "0.0",
    "int": "0",
    "date": DATE_FORMAT,
    "datetime": DATETIME_FORMAT,
}
FORMULA_STARTS = ("=", "+", "-", "@")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTH_MIN, WIDTH_MAX = 8, 60
# Widths are fixed before the first row is streamed, so they are fitted to the first rows only.
WIDTH_SAMPLE = 1000


def make_cell(ws, value):
    """A write-only cell holding `value` with the type and number format a clerk expects."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        value = value.replace(microsecond=0)  # a spreadsheet keeps whole seconds at best
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = MONEY_FORMAT if value.as_tuple().exponent == -2 else "General"
        return cell
    if isinstance(value, bool | int | float) or value is None:
        return WriteOnlyCell(ws, value)
    text = str(value)
    cell = WriteOnlyCell(ws, text)
    if text.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # never a formula
        cell.quotePrefix = True
    return cell


EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, Excel's limit


class SheetWriter:
    """Writes one sheet of a write-only workbook: optional title rows, a bold header row with the
    panes frozen below it, then rows. With `autofilter`, the header row filters the rows appended
    up to `end_filter()` (a totals row appended after it stays out of the filter)."""

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        headers: Sequence[str],
        widths: Sequence[int] = (),
        *,
        title_rows: Sequence[Sequence] = (),
        autofilter: bool = False,
    ):
        self.workbook, self.title, self.headers, self.widths = workbook, title, headers, widths
        self.title_rows = title_rows
        self.filtering = autofilter
        self.part = 1
        self.total_rows = 0  # over every part of the sheet
        self._open(title[:31])

    def _open(self, title: str):
        self.ws = self.workbook.create_sheet(title=title)
        self.header_row = len(self.title_rows) + 1
        self.columns = len(self.headers)
        self.rows = 0
        self.ws.freeze_panes = f"A{self.header_row + 1}"
        for index, header in enumerate(self.headers, start=1):
            width = (
                self.widths[index - 1] if index - 1 < len(self.widths) else max(10, min(40, len(str(header)) * 2 + 2))
            )
            self.ws.column_dimensions[get_column_letter(index)].width = width
        bold = Font(bold=True)
        for title_row in self.title_rows:
            cells = [make_cell(self.ws, value) for value in title_row]
            if cells:
                cells[0].font = Font(bold=True, size=12)
            self.ws.append(cells)
        header_cells = []
        for header in self.headers:
            cell = make_cell(self.ws, str(header))
            cell.font = bold
            header_cells.append(cell)
        self.ws.append(header_cells)
        self._set_filter()

    def append(self, row: Iterable, formats: Sequence[str | None] = ()):
        """Append a row; `formats` overrides the number format of the cells it names (by position).
        A sheet that is full (Excel's 1,048,576 rows) goes on in a sheet of the same name with the
        part's number, "销售 (2)", with the same title and header rows: no row is cut."""
        if self.header_row + self.rows >= EXCEL_MAX_ROWS:
            self.part += 1
            suffix = f" ({self.part})"
            self._open(self.title[: 31 - len(suffix)] + suffix)
        cells = [make_cell(self.ws, value) for value in row]
        for cell, number_format in zip(cells, formats, strict=False):
            if number_format and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = number_format
        self.ws.append(cells)
        self.rows += 1
        self.total_rows += 1
        self._set_filter()

    def end_filter(self):
        """Rows appended from now on are outside the autofilter's range."""
        self.filtering = False

    def _set_filter(self):
        if self.filtering and self.columns:
            last = get_column_letter(self.columns)
            self.ws.auto_filter.ref = f"A{self.header_row}:{last}{self.header_row + self.rows}"


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def workbook_response(workbook: Workbook, filename: str) -> FileResponse:
    """Save the workbook to a temporary file (not memory) and stream it as a download."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# --- column widths -------------------------------------------------------------------------------


def text_width(text: str) -> int:
    """How many character widths `text` takes in a cell: East Asian wide characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def shown_text(value, kind: str | None = None) -> str:
    """The text a cell shows for `value` written with the number format of `kind` (to size it)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return "0000-00-00 00:00"
    if isinstance(value, datetime.date):
        return "0000-00-00"
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        if kind == "ratio":
            return f"{value * 100:.1f}%"
        if kind == "money" or (isinstance(value, Decimal) and value.as_tuple().exponent == -2):
            return f"{value:,.2f}"
    return str(value)


def fit_widths(headers: Sequence[str], rows: Iterable[Sequence], kinds: Sequence[str | None] = ()) -> list[int]:
    """Column widths that fit the header and the values (plus a margin for the filter button),
    between WIDTH_MIN and WIDTH_MAX."""
    widest = [text_width(str(header)) + 3 for header in headers]  # + the autofilter's drop-down
    for row in rows:
        for index, value in enumerate(row[: len(widest)]):
            kind = kinds[index] if index < len(kinds) else None
            widest[index] = max(widest[index], text_width(shown_text(value, kind)))
    return [max(WIDTH_MIN, min(WIDTH_MAX, width + 2)) for width in widest]


# --- tables --------------------------------------------------------------------------------------


def title_line(title: str, *, as_of: datetime.date | None = None, filters: Sequence[tuple[str, str]] = ()) -> str:
    """The first row of a table export: what it is, as of which day, and which filters chose the rows
    ("客户 · 截至 2026-06-17 · 筛选：团队: East; 客户类型: 老客户")."""
    as_of = as_of or timezone.localdate()
    if filters:
        named = "; ".join(_("%(label)s: %(value)s") % {"label": label, "value": value} for label, value in filters)
        chosen = _("filters: %(filters)s") % {"filters": named}
    else:
        chosen = _("no filters")
    return " · ".join([str(title), _("as of %(d)s") % {"d": as_of.isoformat()}, chosen])


def table_to_workbook(
    table, title: str, *, as_of: datetime.date | None = None, filters: Sequence[tuple[str, str]] = ()
) -> Workbook:
    """Every row and every exported column of a django-tables2 table (not just the page shown) as
    one sheet: the title row (title_line), the header row, the rows typed by each column's kind
    (custnotes.tables.export_kind), then the table's totals row when it has totals (see
    custnotes.tables.TotalsTable). `filters` are (label, value) pairs (custnotes.filters.chosen_filters);
    `as_of` is the day the figures are as of, today when not given."""
    columns = export_columns(table)
    headers = [force_str(column.header) for column in columns]
    kinds = [export_kind(column) for column in columns]
    formats = [KIND_FORMATS.get(kind) for kind in kinds]
    rows = (export_row(row, columns, kinds) for row in table.rows)
    first = list(islice(rows, WIDTH_SAMPLE))
    totals = None
    if getattr(table, "totals", None) is not None:
        totals = [export_value(value) for value in table.totals_row()]
    workbook = new_workbook()
    sheet = SheetWriter(
        workbook,
        str(title),
        headers,
        widths=fit_widths(headers, first + ([totals] if totals else []), kinds),
        title_rows=[[title_line(title, as_of=as_of, filters=filters)]],
        autofilter=True,
    )
    for row in chain(first, rows):
        sheet.append(row, formats)
    sheet.end_filter()
    if totals:
        sheet.append(totals, formats)
    return workbook
