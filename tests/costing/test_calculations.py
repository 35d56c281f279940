"""The cost and profit formulas, with no database: every expected figure is worked out by hand."""

import datetime
import random
from decimal import Decimal
from fractions import Fraction

import pytest

from costing.calculations import (
    ProfitAndLoss,
    campaign_roi,
    month_window,
    quarter_window,
    split_largest_remainder,
    t12m_window,
)

D = Decimal


def money(*values: str) -> list[Decimal]:
    return [D(v) for v in values]


# --- split_largest_remainder ----------------------------------------------------------------------


def test_a_hundred_in_three_gives_the_extra_fen_to_the_first():
    assert split_largest_remainder(D("100.00"), [D(1), D(1), D(1)]) == money("33.34", "33.33", "33.33")


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        # 1001 fen × 3/4 = 750.75, × 1/4 = 250.25: the leftover fen goes to .75
        ("10.01", [3, 1], ["7.51", "2.50"]),
        # 1 fen × 1/3 = 0.33, × 2/3 = 0.67: the larger remainder is the second part's
        ("0.01", [1, 2], ["0.00", "0.01"]),
        # revenue weights: 10000 × 100/300 = 3333.33, × 200/300 = 6666.67, × 0 = 0
        ("100.00", ["100.00", "200.00", "0"], ["33.33", "66.67", "0.00"]),
        # 10000 × 5/8 = 6250, × 3/8 = 3750: no remainder at all
        ("100.00", [5, 3], ["62.50", "37.50"]),
        # 7 fen in 1:1:1:1 = 1.75 each: three leftover fen go to the first three (ties to the earlier)
        ("0.07", [1, 1, 1, 1], ["0.02", "0.02", "0.02", "0.01"]),
    ],
)
def test_weighted_splits_give_the_leftover_fen_to_the_largest_remainders(total, weights, expected):
    assert split_largest_remainder(D(total), [D(w) for w in weights]) == money(*expected)


def test_ties_go_to_the_earlier_part():
    # 1 fen in 1:1 → 0.5 each; 2 fen in 2:1:1 → 1, 0.5, 0.5: the tie is the second's, not the third's
    assert split_largest_remainder(D("0.01"), [D(1), D(1)]) == money("0.01", "0.00")
    assert split_largest_remainder(D("0.02"), [D(2), D(1), D(1)]) == money("0.01", "0.01", "0.00")


def test_ties_go_to_the_earlier_part_whatever_the_size_of_the_shares():
    # 300000 fen in 4:1:4 → 133333⅓, 33333⅓, 133333⅓: all three remainders are exactly ⅓, so the one
    # leftover fen is the first part's
    weights = [D("40000.00"), D("10000.00"), D("40000.00")]
    assert split_largest_remainder(D("3000.00"), weights) == money("1333.34", "333.33", "1333.33")


def test_all_zero_weights_split_equally():
    assert split_largest_remainder(D("0.10"), [D(0), D(0), D(0)]) == money("0.04", "0.03", "0.03")
    assert split_largest_remainder(D("5.00"), [D("0.00"), D("0.00")]) == money("2.50", "2.50")


def test_edge_cases():
    assert split_largest_remainder(D("100.00"), []) == []
    assert split_largest_remainder(D("0.00"), [D(1), D(2)]) == money("0.00", "0.00")
    assert split_largest_remainder(D("12.34"), [D(7)]) == money("12.34")
    # the total is rounded half-up to the fen first: 10.005 → 10.01
    assert split_largest_remainder(D("10.005"), [D(1), D(1)]) == money("5.01", "5.00")


def _reference_split(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Largest remainder with exact fractions: the definition, written independently."""
    fen = int(total * 100)
    if sum(weights) <= 0:
        weights = [D(1)] * len(weights)
    weight_sum = sum(Fraction(w) for w in weights)
    exact = [Fraction(fen) * Fraction(w) / weight_sum for w in weights]
    parts = [int(e) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: fen - sum(parts)]:
        parts[i] += 1
    return [D(p) / 100 for p in parts]


def test_random_splits_always_add_up_to_the_total():
    rng = random.Random(20261127)
    for _ in range(2000):
        total = D(rng.randint(0, 10**9)) / 100
        count = rng.randint(1, 12)
        weights = [D(rng.randint(0, 10**7)) / 100 if rng.random() > 0.2 else D(0) for _ in range(count)]
        parts = split_largest_remainder(total, weights)
        assert sum(parts) == total, (total, weights)
        assert len(parts) == count
        assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)
        assert parts == _reference_split(total, weights), (total, weights)


# --- ProfitAndLoss --------------------------------------------------------------------------------


def test_profit_and_loss_figures():
    pnl = ProfitAndLoss(
        revenue=D("1000.00"),
        cost_of_goods=D("600.00"),
        payment_fees=D("10.00"),
        marketing_cost=D("50.00"),
        service_cost=D("40.00"),
    )
    assert pnl.gross_margin == D("400.00")  # 1000 − 600
    assert pnl.contribution_profit == D("300.00")  # 400 − 10 − 50 − 40
    assert pnl.margin_pct == D("0.3000")  # 300 / 1000
    assert pnl.marketing_roi == D("7.0000")  # (400 − 50) / 50


def test_ratios_round_half_up_to_four_places():
    # 1.00 / 20000.00 = 0.00005 → 0.0001
    assert ProfitAndLoss(revenue=D("20000.00"), cost_of_goods=D("19999.00")).margin_pct == D("0.0001")
    # 100 / 300 = 0.33333… → 0.3333; (300 − 90) / 90 = 2.33333… → 2.3333
    pnl = ProfitAndLoss(revenue=D("300.00"), marketing_cost=D("90.00"), service_cost=D("110.00"))
    assert pnl.contribution_profit == D("100.00")
    assert pnl.margin_pct == D("0.3333")
    assert pnl.marketing_roi == D("2.3333")
    # (2 − 3) / 3 = −0.33333… → −0.3333; −1 / 3 = −0.3333
    loss = ProfitAndLoss(revenue=D("3.00"), cost_of_goods=D("1.00"), marketing_cost=D("3.00"))
    assert loss.marketing_roi == D("-0.3333")
    assert loss.margin_pct == D("-0.3333")


def test_ratios_without_a_base_are_none():
    no_revenue = ProfitAndLoss(marketing_cost=D("33.33"))
    assert no_revenue.margin_pct is None
    assert no_revenue.contribution_profit == D("-33.33")
    assert no_revenue.marketing_roi == D("-1.0000")  # (0 − 33.33) / 33.33
    no_marketing = ProfitAndLoss(revenue=D("10.00"), service_cost=D("2.00"))
    assert no_marketing.marketing_roi is None
    assert no_marketing.margin_pct == D("0.8000")
    empty = ProfitAndLoss()
    assert (empty.gross_margin, empty.contribution_profit) == (D("0.00"), D("0.00"))
    assert empty.margin_pct is None and empty.marketing_roi is None


def test_adding_profit_and_losses_adds_every_figure():
    a = ProfitAndLoss(D("100.00"), D("40.00"), D("1.10"), D("5.00"), D("3.00"), D("20.00"))
    b = ProfitAndLoss(D("0.01"), D("0.00"), D("0.60"), D("33.33"), D("0.00"), D("0.01"))
    total = a + b
    assert total == ProfitAndLoss(D("100.01"), D("40.00"), D("1.70"), D("38.33"), D("3.00"), D("20.01"))
    assert total.contribution_profit == D("16.98")  # 60.01 − 1.70 − 38.33 − 3.00
    assert ProfitAndLoss() + a == a


def test_revenue_without_a_cost_of_goods_keeps_its_full_margin():
    # ¥1,000 sold, ¥250 of it without a cost of goods; the rest cost ¥450: the gross margin is
    # 1000 − 450 = 550, the ¥250 counted in full; the figure only says how much that is
    pnl = ProfitAndLoss(revenue=D("1000.00"), cost_of_goods=D("450.00"), cost_unknown_revenue=D("250.00"))
    assert pnl.gross_margin == D("550.00")
    assert pnl.contribution_profit == D("550.00")
    assert pnl.margin_pct == D("0.5500")
    assert ProfitAndLoss().cost_unknown_revenue == D("0.00")


# --- campaign_roi ---------------------------------------------------------------------------------


def test_campaign_roi():
    assert campaign_roi(D("1500.00"), D("1000.00")) == D("0.5000")
    assert campaign_roi(D("0.00"), D("100.00")) == D("-1.0000")
    assert campaign_roi(D("100.00"), D("3.00")) == D("32.3333")  # 97 / 3
    assert campaign_roi(D("100.00"), D("0.00")) is None


# --- windows --------------------------------------------------------------------------------------


def test_month_and_quarter_windows():
    as_of = datetime.date(2026, 5, 17)
    assert month_window(as_of) == (datetime.date(2026, 5, 1), as_of)
    assert quarter_window(as_of) == (datetime.date(2026, 4, 1), as_of)


@pytest.mark.parametrize(
    ("as_of", "quarter_start"),
    [
        ((2026, 1, 1), (2026, 1, 1)),
        ((2026, 3, 31), (2026, 1, 1)),
        ((2026, 7, 1), (2026, 7, 1)),
        ((2026, 9, 30), (2026, 7, 1)),
        ((2026, 12, 31), (2026, 10, 1)),
    ],
)
def test_quarter_boundaries(as_of, quarter_start):
    as_of = datetime.date(*as_of)
    assert quarter_window(as_of) == (datetime.date(*quarter_start), as_of)


def test_t12m_is_the_365_days_ending_on_the_as_of_date():
    # 364 days before 2026-05-17, so that both ends count: 365 days
    assert t12m_window(datetime.date(2026, 5, 17)) == (datetime.date(2025, 5, 18), datetime.date(2026, 5, 17))
    # across a 29 February: 2023-03-01 + 366 days = 2024-03-01, so 364 days back is 2023-03-03
    assert t12m_window(datetime.date(2024, 3, 1)) == (datetime.date(2023, 3, 3), datetime.date(2024, 3, 1))
