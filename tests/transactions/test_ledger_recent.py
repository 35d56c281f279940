"""A notebook that stays small whatever the history (issue 15): the statement shows the recent
activity from an opening balance worked out in the database, the open items are bounded, and the
page costs the same queries for 10 sales and for 150."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.transactions.factories import SaleFactory, at, day, record_payment
from transactions import selectors

pytestmark = pytest.mark.django_db

D = Decimal


def history(customer, sales: int):
    """`sales` sales of 100.00, one a day back from yesterday, then a receipt of 1,000.00 today
    (applied oldest first)."""
    for back in range(sales, 0, -1):
        SaleFactory(customer=customer, occurred_at=at(-back), amount=D("100.00"))
    record_payment(customer, "1000.00", 0)


def test_the_statement_shows_the_recent_activity_from_its_opening_balance(east_customer):
    history(east_customer, 150)
    ledger = selectors.customer_ledger(customer=east_customer, as_of=day(0))
    lines = ledger["lines"]
    # the latest 50 entries: the receipt and 49 sales, from 49 days back; before that 101 sales
    assert len(lines) == selectors.STATEMENT_RECENT
    assert ledger["statement_since"] == day(-49)
    assert (ledger["earlier_sales"], ledger["earlier_payments"]) == (101, 0)
    assert ledger["opening_balance"] == D("10100.00")
    assert lines[0].balance == D("10200.00")  # the opening balance and the first sale shown
    assert lines[-1].balance == D("14000.00")  # 150 × 100.00 − 1,000.00, as the whole statement says
    assert ledger["balance"] == ledger["open_total"] == D("14000.00")
    # open items: the 10 oldest were paid by the receipt; 140 are open, the 100 oldest due listed
    assert ledger["open_count"] == 140
    assert len(ledger["open_rows"]) == selectors.OPEN_ROWS_SHOWN
    assert ledger["open_rows"][0]["sale"].occurred_at == at(-140)


def test_a_short_history_is_shown_whole(east_customer):
    history(east_customer, 5)
    ledger = selectors.customer_ledger(customer=east_customer, as_of=day(0))
    assert ledger["statement_since"] is None and ledger["opening_balance"] == 0
    assert [line.balance for line in ledger["lines"]][-1] == D("-500.00")  # 500 sold, 1,000 received


def test_a_past_date_shows_the_statement_as_it_stood(east_customer):
    history(east_customer, 150)
    ledger = selectors.customer_ledger(customer=east_customer, as_of=day(-1))  # before the receipt
    assert ledger["lines"][-1].balance == D("15000.00")
    assert ledger["open_count"] == 150


def test_the_notebook_costs_the_same_queries_for_a_long_history(client_for, finance_user, east_customer, team_east):
    from tests.customers.factories import CustomerFactory

    short, long = east_customer, CustomerFactory(team=team_east, name="长历史")
    history(short, 15)  # both owe (the countback reads their months only then)
    history(long, 150)
    client = client_for(finance_user)

    def queries(customer):
        url = reverse("customers:detail", args=[customer.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            body = client.get(url).content.decode()
        return captured.captured_queries, body

    few, _ = queries(short)
    many, body = queries(long)
    assert len(many) == len(few)
    assert 'id="statement-since"' in body and 'id="open-more"' in body
    assert body.count("transactions/sales/") < 200  # no link per sale of the whole history
