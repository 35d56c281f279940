"""The streaming workbook (custnotes.excel.StreamingWorkbook) and the summary sheet's batches
(custnotes.workbook): what a clerk reads back, and a portfolio read by keyset, one query a batch."""

import datetime
import math
import shutil
import subprocess
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from custnotes import excel
from custnotes.summary import summary_rows, summary_values
from custnotes.workbook import SUMMARY_TITLE, batch_range, customer_batches, write_summary_sheet
from customers.models import Customer
from tests.customers.factories import CustomerFactory
from tests.transactions.factories import day, record_sale


def saved(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    return load_workbook(BytesIO(buffer.getvalue()))


def test_cells_keep_their_types_and_text_that_xml_cannot_hold_is_dropped():
    workbook = excel.new_workbook()
    sheet = excel.SheetWriter(workbook, "a/b:c", ["名称", "金额", "是否", "日期", "比例", "空"])
    sheet.append(
        ["A\x01B & <C>", Decimal("1234.50"), True, datetime.date(2026, 1, 31), Decimal("0.25"), ""],
        ["", "", "", "", "0.0%", ""],
    )
    sheet.append(["  leading", Decimal("NaN"), False, datetime.datetime(2026, 1, 31, 9, 30, 15, 999), math.inf, None])
    book = saved(workbook)
    assert book.sheetnames == ["a-b-c"]  # the characters Excel refuses in a sheet's name
    ws = book.active
    first, second = (list(row) for row in ws.iter_rows(min_row=2))
    assert first[0].value == "AB & <C>"
    assert (first[1].value, first[1].number_format) == (1234.5, "#,##0.00")
    assert first[2].value is True and first[2].data_type == "b"
    assert first[3].value == datetime.datetime(2026, 1, 31) and first[3].number_format == "yyyy-mm-dd"
    assert (first[4].value, first[4].number_format) == (0.25, "0.0%")
    assert first[5].value is None  # an empty text is an empty cell, as openpyxl writes it
    assert second[0].value == "  leading"
    assert second[1].value is None and second[4].value is None  # no cell can hold NaN or infinity
    assert second[2].value is False
    assert second[3].value == datetime.datetime(2026, 1, 31, 9, 30, 15)  # whole seconds
    assert second[3].number_format == "yyyy-mm-dd hh:mm"


def test_a_sheet_name_taken_twice_is_numbered():
    workbook = excel.new_workbook()
    excel.SheetWriter(workbook, "客户", ["#"])
    excel.SheetWriter(workbook, "客户", ["#"])
    assert saved(workbook).sheetnames == ["客户", "客户1"]


def test_an_empty_workbook_still_opens():
    assert saved(excel.new_workbook()).sheetnames == ["Sheet"]


def test_batch_range_bounds_the_ids_of_a_batch():
    assert batch_range([7, 3, 12]).children == [("customer_id__gte", 3), ("customer_id__lte", 12)]
    assert batch_range({5: "C5"}, "pk").children == [("pk__gte", 5), ("pk__lte", 5)]
    assert list(Customer.objects.filter(batch_range([]))) == []


@pytest.mark.django_db
def test_a_queryset_is_read_by_keyset_one_query_a_batch(team_east, django_assert_num_queries):
    customers = [CustomerFactory(team=team_east, name=f"c{i}") for i in range(7)]
    with django_assert_num_queries(3):  # 3 + 3 + 1: the short last batch ends it
        batches = list(customer_batches(Customer.objects.order_by("-name"), size=3))
    assert [[c.pk for c in batch] for batch in batches] == [
        [c.pk for c in customers[0:3]],
        [c.pk for c in customers[3:6]],
        [customers[6].pk],
    ]  # in pk order, whatever the queryset's order
    assert batches[0][0].team.name == team_east.name  # the team came with the batch
    with django_assert_num_queries(2):  # a full last batch: one more query finds nothing after it
        assert [len(b) for b in customer_batches(Customer.objects.all(), size=7)] == [7]
    reordered = [customers[4], customers[1]]
    assert list(customer_batches(reordered, size=1)) == [
        [customers[4]],
        [customers[1]],
    ]  # a list keeps its order


@pytest.mark.django_db
def test_the_summary_sheet_in_batches_equals_the_summary_rows(team_east):
    customers = [CustomerFactory(team=team_east, name=f"c{i}") for i in range(5)]
    record_sale(customers[1], "1000.00", -40, due_date=day(-10), cost_of_goods=Decimal("600.00"))
    record_sale(customers[3], "250.50", -5)
    as_of = day(0)
    workbook = excel.new_workbook()
    progress = []
    sheet = write_summary_sheet(
        workbook,
        customers=Customer.objects.all(),
        as_of=as_of,
        batch_size=2,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert sheet.total_rows == 5
    assert progress == [(2, 5), (4, 5), (5, 5)]
    rows = summary_rows(customers=customers, as_of=as_of)
    assert summary_values(customers=customers, as_of=as_of) == [
        [row[key] for key in rows[0] if key not in ("overdue", "worst_level", "scored_as_of", "scored_at")]
        for row in rows
    ]
    ws = saved(workbook)[SUMMARY_TITLE]
    names = [row[1].value for row in ws.iter_rows(min_row=2)]
    assert names == [f"c{i}" for i in range(5)]
    column = [c.value.split(" / ")[-1] for c in ws[1]].index("T12M revenue")
    assert [row[column].value for row in ws.iter_rows(min_row=2)] == [0, 1000, 0, 250.5, 0]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_what_the_engine_writes(tmp_path):
    """Another spreadsheet program than the one the tests read with: LibreOffice converts the written
    workbook to CSV with every value in its place, money in its number format, formula-like text as text."""
    workbook = excel.new_workbook()
    sheet = excel.SheetWriter(workbook, "客户汇总", ["名称", "金额", "日期"])
    sheet.append(["上海甲贸易", Decimal("1234.50"), datetime.date(2026, 1, 31)])
    sheet.append(["=1+1", Decimal("-0.05"), None])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    subprocess.run(
        [
            shutil.which("soffice"),
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    lines = (tmp_path / "book.csv").read_text(encoding="utf-8").splitlines()
    assert lines == ["名称,金额,日期", '上海甲贸易,"1,234.50",2026-01-31', "=1+1,-0.05,"]
