"""`manage.py export_workbook PATH [--as-of] [--customer]`: the notebook workbook to a file."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from custnotes.identity import own_pk
from custnotes.workbook import SUMMARY_TITLE

from .conftest import EXPECTED, SUMMARY_COLUMNS_EN

pytestmark = pytest.mark.django_db


def rows_of(ws) -> list[dict]:
    headers = [str(c.value).split(" / ")[-1] for c in ws[1]]
    return [dict(zip(headers, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]


def test_writes_a_valid_workbook(portfolio, south_customer, tmp_path, capsys):
    path = tmp_path / "notebook.xlsx"
    call_command("export_workbook", str(path))
    book = load_workbook(path)
    assert book.sheetnames[0] == SUMMARY_TITLE
    assert len(book.sheetnames) == 7
    ws = book[SUMMARY_TITLE]
    assert [str(c.value).split(" / ")[1] for c in ws[1]] == SUMMARY_COLUMNS_EN
    rows = rows_of(ws)
    # the command is the system: every customer, South's too
    assert [own_pk(r["Customer ID"]) for r in rows] == [
        portfolio.alpha.pk,
        portfolio.beta.pk,
        portfolio.formula.pk,
        south_customer.pk,
    ]
    assert rows[0]["T12M contribution profit"] == 696.6
    assert rows[1]["Open receivables"] == 2250
    assert ws.freeze_panes == "A2"
    out = capsys.readouterr().out
    assert "4 customers" in out
    assert timezone.localdate().isoformat() in out


def test_customer_filters_to_one_row(portfolio, tmp_path):
    path = tmp_path / "beta.xlsx"
    call_command("export_workbook", str(path), "--customer", str(portfolio.beta.pk))
    book = load_workbook(path)
    rows = rows_of(book[SUMMARY_TITLE])
    assert [r["Name"] for r in rows] == ["Beta"]
    assert rows[0]["T12M revenue"] == 2250
    assert rows[0]["Verdict"] == EXPECTED["beta"]["verdict"]
    assert {own_pk(r["Customer ID"]) for r in rows_of(book["交易 Sales"])} == {portfolio.beta.pk}
    assert {own_pk(r["Customer ID"]) for r in rows_of(book["成本 Costs"])} == {portfolio.beta.pk}


def test_as_of_a_past_date_excludes_later_sales(portfolio, tmp_path):
    as_of = timezone.localdate() - datetime.timedelta(days=20)
    path = tmp_path / "past.xlsx"
    call_command("export_workbook", str(path), "--as-of", as_of.isoformat(), "--customer", str(portfolio.alpha.pk))
    book = load_workbook(path)
    (row,) = rows_of(book[SUMMARY_TITLE])
    assert row["T12M revenue"] == 1500  # without the sale of 10 days ago
    assert row["T12M purchases"] == 2
    assert row["Over 90 days"] == 1000  # the receipt of 5 days ago had not come in
    assert row["Tier"] is None  # no scoring run on or before that date
    sales = rows_of(book["交易 Sales"])
    assert sorted(r["Amount"] for r in sales) == [500, 1000]
    assert all(r["Date"].date() <= as_of for r in sales)
    assert rows_of(book["收款 Payments"]) == []
    assert [r["Amount"] for r in rows_of(book["成本 Costs"])] == [120]


def test_as_of_applies_to_every_customer(portfolio, tmp_path):
    path = tmp_path / "old.xlsx"
    as_of = timezone.localdate() - datetime.timedelta(days=390)
    call_command("export_workbook", str(path), f"--as-of={as_of.isoformat()}")
    rows = {r["Name"]: r for r in rows_of(load_workbook(path)[SUMMARY_TITLE])}
    assert rows["=1+1"]["T12M revenue"] == 700
    assert rows["=1+1"]["Open receivables"] == 700  # paid 380 days ago, after this date
    assert rows["Alpha"]["T12M revenue"] == 0
    assert rows["Beta"]["T12M revenue"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/notebook.csv"], ".xlsx"),
        (["{tmp}/notebook"], ".xlsx"),
        (["{tmp}/missing/notebook.xlsx"], "no such folder"),
        (["{tmp}/notebook.xlsx", "--customer", "999999"], "999999"),
        (["{tmp}/notebook.xlsx", "--as-of", "garbage"], "garbage"),
        (["{tmp}/notebook.xlsx", "--as-of", "2024-02-30"], "2024-02-30"),
        (["{tmp}/notebook.xlsx", "--customer", "abc"], "abc"),
    ],
)
def test_bad_input_is_a_command_error(portfolio, tmp_path, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("export_workbook", *args)
    assert not list(tmp_path.rglob("*.xlsx"))
