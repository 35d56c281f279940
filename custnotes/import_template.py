"""The downloadable template: instructions, then one sheet per importable section with bilingual
headers, an example row (which the import skips) and drop-down lists for the choice columns."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from custnotes.registry import registry

INSTRUCTIONS = [
    ("客户管理会计笔记 · 导入模板", "custnotes · import template"),
    ("", ""),
    (
        "每张工作表一类数据：客户、交易（销售）、收款、成本。可以只填其中几张。",
        "One sheet per kind of record: Customers, Sales, Payments, Costs. Any of them may be left out.",
    ),
    (
        "表头可用中文或英文，列的顺序不限；可选的列可以删除。",
        "Headers may be in Chinese or English, in any order; optional columns may be removed.",
    ),
    (
        "编号列（客户编号、销售编号……）是你自己的编号：再次导入同一文件不会重复，修改过的行会更新记录。",
        "The ID columns are your own keys: importing the same file again changes nothing; "
        "a changed row updates its record.",
    ),
    (
        "以“示例”或 EXAMPLE 开头的编号是示例行，导入时跳过。",
        "Rows whose ID starts with 示例 or EXAMPLE are examples and are skipped.",
    ),
    (
        "日期可写作 2024-01-05、2024/1/5 或 2024年1月5日；金额可带千位分隔符、¥ 或 元。",
        "Dates may be 2024-01-05, 2024/1/5 or 2024年1月5日; amounts may have thousands separators, ¥ or 元.",
    ),
    (
        "收款的“核销销售”填销售编号（可多个，用逗号分隔）；留空则按到期日从早到晚核销。",
        "A payment's Applies to lists Sale IDs (comma-separated); empty means oldest due first.",
    ),
    (
        "导入前会检查每一行；只要有一行有错，就什么都不写入（除非选择只导入正确的行）。",
        "Every row is checked first; nothing is written while any row is bad "
        "(unless you choose to import the good rows).",
    ),
]
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FONT = Font(italic=True, color="808080")


def template_workbook() -> Workbook:
    workbook = Workbook()
    intro = workbook.active
    intro.title = "说明 Instructions"
    for zh, en in INSTRUCTIONS:
        intro.append([zh, en])
    intro["A1"].font = intro["B1"].font = Font(bold=True, size=14)
    intro.column_dimensions["A"].width = 80
    intro.column_dimensions["B"].width = 100
    for row in intro.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    lists = workbook.create_sheet("选项 Lists")
    list_column = 0
    for sheet in registry.ordered(registry.import_sheets):
        ws = workbook.create_sheet(f"{sheet.zh} {sheet.en}")
        ws.append([f"{c.zh} / {c.en}" + (" *" if c.required else "") for c in sheet.columns])
        ws.append([c.example for c in sheet.columns])
        ws.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(14, len(column.zh) * 2 + len(column.en) + 6)
            ws[f"{letter}1"].font = Font(bold=True)
            ws[f"{letter}1"].fill = HEADER_FILL
            ws[f"{letter}2"].font = EXAMPLE_FONT
            if column.options is None:
                continue
            options = column.options()
            if not options:
                continue
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=f"{column.zh} / {column.en}").font = Font(bold=True)
            for offset, option in enumerate(options, start=2):
                lists.cell(row=offset, column=list_column, value=option)
            source = f"{quote_sheetname(lists.title)}!${list_letter}$2:${list_letter}${len(options) + 1}"
            validation = DataValidation(type="list", formula1=source, allow_blank=not column.required)
            validation.error = "请从列表中选择 / Choose from the list"
            validation.errorTitle = f"{column.zh} / {column.en}"
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}10000")
    lists.sheet_state = "hidden"
    workbook.move_sheet(lists, offset=len(workbook.sheetnames) - 1 - workbook.sheetnames.index(lists.title))
    return workbook
