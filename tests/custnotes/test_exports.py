"""The .xlsx export of every list and report (custnotes.excel.table_to_workbook): a title row with the
as-of date and the filters chosen, a frozen, filterable header row, cells typed as a clerk expects
(local date-times, money, percentages, choice labels, yes/no) and widths that fit the content."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from custnotes.excel import MONEY_FORMAT, fit_widths, text_width
from custnotes.filters import chosen_filters
from customers.choices import CustomerType
from tests.customers.factories import CustomerFactory
from tests.transactions.factories import day, record_sale
from transactions import services
from transactions.choices import SaleStatus
from valuation.choices import RunStatus, Segment
from valuation.models import CustomerValuation, ValuationRun

pytestmark = pytest.mark.django_db


def export(client, url_name, **params):
    response = client.get(reverse(url_name), {"export": "xlsx", **params})
    assert response.status_code == 200
    return load_workbook(BytesIO(b"".join(response.streaming_content))).active


def named(label, value) -> str:
    """A filter as the title row names it."""
    return gettext("%(label)s: %(value)s") % {"label": gettext(label), "value": value}


def as_of_text(date) -> str:
    return gettext("as of %(d)s") % {"d": date.isoformat()}


def records(sheet) -> list[dict]:
    """The data rows (under the title and header rows) by header, with their cells."""
    rows = list(sheet.iter_rows(min_row=2))
    headers = [cell.value for cell in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def test_a_sale_exports_its_local_date_and_time_money_and_status_label(client_for, finance_user, east_customer):
    local = datetime.datetime.combine(day(-1), datetime.time(5, 39), tzinfo=timezone.get_current_timezone())
    moment = local.astimezone(datetime.UTC)
    assert moment.date() != local.date()  # 21:39 UTC the day before: the local day is the next one
    services.sale_record(
        customer=east_customer,
        occurred_at=moment,
        product="年度维护服务合同（含上门巡检与备件更换）",
        amount=Decimal("12345.60"),
        cost_of_goods=None,
        due_date=None,
        user=None,
    )
    sheet = export(client_for(finance_user), "transactions:sales", status=SaleStatus.OPEN)
    (sale,) = records(sheet)
    occurred = sale[gettext("date of sale")]
    assert occurred.value == datetime.datetime(local.year, local.month, local.day, 5, 39)
    assert occurred.is_date and "hh:mm" in occurred.number_format
    assert sale[gettext("due date")].value == datetime.datetime.combine(day(29), datetime.time())  # a date
    assert sale[gettext("due date")].number_format == "yyyy-mm-dd"
    amount = sale[gettext("amount")]
    assert Decimal(str(amount.value)) == Decimal("12345.60") and amount.number_format == MONEY_FORMAT
    assert sale[gettext("status")].value == str(SaleStatus.OPEN.label)  # the label, not "open"
    assert sale[gettext("customer")].value == "East Co"  # the link's text
    # the title row: what, as of today, which filter
    title = sheet["A1"].value
    assert gettext("Sales") in title
    assert as_of_text(timezone.localdate()) in title
    assert named("status", SaleStatus.OPEN.label) in title
    # header frozen and filterable; the long column is wider than the default 10
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref.startswith("A2:")
    product_column = sale[gettext("product or service")].column_letter
    assert sheet.column_dimensions[product_column].width > 2 * text_width("年度维护服务合同") > 10


def test_the_customer_list_exports_choice_labels_and_yes_no_in_the_users_language(client_for, finance_user, team_east):
    CustomerFactory(name="Prospect Co", team=team_east, customer_type=CustomerType.PROSPECT)
    CustomerFactory(name="Existing Co", team=team_east, customer_type=CustomerType.EXISTING)
    client = client_for(finance_user)
    sheet = export(client, "customers:list", customer_type=CustomerType.PROSPECT)
    (customer,) = records(sheet)
    assert customer[gettext("customer type")].value == "潜在客户"
    assert customer[gettext("archived")].value == "否"
    assert isinstance(customer[gettext("created")].value, datetime.datetime)
    assert customer[gettext("credit limit")].number_format == MONEY_FORMAT
    assert named("customer type", "潜在客户") in sheet["A1"].value

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sheet = export(client, "customers:list", customer_type=CustomerType.PROSPECT)
    (customer,) = records(sheet)
    assert customer["Archived"].value == "no"  # headers from model fields start with a capital
    assert customer["Customer type"].value == "Prospect"
    assert "customer type: Prospect" in sheet["A1"].value  # English has no translation to apply


def test_the_value_report_exports_p_alive_as_a_percentage_as_of_the_run(client_for, finance_user, east_customer):
    as_of = day(-3)
    run = ValuationRun.objects.create(as_of=as_of, status=RunStatus.DONE)
    CustomerValuation.objects.create(
        run=run,
        customer=east_customer,
        as_of=as_of,
        current_value=Decimal("1234.50"),
        p_alive=0.9478950458930526,
        segment=Segment.CHAMPIONS,
        tier="A",
    )
    sheet = export(client_for(finance_user), "valuation:report")
    (row,) = records(sheet)
    p_alive = row[gettext("P(alive)")]
    assert p_alive.value == pytest.approx(0.9478950458930526, abs=1e-15)
    assert "%" in p_alive.number_format
    assert row[gettext("segment")].value == str(Segment.CHAMPIONS.label)  # not "champions"
    assert row[gettext("current value")].number_format == MONEY_FORMAT
    assert as_of_text(as_of) in sheet["A1"].value  # the run's day, not today
    assert gettext("Customer value") in sheet["A1"].value


def test_the_aging_report_names_its_date_and_team_and_keeps_totals_out_of_the_filter(
    client_for, finance_user, team_east
):
    customer = CustomerFactory(name="A", team=team_east)
    record_sale(customer, "100.10", -40, due_date=day(-10))
    as_of = day(-1)
    sheet = export(client_for(finance_user), "transactions:aging", as_of=as_of.isoformat(), team=team_east.pk)
    title = sheet["A1"].value
    assert gettext("Receivables aging") in title
    assert as_of_text(as_of) in title
    assert named("team", "East") in title
    row, total = records(sheet)
    assert row[gettext("1–30 days")].value == pytest.approx(100.1)
    assert row[gettext("1–30 days")].number_format == MONEY_FORMAT
    assert total[gettext("customer")].value == gettext("Total")
    assert total[gettext("open receivables")].number_format == MONEY_FORMAT
    assert sheet.auto_filter.ref == f"A2:{row[gettext('credit limit')].column_letter}3"  # header and the one row


def test_the_profitability_report_exports_ratios_as_percentages_and_its_window(client_for, finance_user, team_east):
    customer = CustomerFactory(name="A", team=team_east)
    record_sale(customer, "200.00", -5, cost_of_goods=Decimal("150.00"))
    sheet = export(
        client_for(finance_user), "costing:profitability", period="custom", date_from=day(-30), date_to=day(-1)
    )
    (row, total) = records(sheet)
    margin = row[gettext("margin %")]
    assert Decimal(str(margin.value)) == Decimal("0.25") and margin.number_format == "0.0%"
    assert total[gettext("margin %")].number_format == "0.0%"
    assert row[gettext("customer type")].value == "新客户"
    assert named("period", f"{day(-30).isoformat()} – {day(-1).isoformat()}") in sheet["A1"].value
    assert as_of_text(day(-1)) in sheet["A1"].value


def test_widths_fit_header_and_values_counting_chinese_double():
    assert text_width("客户abc") == 7
    narrow, wide, capped = fit_widths(
        ["#", "产品", "note"], [[1, "年度维护服务合同（含上门巡检）", "x" * 500]], [None, None, None]
    )
    assert narrow == 8  # the narrowest a column gets
    assert wide == text_width("年度维护服务合同（含上门巡检）") + 2
    assert capped == 60
    (money,) = fit_widths(["额"], [[Decimal("1234567.50")]], ["money"])
    assert money == len("1,234,567.50") + 2


def test_chosen_filters_say_labels_and_skip_what_was_left_empty(team_east):
    from customers.filtersets import CustomerFilterSet

    filterset = CustomerFilterSet(
        {"q": "acme", "team": str(team_east.pk), "customer_type": "existing", "industry": "", "archived": "all"}
    )
    assert chosen_filters(filterset.form) == [
        (gettext("Search"), "acme"),
        (gettext("customer type"), "老客户"),
        (gettext("team"), "East"),
        (gettext("archived"), gettext("All")),
    ]
    assert chosen_filters(CustomerFilterSet({}).form) == []


def test_a_full_sheet_goes_on_in_a_numbered_sheet(monkeypatch):
    """Past Excel's row limit a sheet continues in "<name> (2)" with its header row: no row is cut."""
    from io import BytesIO

    from openpyxl import load_workbook

    from custnotes import excel

    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 4)  # the header and 3 rows a sheet
    workbook = excel.new_workbook()
    sheet = excel.SheetWriter(workbook, "交易 Sales", ["#", "amount"])
    for i in range(8):
        sheet.append([i, i * 10])
    buffer = BytesIO()
    workbook.save(buffer)
    book = load_workbook(BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["交易 Sales", "交易 Sales (2)", "交易 Sales (3)"]
    rows = [[c.value for c in r] for ws in book.worksheets for r in ws.iter_rows()]
    assert rows == [["#", "amount"], [0, 0], [1, 10], [2, 20], ["#", "amount"], [3, 30], [4, 40], [5, 50],
                    ["#", "amount"], [6, 60], [7, 70]]  # fmt: skip
    assert sheet.total_rows == 8
