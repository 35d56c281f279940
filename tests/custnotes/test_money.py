from decimal import Decimal

import pytest

from custnotes.money import format_money, round_money


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),  # a float would make this 2.67
        ("-0.005", "-0.01"),
        ("12345.6", "12345.60"),
        (7, "7.00"),
    ],
)
def test_round_money_is_half_up_to_the_fen(raw, expected):
    assert round_money(raw) == Decimal(expected)


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(0.1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("12345.6"), "¥12,345.60"),
        (Decimal("-1234.565"), "-¥1,234.57"),
        (Decimal("0"), "¥0.00"),
        (Decimal("1000000"), "¥1,000,000.00"),
        (None, ""),
    ],
)
def test_format_money_shows_sign_and_thousands(raw, expected):
    assert format_money(raw) == expected


def test_format_money_other_currency(settings):
    settings.CURRENCY = "USD"
    assert format_money(Decimal("5")) == "$5.00"
