"""What the workbook export writes, the import reads back: into an emptied ledger with identical
totals, and into the same database without duplicating anything."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from costing import services as costing_services
from costing.models import CostEntry
from custnotes.importing import run_import
from custnotes.workbook import write_workbook
from customers.models import Customer, Industry
from tests.costing.factories import category
from tests.customers.factories import CustomerFactory
from tests.imports import counts, ledger_counts, rows
from tests.transactions.factories import PaymentMethodFactory, at, record_payment, record_sale
from transactions import selectors, services
from transactions.models import Allocation, Payment, PaymentMethod, Sale

pytestmark = pytest.mark.django_db


def money(text) -> Decimal:
    return Decimal(text)


@pytest.fixture
def ledger(team_east, team_south, sales_user, other_sales_user, finance_user):
    """Three customers; A: two paid sales, a third paid then voided (its money back to credit), a
    refund out of that credit; B: a sale paid in part by hand; C: no sales. Costs on A and B."""
    bank = PaymentMethod.objects.get(name_en="Bank transfer")
    wechat = PaymentMethod.objects.get(name_en="WeChat Pay")
    a = CustomerFactory(
        name="Alpha",
        company="Alpha Ltd",
        team=team_east,
        owner=sales_user,
        industry=Industry.objects.get(name="零售"),
        growth_rating=4,
    )
    b = CustomerFactory(name="Beta", company="Beta Ltd", team=team_south, owner=other_sales_user, credit_limit=20000)
    c = CustomerFactory(name="Gamma", company="", team=team_east, phone="", payment_terms_days=60)
    s1 = record_sale(a, "1000.00", -100, cost_of_goods=Decimal("600.00"))
    s2 = record_sale(a, "2500.00", -60, product="安装")
    record_payment(a, "3000.00", -55, method=bank)  # S1 1000, S2 2000
    s3 = record_sale(a, "700.00", -50)
    r2 = record_payment(a, "1500.00", -40, method=wechat)  # S2 500, S3 700, credit 300
    services.sale_void(sale=s3, reason="退货", user=finance_user)  # S3's 700 back: credit 1000
    services.refund_record(receipt=r2, paid_at=at(-20), amount=Decimal("400.00"), method=bank)  # credit 600
    s4 = record_sale(b, "5000.00", -30)
    record_payment(b, "2000.00", -10, method=bank, allocations={s4.pk: Decimal("2000.00")})
    costing_services.cost_entry_record(
        customer=a, category=category("Repairs"), amount=Decimal("200.00"), date=at(-15).date()
    )
    costing_services.cost_entry_record(
        customer=b, category=category("Advertising"), amount=Decimal("1000.00"), date=at(-5).date()
    )
    return {"a": a, "b": b, "c": c, "s1": s1, "s2": s2, "s3": s3, "s4": s4}


def totals() -> dict:
    """The ledger's figures, by the customers' names (pks change through an emptied round trip)."""
    receipts = Payment.objects.filter(kind="receipt").aggregate(total=Sum("amount"))["total"]
    refunds = Payment.objects.filter(kind="refund").aggregate(total=Sum("amount"))["total"]
    return {
        "customers": Customer.objects.count(),
        "sales": Sale.objects.filter(is_void=False).aggregate(total=Sum("amount"))["total"],
        "void sales": Sale.objects.filter(is_void=True).count(),
        "receipts": receipts,
        "refunds": refunds,
        "fees": Payment.objects.aggregate(total=Sum("fee"))["total"],
        "paid per sale": {
            (sale.customer.name, sale.product, sale.amount): sale.paid
            for sale in Sale.objects.select_related("customer").annotate(paid=Sum("allocations__amount"))
        },
        "open": {c.name: selectors.open_receivables(customer=c) for c in Customer.objects.all()},
        "credit": {c.name: selectors.customer_credit(customer=c) for c in Customer.objects.all()},
        "costs": CostEntry.objects.aggregate(total=Sum("amount"))["total"],
        "customer fields": sorted(
            Customer.objects.values_list(
                "name",
                "company",
                "team__name",
                "owner__username",
                "industry__name",
                "customer_type",
                "credit_limit",
                "payment_terms_days",
                "growth_rating",
            )
        ),
    }


EXPECTED = {
    "customers": 3,
    "sales": money("8500.00"),  # 1000 + 2500 + 5000; the void 700 counts nowhere
    "void sales": 1,
    "receipts": money("6500.00"),  # 3000 + 1500 + 2000
    "refunds": money("400.00"),
    "fees": money("9.00"),  # WeChat Pay 1500 × 0.006
    "paid per sale": {
        ("Alpha", "服务", money("1000.00")): money("1000.00"),
        ("Alpha", "安装", money("2500.00")): money("2500.00"),
        ("Alpha", "服务", money("700.00")): None,
        ("Beta", "服务", money("5000.00")): money("2000.00"),
    },
    "open": {"Alpha": money("0.00"), "Beta": money("3000.00"), "Gamma": money("0.00")},
    "credit": {"Alpha": money("600.00"), "Beta": money("0.00"), "Gamma": money("0.00")},  # 1000 − 400
    "costs": money("1200.00"),
}


def export(path):
    workbook = write_workbook(customers=Customer.objects.all(), as_of=timezone.localdate())
    workbook.save(path)
    return path


def empty_the_ledger():
    """Delete the ledger's rows; teams, users, methods and categories stay."""
    Allocation.objects.all().delete()
    Payment.objects.filter(kind="refund").delete()
    Payment.objects.all().delete()
    Sale.objects.all().delete()
    CostEntry.objects.all().delete()
    Customer.objects.all().delete()


def test_export_then_import_into_an_emptied_ledger(ledger, finance_user, tmp_path):
    before = totals()
    assert {k: before[k] for k in EXPECTED} == EXPECTED
    path = export(tmp_path / "notebook.xlsx")
    empty_the_ledger()
    assert ledger_counts() == {"customers": 0, "sales": 0, "payments": 0, "allocations": 0, "costs": 0}

    result = run_import(path, user=finance_user)

    assert rows(result) == []
    assert result.counts == {
        "customers": counts(created=3),
        "sales": counts(created=4),
        "payments": counts(created=4),
        "costs": counts(created=2),
    }
    assert totals() == before
    again = run_import(path, user=finance_user)
    assert rows(again) == []
    assert again.counts == {
        "customers": counts(unchanged=3),
        "sales": counts(unchanged=4),
        "payments": counts(unchanged=4),
        "costs": counts(unchanged=2),
    }
    assert totals() == before


def test_export_then_import_into_the_same_database_duplicates_nothing(ledger, finance_user, tmp_path):
    before_counts, before = ledger_counts(), totals()
    path = export(tmp_path / "notebook.xlsx")

    result = run_import(path, user=finance_user)

    assert rows(result) == []
    assert result.counts == {
        "customers": counts(unchanged=3),
        "sales": counts(unchanged=4),
        "payments": counts(unchanged=4),
        "costs": counts(unchanged=2),
    }
    assert ledger_counts() == before_counts
    assert totals() == before
    assert run_import(path, user=finance_user).counts["sales"] == counts(unchanged=4)
    assert ledger_counts() == before_counts


def test_a_receipt_applied_in_part_by_hand_survives_the_round_trip(team_east, finance_user, tmp_path):
    bank = PaymentMethodFactory(name="测试转账", name_en="Test transfer")
    d = CustomerFactory(name="Delta", team=team_east)
    s5 = record_sale(d, "4000.00", -30)
    record_payment(d, "2500.00", -10, method=bank, allocations={s5.pk: Decimal("2000.00")})  # 500 left as credit
    before = totals()
    assert (before["open"], before["credit"]) == ({"Delta": money("2000.00")}, {"Delta": money("500.00")})
    path = export(tmp_path / "notebook.xlsx")
    empty_the_ledger()

    assert rows(run_import(path, user=finance_user)) == []
    assert totals() == before
