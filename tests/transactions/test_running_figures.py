"""Each sale's running paid and open amount (issue 15): kept by the services in the same transaction
as every allocation written or removed, equal to the allocations they come from, read by the lists
through their columns (an index, no sum per sale), and checked and repaired by a command."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.transactions.factories import day, record_payment, record_sale
from transactions import selectors, services
from transactions.models import Sale

pytestmark = pytest.mark.django_db

D = Decimal


def figures(sale) -> tuple[Decimal, Decimal]:
    sale = Sale.objects.get(pk=sale.pk)
    return sale.paid_to_date, sale.open_to_date


def test_payments_voids_and_credit_keep_the_running_figures(east_customer):
    first = record_sale(east_customer, "300.00", -20, due_date=day(-10))
    second = record_sale(east_customer, "200.00", -5)
    assert figures(first) == (D("0.00"), D("300.00"))
    record_payment(east_customer, "350.00", -1)  # oldest due first: 300.00 then 50.00
    assert figures(first) == (D("300.00"), D("0.00"))
    assert figures(second) == (D("50.00"), D("150.00"))
    services.sale_void(sale=second, reason="录错了")  # its 50.00 goes back to credit, nothing open
    assert figures(second) == (D("0.00"), D("0.00"))
    third = record_sale(east_customer, "80.00", 0)  # the credit (50.00) meets it at once
    assert figures(third) == (D("50.00"), D("30.00"))
    assert not selectors.sales_paid_drift().exists()


def test_the_lists_read_the_running_figures_and_the_past_sums_allocations(east_customer, finance_user):
    sale = record_sale(east_customer, "100.00", -30)
    record_payment(east_customer, "40.00", -3)
    today = selectors.sale_list(user=finance_user).order_by("-open_amount")
    sql = str(today.query)
    assert "open_to_date" in sql and "SUM(" not in sql.upper()  # the column, not a sum per sale
    assert today.get(pk=sale.pk).open_amount == D("60.00")
    before = selectors.sale_list(user=finance_user, as_of=day(-5)).get(pk=sale.pk)
    assert (before.paid, before.open_amount) == (D("0.00"), D("100.00"))  # the receipt came later


def test_the_drift_check_reports_and_repairs(east_customer, capsys):
    sale = record_sale(east_customer, "100.00", -30)
    record_payment(east_customer, "40.00", -3)
    call_command("check_figures")
    assert "一致" in capsys.readouterr().out
    Sale.objects.filter(pk=sale.pk).update(paid_to_date=D("10.00"))  # as a bad manual fix would
    with pytest.raises(CommandError):
        call_command("check_figures")
    assert f"#{sale.pk}" in capsys.readouterr().out
    call_command("check_figures", "--fix")
    assert figures(sale) == (D("40.00"), D("60.00"))
    call_command("check_figures")


def test_check_figures_checks_the_ledger_with_every_sections_figures(east_customer, capsys):
    sale = record_sale(east_customer, "100.00", -30)
    record_payment(east_customer, "40.00", -3)
    Sale.objects.filter(pk=sale.pk).update(paid_to_date=D("10.00"))
    with pytest.raises(CommandError):
        call_command("check_figures")
    assert f"#{sale.pk}" in capsys.readouterr().out
    call_command("check_figures", "--fix")
    assert figures(sale) == (D("40.00"), D("60.00"))
    call_command("check_figures")  # every kind agrees now
