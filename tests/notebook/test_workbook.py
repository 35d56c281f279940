"""The notebook workbook: sheets, the 29 summary columns, cell types and formats, formula escaping,
the download view (scope, bad dates) and the background export for large portfolios."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from custnotes import exports, tasks
from custnotes.identity import exported_id, own_pk
from custnotes.models import ExportJob
from custnotes.workbook import SUMMARY_TITLE, write_workbook

from .conftest import SUMMARY_COLUMNS_EN, expected_row

pytestmark = pytest.mark.django_db

D = Decimal
SHEETS = [
    "客户汇总 Customer summary",
    "客户 Customers",
    "交易 Sales",
    "收款 Payments",
    "成本 Costs",
    "价值 Valuation",
    "风险预警 Risk alerts",
]
MONEY_COLUMNS = [
    "T12M revenue",
    "T12M gross margin",
    "T12M revenue without cost of goods",
    "T12M payment fees",
    "T12M marketing cost",
    "T12M service cost",
    "T12M contribution profit",
    "Open receivables",
    "Not yet due",
    "1-30 days",
    "31-60 days",
    "61-90 days",
    "Over 90 days",
]


def reload(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)  # not read-only: freeze panes, widths and styles are read too


def from_bytes(content: bytes):
    return load_workbook(BytesIO(content))


def sheet_rows(ws) -> list[dict]:
    """The rows of a sheet as {English header: cell}."""
    headers = [str(c.value).split(" / ")[-1] for c in ws[1]]
    return [dict(zip(headers, row, strict=True)) for row in ws.iter_rows(min_row=2)]


@pytest.fixture
def book(portfolio):
    return reload(write_workbook(customers=portfolio.customers, as_of=portfolio.as_of))


def summary_by_name(book) -> dict[str, dict]:
    return {row["Name"].value: row for row in sheet_rows(book[SUMMARY_TITLE])}


def test_the_sheets_and_their_order(book):
    assert book.sheetnames == SHEETS


def test_the_summary_sheet_has_exactly_the_30_columns(book):
    headers = [c.value for c in book[SUMMARY_TITLE][1]]
    assert len(headers) == 30
    assert [h.split(" / ")[1] for h in headers] == SUMMARY_COLUMNS_EN
    assert all(" / " in h and h.split(" / ")[0] for h in headers)  # 中文 / English


def test_the_summary_sheet_figures(book, portfolio):
    rows = summary_by_name(book)
    assert list(rows) == ["Alpha", "Beta", "=1+1"]
    alpha = {k: c.value for k, c in rows["Alpha"].items()}
    assert alpha == {
        "Customer ID": exported_id(None, portfolio.alpha.pk),  # this database's own ID for it
        "Name": "Alpha",
        "Type": "老客户",
        "Team": "East",
        "Industry": "低竞争",
        "T12M revenue": 1800,
        "T12M purchases": 3,
        "T12M gross margin": 900,
        "T12M revenue without cost of goods": 0,
        "T12M payment fees": 2.9,
        "T12M marketing cost": 120,
        "T12M service cost": 80.5,
        "T12M contribution profit": 696.6,
        "Open receivables": 1400,
        "Not yet due": 300,
        "1-30 days": 500,
        "31-60 days": 0,
        "61-90 days": 0,
        "Over 90 days": 600,
        "DSO": float(expected_row(portfolio, "alpha")["dso"]),
        "Paid late (T12M)": 0.6667,
        "Average days to pay": None,
        "Average days late": None,
        "Credit risk": "高",
        "P(alive)": None,
        "Predicted 12-month value": None,
        "Potential value": None,
        "Tier": "C",
        "Segment": "需挽回",
        "Verdict": "C · 信用风险 高：¥600.00 逾期超过 90 天；停止赊销；要求预付款或担保。",
    }
    assert rows["Beta"]["DSO"].value == float(expected_row(portfolio, "beta")["dso"])
    assert rows["Alpha"]["Paid late (T12M)"].number_format == "0.0%"
    assert rows["Beta"]["Paid late (T12M)"].value is None  # two T12M invoices: too few to say
    assert rows["Beta"]["61-90 days"].value == 2000
    assert rows["Beta"]["T12M revenue without cost of goods"].value == 250  # its -3 d sale has no cost of goods
    assert rows["=1+1"]["T12M contribution profit"].value == -10
    assert rows["=1+1"]["DSO"].value == 0  # nothing open: no days outstanding
    assert rows["=1+1"]["Paid late (T12M)"].value is None


def test_numbers_are_numbers_and_money_has_two_decimals(book):
    for row in sheet_rows(book[SUMMARY_TITLE]):
        assert own_pk(row["Customer ID"].value) is not None  # this database's own ID, as text
        assert isinstance(row["T12M purchases"].value, int)
        for column in MONEY_COLUMNS:
            cell = row[column]
            assert isinstance(cell.value, int | float), column
            assert cell.data_type == "n", column
            assert cell.number_format == "#,##0.00", column
    beta = summary_by_name(book)["Beta"]
    assert beta["DSO"].data_type == "n"
    assert beta["DSO"].number_format == "0.0"


def test_section_sheets_keep_numbers_and_dates(book, portfolio):
    sales = sheet_rows(book["交易 Sales"])
    assert len(sales) == 6
    first = sales[0]  # the oldest: "=1+1"'s sale 400 days ago
    assert isinstance(first["Date"].value, datetime.datetime)
    assert first["Date"].value.date() == timezone.localdate() - datetime.timedelta(days=400)
    assert isinstance(first["Due date"].value, datetime.datetime)  # a date cell, read back by openpyxl
    assert first["Due date"].value.date() == timezone.localdate() - datetime.timedelta(days=370)
    assert first["Due date"].is_date
    assert first["Amount"].value == 700
    assert first["Amount"].number_format == "#,##0.00"
    assert first["Cost of goods"].value == 300
    payments = {row["Amount"].value: row for row in sheet_rows(book["收款 Payments"])}
    assert payments[400]["Fee"].value == 2.9
    assert payments[400]["Fee"].number_format == "#,##0.00"
    assert isinstance(payments[400]["Date"].value, datetime.datetime)
    costs = sheet_rows(book["成本 Costs"])
    assert sorted(row["Amount"].value for row in costs) == [10, 40, 80.5, 120]
    assert all(isinstance(row["Date"].value, datetime.datetime) and row["Date"].is_date for row in costs)
    customers = sheet_rows(book["客户 Customers"])
    assert [row["Credit limit"].value for row in customers] == [100000, 100000, 100000]
    assert customers[0]["Credit limit"].number_format == "#,##0.00"


def test_every_sheet_freezes_the_header_row_and_sizes_its_columns(book):
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        for index in range(1, ws.max_column + 1):
            letter = ws.cell(row=1, column=index).column_letter
            assert ws.column_dimensions[letter].width >= 10, (ws.title, letter)
        assert all(cell.font.b for cell in ws[1]), ws.title
    summary = book[SUMMARY_TITLE]
    assert summary.column_dimensions["AD"].width == 60  # the verdict
    assert summary.column_dimensions["B"].width == 24  # the name


def test_text_that_looks_like_a_formula_stays_text(book):
    """A name "=1+1", a product "+扩容套餐", a reference "-ref-1" and a note "@上门" come back as
    strings (data type "s", with Excel's quote prefix), never formulas."""
    name = summary_by_name(book)["=1+1"]["Name"]
    product = sheet_rows(book["交易 Sales"])[0]["Product or service"]
    (reference,) = [r["Reference"] for r in sheet_rows(book["收款 Payments"]) if r["Reference"].value]
    (note,) = [r["Note"] for r in sheet_rows(book["成本 Costs"]) if r["Note"].value]
    customer_name = next(r["Name"] for r in sheet_rows(book["客户 Customers"]) if r["Name"].value == "=1+1")
    for cell, text in [
        (name, "=1+1"),
        (customer_name, "=1+1"),
        (product, "+扩容套餐"),
        (reference, "-ref-1"),
        (note, "@上门"),
    ]:
        assert cell.value == text
        assert cell.data_type == "s", text
        assert cell.quotePrefix, text
    # nowhere in the workbook is there a formula
    assert not [c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


# --- the download view ---------------------------------------------------------------------------


def test_one_customers_workbook_for_a_sales_user(client_for, sales_user, portfolio):
    response = client_for(sales_user).get(reverse("workbook"), {"customer": portfolio.alpha.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"notebook-{portfolio.alpha.pk}-{portfolio.as_of.isoformat()}.xlsx" in response["Content-Disposition"]
    book = from_bytes(b"".join(response.streaming_content))
    rows = sheet_rows(book[SUMMARY_TITLE])
    assert [own_pk(r["Customer ID"].value) for r in rows] == [portfolio.alpha.pk]
    assert rows[0]["T12M contribution profit"].value == 696.6
    assert {own_pk(r["Customer ID"].value) for r in sheet_rows(book["交易 Sales"])} == {portfolio.alpha.pk}


def test_another_teams_customer_is_not_found(client_for, sales_user, south_customer, portfolio):
    client = client_for(sales_user)
    assert client.get(reverse("workbook"), {"customer": south_customer.pk}).status_code == 404
    assert client.get(reverse("workbook"), {"customer": "abc"}).status_code == 404
    assert client.get(reverse("workbook"), {"customer": 999999}).status_code == 404


def test_the_workbook_as_of_a_past_date(client_for, sales_user, portfolio):
    as_of = timezone.localdate() - datetime.timedelta(days=20)
    response = client_for(sales_user).get(
        reverse("workbook"), {"customer": portfolio.alpha.pk, "as_of": as_of.isoformat()}
    )
    book = from_bytes(b"".join(response.streaming_content))
    (row,) = sheet_rows(book[SUMMARY_TITLE])
    assert row["T12M revenue"].value == 1500
    assert len(sheet_rows(book["交易 Sales"])) == 2  # the -10 d sale came later


@pytest.mark.parametrize("as_of", ["future", "garbage", "2024-02-30", "1989-12-31"])
def test_a_bad_as_of_date_redirects_with_a_message(client_for, sales_user, portfolio, as_of):
    if as_of == "future":
        as_of = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client = client_for(sales_user)
    response = client.get(reverse("workbook"), {"customer": portfolio.alpha.pk, "as_of": as_of})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(messages) == 1
    assert messages[0].strip()
    assert not ExportJob.objects.exists()


def test_a_bad_as_of_date_goes_back_to_the_page_it_came_from(client_for, sales_user, portfolio):
    back = reverse("customers:detail", args=[portfolio.alpha.pk])
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(sales_user).get(reverse("workbook"), {"as_of": future}, headers={"referer": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["截至日期不能晚于今天。"]


def test_all_my_customers_stream_below_the_inline_limit(client_for, sales_user, south_customer, portfolio):
    response = client_for(sales_user).get(reverse("workbook"))
    assert response.status_code == 200
    book = from_bytes(b"".join(response.streaming_content))
    ids = [own_pk(r["Customer ID"].value) for r in sheet_rows(book[SUMMARY_TITLE])]
    assert ids == [portfolio.alpha.pk, portfolio.beta.pk, portfolio.formula.pk]  # not South's customer
    assert not ExportJob.objects.exists()


# --- the background export -----------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The ids of the jobs sent to the workers (the test runs them itself)."""
    sent = []
    monkeypatch.setattr(tasks.export_workbook, "delay", lambda job_id: sent.append(job_id))
    return sent


def test_a_large_export_becomes_a_job(
    client_for, sales_user, finance_user, portfolio, settings, tmp_path, queued, django_user_model
):
    settings.WORKBOOK_INLINE_LIMIT = 1
    settings.MEDIA_ROOT = tmp_path
    client = client_for(sales_user)
    response = client.get(reverse("workbook"))
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workbook-job", args=[job.pk])
    assert queued == [job.pk]
    assert (job.user, job.as_of, job.customer_count, job.status) == (
        sales_user,
        timezone.localdate(),
        3,
        ExportJob.Status.PENDING,
    )
    page = client.get(reverse("workbook-job", args=[job.pk]))
    assert page.status_code == 200
    download = reverse("workbook-download", args=[job.pk])
    assert download not in page.content.decode()
    assert client.get(download).status_code == 404  # not built yet

    name = exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.progress == 100
    assert job.finished_at is not None
    assert job.file.name == name
    page = client.get(reverse("workbook-job", args=[job.pk]))
    assert download in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    book = from_bytes(b"".join(response.streaming_content))
    assert book.sheetnames == SHEETS
    rows = sheet_rows(book[SUMMARY_TITLE])
    assert [own_pk(r["Customer ID"].value) for r in rows] == [
        portfolio.alpha.pk,
        portfolio.beta.pk,
        portfolio.formula.pk,
    ]
    assert rows[0]["T12M contribution profit"].value == 696.6

    other = client_for(finance_user)
    assert other.get(download).status_code == 404
    assert other.get(reverse("workbook-job", args=[job.pk])).status_code == 404


def test_a_job_as_of_a_past_date(client_for, sales_user, portfolio, settings, tmp_path, queued):
    settings.WORKBOOK_INLINE_LIMIT = 1
    settings.MEDIA_ROOT = tmp_path
    as_of = timezone.localdate() - datetime.timedelta(days=20)
    client_for(sales_user).get(reverse("workbook"), {"as_of": as_of.isoformat()})
    job = ExportJob.objects.get()
    assert job.as_of == as_of
    exports.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        book = load_workbook(BytesIO(handle.read()))
    rows = {r["Name"].value: r for r in sheet_rows(book[SUMMARY_TITLE])}
    assert rows["Alpha"]["T12M revenue"].value == 1500
