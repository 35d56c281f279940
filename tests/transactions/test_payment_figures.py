"""Each payment's running figures (issue 15): allocated_to_date and refunded_to_date kept by every
write path in the same transaction, what is left of a receipt (unallocated_to_date) read by the
lists and the credit rules, checked and repaired by `manage.py check_figures`, and filled in
for existing rows by the migration's one set-based UPDATE."""

import importlib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from tests.transactions.factories import at, cash, day, record_payment, record_sale
from transactions import selectors, services
from transactions.models import Payment

pytestmark = pytest.mark.django_db

D = Decimal


def figures(payment) -> tuple[Decimal, Decimal, Decimal]:
    payment = Payment.objects.get(pk=payment.pk)
    return payment.allocated_to_date, payment.refunded_to_date, payment.unallocated_to_date


def test_every_write_path_keeps_the_payment_figures(east_customer):
    first = record_sale(east_customer, "300.00", -20, due_date=day(-10))
    second = record_sale(east_customer, "200.00", -5)
    receipt = record_payment(east_customer, "600.00", -2)  # 300 + 200 applied, 100 credit
    assert figures(receipt) == (D("500.00"), D("0.00"), D("100.00"))
    third = record_sale(east_customer, "30.00", -1)  # the credit meets a new sale at once
    assert figures(receipt) == (D("530.00"), D("0.00"), D("70.00"))
    refund = services.refund_record(receipt=receipt, paid_at=at(0), amount=D("20.00"), method=cash())
    assert figures(receipt) == (D("530.00"), D("20.00"), D("50.00"))
    assert figures(refund) == (D("0.00"), D("0.00"), D("0.00"))  # a refund leaves no credit
    services.sale_void(sale=second, reason="录错了")  # its 200 is credit again: 50 + 200
    assert figures(receipt) == (D("330.00"), D("20.00"), D("250.00"))
    by_hand = record_payment(east_customer, "10.00", 0, allocations={})  # all of it credit
    assert figures(by_hand) == (D("0.00"), D("0.00"), D("10.00"))
    assert selectors.customer_credit(customer=east_customer) == D("260.00")
    assert not selectors.payments_figures_drift().exists()
    assert {first.pk, third.pk} <= set(Payment.objects.get(pk=receipt.pk).allocations.values_list("sale", flat=True))


def test_the_list_reads_and_sorts_by_the_stored_credit(east_customer, finance_user):
    record_sale(east_customer, "100.00", -10)
    small = record_payment(east_customer, "120.00", -3)  # 20 left
    large = record_payment(east_customer, "50.00", -2)  # all of it left
    listed = selectors.payment_list(user=finance_user).order_by("unallocated")
    sql = str(listed.query)
    assert "unallocated_to_date" in sql and "SUM(" not in sql.upper()  # the column, not a sum per receipt
    assert [(p.pk, p.unallocated) for p in listed] == [(small.pk, D("20.00")), (large.pk, D("50.00"))]
    assert [(p.allocated, p.refunded) for p in listed] == [(D("100.00"), D("0.00")), (D("0.00"), D("0.00"))]


def test_the_database_refuses_a_receipt_applied_beyond_its_amount(east_customer):
    receipt = record_payment(east_customer, "50.00", -1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=receipt.pk).update(allocated_to_date=D("40.00"), refunded_to_date=D("10.01"))


def test_the_drift_check_reports_and_repairs_payments(east_customer, capsys):
    record_sale(east_customer, "100.00", -30)
    receipt = record_payment(east_customer, "140.00", -3)
    services.refund_record(receipt=receipt, paid_at=at(-1), amount=D("15.00"), method=cash())
    call_command("check_figures")
    capsys.readouterr()
    Payment.objects.filter(pk=receipt.pk).update(allocated_to_date=D("10.00"), refunded_to_date=D("0.00"))
    with pytest.raises(CommandError):
        call_command("check_figures")
    out = capsys.readouterr().out
    assert f"#{receipt.pk}" in out and "1 " in out
    call_command("check_figures", "--fix")
    assert figures(receipt) == (D("100.00"), D("15.00"), D("25.00"))
    call_command("check_figures")


class Editor:
    """What the migration's function asks of the schema editor (SQLite's cannot open inside a test's
    transaction): to execute its SQL."""

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migration_fills_the_figures_in_one_update(east_customer, django_assert_num_queries):
    record_sale(east_customer, "100.00", -30)
    receipt = record_payment(east_customer, "140.00", -3)
    services.refund_record(receipt=receipt, paid_at=at(-1), amount=D("15.00"), method=cash())
    other = record_payment(east_customer, "5.00", -1)
    Payment.objects.update(allocated_to_date=0, refunded_to_date=0)  # as the new columns start
    migration = importlib.import_module("transactions.migrations.0009_running_payment_figures")
    with django_assert_num_queries(1):
        migration.figures_from_sources(None, Editor())
    assert figures(receipt) == (D("100.00"), D("15.00"), D("25.00"))
    assert figures(other) == (D("0.00"), D("0.00"), D("5.00"))
    assert not selectors.payments_figures_drift().exists()
