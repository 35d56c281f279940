"""The values people really type into a workbook, parsed without a database."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from custnotes.importing import (
    ParseError,
    normalise_header,
    parse_amount,
    parse_bool,
    parse_datetime,
    parse_id,
    parse_ids,
    parse_int,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05", datetime.datetime(2024, 1, 5)),
        ("2024/1/5", datetime.datetime(2024, 1, 5)),
        ("2024.1.5", datetime.datetime(2024, 1, 5)),
        ("2024年1月5日", datetime.datetime(2024, 1, 5)),
        ("2024年1月5号", datetime.datetime(2024, 1, 5)),
        ("2024年12月31日 14:30", datetime.datetime(2024, 12, 31, 14, 30)),
        ("  2024-01-05 09:15:30 ", datetime.datetime(2024, 1, 5, 9, 15, 30)),
        ("2024-01-05T09:15", datetime.datetime(2024, 1, 5, 9, 15)),
        ("２０２４－０１－０５", None),  # full-width hyphen is NFKC "-"; checked below
        (45296, datetime.datetime(2024, 1, 5)),  # Excel's serial number for 2024-01-05
        (45296.5, datetime.datetime(2024, 1, 5, 12, 0)),
        (datetime.date(2024, 1, 5), datetime.datetime(2024, 1, 5)),
        (datetime.datetime(2024, 1, 5, 8, 0), datetime.datetime(2024, 1, 5, 8, 0)),
    ],
)
def test_dates(value, expected):
    if expected is None:
        expected = datetime.datetime(2024, 1, 5)
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-13-01", "not a valid date"),
        ("2024-02-30", "not a valid date"),
        ("2024年2月30日", "not a valid date"),
        ("05/01/2024", "not a date (use 2024-01-05, 2024/1/5 or 2024年1月5日)"),
        ("yesterday", "not a date (use 2024-01-05, 2024/1/5 or 2024年1月5日)"),
        ("45296", "not a date (use 2024-01-05, 2024/1/5 or 2024年1月5日)"),
        (0, "not a date"),
        (-3, "not a date"),
        (3_000_000, "not a date"),
        (True, "not a date (use 2024-01-05, 2024/1/5 or 2024年1月5日)"),
    ],
)
def test_bad_dates(value, message):
    with pytest.raises(ParseError) as caught:
        parse_datetime(value)
    assert str(caught.value) == message


def test_bad_date_message_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ParseError) as caught:
        parse_datetime("sometime")
    assert str(caught.value) == "不是日期（请写作 2024-01-05、2024/1/5 或 2024年1月5日）"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("１２３４.５０", Decimal("1234.50")),
        ("¥1,234.50", Decimal("1234.50")),
        ("￥1,234.50", Decimal("1234.50")),
        ("1234元", Decimal("1234.00")),
        ("1,234,567.8 元", Decimal("1234567.80")),
        ("RMB 99", Decimal("99.00")),
        ("99 CNY", Decimal("99.00")),
        ("１，２３４", Decimal("1234.00")),
        ("-50", Decimal("-50.00")),
        ("  12 000 ", Decimal("12000.00")),
        (1234, Decimal("1234.00")),
        (1234.5, Decimal("1234.50")),
        (0.1 + 0.2, Decimal("0.30")),
        (Decimal("7.125"), Decimal("7.13")),  # a number cell: rounded half up to the fen
    ],
)
def test_amounts(value, expected):
    amount = parse_amount(value)
    assert amount == expected
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12abc", "not an amount"),
        ("1.2.3", "not an amount"),
        ("(1,234)", "not an amount"),
        ("", "not an amount"),
        ("元", "not an amount"),
        ("12.345", "more than two decimals"),
        ("1.234,50", "more than two decimals"),  # continental separators: 1.23450 after the comma goes
        (True, "not an amount"),
    ],
)
def test_bad_amounts(value, message):
    with pytest.raises(ParseError) as caught:
        parse_amount(value)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("YES", True),
        ("Y", True),
        ("true", True),
        ("1", True),
        ("是", True),
        ("作废", True),
        ("void", True),
        ("是 yes", True),  # what the workbook export writes for a void sale
        ("√", True),
        (1, True),
        (True, True),
        ("no", False),
        ("No", False),
        ("false", False),
        ("0", False),
        ("否", False),
        ("  ", False),
        (0, False),
        (False, False),
    ],
)
def test_bools(value, expected):
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "否认"])
def test_bad_bools(value):
    with pytest.raises(ParseError) as caught:
        parse_bool(value)
    assert str(caught.value) == "use yes/no (是/否)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(30, 30), (30.0, 30), (Decimal("45"), 45), ("１２", 12), (" 90 ", 90), ("1,000", 1000), ("-1", -1)],
)
def test_ints(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", [2.5, Decimal("2.5"), "3.0", "thirty", "", True])
def test_bad_ints(value):
    with pytest.raises(ParseError) as caught:
        parse_int(value)
    assert str(caught.value) == "not a whole number"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("S001", ["S001"]),
        ("S001, S002", ["S001", "S002"]),
        ("S001，S002；S003;S004 S005", ["S001", "S002", "S003", "S004", "S005"]),
        ("  S001 ,, ", ["S001"]),
        ("ＳＯ１", ["SO1"]),
        (1001, ["1001"]),
        ("", []),
    ],
)
def test_id_lists(value, expected):
    assert parse_ids(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(1001.0, "1001"), (1001, "1001"), (" C-1 ", "C-1"), ("Ｃ１", "C1")])
def test_single_ids(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("客户编号 / Customer ID *", "客户编号customerid"),
        ("客户编号", "客户编号"),
        ("Customer ID", "customerid"),
        ("customer_id", "customerid"),
        ("CUSTOMER-ID:", "customerid"),
        ("账期（天） / Payment terms (days)", "账期天paymenttermsdays"),
        ("Payment terms (days)", "paymenttermsdays"),
        ("ＮＡＭＥ", "name"),
        ("  名称／Name  ", "名称name"),
        ("客户 Customers", "客户customers"),
    ],
)
def test_headers(value, expected):
    assert normalise_header(value) == expected
