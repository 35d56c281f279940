"""The Excel engine: streaming .xlsx writing shared by every export.

Rows are written as they come, each sheet's straight to a temporary file, so memory stays flat however
many rows there are; the file is zipped when the workbook is saved. Numbers stay numbers (money with
two decimals), dates stay dates, and text that a spreadsheet would take for a formula (= + - @ at the
start) is stored as plain text with Excel's quote prefix, so an exported sheet can never run a formula
that a user typed into a customer's name.

The engine writes the SpreadsheetML itself (StreamingWorkbook) rather than through openpyxl's
write-only mode, which builds a cell object, binds its style and serialises an XML element per cell
in Python: about 1.5 ms a row of 30 cells before any styling, 2.1 ms with it — 3.5 minutes for the
summary of 100,000 customers on its own (issue 15). Here a row is one string from a handful of
shared styles (a few per sheet, each cell naming its style by number), ten times faster. openpyxl
still reads every file back (the import, the tests) and converts dates to Excel's serial numbers.

Every export runs through here: the notebook workbook (custnotes.workbook), the statement, and each
list's and report's table (table_to_workbook), which adds a title row (title, as-of date, filters),
an autofilter on the header row and column widths fitted to the content.
"""

import datetime
import math
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import chain, islice
from xml.sax.saxutils import escape, quoteattr

from django.http import FileResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from custnotes.tables import export_columns, export_kind, export_row, export_value

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
GENERAL = "General"
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

EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, Excel's limit
SHEET_TITLE_MAX = 31  # characters of a sheet's name, Excel's limit

# --- the file format ------------------------------------------------------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# What XML 1.0 cannot hold (openpyxl refuses such text): dropped from exported text.
ILLEGAL_CHARACTERS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
NOT_IN_SHEET_TITLES = re.compile(r"[\\*?:/\[\]]")
FLUSH_ROWS = 500  # rows kept as text before they go to the sheet's temporary file
FONTS = {  # name -> the <font> of styles.xml; "normal" is the workbook's default
    "normal": '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
    "bold": '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
    "title": '<font><b val="1"/><sz val="12"/><name val="Calibri"/><family val="2"/></font>',
}
# Sizes kept by the zip entries at most before they need ZIP64 (a full sheet of 30 columns can pass 1 GB).
ZIP32_LIMIT = 2**31 - 1


def _text(value: str) -> str:
    """Text as a cell's XML: illegal characters dropped, markup escaped."""
    return escape(value.translate(ILLEGAL_CHARACTERS))


class Styles:
    """The workbook's cell styles: one per (number format, font, quote prefix) used, numbered in the
    order they are first asked for; styles.xml lists them."""

    def __init__(self):
        self.formats: dict[str, int] = {GENERAL: 0}  # format code -> numFmtId (custom ones from 164)
        self.fonts = list(FONTS)
        self.xfs: dict[tuple[str, str, bool], int] = {(GENERAL, "normal", False): 0}

    def id(self, number_format: str | None = None, font: str = "normal", quote: bool = False) -> int:
        key = (number_format or GENERAL, font, quote)
        found = self.xfs.get(key)
        if found is None:
            if key[0] not in self.formats:
                self.formats[key[0]] = 164 + len(self.formats) - 1
            found = self.xfs[key] = len(self.xfs)
        return found

    def xml(self) -> str:
        custom = [(code, fid) for code, fid in self.formats.items() if fid >= 164]
        num_fmts = "".join(f'<numFmt numFmtId="{fid}" formatCode={quoteattr(code)}/>' for code, fid in custom)
        xfs = []
        for code, font, quote in self.xfs:
            fid, font_id = self.formats[code], self.fonts.index(font)
            attrs = f'numFmtId="{fid}" fontId="{font_id}" fillId="0" borderId="0" xfId="0"'
            attrs += ' applyNumberFormat="1"' if fid else ""
            attrs += ' applyFont="1"' if font_id else ""
            attrs += ' quotePrefix="1" applyAlignment="1"' if quote else ""
            xfs.append(f"<xf {attrs}/>")
        return (
            f'{XML_HEAD}<styleSheet xmlns="{MAIN_NS}">'
            + (f'<numFmts count="{len(custom)}">{num_fmts}</numFmts>' if custom else "")
            + f'<fonts count="{len(self.fonts)}">{"".join(FONTS[f] for f in self.fonts)}</fonts>'
            + '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            + "</styleSheet>"
        )


class StreamingSheet:
    """One worksheet of a StreamingWorkbook: settings (frozen rows, column widths, autofilter) and the
    rows, which go to a temporary file as they are appended. Cells are (value, style id) pairs:
    SheetWriter chooses the types and styles."""

    def __init__(self, book: "StreamingWorkbook", title: str):
        self.book, self.title = book, title
        self.frozen_rows = 0
        self.widths: dict[int, float] = {}  # column number (from 1) -> width
        self.auto_filter: str | None = None  # "A2:F10"
        self.rows = 0
        self._pending: list[str] = []
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the workbook (StreamingWorkbook.close)

    def append_xml(self, cells: str):
        """Append a row whose cells are already SpreadsheetML (the `r` of each cell names this row)."""
        self.rows += 1
        self._pending.append(f'<row r="{self.rows}">{cells}</row>')
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self):
        if self._pending:
            self._file.write("".join(self._pending).encode("utf-8", "replace"))
            self._pending.clear()

    def head(self) -> bytes:
        views = '<sheetView workbookViewId="0">'
        if self.frozen_rows:
            top = f"A{self.frozen_rows + 1}"
            views += (
                f'<pane ySplit="{self.frozen_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
            )
        views += "</sheetView>"
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>' for i, width in sorted(self.widths.items())
        )
        return (
            f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/></sheetPr>'
            f'<sheetViews>{views}</sheetViews><sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
        ).encode()

    def tail(self) -> bytes:
        auto_filter = f'<autoFilter ref="{self.auto_filter}"/>' if self.auto_filter else ""
        margins = '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        return f"</sheetData>{auto_filter}{margins}</worksheet>".encode()

    def write_to(self, archive: zipfile.ZipFile, name: str):
        self.flush()
        head, tail = self.head(), self.tail()
        size = len(head) + self._file.tell() + len(tail)
        self._file.seek(0)
        with archive.open(name, "w", force_zip64=size > ZIP32_LIMIT) as entry:
            entry.write(head)
            shutil.copyfileobj(self._file, entry, 1 << 20)
            entry.write(tail)
        self._file.seek(0, 2)  # appending goes on at the end


class StreamingWorkbook:
    """A streaming .xlsx workbook: create_sheet(title), then rows appended to the sheets (through
    SheetWriter), then save(file or path) zips it. Memory holds the styles and a few hundred rows, not
    the sheets."""

    def __init__(self):
        self.styles = Styles()
        self.worksheets: list[StreamingSheet] = []

    @property
    def sheetnames(self) -> list[str]:
        return [ws.title for ws in self.worksheets]

    def create_sheet(self, title: str) -> StreamingSheet:
        """A new sheet at the end; a title Excel would refuse is made valid (its forbidden characters
        become "-", cut to 31 characters, numbered when taken)."""
        title = NOT_IN_SHEET_TITLES.sub("-", str(title)).strip("'")[:SHEET_TITLE_MAX] or "Sheet"
        taken = {name.lower() for name in self.sheetnames}
        base, number = title, 1
        while title.lower() in taken:
            suffix = str(number)
            title, number = base[: SHEET_TITLE_MAX - len(suffix)] + suffix, number + 1
        sheet = StreamingSheet(self, title)
        self.worksheets.append(sheet)
        return sheet

    def save(self, target):
        """Write the .xlsx to a path or a binary file object (left open, at the end of what was written)."""
        sheets = self.worksheets or [self.create_sheet("Sheet")]
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("[Content_Types].xml", self._content_types(len(sheets)))
            archive.writestr(
                "_rels/.rels",
                f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Target="xl/workbook.xml"'
                f' Type="{REL_NS}/officeDocument"/></Relationships>',
            )
            archive.writestr("xl/workbook.xml", self._workbook_xml(sheets))
            archive.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels(len(sheets)))
            for number, sheet in enumerate(sheets, start=1):
                sheet.write_to(archive, f"xl/worksheets/sheet{number}.xml")
            archive.writestr("xl/styles.xml", self.styles.xml())  # last: the sheets may still add styles

    def close(self):
        """Remove the sheets' temporary files (also done when the workbook is garbage-collected)."""
        for sheet in self.worksheets:
            sheet._file.close()

    @staticmethod
    def _content_types(count: int) -> str:
        sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet}"/>' for n in range(1, count + 1)
        )
        return (
            f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        )

    @staticmethod
    def _workbook_xml(sheets: list[StreamingSheet]) -> str:
        entries = "".join(
            f'<sheet name={quoteattr(s.title)} sheetId="{n}" r:id="rId{n}"/>' for n, s in enumerate(sheets, start=1)
        )
        names = ""
        for index, sheet in enumerate(sheets):
            if sheet.auto_filter:
                first, last = sheet.auto_filter.split(":")
                quoted = "'" + sheet.title.replace("'", "''") + "'"
                ref = f"{quoted}!{_absolute(first)}:{_absolute(last)}"
                names += (
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                    f"{escape(ref)}</definedName>"
                )
        return (
            f'{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{entries}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>"
        )

    @staticmethod
    def _workbook_rels(count: int) -> str:
        rels = "".join(
            f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        rels += f'<Relationship Id="rId{count + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        return f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>'


def _absolute(coordinate: str) -> str:
    letters = coordinate.rstrip("0123456789")
    return f"${letters}${coordinate[len(letters) :]}"


# --- cells ----------------------------------------------------------------------------------------


def _number(value) -> str | None:
    """A number as a cell's value text (as openpyxl writes it: 16 significant digits); None for NaN
    and infinities, which a cell cannot hold."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
    elif isinstance(value, float) and not math.isfinite(value):
        return None
    return "%.16g" % value  # noqa: UP031 - the format openpyxl uses, for the same files


class SheetWriter:
    """Writes one sheet of a streaming workbook: optional title rows, a bold header row with the
    panes frozen below it, then rows. With `autofilter`, the header row filters the rows appended
    up to `end_filter()` (a totals row appended after it stays out of the filter)."""

    def __init__(
        self,
        workbook: StreamingWorkbook,
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
        self.styles = workbook.styles
        self._letters: list[str] = []
        self._formats: tuple = ()
        self._format_styles: list[int | None] = []
        self._open(title[:SHEET_TITLE_MAX])

    def _open(self, title: str):
        self.ws = self.workbook.create_sheet(title)
        self.header_row = len(self.title_rows) + 1
        self.columns = len(self.headers)
        self.rows = 0
        self.ws.frozen_rows = self.header_row
        for index, header in enumerate(self.headers, start=1):
            width = (
                self.widths[index - 1] if index - 1 < len(self.widths) else max(10, min(40, len(str(header)) * 2 + 2))
            )
            self.ws.widths[index] = width
        for title_row in self.title_rows:
            self._write(title_row, first_font="title")
        self._write([str(header) for header in self.headers], font="bold")
        self._set_filter()

    def append(self, row: Iterable, formats: Sequence[str | None] = ()):
        """Append a row; `formats` overrides the number format of the cells it names (by position).
        A sheet that is full (Excel's 1,048,576 rows) goes on in a sheet of the same name with the
        part's number, "销售 (2)", with the same title and header rows: no row is cut."""
        if self.header_row + self.rows >= EXCEL_MAX_ROWS:
            self.part += 1
            suffix = f" ({self.part})"
            self._open(self.title[: SHEET_TITLE_MAX - len(suffix)] + suffix)
        self._write(row, formats=formats)
        self.rows += 1
        self.total_rows += 1
        self._set_filter()

    def _letter(self, column: int) -> str:
        while len(self._letters) < column:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[column - 1]

    def _write(self, values: Iterable, *, formats: Sequence[str | None] = (), font="normal", first_font=None):
        """One row of cells, typed and styled as a clerk expects (see the module's docstring)."""
        if formats is not self._formats:  # the same formats row after row: their styles are looked up once
            self._formats = formats
            self._format_styles = [self.styles.id(f) if f else None for f in formats]
        style, number, letters = self.styles.id, self.ws.rows + 1, self._letters
        overrides = self._format_styles if font == "normal" and first_font is None else ()
        cells = []
        for index, value in enumerate(values):
            if value is None:
                continue
            if index >= len(letters):
                self._letter(index + 1)
            ref = f"{letters[index]}{number}"
            cell_font = first_font if (first_font and index == 0) else font
            kind = type(value)
            if kind is str or not isinstance(value, bool | int | float | Decimal | datetime.date):
                text = value if kind is str else str(value)
                quote = text.startswith(FORMULA_STARTS)  # never a formula
                s = style(None, cell_font, quote) if (quote or cell_font != "normal") else 0
                if not text:  # as openpyxl writes it: the cell and its style, no value
                    cells.append(f'<c r="{ref}" s="{s}"/>')
                    continue
                space = ' xml:space="preserve"' if text != text.strip() and text.strip() else ""
                cells.append(f'<c r="{ref}" s="{s}" t="inlineStr"><is><t{space}>{_text(text)}</t></is></c>')
                continue
            if kind is bool:
                text, data_type, number_format = ("1" if value else "0"), ' t="b"', None
            elif isinstance(value, datetime.datetime):
                if timezone.is_aware(value):
                    value = timezone.localtime(value).replace(tzinfo=None)
                # a spreadsheet keeps whole seconds at best
                text, data_type, number_format = _number(to_excel(value.replace(microsecond=0))), "", DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                text, data_type, number_format = _number(to_excel(value)), "", DATE_FORMAT
            else:
                text, data_type = _number(value), ""
                number_format = MONEY_FORMAT if kind is Decimal and value.as_tuple().exponent == -2 else None
            if text is None:
                continue
            override = overrides[index] if index < len(overrides) else None
            if override is not None:
                s = override
            elif number_format is None and cell_font == "normal":
                s = 0
            else:
                s = style(number_format, cell_font)
            cells.append(f'<c r="{ref}" s="{s}"{data_type}><v>{text}</v></c>')
        self.ws.append_xml("".join(cells))

    def end_filter(self):
        """Rows appended from now on are outside the autofilter's range."""
        self.filtering = False

    def _set_filter(self):
        if self.filtering and self.columns:
            last = get_column_letter(self.columns)
            self.ws.auto_filter = f"A{self.header_row}:{last}{self.header_row + self.rows}"


def new_workbook() -> StreamingWorkbook:
    return StreamingWorkbook()


def workbook_response(workbook: StreamingWorkbook, filename: str) -> FileResponse:
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
) -> StreamingWorkbook:
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
