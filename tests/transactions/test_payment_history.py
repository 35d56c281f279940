"""The payment history behind late share, days to pay and late, and DSO's credit sales is worked
out set-based in SQL (selectors._payment_history); it must give exactly what the pure formulas of
transactions.calculations give over the same ledger, sale by sale, on every backend."""

import datetime
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.customers.factories import CustomerFactory
from transactions import calculations, selectors, services
from transactions.models import Allocation, PaymentMethod, Sale


def reference(customer_ids, as_of):
    """The figures as the formulas define them, from every sale and allocation in Python."""
    t12m_start = calculations.window_start(as_of, calculations.T12M_DAYS)
    dso_start = calculations.window_start(as_of, calculations.DSO_DAYS)
    result = {}
    for customer_id in customer_ids:
        histories, paid, credit, seen = [], [], Decimal("0.00"), False
        for sale in Sale.objects.filter(customer_id=customer_id, is_void=False):
            occurred = calculations.local_date(sale.occurred_at)
            if occurred > as_of:
                continue
            applied = [(a.applied_on, a.amount) for a in Allocation.objects.filter(sale=sale, applied_on__lte=as_of)]
            if occurred < t12m_start and not any(t12m_start <= day <= as_of for day, _ in applied):
                continue
            seen = True
            invoice = calculations.invoice_history(occurred, sale.due_date, sale.amount, applied)
            if invoice is not None:
                histories.append(invoice)
                paid.append((sale.amount, invoice))
            if occurred >= dso_start:
                credit += sale.amount
        if seen:
            result[customer_id] = {
                "late_share": calculations.late_share(histories, as_of),
                "credit_sales_90": credit,
                "timing": calculations.payment_timing(paid, as_of),
            }
    return result


@pytest.fixture
def varied_ledger(team_east):
    """Three customers' sales over 500 days: free samples, voids, partial and late payments (some
    landing after the as-of dates below, some the same day in two parts), and one customer with none."""
    rng = random.Random(15)
    method = PaymentMethod.objects.get(name="微信支付")
    now = timezone.now()
    customers = [CustomerFactory(team=team_east, credit_limit=Decimal("100000000")) for _ in range(4)]
    for customer in customers[:3]:
        for _ in range(18):
            days_ago = rng.randint(0, 500)
            occurred = now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 23))
            amount = Decimal(rng.choice(["0.00", "10.00", "99.99", "250.50", "1000.00"]))
            sale = services.sale_record(
                customer=customer,
                occurred_at=occurred,
                product="货品",
                amount=amount,
                due_date=timezone.localdate(occurred) + datetime.timedelta(days=rng.choice([0, 15, 30, 60])),
            )
            if rng.random() < 0.1:
                services.sale_void(sale=sale, reason="test")
                continue
            left, received = amount, occurred
            for _ in range(rng.randint(0, 3)):
                if left <= 0:
                    break
                part = min(left, Decimal(rng.choice(["5.00", "50.00", "500.00", "1000.00"])))
                received = min(now, received + datetime.timedelta(days=rng.choice([0, 0, 3, 20, 45, 90])))
                services.payment_record(
                    customer=customer, received_at=received, amount=part, method=method, allocations={sale.pk: part}
                )
                left -= part
    return [customer.pk for customer in customers]


@pytest.mark.parametrize("days_back", [0, 45, 200, 420])
def test_the_set_based_payment_history_is_the_formulas(varied_ledger, days_back):
    as_of = timezone.localdate() - datetime.timedelta(days=days_back)
    expected = reference(varied_ledger, as_of)
    assert expected  # the ledger has history at every date asked
    assert selectors._payment_history(customer_ids=varied_ledger, as_of=as_of) == expected
