"""The receivables aging (issue 15): as of a past date set-based (the sales open now or paid since,
one grouped join of the later allocations), equal to the per-sale sum of the allocations applied by
then; sorted and paginated in the database with totals from one aggregate; a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.customers.factories import CustomerFactory
from tests.transactions.factories import day, record_payment, record_sale
from transactions import calculations, selectors, services
from transactions.choices import AgingBucket
from transactions.models import Allocation, Sale

pytestmark = pytest.mark.django_db

D = Decimal


def by_hand(as_of: datetime.date) -> dict[int, dict]:
    """The aging as the report computed it before: each non-void sale up to D, its amount less its
    allocations applied by D, bucketed by its due date; customers with nothing open left out."""
    applied: dict[int, Decimal] = {}
    for sale_id, amount, applied_on in Allocation.objects.values_list("sale_id", "amount", "applied_on"):
        if applied_on <= as_of:
            applied[sale_id] = applied.get(sale_id, D("0.00")) + amount
    rows: dict[int, dict] = {}
    for sale in Sale.objects.filter(is_void=False):
        if calculations.local_date(sale.occurred_at) > as_of:
            continue
        open_amount = sale.amount - applied.get(sale.pk, D("0.00"))
        if open_amount <= 0:
            continue
        row = rows.setdefault(sale.customer_id, {"open_total": D("0.00"), **dict.fromkeys(AgingBucket.values, D("0"))})
        row["open_total"] += open_amount
        bucket = calculations.aging_bucket(sale.due_date, as_of)
        row[bucket.value] += open_amount
    return rows


@pytest.fixture
def ledger(team_east):
    a = CustomerFactory(team=team_east, name="A")
    b = CustomerFactory(team=team_east, name="B")
    record_sale(a, "300.00", -120, due_date=day(-100))
    record_sale(a, "250.00", -50, due_date=day(-20))
    record_sale(b, "80.00", -40, due_date=day(-35))
    record_payment(a, "200.00", -60)  # part of the first, before the past date
    record_payment(a, "150.00", -10)  # the rest of the first, and part of the second, after it
    record_payment(b, "80.00", -5)  # B paid in full after the past date
    void = record_sale(b, "40.00", -45, due_date=day(-30))
    services.sale_void(sale=void, reason="录错了")
    return a, b


@pytest.mark.parametrize("offset", [0, -1, -7, -30, -45, -61, -200])
def test_the_aging_as_of_any_date_equals_the_per_sale_sums(ledger, finance_user, offset):
    as_of = day(offset)
    rows = {row["customer_id"]: row for row in selectors.receivables_aging(user=finance_user, as_of=as_of)}
    expected = by_hand(as_of)
    assert set(rows) == set(expected)
    for customer_id, row in expected.items():
        assert {key: rows[customer_id][key] for key in row} == row


def test_the_past_aging_is_set_based(ledger, finance_user):
    rows = selectors.receivables_aging(user=finance_user, as_of=day(-30))
    sql, _params = rows._grouped()
    assert "applied_on" in sql and sql.upper().count("SELECT") <= 5  # a join of the later allocations
    assert "JOIN" in sql.upper()


def test_the_report_pages_in_the_database_with_totals_from_one_query(ledger, finance_user, client_for):
    rows, totals = selectors.aging_report(user=finance_user, as_of=day(-30))
    assert rows.count() == 2
    assert [r["customer__name"] for r in rows.order_by("customer__name")[1:2]] == ["B"]
    assert totals == {key: sum((r[key] for r in rows), D("0.00")) for key in selectors.AGING_FIGURES}
    assert totals["open_total"] == D("430.00")  # A: 300 − 200 + 250; B: 80
    response = client_for(finance_user).get(reverse("transactions:aging"), {"as_of": day(-30).isoformat()})
    assert response.context["table"].totals == totals


def test_the_report_costs_the_same_queries_for_3_and_30_customers(team_east, finance_user, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> list[int]:
        client = client_for(finance_user)
        counts = []
        for query in ({}, {"as_of": day(-3).isoformat()}, {"sort": "-d1_30"}):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse("transactions:aging"), query).status_code == 200
            counts.append(len(captured))
        return counts

    def customers(n):
        for i in range(n):
            customer = CustomerFactory(team=team_east, name=f"C{Sale.objects.count()}-{i}")
            record_sale(customer, "10.00", -40, due_date=day(-10))
            record_payment(customer, "4.00", -2)

    customers(3)
    few = queries()
    customers(27)
    assert queries() == few
