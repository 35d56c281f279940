"""The ledger's pure formulas, checked against figures worked out by hand (no database)."""

import datetime
from decimal import Decimal

import pytest

from transactions.calculations import (
    AllocationError,
    InvoiceHistory,
    OpenItem,
    aging,
    aging_bucket,
    allocate_oldest_first,
    check_manual_allocation,
    customer_type_for,
    days_past_due,
    default_due_date,
    dso,
    is_paid_late,
    late_share,
    month_end,
    month_starts,
    paid_on,
    payment_fee,
    sale_status,
    settlement_date,
    statement,
    window_start,
)
from transactions.choices import AgingBucket, SaleStatus

D = Decimal
d = datetime.date
AS_OF = d(2025, 6, 30)


def back(days: int) -> datetime.date:
    return AS_OF - datetime.timedelta(days=days)


# --- fees and settlement ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rate", "fixed", "expected"),
    [
        # 1234.56 × 0.006 = 7.40736; + 2.00 = 9.40736 → 9.41
        ("1234.56", "0.006", "2.00", "9.41"),
        # 7.50 × 0.006 = 0.045 exactly → half-up 0.05 (half-even would give 0.04)
        ("7.50", "0.006", "0", "0.05"),
        # 8.50 × 0.01 = 0.085 → 0.09 (half-even would give 0.08)
        ("8.50", "0.01", "0", "0.09"),
        # 0.50 × 0.01 = 0.005 → 0.01
        ("0.50", "0.01", "0", "0.01"),
        # 0.40 × 0.01 = 0.004 → 0.00
        ("0.40", "0.01", "0", "0.00"),
        # 1000.00 × 0.006 = 6.00; no fixed fee
        ("1000.00", "0.006", "0", "6.00"),
        # cash: no fee at all
        ("999.99", "0", "0", "0.00"),
        # fixed fee only
        ("50.00", "0", "1.50", "1.50"),
        # 333.33 × 0.0055 = 1.833315; + 0.50 = 2.333315 → 2.33
        ("333.33", "0.0055", "0.50", "2.33"),
    ],
)
def test_payment_fee_rounds_half_up_to_the_fen(amount, rate, fixed, expected):
    fee = payment_fee(D(amount), D(rate), D(fixed))
    assert fee == D(expected)
    assert fee.as_tuple().exponent == -2


def test_settlement_date():
    assert settlement_date(d(2024, 2, 28), 1) == d(2024, 2, 29)
    assert settlement_date(d(2024, 12, 31), 3) == d(2025, 1, 3)
    assert settlement_date(d(2025, 3, 10), 0) == d(2025, 3, 10)


def test_default_due_date_and_windows():
    assert default_due_date(d(2025, 1, 31), 30) == d(2025, 3, 2)
    assert default_due_date(d(2025, 1, 31), 0) == d(2025, 1, 31)
    assert window_start(AS_OF, 365) == d(2024, 7, 1)
    assert window_start(AS_OF, 90) == d(2025, 4, 2)  # 28 days of April + 31 + 30 = 89 back
    assert window_start(AS_OF, 1) == AS_OF


# --- allocation ---------------------------------------------------------------------------------


def test_allocate_oldest_due_first_with_a_partial_last_item():
    items = [
        OpenItem(10, d(2025, 3, 1), d(2025, 2, 1), D("300.00")),
        OpenItem(11, d(2025, 1, 15), d(2025, 1, 1), D("200.00")),
        OpenItem(12, d(2025, 2, 1), d(2025, 1, 10), D("150.50")),
    ]
    # 500.25: 200.00 to #11 (due 1-15), 150.50 to #12 (due 2-1), 149.75 to #10
    allocations, remainder = allocate_oldest_first(D("500.25"), items)
    assert allocations == {11: D("200.00"), 12: D("150.50"), 10: D("149.75")}
    assert remainder == D("0.00")


def test_allocate_exact_amount_stops_early():
    items = [
        OpenItem(1, d(2025, 1, 1), d(2025, 1, 1), D("100.00")),
        OpenItem(2, d(2025, 2, 1), d(2025, 1, 1), D("50.00")),
    ]
    allocations, remainder = allocate_oldest_first(D("100.00"), items)
    assert allocations == {1: D("100.00")}
    assert remainder == D("0.00")


def test_allocate_overpayment_leaves_a_remainder():
    items = [
        OpenItem(1, d(2025, 1, 1), d(2024, 12, 1), D("120.00")),
        OpenItem(2, d(2025, 1, 5), d(2024, 12, 5), D("80.10")),
    ]
    allocations, remainder = allocate_oldest_first(D("500.00"), items)
    assert allocations == {1: D("120.00"), 2: D("80.10")}
    # 500.00 − 120.00 − 80.10 = 299.90
    assert remainder == D("299.90")


def test_allocate_with_nothing_open_is_all_credit():
    assert allocate_oldest_first(D("42.00"), []) == ({}, D("42.00"))


def test_allocate_skips_items_with_nothing_open():
    items = [
        OpenItem(1, d(2025, 1, 1), d(2025, 1, 1), D("0.00")),
        OpenItem(2, d(2025, 2, 1), d(2025, 1, 1), D("30.00")),
    ]
    assert allocate_oldest_first(D("10.00"), items) == ({2: D("10.00")}, D("0.00"))


def test_allocate_ties_go_by_occurred_date_then_id():
    due = d(2025, 5, 1)
    items = [
        OpenItem(1, due, d(2025, 4, 20), D("100.00")),  # latest sale
        OpenItem(3, due, d(2025, 4, 1), D("100.00")),  # oldest sale, higher id
        OpenItem(2, due, d(2025, 4, 1), D("100.00")),  # oldest sale, lower id
    ]
    # order: #2, #3 (same day, id), then #1; 250 = 100 + 100 + 50
    allocations, remainder = allocate_oldest_first(D("250.00"), items)
    assert allocations == {2: D("100.00"), 3: D("100.00"), 1: D("50.00")}
    assert list(allocations) == [2, 3, 1]
    assert remainder == D("0.00")


# --- manual allocation --------------------------------------------------------------------------

OPEN = [
    OpenItem(1, d(2025, 1, 1), d(2024, 12, 1), D("100.00")),
    OpenItem(2, d(2025, 2, 1), d(2025, 1, 1), D("250.00")),
]


def test_manual_allocation_returns_the_credit():
    # 300.00 − 40.00 − 250.00 = 10.00 left as credit
    assert check_manual_allocation(D("300.00"), OPEN, {1: D("40.00"), 2: D("250.00")}) == D("10.00")
    assert check_manual_allocation(D("100.00"), OPEN, {1: D("100.00")}) == D("0.00")


@pytest.mark.parametrize(
    ("amount", "requested", "problems"),
    [
        ("500.00", {1: D("100.01")}, [(1, "exceeds_open")]),
        ("200.00", {1: D("100.00"), 2: D("100.01")}, [(None, "exceeds_payment")]),
        ("500.00", {99: D("1.00")}, [(99, "not_open")]),
        ("500.00", {1: D("0.00")}, [(1, "not_positive")]),
        ("500.00", {2: D("-5.00")}, [(2, "not_positive")]),
        # several at once, each reported
        (
            "50.00",
            {1: D("100.50"), 99: D("1.00")},
            [(1, "exceeds_open"), (99, "not_open"), (None, "exceeds_payment")],
        ),
    ],
)
def test_manual_allocation_errors(amount, requested, problems):
    with pytest.raises(AllocationError) as caught:
        check_manual_allocation(D(amount), OPEN, requested)
    assert caught.value.problems == problems


# --- status and aging ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "paid", "due", "is_void", "expected"),
    [
        ("100.00", "0.00", AS_OF, False, SaleStatus.OPEN),  # due today: not yet overdue
        ("100.00", "0.01", AS_OF, False, SaleStatus.PARTLY_PAID),
        ("100.00", "100.00", back(10), False, SaleStatus.PAID),  # paid, even though past due
        ("100.00", "0.00", back(1), False, SaleStatus.OVERDUE),
        ("100.00", "99.99", back(1), False, SaleStatus.OVERDUE),
        ("100.00", "100.00", AS_OF, True, SaleStatus.VOID),
        ("100.00", "0.00", back(30), True, SaleStatus.VOID),
    ],
)
def test_sale_status(amount, paid, due, is_void, expected):
    assert sale_status(amount=D(amount), paid=D(paid), due_date=due, as_of=AS_OF, is_void=is_void) == expected


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, AgingBucket.NOT_DUE),
        (0, AgingBucket.NOT_DUE),
        (1, AgingBucket.D1_30),
        (30, AgingBucket.D1_30),
        (31, AgingBucket.D31_60),
        (60, AgingBucket.D31_60),
        (61, AgingBucket.D61_90),
        (90, AgingBucket.D61_90),
        (91, AgingBucket.OVER_90),
        (400, AgingBucket.OVER_90),
    ],
)
def test_aging_bucket_boundaries(days, bucket):
    due = back(days)
    assert days_past_due(due, AS_OF) == days
    assert aging_bucket(due, AS_OF) == bucket


def test_aging_totals():
    items = [
        (back(-3), D("10.00")),  # not due
        (back(0), D("0.05")),  # not due
        (back(1), D("20.00")),  # 1–30
        (back(30), D("0.30")),  # 1–30
        (back(45), D("33.33")),  # 31–60
        (back(90), D("66.67")),  # 61–90
        (back(91), D("1000.00")),  # > 90
        (back(200), D("0.00")),  # nothing open: ignored
    ]
    assert aging(items, AS_OF) == {
        AgingBucket.NOT_DUE: D("10.05"),
        AgingBucket.D1_30: D("20.30"),
        AgingBucket.D31_60: D("33.33"),
        AgingBucket.D61_90: D("66.67"),
        AgingBucket.OVER_90: D("1000.00"),
    }


def test_aging_with_nothing_open_has_every_bucket_at_zero():
    assert aging([], AS_OF) == dict.fromkeys(AgingBucket, D("0.00"))


# --- DSO ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_amount", "credit_sales", "expected"),
    [
        ("300.00", "1500.00", "18.0"),  # 300 / 1500 × 90 = 18
        ("100.00", "300.00", "30.0"),  # 29.999… in a careless division; exactly 30
        ("1.00", "7.00", "12.9"),  # 90 / 7 = 12.857… → 12.9
        ("5.00", "12.00", "37.5"),  # 450 / 12 = 37.5
        ("1.00", "1600.00", "0.1"),  # 90 / 1600 = 0.05625 → 0.1
        ("1.00", "2000.00", "0.0"),  # 0.045 → 0.0
        ("0.00", "5000.00", "0.0"),
        ("2000.00", "1000.00", "180.0"),  # more open than sold in the window (older sales)
    ],
)
def test_dso(open_amount, credit_sales, expected):
    assert dso(D(open_amount), D(credit_sales)) == D(expected)


def test_dso_is_none_without_credit_sales():
    assert dso(D("500.00"), D("0.00")) is None
    assert dso(D("0.00"), D("0.00")) is None


def test_dso_exact_half_rounds_up():
    # 1,300.00 / 12,000.00 × 90 = 117,000 / 12,000 = 9.75 exactly → half-up 9.8
    assert dso(D("1300.00"), D("12000.00")) == D("9.8")


# --- late payment -------------------------------------------------------------------------------


def test_is_paid_late():
    due = back(10)
    assert not is_paid_late(InvoiceHistory(back(40), due, due), AS_OF)  # paid on the due date
    assert is_paid_late(InvoiceHistory(back(40), due, back(9)), AS_OF)  # a day after
    assert not is_paid_late(InvoiceHistory(back(40), due, back(30)), AS_OF)  # early
    assert is_paid_late(InvoiceHistory(back(40), due, None), AS_OF)  # unpaid, past due
    assert not is_paid_late(InvoiceHistory(back(40), AS_OF, None), AS_OF)  # unpaid, due today
    assert not is_paid_late(InvoiceHistory(back(5), back(-25), None), AS_OF)  # unpaid, not due


def test_late_share_window_boundary():
    # T12M to 2025-06-30 starts on 2024-07-01 (364 days back); 2024-06-30 (365 back) is outside.
    inside = InvoiceHistory(d(2024, 7, 1), d(2024, 7, 31), None)  # unpaid, long past due: late
    outside = InvoiceHistory(d(2024, 6, 30), d(2024, 7, 30), None)  # late too, but not counted
    on_time = InvoiceHistory(back(100), back(70), back(70))
    early = InvoiceHistory(back(50), back(20), back(25))
    assert back(364) == d(2024, 7, 1)
    # inside + the two on time: 1 of 3 late
    assert late_share([inside, outside, on_time, early], AS_OF) == D("0.3333")
    # only the outside one: no T12M invoices at all
    assert late_share([outside], AS_OF) is None
    # an invoice after D does not count either
    assert late_share([InvoiceHistory(back(-1), back(-31), None)], AS_OF) is None


def test_late_share_needs_three_invoices():
    late = InvoiceHistory(back(100), back(70), None)  # unpaid, past due: late
    on_time = InvoiceHistory(back(60), back(30), back(30))
    # one invoice paid late is no "100 % paid late, stop credit"; two are still too few
    assert late_share([late], AS_OF) is None
    assert late_share([late, on_time], AS_OF) is None
    assert late_share([late, on_time, on_time], AS_OF) == D("0.3333")


def test_late_share_counts_each_kind():
    invoices = [
        InvoiceHistory(back(120), back(90), back(85)),  # paid late
        InvoiceHistory(back(100), back(70), back(75)),  # paid on time (early)
        InvoiceHistory(back(60), back(30), None),  # unpaid, past due: late
        InvoiceHistory(back(10), back(-20), None),  # unpaid, not yet due: not late
        InvoiceHistory(back(40), back(10), back(10)),  # paid on the due date: on time
        InvoiceHistory(back(50), back(20), back(19)),  # paid a day late
    ]
    # 3 late of 6 = 0.5
    assert late_share(invoices, AS_OF) == D("0.5000")
    # 2 late of 3 = 0.66666… → 0.6667
    assert late_share(invoices[:3], AS_OF) == D("0.6667")
    # 1 late of 3 = 0.3333
    assert late_share(invoices[1:4], AS_OF) == D("0.3333")
    assert late_share([], AS_OF) is None


def test_paid_on():
    allocations = [(d(2025, 3, 3), D("40.00")), (d(2025, 3, 1), D("30.00")), (d(2025, 3, 2), D("30.00"))]
    # in date order: 30 (3-1), 60 (3-2), 100 (3-3) → fully paid on 3-3
    assert paid_on(D("100.00"), allocations) == d(2025, 3, 3)
    # 60.00 is reached on 3-2
    assert paid_on(D("60.00"), allocations) == d(2025, 3, 2)
    assert paid_on(D("100.01"), allocations) is None
    assert paid_on(D("5.00"), []) is None


# --- statement ----------------------------------------------------------------------------------


def test_statement_running_balance_with_a_refund():
    zero = D("0.00")
    entries = [
        (d(2025, 1, 10), 0, "sale", "#3", "Bolts", D("80.00"), zero, 3),
        (d(2025, 1, 5), 1, "receipt", "R1", "Bank", zero, D("1200.00"), 1),
        (d(2025, 1, 1), 0, "sale", "#1", "Pumps", D("1000.00"), zero, 1),
        (d(2025, 1, 6), 1, "refund", "F1", "Bank", D("150.00"), zero, 2),
        # same day: the sale (order 0) comes before the receipt (order 1) whatever the ids
        (d(2025, 1, 12), 1, "receipt", "R2", "Cash", zero, D("30.00"), 4),
        (d(2025, 1, 12), 0, "sale", "#9", "Nuts", D("5.50"), zero, 9),
    ]
    lines = statement(entries)
    assert [(line.kind, line.reference, line.balance) for line in lines] == [
        ("sale", "#1", D("1000.00")),
        ("receipt", "R1", D("-200.00")),  # 1000 − 1200: the customer has 200 credit
        ("refund", "F1", D("-50.00")),  # 150 paid back out of the credit
        ("sale", "#3", D("30.00")),
        ("sale", "#9", D("35.50")),
        ("receipt", "R2", D("5.50")),
    ]


def test_statement_with_an_opening_balance():
    lines = statement([(d(2025, 2, 1), 0, "sale", "#1", "", D("10.00"), D("0.00"), 1)], D("90.00"))
    assert lines[0].balance == D("100.00")
    assert statement([]) == []


# --- customer type ------------------------------------------------------------------------------


def test_prospect_becomes_new_at_the_first_sale():
    assert customer_type_for("prospect", [], AS_OF) == "prospect"
    assert customer_type_for("prospect", [d(2025, 6, 2)], AS_OF) == "new"
    # a sale dated after D does not count yet
    assert customer_type_for("prospect", [d(2025, 7, 2)], AS_OF) == "prospect"


def test_second_sale_in_another_month_makes_existing():
    assert customer_type_for("new", [d(2025, 5, 31), d(2025, 6, 1)], AS_OF) == "existing"
    assert customer_type_for("prospect", [d(2025, 5, 31), d(2025, 6, 1)], AS_OF) == "existing"


def test_two_sales_in_the_same_month_stay_new():
    assert customer_type_for("new", [d(2025, 6, 1), d(2025, 6, 30)], AS_OF) == "new"
    assert customer_type_for("prospect", [d(2025, 6, 3), d(2025, 6, 3), d(2025, 6, 20)], AS_OF) == "new"
    # same month number, another year, is another month
    assert customer_type_for("new", [d(2024, 6, 5)], d(2025, 6, 4)) == "new"
    assert customer_type_for("new", [d(2024, 6, 5), d(2025, 6, 1)], d(2025, 6, 4)) == "existing"


def test_existing_twelve_months_after_the_first_sale():
    first = d(2024, 7, 15)
    assert customer_type_for("new", [first], d(2025, 7, 14)) == "new"
    assert customer_type_for("new", [first], d(2025, 7, 15)) == "existing"


def test_first_sale_on_february_29():
    # 12 months after 2024-02-29 is 2025-02-28 (the month's last day)
    first = d(2024, 2, 29)
    assert customer_type_for("new", [first], d(2025, 2, 27)) == "new"
    assert customer_type_for("new", [first], d(2025, 2, 28)) == "existing"
    assert customer_type_for("new", [first], d(2025, 3, 1)) == "existing"


def test_the_rule_never_downgrades():
    assert customer_type_for("existing", [], AS_OF) == "existing"
    assert customer_type_for("existing", [d(2025, 6, 1)], AS_OF) == "existing"
    assert customer_type_for("new", [], AS_OF) == "new"


def test_month_starts_and_ends():
    assert month_starts(datetime.date(2026, 2, 10), 3) == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert len(month_starts(datetime.date(2026, 5, 17), 12)) == 12
    assert month_starts(datetime.date(2026, 5, 17), 12)[0] == datetime.date(2025, 6, 1)
    assert month_end(datetime.date(2024, 2, 1)) == datetime.date(2024, 2, 29)
    assert month_end(datetime.date(2026, 2, 1)) == datetime.date(2026, 2, 28)
    assert month_end(datetime.date(2026, 12, 1)) == datetime.date(2026, 12, 31)


# --- countback DSO and payment timing (fixed dates: no clock) -------------------------------------


def test_dso_countback_walks_back_month_by_month_the_last_pro_rata():
    from transactions.calculations import dso_countback

    as_of = datetime.date(2026, 6, 17)
    monthly = {
        datetime.date(2026, 6, 1): D("300.00"),
        datetime.date(2026, 5, 1): D("500.00"),
        datetime.date(2026, 4, 1): D("1000.00"),
    }
    first = datetime.date(2026, 4, 10)
    # 1,400 open: June's 300 (17 days), May's 500 (31 days), then 600 of April's 1,000 (30 × 0.6 = 18)
    assert dso_countback(D("1400.00"), monthly, as_of, first) == D("66.0")
    # covered within June: 17 × 150 / 300 = 8.5
    assert dso_countback(D("150.00"), monthly, as_of, first) == D("8.5")
    # nothing open: 0 days; too new (first sale fewer than 30 days ago) or no sale: "—"
    assert dso_countback(D("0.00"), monthly, as_of, first) == D("0.0")
    assert dso_countback(D("300.00"), monthly, as_of, datetime.date(2026, 6, 1)) is None
    assert dso_countback(D("300.00"), {}, as_of, None) is None
    # more open than the sales hold (not possible from real books): "—", never a made-up figure
    assert dso_countback(D("5000.00"), monthly, as_of, first) is None


def test_payment_timing_is_amount_weighted_over_invoices_paid_in_t12m():
    from transactions.calculations import payment_timing

    as_of = datetime.date(2026, 6, 17)
    on_time = InvoiceHistory(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31), datetime.date(2026, 5, 21))
    late = InvoiceHistory(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), datetime.date(2026, 4, 30))
    unpaid = InvoiceHistory(datetime.date(2026, 6, 1), datetime.date(2026, 7, 1), None)
    old = InvoiceHistory(datetime.date(2024, 1, 1), datetime.date(2024, 1, 31), datetime.date(2024, 2, 1))
    timing = payment_timing([(D("300"), on_time), (D("100"), late), (D("50"), unpaid), (D("9"), old)], as_of)
    # days to pay: (300 × 20 + 100 × 60) / 400 = 30.0; days late: (300 × 0 + 100 × 30) / 400 = 7.5
    assert (timing.days_to_pay, timing.days_late, timing.invoices) == (D("30.0"), D("7.5"), 2)
    assert payment_timing([(D("50"), unpaid)], as_of).days_to_pay is None
