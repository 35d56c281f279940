"""Helpers for the import tests: workbooks built with openpyxl in tmp_path, the template's bilingual
headers, and the row counts that prove whether anything was written."""

import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

# The template's headers, "中文 / English", by sheet.
CUSTOMER_HEADERS = {
    "customer_id": "客户编号 / Customer ID",
    "name": "名称 / Name",
    "company": "公司 / Company",
    "contact": "联系人 / Contact",
    "phone": "电话 / Phone",
    "email": "邮箱 / Email",
    "address": "地址 / Address",
    "industry": "行业 / Industry",
    "type": "类型 / Type",
    "team": "团队 / Team",
    "owner": "负责人 / Owner",
    "credit_limit": "信用额度 / Credit limit",
    "terms": "账期（天） / Payment terms (days)",
    "growth": "成长潜力 / Growth potential",
}
SALE_HEADERS = {
    "sale_id": "销售编号 / Sale ID",
    "customer_id": "客户编号 / Customer ID",
    "date": "日期 / Date",
    "product": "产品或服务 / Product or service",
    "amount": "金额 / Amount",
    "cogs": "销售成本 / Cost of goods",
    "due": "到期日 / Due date",
    "void": "作废 / Void",
}
PAYMENT_HEADERS = {
    "payment_id": "收款编号 / Payment ID",
    "customer_id": "客户编号 / Customer ID",
    "date": "日期 / Date",
    "amount": "金额 / Amount",
    "method": "支付方式 / Method",
    "applies_to": "核销销售 / Applies to",
    "kind": "类型 / Kind",
    "reference": "参考号 / Reference",
}
COST_HEADERS = {
    "cost_id": "成本编号 / Cost ID",
    "customer_id": "客户编号 / Customer ID",
    "date": "日期 / Date",
    "category": "科目 / Category",
    "amount": "金额 / Amount",
    "note": "备注 / Note",
}


def zh(label: str) -> str:
    """The Chinese half of a bilingual header."""
    return label.split(" / ")[0]


def en(label: str) -> str:
    """The English half of a bilingual header."""
    return label.split(" / ")[1]


def table(headers: dict, rows: list[dict], *, keys=None, language=None) -> list[list]:
    """Rows of a sheet: a header row (bilingual, or only "zh"/"en"), then one list per row dict, in the
    order of `keys` (default: every header). Keys a row leaves out are empty cells."""
    keys = list(keys or headers)
    label = {"zh": zh, "en": en}.get(language, lambda text: text)
    return [[label(headers[k]) for k in keys], *[[row.get(k) for k in keys] for row in rows]]


def write_book(path: Path, sheets: dict[str, list[list]], *, merges: dict[str, list[str]] | None = None) -> Path:
    """A workbook with one sheet per title, holding the given rows from A1 (None = empty cell), with
    any cell ranges to merge per sheet."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=number, column=column, value=value)
        for cell_range in (merges or {}).get(title, []):
            ws.merge_cells(cell_range)
    workbook.save(path)
    return path


def with_cached_values(path: Path, sheet_index: int, values: dict[str, str]) -> Path:
    """Give formula cells the cached value Excel would have saved (openpyxl writes formulas without
    one): rewrites xl/worksheets/sheet<N>.xml so that cell `ref`'s <v> holds the number given."""
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {info: archive.read(info.filename) for info in archive.infolist()}
    for info in contents:
        if info.filename == member:
            xml = contents[info].decode("utf-8")
            for ref, value in values.items():
                pattern = re.compile(rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*(<v\s*/>|<v>\s*</v>)?')
                xml, found = pattern.subn(rf"\1<v>{value}</v>", xml)
                assert found == 1, f"no formula cell {ref} in {member}"
            contents[info] = xml.encode("utf-8")
    path.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in contents.items():
            archive.writestr(info, data)
    return path


def ledger_counts() -> dict[str, int]:
    """How many customers, sales, payments, allocations and cost entries the database holds."""
    from costing.models import CostEntry
    from customers.models import Customer
    from transactions.models import Allocation, Payment, Sale

    return {
        "customers": Customer.objects.count(),
        "sales": Sale.objects.count(),
        "payments": Payment.objects.count(),
        "allocations": Allocation.objects.count(),
        "costs": CostEntry.objects.count(),
    }


def counts(created=0, updated=0, unchanged=0, errors=0) -> dict[str, int]:
    return {"created": created, "updated": updated, "unchanged": unchanged, "errors": errors}


def rows(result) -> list[tuple]:
    """An import's errors as (sheet, row, column, message) tuples."""
    return [tuple(error.as_list()) for error in result.errors]
