"""Payments recorded for one customer at the same moment never allocate the same open money twice
(the customer's row is locked). Needs real concurrent connections: PostgreSQL only."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from custnotes.money import money_sum
from transactions import selectors, services
from transactions.models import Allocation, Payment, Sale

from .factories import CustomerFactory, PaymentMethodFactory, TeamFactory, record_sale

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal


def pay_all_at_once(customer, method, amounts: list[Decimal]) -> list[BaseException]:
    """Each amount recorded by its own thread, all released together by a barrier."""
    barrier = threading.Barrier(len(amounts))
    errors: list[BaseException] = []

    def pay(amount):
        try:
            barrier.wait(timeout=10)
            services.payment_record(customer=customer, received_at=timezone.now(), amount=amount, method=method)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(amount,)) for amount in amounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def check_books(customer, *, total_open: Decimal, total_paid: Decimal) -> None:
    for sale in Sale.objects.filter(customer=customer):
        allocated = sale.allocations.aggregate(total=money_sum("amount"))["total"]
        assert allocated <= sale.amount, f"sale #{sale.pk}: {allocated} allocated on {sale.amount}"
    allocated = Allocation.objects.filter(sale__customer=customer).aggregate(total=money_sum("amount"))["total"]
    assert Payment.objects.filter(customer=customer).aggregate(total=money_sum("amount"))["total"] == total_paid
    assert allocated == min(total_paid, total_open)
    assert selectors.customer_credit(customer=customer) == total_paid - allocated
    for payment in selectors.payments_with_unallocated(Payment.objects.filter(customer=customer)):
        assert D("0.00") <= payment.unallocated <= payment.amount


@pytest.mark.parametrize("round_number", range(5))
def test_simultaneous_payments_never_overallocate(round_number):
    team = TeamFactory()
    customer = CustomerFactory(team=team)
    method = PaymentMethodFactory(name=f"并发{round_number}")
    # open: 100.00 + 250.00 + 75.50 = 425.50
    for amount, offset in (("100.00", -30), ("250.00", -20), ("75.50", -10)):
        record_sale(customer, amount, offset)
    # paid: 4 × 150.00 = 600.00 → 425.50 allocated, 174.50 credit
    amounts = [D("150.00")] * 4
    errors = pay_all_at_once(customer, method, amounts)
    assert errors == []
    check_books(customer, total_open=D("425.50"), total_paid=D("600.00"))
    assert selectors.customer_credit(customer=customer) == D("174.50")
    assert selectors.open_items(customer=customer) == []


@pytest.mark.parametrize("round_number", range(3))
def test_simultaneous_payments_that_leave_money_open(round_number):
    customer = CustomerFactory(team=TeamFactory())
    method = PaymentMethodFactory(name=f"并发少{round_number}")
    record_sale(customer, "1000.00", -5)
    # paid: 40.00 + 30.00 + 20.00 + 10.00 + 0.01 = 100.01 → all of it allocated, nothing left as credit
    amounts = [D("40.00"), D("30.00"), D("20.00"), D("10.00"), D("0.01")]
    assert pay_all_at_once(customer, method, amounts) == []
    check_books(customer, total_open=D("1000.00"), total_paid=D("100.01"))
    assert [item.open_amount for item in selectors.open_items(customer=customer)] == [D("899.99")]
    assert selectors.customer_credit(customer=customer) == D("0.00")
