"""The import engine: reads a customer book workbook (.xlsx, or one sheet as CSV) streaming,
matches sheets and headers in either language and any order, parses the values people really type,
checks every row before anything is written, reports each bad row by sheet, row, column and reason,
and writes in one transaction — or nothing at all while any row is bad, unless the good rows alone are asked for.

What each sheet holds and how its rows are checked and written is said by the sections
(custnotes.registry ImportSheet, from each app's sheets.py); this module knows only workbooks.
"""

import codecs
import csv
import datetime
import itertools
import pickle
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from custnotes.money import round_money
from custnotes.registry import registry

EXAMPLE_PREFIXES = ("示例", "example")
HEADER_SCAN_ROWS = 10
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003), also old .doc


class ImportRefused(Exception):
    """The file as a whole cannot be read (not a workbook, too large, a zip bomb, no known sheet)."""


class ImportWriteError(Exception):
    """A row that passed the checks but could not be written (an allocation that no longer fits,
    say): the whole import is rolled back and the row reported."""

    def __init__(self, sheet: str, row_id: str, column: str, message: str):
        super().__init__(message)
        self.sheet, self.row_id, self.column, self.message = sheet, row_id, column, message


@dataclass(frozen=True, kw_only=True)
class ImportColumn:
    """A column of an import sheet. kind: text | int | amount | date | datetime | bool | choice | ids."""

    key: str
    zh: str
    en: str
    kind: str = "text"
    required: bool = False
    choices: Callable[[], dict[str, Any]] | None = None  # normalised name -> value
    max_length: int | None = None
    example: Any = None  # shown in the template's example row
    options: Callable[[], list[str]] | None = None  # the names offered in the template's drop-down

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.zh, self.en, self.zh + self.en, self.en + self.zh)}


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def as_list(self) -> list:
        return [self.sheet, self.row, self.column, self.message]


@dataclass
class ImportContext:
    """Shared by the sheets of one import: the user, what earlier sheets found valid, the counts."""

    user: Any
    write: bool
    ids: dict[str, set] = field(default_factory=dict)  # sheet key -> user IDs of its valid rows
    bad_ids: dict[str, set] = field(default_factory=dict)  # sheet key -> user IDs of rows with errors
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # anything a sheet wants to keep between passes
    row_number: int = 0  # the row being checked, for a sheet's review

    def count(self, sheet: str, what: str, n: int = 1):
        bucket = self.counts.setdefault(sheet, {"created": 0, "updated": 0, "unchanged": 0, "errors": 0})
        bucket[what] += n

    def count_batch(self, sheet: str, result) -> None:
        """A service's BatchResult in the sheet's counts (records only given their import ID count
        as unchanged: their content is as it was)."""
        self.count(sheet, "created", len(result.created))
        self.count(sheet, "updated", len(result.updated))
        self.count(sheet, "unchanged", result.unchanged + len(result.stamped))


@dataclass(frozen=True, kw_only=True)
class ImportSheet:
    """A sheet the import reads. `check(row, ctx)` returns [(column key, message)] for a parsed row;
    `write(rows, ctx)` writes a batch of good rows and counts created/updated/unchanged."""

    key: str
    zh: str
    en: str
    order: int  # within its section
    section: str = ""  # set by the section that registers it
    id_column: str
    columns: tuple[ImportColumn, ...]
    check: Callable[..., list]
    write: Callable[..., None]
    prepare: Callable[..., None] | None = None
    finish: Callable[..., None] | None = None
    # review(ctx), once every sheet is checked: [(row, column key, message, blocking)] about rows
    # that were fine alone but not together (the credit check nets the file's sales and receipts)
    review: Callable[..., list] | None = None
    accept: Callable[..., None] | None = None  # accept(row, ctx): the row passed every check (for review)
    # lookup(rows, ctx): before a block of parsed rows is checked, read the records they name (a
    # query or two per block), so that an import reads what its file names, not whole tables
    lookup: Callable[..., None] | None = None

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.zh, self.en, self.zh + self.en, self.en + self.zh)}


@dataclass
class ImportResult:
    counts: dict[str, dict[str, int]]
    errors: list[RowError]
    written: bool
    sheets: list[str]
    warnings: list[RowError] = field(default_factory=list)  # what importing confirms (over a credit limit)
    held: bool = False  # not written: the warnings are to be confirmed first

    @property
    def error_count(self) -> int:
        return len(self.errors)


def name_choices(queryset, *fields: str) -> dict:
    """Choices for an import column: each record's names (Chinese and English fields) -> its pk."""
    options = {}
    for row in queryset.values_list("pk", *fields):
        for name in row[1:]:
            if name:
                options[normalise_choice(name)] = row[0]
    return options


# --- normalising what people type ---------------------------------------------------------------


def normalise_text(value) -> str:
    """Full-width to half-width (NFKC), trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalise_header(value) -> str:
    text = normalise_text(value).lower()
    return re.sub(r"[\s/／()（）:：_\-*＊]+", "", text)


def normalise_choice(value) -> str:
    return re.sub(r"\s+", " ", normalise_text(value).lower())


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"),
)


class ParseError(ValueError):
    pass


def parse_datetime(value) -> datetime.datetime:
    """Excel date cells, Excel serial numbers, or text: 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日,
    each optionally with a time."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise ParseError(_("not a date"))
        result = from_excel(value)
        return result if isinstance(result, datetime.datetime) else datetime.datetime.combine(result, datetime.time())
    text = normalise_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            try:
                return datetime.datetime(year, month, day, hour, minute, second)
            except ValueError as exc:
                raise ParseError(_("not a valid date")) from exc
    raise ParseError(_("not a date (use 2024-01-05, 2024/1/5 or 2024年1月5日)"))


_AMOUNT_NOISE = re.compile(r"(?i)[\s,，¥￥$]|元|rmb|cny")


def parse_amount(value) -> Decimal:
    """Numbers, or text with thousands separators, ¥ or 元, full-width digits; to the fen."""
    if isinstance(value, bool):
        raise ParseError(_("not an amount"))
    if isinstance(value, int | Decimal):
        return round_money(value)
    if isinstance(value, float):
        return round_money(Decimal(repr(value)))
    text = _AMOUNT_NOISE.sub("", normalise_text(value))
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ParseError(_("not an amount"))
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ParseError(_("not an amount")) from exc
    if amount.as_tuple().exponent < -2:
        raise ParseError(_("more than two decimals"))
    return round_money(amount)


def parse_int(value) -> int:
    if isinstance(value, bool):
        raise ParseError(_("not a whole number"))
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if value != int(value):
            raise ParseError(_("not a whole number"))
        return int(value)
    text = normalise_text(value).replace(",", "")
    if not re.fullmatch(r"-?\d+", text):
        raise ParseError(_("not a whole number"))
    return int(text)


TRUE_WORDS = {"yes", "y", "true", "1", "是", "x", "√", "✓", "作废", "void"}
FALSE_WORDS = {"no", "n", "false", "0", "否", ""}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    word = normalise_choice(value)
    if word in TRUE_WORDS or word.split(" ")[0] in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ParseError(_("use yes/no (是/否)"))


def parse_id(value) -> str:
    """The user's own key: text, or a number written without its .0."""
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return normalise_text(value)


def parse_ids(value) -> list[str]:
    return [parse_id(part) for part in re.split(r"[,，;；\s]+", normalise_text(value)) if part]


def parse_value(column: ImportColumn, value, choices: dict | None = None):
    """The cell's value for the column. `choices` caches each choice column's options for the
    import (read once, not once per row)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = column.kind
    if kind == "text":
        text = parse_id(value) if isinstance(value, int | float) else normalise_text(value)
        if column.max_length and len(text) > column.max_length:
            raise ParseError(_("longer than %(n)s characters") % {"n": column.max_length})
        return text
    if kind == "int":
        return parse_int(value)
    if kind == "amount":
        return parse_amount(value)
    if kind == "date":
        return parse_datetime(value).date()
    if kind == "datetime":
        return parse_datetime(value)
    if kind == "bool":
        return parse_bool(value)
    if kind == "ids":
        return parse_ids(value)
    if kind == "choice":
        if choices is None:
            options = column.choices()
        else:
            options = choices.get(column.key)
            if options is None:
                options = choices[column.key] = column.choices()
        key = normalise_choice(parse_id(value) if isinstance(value, int | float) else value)
        if key not in options:
            raise ParseError(_("not one of the names this column takes"))
        return options[key]
    raise ValueError(kind)


# --- the file -----------------------------------------------------------------------------------


def check_file(path) -> str:
    """What the file is: "xlsx", or the encoding of a CSV file; refuse, with a clear reason,
    anything else, and anything of an insane size."""
    with open(path, "rb") as handle:
        head = handle.read(8)
        handle.seek(0, 2)
        size = handle.tell()
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(too_large_message())
    if head.startswith(OLE_SIGNATURE):
        raise ImportRefused(_("This is an old Excel file (.xls). Open it in Excel or WPS and save it as .xlsx."))
    if not zipfile.is_zipfile(path):
        if encoding := text_encoding(path):
            return encoding
        raise ImportRefused(_("This is neither an Excel workbook (.xlsx) nor a CSV file."))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            names = {m.filename for m in members}
            for member in members:
                if member.compress_size and member.file_size / member.compress_size > settings.IMPORT_MAX_RATIO:
                    raise ImportRefused(_("The file unpacks to far more than its size: refused."))
    except zipfile.BadZipFile as exc:
        raise ImportRefused(_("The workbook is damaged and cannot be read.")) from exc
    if total > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise ImportRefused(_("The file unpacks to far more than its size: refused."))
    if "xl/workbook.xml" not in names:
        raise ImportRefused(_("This is not an Excel workbook (.xlsx)."))
    return "xlsx"


def too_large_message() -> str:
    from django.template.defaultfilters import filesizeformat

    return _("The file is larger than %(size)s.") % {"size": filesizeformat(settings.IMPORT_MAX_BYTES)}


# --- CSV: one sheet a file -------------------------------------------------------------------------

CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 (with or without the BOM Excel writes), GBK/GB18030


def text_encoding(path) -> str | None:
    """The encoding a text file decodes in, whole (Chinese Excel saves CSV as GBK, other tools as
    UTF-8), or None when it is not delimited text. Read in chunks: no file is held in memory."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        seen_delimiter = False
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    text = decoder.decode(chunk)
                    seen_delimiter = seen_delimiter or any(d in text for d in ",;\t")
                    if "\x00" in text:
                        return None
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding if seen_delimiter else None
    return None


class CsvSheet:
    """A CSV file read like a read-only worksheet (iter_rows of values), streaming, as many passes as
    the import makes. Its title is the template sheet whose columns its header row names best."""

    def __init__(self, path, encoding: str):
        self.path, self.encoding = path, encoding
        with open(path, encoding=encoding, newline="") as handle:
            sample = handle.read(64 * 1024)
        try:
            self.dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            self.dialect = csv.excel
        head = [row for _n, row in zip(range(HEADER_SCAN_ROWS), self.iter_rows(values_only=True), strict=False)]
        best = None
        for sheet in registry.import_sheets:
            found = _header(head, sheet)
            if found:
                required = [c for c in sheet.columns if c.required]
                score = (all(c in found[1].values() for c in required), len(found[1]))
                if best is None or score > best[0]:
                    best = (score, sheet)
        self.title = best[1].zh if best else ""

    def iter_rows(self, min_row: int = 1, values_only: bool = True):
        with open(self.path, encoding=self.encoding, newline="") as handle:
            for number, row in enumerate(csv.reader(handle, self.dialect), start=1):
                if number >= min_row:
                    yield tuple(row)


class CsvBook:
    """A CSV file as a workbook of one sheet, for the same import path as .xlsx."""

    def __init__(self, path, encoding: str):
        self.worksheets = [CsvSheet(path, encoding)]

    def close(self):
        pass


def _sheet_for(title: str) -> ImportSheet | None:
    name = normalise_header(title)
    for sheet in registry.import_sheets:
        if name in sheet.names():
            return sheet
    return None


def _header(rows: list[tuple], sheet: ImportSheet) -> tuple[int, dict[int, ImportColumn]] | None:
    """The header row among the first rows: the one naming the most of the sheet's columns
    (merged header cells leave blanks beside their value, which are passed over)."""
    best = None
    for index, row in enumerate(rows):
        mapping = {}
        for position, cell in enumerate(row):
            if cell is None:
                continue
            name = normalise_header(cell)
            for column in sheet.columns:
                if name in column.names() and column not in mapping.values():
                    mapping[position] = column
        if mapping and (best is None or len(mapping) > len(best[1])):
            best = (index, mapping)
    return best


@dataclass
class SheetRows:
    sheet: ImportSheet
    title: str
    header_row: int
    mapping: dict[int, ImportColumn]
    choices: dict = field(default_factory=dict)  # each choice column's options, read once


def _iter_rows(ws, start: int) -> Iterator[tuple[int, tuple]]:
    yield from enumerate(ws.iter_rows(min_row=start, values_only=True), start=start)


LOOKUP_BLOCK = 2000  # parsed rows whose records are read at a time


class KeptRows:
    """A sheet's parsed rows as the check pass read them, kept for the write pass in a temporary
    file (pickled a batch at a time), so that the write reads them back instead of parsing the
    workbook again — the parse is about a third of an import's time — with memory flat in the size
    of the file. Our own file, written and read by this process only."""

    BATCH = 1000

    def __init__(self):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), after the write pass
        self.batch: list[tuple[int, bytes]] = []

    def add(self, number: int, values: dict) -> None:
        row = {key: value for key, value in values.items() if key != "__raw__"}
        self.batch.append((number, pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)))
        if len(self.batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            pickle.dump(self.batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.batch = []

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        self._flush()
        self.file.seek(0)
        while True:
            try:
                batch = pickle.load(self.file)  # noqa: S301 - our own temporary file, written above
            except EOFError:
                return
            for number, row in batch:
                yield number, pickle.loads(row)  # noqa: S301 - the same

    def close(self) -> None:
        self.file.close()


def _looked_up(sheet: ImportSheet, rows: Iterator[tuple[int, dict]], ctx) -> Iterator[tuple[int, dict]]:
    """The parsed rows, each block's records read (sheet.lookup) before its rows are checked."""
    if sheet.lookup is None:
        yield from rows
        return
    while block := list(itertools.islice(rows, LOOKUP_BLOCK)):
        sheet.lookup([values for _number, values in block], ctx)
        yield from block


def _parsed_rows(ws, layout: SheetRows, errors: list[RowError]) -> Iterator[tuple[int, dict]]:
    """Parsed rows of a sheet (blank rows and example rows skipped); parse errors go to `errors`."""
    sheet = layout.sheet
    id_position = next((p for p, c in layout.mapping.items() if c.key == sheet.id_column), None)
    for number, row in _iter_rows(ws, layout.header_row + 2):
        if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        raw_id = row[id_position] if id_position is not None and id_position < len(row) else None
        if isinstance(raw_id, str) and normalise_text(raw_id).lower().startswith(EXAMPLE_PREFIXES):
            continue  # an example row: not even checked
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for position, column in layout.mapping.items():
            raw = row[position] if position < len(row) else None
            try:
                values[column.key] = parse_value(column, raw, layout.choices)
            except ParseError as error:
                errors.append(RowError(layout.title, number, _column_label(column), found_message(raw, error)))
                values[column.key] = None
                failed.add(column.key)
        for column in sheet.columns:
            if column.required and column.key not in failed and values.get(column.key) in (None, ""):
                errors.append(RowError(layout.title, number, _column_label(column), _("required")))
                failed.add(column.key)
        raws = {column.key: row[position] for position, column in layout.mapping.items() if position < len(row)}
        values["__raw__"] = raws
        yield number, values if not failed else {**values, "__bad__": True}


SHOWN_LENGTH = 40


def found_message(raw, message) -> str:
    """A cell's problem with the value found in it, so that the user sees what to fix:
    “2026-13-01”: not a valid date. Empty cells (a value is missing) have nothing to show."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return str(message)
    if isinstance(raw, datetime.datetime) and raw.time() == datetime.time():
        raw = raw.date()
    if isinstance(raw, float) and raw == int(raw):
        raw = int(raw)
    shown = normalise_text(raw.isoformat() if isinstance(raw, datetime.date) else raw)
    if len(shown) > SHOWN_LENGTH:
        shown = shown[: SHOWN_LENGTH - 1] + "…"
    return _("“%(value)s”: %(problem)s") % {"value": shown, "problem": message}


def _column_label(column: ImportColumn) -> str:
    return f"{column.zh} / {column.en}"


def _layouts(workbook) -> list[tuple[Any, SheetRows]]:
    found = []
    seen = set()
    for ws in workbook.worksheets:
        sheet = _sheet_for(ws.title)
        if sheet is None or sheet.key in seen:
            continue
        head = [row for _n, row in zip(range(HEADER_SCAN_ROWS), ws.iter_rows(values_only=True), strict=False)]
        header = _header(head, sheet)
        if header is None:
            continue
        index, mapping = header
        missing = [c for c in sheet.columns if c.required and c not in mapping.values()]
        seen.add(sheet.key)
        found.append((ws, SheetRows(sheet, ws.title, index, mapping), missing))
    found.sort(key=lambda item: registry.sort_key(item[1].sheet))
    return found


def run_import(
    path,
    *,
    user,
    dry_run: bool = False,
    good_rows_only: bool = False,
    confirmed: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Check every row of every known sheet; then, unless a row is bad (or only the good rows are
    wanted), write them all in one transaction, in batches, through the sections' services. A dry
    run writes the same way and rolls back, so its counts of what would be created, updated and
    left unchanged are the import's own. Warnings (a customer taken over its credit limit) hold the
    import back until it is run again with confirmed=True, as a sale on the page is confirmed."""
    kind = check_file(path)
    workbook = load_workbook(path, read_only=True, data_only=True) if kind == "xlsx" else CsvBook(path, kind)
    kept: dict[str, KeptRows] = {}  # each sheet's parsed rows, for the write pass
    try:
        layouts = _layouts(workbook)
        if not layouts:
            raise ImportRefused(_("No sheet of the template was found (Customers, Sales, Payments, Costs)."))
        errors: list[RowError] = []
        for _ws, layout, missing in layouts:
            for column in missing:
                errors.append(RowError(layout.title, layout.header_row + 1, _column_label(column), _("column missing")))
        ctx = ImportContext(user=user, write=False)
        good: dict[str, set[int]] = {}
        steps = len(layouts) * 2
        for step, (ws, layout, missing) in enumerate(layouts, start=1):
            sheet = layout.sheet
            if sheet.prepare:
                sheet.prepare(ctx)
            ids, good_rows, seen = set(), set(), set()
            kept[sheet.key] = KeptRows()
            if not missing:
                for number, values in _looked_up(sheet, _parsed_rows(ws, layout, errors), ctx):
                    ctx.row_number = number
                    if not values.get("__bad__"):
                        kept[sheet.key].add(number, values)  # as parsed: the checks may add to it
                    problems = _check(sheet, values, ctx)
                    identifier = values.get(sheet.id_column)
                    if identifier and identifier in seen:
                        problems.append((sheet.id_column, _("the same ID appears twice in this sheet")))
                    if identifier:
                        seen.add(identifier)
                    for key, message in problems:
                        column = next((c for c in sheet.columns if c.key == key), None)
                        text = found_message(values["__raw__"].get(key), message)
                        errors.append(RowError(layout.title, number, _column_label(column) if column else "", text))
                    if values.get("__bad__") or problems:
                        ctx.count(sheet.key, "errors")
                        if identifier:
                            ctx.bad_ids.setdefault(sheet.key, set()).add(identifier)
                        continue
                    ids.add(identifier)
                    good_rows.add(number)
                    if sheet.accept:
                        sheet.accept(values, ctx)
            ctx.ids[sheet.key] = ids
            good[sheet.key] = good_rows
            if progress:
                progress(int(100 * step / steps))
        warnings: list[RowError] = []
        for _ws, layout, _missing in layouts:
            if layout.sheet.review:
                for number, key, message, blocking in layout.sheet.review(ctx):
                    column = next((c for c in layout.sheet.columns if c.key == key), None)
                    found = RowError(layout.title, number, _column_label(column) if column else "", str(message))
                    (errors if blocking else warnings).append(found)
                    if blocking and number in good[layout.sheet.key]:
                        good[layout.sheet.key].discard(number)
                        ctx.count(layout.sheet.key, "errors")
        errors.sort(key=lambda e: (_sheet_order(layouts, e.sheet), e.row))
        written = False
        ctx.data["sheets_in_file"] = {layout.sheet.key for _ws, layout, _m in layouts}
        held = bool(warnings) and not confirmed  # like a sale on the page: warnings are confirmed first
        tried = not errors or good_rows_only
        if tried:  # held: written and rolled back, so that the counts say what confirming will do
            ctx.write = True
            try:
                _write(layouts, good, kept, ctx, steps, progress, rollback=dry_run or held)
                written = not (dry_run or held)
            except ImportWriteError as error:
                title = next(
                    (layout.title for _ws, layout, _m in layouts if layout.sheet.key == error.sheet), error.sheet
                )
                errors.append(RowError(title, 0, error.column, f"{error.row_id}: {error.message}".lstrip(": ")))
                tried = False
        for _ws, layout, _missing in layouts:
            ctx.counts.setdefault(layout.sheet.key, {"created": 0, "updated": 0, "unchanged": 0, "errors": 0})
        if not tried:  # nothing was (or, in a dry run, would be) written
            for bucket in ctx.counts.values():
                bucket.update(created=0, updated=0, unchanged=0)
        return ImportResult(
            ctx.counts, errors, written, [layout.title for _ws, layout, _m in layouts], warnings, held=held
        )
    finally:
        workbook.close()
        for rows in kept.values():
            rows.close()


def _sheet_order(layouts, title: str) -> int:
    return next((i for i, (_ws, layout, _m) in enumerate(layouts) if layout.title == title), len(layouts))


def _check(sheet: ImportSheet, values: dict, ctx) -> list:
    """The sheet's checks of a row. A row whose cells did not all parse is still checked, so that
    all its mistakes show at once; what a check cannot judge without the unreadable cells (it fails
    on a missing value) is left for the next upload, and the columns already reported are not
    reported again."""
    if not values.get("__bad__"):
        return sheet.check(values, ctx)
    failed = {key for key, value in values.items() if value is None}
    try:
        problems = sheet.check(values, ctx)
    except (TypeError, KeyError, AttributeError, ValueError):
        return []
    return [(key, message) for key, message in problems if key not in failed]


class _RolledBack(Exception):
    """Ends a dry run's write transaction: everything it wrote is undone."""


def _write(layouts, good, kept, ctx, steps, progress, *, rollback: bool = False) -> None:
    """Pass two: the good rows again, in batches, all in one transaction (undone for a dry run)."""
    try:
        with transaction.atomic():
            _write_sheets(layouts, good, kept, ctx, steps, progress)
            if rollback:
                raise _RolledBack
    except _RolledBack:
        pass


def _write_sheets(layouts, good, kept, ctx, steps, progress) -> None:
    for step, (_ws, layout, _missing) in enumerate(layouts, start=len(layouts) + 1):
        sheet = layout.sheet
        batch = []
        for number, values in kept[sheet.key]:
            if number in good[sheet.key]:
                batch.append(values)
                if len(batch) >= settings.IMPORT_BATCH_SIZE:
                    sheet.write(batch, ctx)
                    batch = []
        if batch:
            sheet.write(batch, ctx)
        if sheet.finish:
            sheet.finish(ctx)
        if progress:
            progress(int(100 * step / steps))
