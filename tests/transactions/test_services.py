"""The ledger's writes, checked through its reads: hand-built histories and hand-computed figures."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import CustomerTypeChange
from transactions import selectors, services
from transactions.choices import AgingBucket, PaymentKind, SaleStatus
from transactions.models import Allocation, Payment, Sale

from .factories import (
    CustomerFactory,
    PaymentMethodFactory,
    SaleFactory,
    at,
    cash,
    day,
    record_payment,
    record_sale,
)

pytestmark = pytest.mark.django_db

D = Decimal


def ledger(customer, offset=0):
    return selectors.customer_ledger(customer=customer, as_of=day(offset))


def aging_of(result) -> dict:
    return {bucket: amount for bucket, _label, amount in result["aging"]}


def open_amounts(customer) -> dict:
    return {item.sale_id: item.open_amount for item in selectors.open_items(customer=customer)}


def counts() -> tuple:
    return (
        Sale.objects.count(),
        Payment.objects.count(),
        Allocation.objects.count(),
        CustomerTypeChange.objects.count(),
    )


@pytest.fixture
def customer(east_customer):
    return east_customer  # payment terms 30 days


@pytest.fixture
def card():
    return PaymentMethodFactory(name="测试卡", fee_rate=D("0.006"), fixed_fee=D("2.00"), settlement_days=1)


# --- payments and allocation --------------------------------------------------------------------


def test_partial_payments_oldest_due_first(customer, card):
    a = record_sale(customer, "1000.00", -40)  # due in 30 days: T−10
    b = record_sale(customer, "500.00", -20)  # due T+10
    assert (a.due_date, b.due_date) == (day(-10), day(10))

    record_payment(customer, "300.00", -5)  # all to A (oldest due)
    assert open_amounts(customer) == {a.pk: D("700.00"), b.pk: D("500.00")}
    p2 = record_payment(customer, "900.00", -1, method=card)  # 700 to A, 200 to B
    assert open_amounts(customer) == {b.pk: D("300.00")}
    assert {(x.sale_id, x.amount, x.applied_on) for x in p2.allocations.all()} == {
        (a.pk, D("700.00"), day(-1)),
        (b.pk, D("200.00"), day(-1)),
    }
    # 900.00 × 0.006 + 2.00 = 7.40; settles a day after receipt
    assert p2.fee == D("7.40")
    assert p2.settles_on == day(0)

    result = ledger(customer)
    assert [(r["sale"].pk, r["paid"], r["open_amount"], r["status"]) for r in result["open_rows"]] == [
        (b.pk, D("200.00"), D("300.00"), SaleStatus.PARTLY_PAID)
    ]
    assert result["open_total"] == D("300.00")
    assert result["overdue_total"] == D("0.00")
    assert result["balance"] == D("300.00")  # 1500 − 1200
    assert result["credit"] == D("0.00")
    assert sum(p.fee for p in customer.payments.all()) == D("7.40")  # cash 0 + card 7.40
    # countback: 300 open is covered by the latest sales, so fewer days than 40 (the countback's
    # arithmetic is in test_calculations, on fixed dates); the summary shows the same figure
    assert D("0") < result["dso"] <= D("40")
    assert result["dso"] == selectors.receivable_figures(customer_ids=[customer.pk], as_of=day(0))[customer.pk].dso
    # A was due T−10 and fully paid on T−1: late; B not due yet: 1 of 2, too few invoices to say
    assert result["late_share"] is None
    assert [line.balance for line in result["lines"]] == [
        D("1000.00"),
        D("1500.00"),
        D("1200.00"),
        D("300.00"),
    ]
    assert selectors.customer_credit(customer=customer) == D("0.00")


def test_as_of_a_payment_after_d_does_not_count(customer, finance_user):
    a = record_sale(customer, "1000.00", -40)  # due T−10
    b = record_sale(customer, "500.00", -20)  # due T+10
    record_payment(customer, "300.00", -5)
    record_payment(customer, "900.00", -1)

    before = ledger(customer, -3)  # only the 300.00 of T−5 has arrived
    assert {r["sale"].pk: r["open_amount"] for r in before["open_rows"]} == {
        a.pk: D("700.00"),
        b.pk: D("500.00"),
    }
    assert {r["sale"].pk: r["status"] for r in before["open_rows"]} == {
        a.pk: SaleStatus.OVERDUE,
        b.pk: SaleStatus.OPEN,
    }
    assert aging_of(before)[AgingBucket.D1_30] == D("700.00")  # 7 days past due at T−3
    assert aging_of(before)[AgingBucket.NOT_DUE] == D("500.00")
    assert before["open_total"] == D("1200.00")
    assert before["overdue_total"] == D("700.00")
    assert before["balance"] == D("1200.00")
    assert len(before["lines"]) == 3

    rows = list(selectors.receivables_aging(user=finance_user, as_of=day(-3)))
    assert [(r["customer_id"], r["open_total"], r["d1_30"], r["not_due"]) for r in rows] == [
        (customer.pk, D("1200.00"), D("700.00"), D("500.00"))
    ]
    rows = list(selectors.receivables_aging(user=finance_user, as_of=day(0)))
    assert [(r["open_total"], r["not_due"]) for r in rows] == [(D("300.00"), D("300.00"))]

    # before the first sale, nothing at all
    empty = ledger(customer, -41)
    assert (empty["lines"], empty["open_total"], empty["balance"], empty["dso"], empty["late_share"]) == (
        [],
        D("0.00"),
        D("0.00"),
        None,
        None,
    )


def test_overpayment_becomes_credit_and_a_later_sale_consumes_it(customer):
    a = record_sale(customer, "200.00", -10)
    receipt = record_payment(customer, "500.00", -5)
    assert open_amounts(customer) == {}
    assert selectors.customer_credit(customer=customer) == D("300.00")
    result = ledger(customer)
    assert (result["open_total"], result["balance"], result["credit"]) == (
        D("0.00"),
        D("-300.00"),
        D("300.00"),
    )

    b = record_sale(customer, "120.00", 0)  # paid out of the credit at once
    assert open_amounts(customer) == {}
    assert selectors.customer_credit(customer=customer) == D("180.00")
    assert list(b.allocations.values_list("payment_id", "amount", "applied_on")) == [
        (receipt.pk, D("120.00"), day(0))  # the money meets the invoice on the sale's day
    ]

    c = record_sale(customer, "250.00", 0)  # takes the remaining 180.00; 70.00 open
    assert open_amounts(customer) == {c.pk: D("70.00")}
    assert selectors.customer_credit(customer=customer) == D("0.00")

    result = ledger(customer)
    assert result["open_total"] == D("70.00")
    assert result["balance"] == D("70.00")  # 200 + 120 + 250 − 500
    assert result["credit"] == D("0.00")
    assert {r["sale"].pk: r["status"] for r in result["open_rows"]} == {c.pk: SaleStatus.PARTLY_PAID}

    yesterday = ledger(customer, -1)  # B and C did not exist yet: all 300.00 still credit
    assert (yesterday["balance"], yesterday["credit"]) == (D("-300.00"), D("300.00"))

    statuses = dict(
        selectors.sales_with_open_amounts(Sale.objects.filter(customer=customer)).values_list("pk", "status")
    )
    assert statuses == {a.pk: SaleStatus.PAID, b.pk: SaleStatus.PAID, c.pk: SaleStatus.PARTLY_PAID}


def test_manual_allocation(customer):
    a = record_sale(customer, "100.00", -30)
    b = record_sale(customer, "200.00", -20)
    c = record_sale(customer, "300.00", -10)
    before = counts()
    preview = services.payment_preview(
        customer=customer,
        amount=D("250.00"),
        method=cash(),
        allocations={b.pk: D("50.00"), c.pk: D("150.00")},
    )
    assert preview["credit"] == D("50.00")
    assert [(item.sale_id, value) for item, value in preview["allocations"]] == [
        (b.pk, D("50.00")),
        (c.pk, D("150.00")),
    ]
    assert counts() == before  # a preview writes nothing

    record_payment(customer, "250.00", -1, allocations={b.pk: D("50.00"), c.pk: D("150.00")})
    # A, the oldest, is left alone: the hand-made allocation is applied as given
    assert open_amounts(customer) == {a.pk: D("100.00"), b.pk: D("150.00"), c.pk: D("150.00")}
    assert selectors.customer_credit(customer=customer) == D("50.00")
    result = ledger(customer)
    assert result["open_total"] == D("400.00")  # 600 − 200
    assert result["balance"] == D("350.00")  # 600 − 250
    assert result["credit"] == D("50.00")


def test_payment_preview_oldest_first(customer, card):
    a = record_sale(customer, "100.00", -30)
    b = record_sale(customer, "200.00", -20)
    preview = services.payment_preview(customer=customer, amount=D("1234.56"), method=card)
    assert preview["fee"] == D("9.41")  # 1234.56 × 0.006 + 2.00 = 9.40736
    assert [(item.sale_id, value) for item, value in preview["allocations"]] == [
        (a.pk, D("100.00")),
        (b.pk, D("200.00")),
    ]
    assert preview["credit"] == D("934.56")
    assert not Payment.objects.exists()


def test_refund_of_unapplied_credit(customer):
    record_sale(customer, "100.00", -3)
    receipt = record_payment(customer, "400.00", -2, reference="R-1")
    assert selectors.customer_credit(customer=customer) == D("300.00")

    refund = services.refund_record(receipt=receipt, paid_at=at(-1), amount=D("120.00"), method=cash())
    assert (refund.kind, refund.refund_of, refund.fee) == (PaymentKind.REFUND, receipt, D("0.00"))
    assert selectors.customer_credit(customer=customer) == D("180.00")
    result = ledger(customer)
    assert [(line.kind, line.debit, line.credit, line.balance) for line in result["lines"]] == [
        ("sale", D("100.00"), D("0.00"), D("100.00")),
        ("receipt", D("0.00"), D("400.00"), D("-300.00")),
        ("refund", D("120.00"), D("0.00"), D("-180.00")),
    ]
    assert (result["balance"], result["credit"]) == (D("-180.00"), D("180.00"))

    before = counts()
    with pytest.raises(ValidationError):  # 0.01 more than what is left
        services.refund_record(receipt=receipt, paid_at=at(0), amount=D("180.01"), method=cash())
    with pytest.raises(ValidationError):  # a refund cannot be refunded
        services.refund_record(receipt=refund, paid_at=at(0), amount=D("1.00"), method=cash())
    with pytest.raises(ValidationError):  # dated before the receipt
        services.refund_record(receipt=receipt, paid_at=at(-3), amount=D("1.00"), method=cash())
    assert counts() == before
    assert selectors.customer_credit(customer=customer) == D("180.00")

    services.refund_record(receipt=receipt, paid_at=at(0), amount=D("180.00"), method=cash())
    assert selectors.customer_credit(customer=customer) == D("0.00")
    assert ledger(customer)["balance"] == D("0.00")  # 100 − 400 + 120 + 180


def test_money_applied_to_a_sale_cannot_be_refunded(customer):
    record_sale(customer, "100.00", -3)
    receipt = record_payment(customer, "100.00", -2)
    with pytest.raises(ValidationError):
        services.refund_record(receipt=receipt, paid_at=at(0), amount=D("0.01"), method=cash())
    assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()


# --- voiding and deleting -----------------------------------------------------------------------


def test_void_releases_money_to_another_open_sale(customer, finance_user):
    a = record_sale(customer, "300.00", -20)  # due T+10
    b = record_sale(customer, "200.00", -10)  # due T+20
    receipt = record_payment(customer, "300.00", -5)  # all to A
    assert open_amounts(customer) == {b.pk: D("200.00")}

    services.sale_void(sale=a, reason="退货 returned", user=finance_user)
    a.refresh_from_db()
    assert (a.is_void, a.void_reason, a.voided_by) == (True, "退货 returned", finance_user)
    assert not a.allocations.exists()
    # the freed 300.00: 200.00 pays B (dated at the receipt), 100.00 is credit
    assert open_amounts(customer) == {}
    assert list(b.allocations.values_list("payment_id", "amount", "applied_on")) == [(receipt.pk, D("200.00"), day(-5))]
    assert selectors.customer_credit(customer=customer) == D("100.00")

    result = ledger(customer)
    assert [line.kind for line in result["lines"]] == ["sale", "receipt"]  # void counts nowhere
    assert (result["open_total"], result["balance"], result["credit"]) == (
        D("0.00"),
        D("-100.00"),
        D("100.00"),
    )
    status = selectors.sales_with_open_amounts(Sale.objects.filter(pk=a.pk)).get()
    assert (status.status, status.open_amount) == (SaleStatus.VOID, D("0.00"))
    assert not list(selectors.receivables_aging(user=finance_user, as_of=day(0)))

    with pytest.raises(ValidationError):  # already void
        services.sale_void(sale=a, reason="again")


def test_void_needs_a_reason(customer):
    sale = record_sale(customer, "50.00", -1)
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError):
            services.sale_void(sale=sale, reason=reason)
    sale.refresh_from_db()
    assert (sale.is_void, sale.void_reason, sale.voided_at) == (False, "", None)


def test_sale_delete_rules(customer):
    fresh = record_sale(customer, "10.00", 0)
    services.sale_delete(sale=fresh)
    assert not Sale.objects.filter(pk=fresh.pk).exists()

    paid = record_sale(customer, "20.00", 0)
    record_payment(customer, "5.00", 0)
    with pytest.raises(ValidationError):
        services.sale_delete(sale=paid)
    assert Sale.objects.filter(pk=paid.pk).exists()

    old = record_sale(customer, "30.00", -2)
    Sale.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    old.refresh_from_db()
    with pytest.raises(ValidationError):
        services.sale_delete(sale=old)
    assert Sale.objects.filter(pk=old.pk).exists()


# --- bad input: refused, and nothing written ----------------------------------------------------


@pytest.fixture
def two_open_sales(customer):
    return record_sale(customer, "100.00", -10), record_sale(customer, "50.00", -5)


BAD_SALES = {
    "negative amount": {"amount": D("-5.00")},
    "amount rounding to a negative fen": {"amount": D("-0.005")},
    "due before the sale": {"occurred_at": 0, "due_date": -1},
    "dated after tomorrow": {"occurred_at": 2},
    "dated before the earliest date (1990-01-01)": {"occurred_at": datetime.date(1989, 12, 31)},
    "negative cost": {"cost_of_goods": D("-1.00")},
    "no product": {"product": "   "},
}


def test_a_companys_history_back_to_the_earliest_date_is_taken(customer, settings):
    sale = record_sale(customer, "880.00", datetime.date(1995, 3, 8))  # a 1995 invoice of the old books
    assert sale.pk and sale.due_date == datetime.date(1995, 4, 7)
    with pytest.raises(ValidationError) as refused:
        record_sale(customer, "10.00", datetime.date(1989, 12, 31))
    assert refused.value.message_dict["occurred_at"] == ["日期不能早于 1990-01-01。"]  # it says the limit
    settings.EARLIEST_RECORD_DATE = datetime.date(1980, 1, 1)  # a deployment that keeps older books
    assert record_sale(customer, "10.00", datetime.date(1989, 12, 31)).pk


@pytest.mark.parametrize("case", BAD_SALES)
def test_bad_sale_is_refused_and_nothing_written(case, customer, two_open_sales):
    record_payment(customer, "500.00", -1)  # leaves 350.00 credit a new sale would consume
    before = counts()
    values = {"amount": D("10.00"), "occurred_at": 0, "due_date": None, "product": "X", "cost_of_goods": None}
    values.update(BAD_SALES[case])
    due = values["due_date"]
    with pytest.raises(ValidationError):
        services.sale_record(
            customer=customer,
            occurred_at=at(values["occurred_at"]),
            product=values["product"],
            amount=values["amount"],
            cost_of_goods=values["cost_of_goods"],
            due_date=day(due) if isinstance(due, int) else due,
        )
    assert counts() == before
    assert selectors.customer_credit(customer=customer) == D("350.00")


def test_a_sale_dated_tomorrow_is_accepted(customer):
    sale = record_sale(customer, "10.00", 1)
    assert sale.due_date == day(31)


def test_bad_payments_are_refused_and_nothing_written(customer, south_customer, two_open_sales):
    first, second = two_open_sales
    elsewhere = record_sale(south_customer, "70.00", -3)
    voided = record_sale(customer, "40.00", -2)
    services.sale_void(sale=voided, reason="wrong customer")
    retired = PaymentMethodFactory(name="停用", is_active=False)
    before = counts()
    bad = [
        {"amount": "0.00"},
        {"amount": "-10.00"},
        {"amount": "10.00", "when": 2},  # after tomorrow
        {"amount": "10.00", "method": retired},
        {"amount": "500.00", "allocations": {first.pk: D("100.01")}},  # beyond the sale's open amount
        {"amount": "120.00", "allocations": {first.pk: D("100.00"), second.pk: D("20.01")}},  # beyond payment
        {"amount": "10.00", "allocations": {first.pk: D("0.00")}},
        {"amount": "10.00", "allocations": {elsewhere.pk: D("10.00")}},  # another customer's sale
        {"amount": "10.00", "allocations": {voided.pk: D("10.00")}},  # a void sale
    ]
    for values in bad:
        with pytest.raises(ValidationError):
            record_payment(
                customer,
                values["amount"],
                values.get("when", 0),
                method=values.get("method"),
                allocations=values.get("allocations"),
            )
        assert counts() == before, values
    assert open_amounts(customer) == {first.pk: D("100.00"), second.pk: D("50.00")}

    with pytest.raises(ValidationError):  # the preview checks the same way
        services.payment_preview(
            customer=customer, amount=D("500.00"), method=cash(), allocations={first.pk: D("100.01")}
        )


def test_manual_allocation_rounding_to_zero_is_refused(customer, two_open_sales):
    first, _second = two_open_sales
    before = counts()
    with pytest.raises(ValidationError):
        record_payment(customer, "10.00", 0, allocations={first.pk: D("0.004")})
    assert counts() == before


# --- customer type ------------------------------------------------------------------------------


def type_moves(customer):
    return list(customer.type_changes.order_by("pk").values_list("old_type", "new_type"))


def test_first_sale_makes_new_and_a_second_same_month_keeps_it(customer):
    assert customer.customer_type == "prospect"
    record_sale(customer, "10.00", 0)
    customer.refresh_from_db()
    assert customer.customer_type == "new"
    record_sale(customer, "20.00", 0)  # same day, so same month
    customer.refresh_from_db()
    assert customer.customer_type == "new"
    assert type_moves(customer) == [("prospect", "new")]


def test_second_sale_in_another_month_makes_existing(customer):
    record_sale(customer, "10.00", -40)  # 40 days back is always another month
    record_sale(customer, "20.00", 0)
    customer.refresh_from_db()
    assert customer.customer_type == "existing"
    assert type_moves(customer) == [("prospect", "new"), ("new", "existing")]
    # voiding a sale never moves the customer back
    services.sale_void(sale=Sale.objects.filter(customer=customer).first(), reason="typo")
    customer.refresh_from_db()
    assert customer.customer_type == "existing"


def test_customer_types_refresh_after_twelve_months(team_east):
    a_year_on = CustomerFactory(team=team_east, customer_type="new")
    SaleFactory(customer=a_year_on, occurred_at=at(-366))
    recent = CustomerFactory(team=team_east, customer_type="new")
    SaleFactory(customer=recent, occurred_at=at(-100))
    void_only = CustomerFactory(team=team_east, customer_type="prospect")
    SaleFactory(customer=void_only, occurred_at=at(-10), is_void=True, void_reason="x")

    assert services.customer_types_refresh() == 1
    for c in (a_year_on, recent, void_only):
        c.refresh_from_db()
    assert (a_year_on.customer_type, recent.customer_type, void_only.customer_type) == (
        "existing",
        "new",
        "prospect",
    )
    assert type_moves(a_year_on) == [("new", "existing")]
    assert services.customer_types_refresh() == 0  # nothing more to move
    # twelve calendar months after the recent one's sale it moves too (366 days when a 29 February
    # lies between; a sale on 29 February has its anniversary on 28 February)
    sold = day(-100)
    anniversary = datetime.date(sold.year + 1, sold.month, 28 if (sold.month, sold.day) == (2, 29) else sold.day)
    assert services.customer_types_refresh(as_of=anniversary - datetime.timedelta(days=1)) == 0
    assert services.customer_types_refresh(as_of=anniversary) == 1
    recent.refresh_from_db()
    assert recent.customer_type == "existing"


# --- the aging report ---------------------------------------------------------------------------


def test_aging_report_rows_and_totals(east_customer, south_customer, team_east, finance_user, sales_user):
    e = east_customer
    s1 = record_sale(e, "1000.10", -150, due_date=day(-120))  # 120 days: > 90
    record_sale(e, "2000.20", -100, due_date=day(-61))  # 61: 61–90
    record_sale(e, "333.33", -70, due_date=day(-60))  # 60: 31–60
    record_sale(e, "444.44", -40, due_date=day(-31))  # 31: 31–60
    record_sale(e, "555.55", -40, due_date=day(-30))  # 30: 1–30
    record_sale(e, "666.66", -5, due_date=day(0))  # due today: not due
    record_payment(e, "100.10", -1)  # to s1, the oldest due: 900.00 left

    s = south_customer
    record_sale(s, "1.01", -100, due_date=day(-90))  # 90: 61–90
    record_sale(s, "2.02", -100, due_date=day(-91))  # 91: > 90
    record_sale(s, "3.03", -1, due_date=day(-1))  # 1: 1–30
    record_sale(s, "7.00", -200, due_date=day(-200))  # oldest due: paid by the 7.00 below
    record_payment(s, "7.00", -2)
    gone = record_sale(s, "50.00", -50, due_date=day(-50))
    services.sale_void(sale=gone, reason="cancelled")

    paid_up = CustomerFactory(team=team_east)
    record_sale(paid_up, "80.00", -10)
    record_payment(paid_up, "80.00", -1)

    rows = list(selectors.receivables_aging(user=finance_user, as_of=day(0)))
    columns = ("not_due", "d1_30", "d31_60", "d61_90", "over_90", "open_total")
    table = [(r["customer_id"], *(r[c] for c in columns)) for r in rows]
    assert table == [
        (e.pk, D("666.66"), D("555.55"), D("777.77"), D("2000.20"), D("900.00"), D("4900.18")),
        (s.pk, D("0.00"), D("3.03"), D("0.00"), D("1.01"), D("2.02"), D("6.06")),
    ]
    for row in rows:
        assert sum((row[c] for c in columns[:-1]), D("0.00")) == row["open_total"]
    totals = {c: sum((r[c] for r in rows), D("0.00")) for c in columns}
    assert totals == {
        "not_due": D("666.66"),
        "d1_30": D("558.58"),
        "d31_60": D("777.77"),
        "d61_90": D("2001.21"),
        "over_90": D("902.02"),
        "open_total": D("4906.24"),
    }

    # the notebook's ledger gives the same buckets for the customer
    result = ledger(e)
    assert aging_of(result) == {
        AgingBucket.NOT_DUE: D("666.66"),
        AgingBucket.D1_30: D("555.55"),
        AgingBucket.D31_60: D("777.77"),
        AgingBucket.D61_90: D("2000.20"),
        AgingBucket.OVER_90: D("900.00"),
    }
    assert result["open_total"] == D("4900.18")
    assert result["overdue_total"] == D("4233.52")  # 4900.18 − 666.66
    assert {r["sale"].pk: r["open_amount"] for r in result["open_rows"]}[s1.pk] == D("900.00")

    # a salesperson sees only the customers of their team
    assert [r["customer_id"] for r in selectors.receivables_aging(user=sales_user, as_of=day(0))] == [e.pk]

    # two days back: E's 100.10 (received T−1) has not arrived; S's 3.03 sale did not exist yet
    earlier = {r["customer_id"]: r for r in selectors.receivables_aging(user=finance_user, as_of=day(-2))}
    assert earlier[e.pk]["open_total"] == D("5000.28")  # 4900.18 + 100.10
    assert earlier[e.pk]["over_90"] == D("1000.10")
    assert earlier[s.pk]["open_total"] == D("3.03")  # 1.01 + 2.02
