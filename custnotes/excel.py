"""The Excel engine: streaming .xlsx writing shared by every export.

Rows are written in openpyxl's write-only mode, so memory stays flat however many rows there are.
Numbers stay numbers (money with two decimals), dates stay dates, and text that a spreadsheet would
take for a formula (= + - @ at the start) is stored as plain text with Excel's quote prefix, so an
exported sheet can never run a formula that a user typed into a customer's name.
"""

import datetime
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
FORMULA_STARTS = ("=", "+", "-", "@")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


class SheetWriter:
    """Writes one sheet of a write-only workbook: a bold, frozen header row, then rows."""

    def __init__(self, workbook: Workbook, title: str, headers: Sequence[str], widths: Sequence[int] = ()):
        self.ws = workbook.create_sheet(title=title[:31])
        self.ws.freeze_panes = "A2"
        for index, header in enumerate(headers, start=1):
            width = widths[index - 1] if index - 1 < len(widths) else max(10, min(40, len(str(header)) * 2 + 2))
            self.ws.column_dimensions[get_column_letter(index)].width = width
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = make_cell(self.ws, str(header))
            cell.font = bold
            header_cells.append(cell)
        self.ws.append(header_cells)

    def append(self, row: Iterable, formats: Sequence[str | None] = ()):
        """Append a row; `formats` overrides the number format of the cells it names (by position)."""
        cells = [make_cell(self.ws, value) for value in row]
        for cell, number_format in zip(cells, formats, strict=False):
            if number_format and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = number_format
        self.ws.append(cells)


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def workbook_response(workbook: Workbook, filename: str) -> FileResponse:
    """Save the workbook to a temporary file (not memory) and stream it as a download."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def table_to_workbook(table, title: str) -> Workbook:
    """Every row and every column of a django-tables2 table (not just the page shown) as one sheet,
    then the table's totals row when it has totals (see custnotes.tables.TotalsTable)."""
    workbook = new_workbook()
    values = table.as_values()
    headers = next(values)
    sheet = SheetWriter(workbook, title, headers)
    for row in values:
        sheet.append(row)
    if getattr(table, "totals", None) is not None:
        sheet.append(table.totals_row())
    return workbook
