"""Ledger pages: who may do what, the preview-then-save flow, and constant query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.customers.factories import CustomerFactory
from transactions import services
from transactions.models import Allocation, Payment, PaymentMethod, Sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def wechat(db):
    return PaymentMethod.objects.get(name="微信支付")


def record_sale(customer, amount, days_ago=10, due_in=30):
    occurred = timezone.now() - datetime.timedelta(days=days_ago)
    return services.sale_record(
        customer=customer,
        occurred_at=occurred,
        product="货品",
        amount=Decimal(amount),
        due_date=timezone.localdate() - datetime.timedelta(days=days_ago) + datetime.timedelta(days=due_in),
    )


def test_sales_records_a_sale_for_their_team(client_for, sales_user, east_customer):
    response = client_for(sales_user).post(
        reverse("transactions:sale-create", args=[east_customer.pk]),
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "product": "设备",
            "amount": "1,000.00",
        },
    )
    # "1,000.00" is not a number the form accepts: a clear message, nothing saved
    assert response.status_code == 200
    assert not Sale.objects.exists()
    response = client_for(sales_user).post(
        reverse("transactions:sale-create", args=[east_customer.pk]),
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "product": "设备",
            "amount": "1000.00",
        },
    )
    assert response.status_code == 302
    sale = Sale.objects.get()
    assert sale.amount == Decimal("1000.00")
    assert sale.due_date == timezone.localdate() + datetime.timedelta(days=30)


def test_sales_cannot_record_for_another_team(client_for, sales_user, south_customer):
    url = reverse("transactions:sale-create", args=[south_customer.pk])
    assert client_for(sales_user).get(url).status_code == 404


def test_due_date_before_sale_date_is_refused(client_for, sales_user, east_customer):
    today = timezone.localdate()
    response = client_for(sales_user).post(
        reverse("transactions:sale-create", args=[east_customer.pk]),
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "product": "设备",
            "amount": "10.00",
            "due_date": (today - datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "到期日不能早于销售日期" in response.content.decode()
    assert not Sale.objects.exists()


@pytest.mark.parametrize("role_fixture", ["sales_user", "manager_user"])
def test_only_finance_and_admin_record_payments(request, client_for, role_fixture, east_customer, wechat):
    client = client_for(request.getfixturevalue(role_fixture))
    url = reverse("transactions:payment-create", args=[east_customer.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"amount": "1"}).status_code == 403
    assert not Payment.objects.exists()


def test_payment_preview_saves_nothing_then_save_allocates(client_for, finance_user, east_customer, wechat):
    old = record_sale(east_customer, "300.00", days_ago=60)
    new = record_sale(east_customer, "500.00", days_ago=5)
    client = client_for(finance_user)
    url = reverse("transactions:payment-create", args=[east_customer.pk])
    data = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "amount": "1000.00",
        "method": wechat.pk,
        "allocate": "auto",
        "action": "preview",
    }
    page = client.post(url, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert "¥6.00" in body  # fee 1000 × 0.006
    assert "¥200.00" in body  # credit left: 1000 − 300 − 500
    assert not Payment.objects.exists()
    response = client.post(url, {**data, "action": "save"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.fee == Decimal("6.00")
    allocations = dict(Allocation.objects.values_list("sale_id", "amount"))
    assert allocations == {old.pk: Decimal("300.00"), new.pk: Decimal("500.00")}


def test_manual_allocation_beyond_open_amount_is_refused(client_for, finance_user, east_customer, wechat):
    sale = record_sale(east_customer, "100.00")
    response = client_for(finance_user).post(
        reverse("transactions:payment-create", args=[east_customer.pk]),
        {
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "amount": "500.00",
            "method": wechat.pk,
            "allocate": "manual",
            f"alloc_{sale.pk}": "150.00",
            "action": "save",
        },
    )
    assert response.status_code == 200
    assert f"销售 #{sale.pk}：超过其未收金额" in response.content.decode()
    assert not Payment.objects.exists()


def test_void_needs_finance_and_a_reason(client_for, sales_user, finance_user, east_customer):
    sale = record_sale(east_customer, "100.00")
    url = reverse("transactions:sale-detail", args=[sale.pk])
    assert client_for(sales_user).post(url, {"action": "void", "reason": "x"}).status_code == 403
    client = client_for(finance_user)
    page = client.post(url, {"action": "void", "reason": ""})
    assert page.status_code == 200
    sale.refresh_from_db()
    assert not sale.is_void
    client.post(url, {"action": "void", "reason": "客户取消订单"})
    sale.refresh_from_db()
    assert sale.is_void and sale.void_reason == "客户取消订单"


def test_lists_and_report_keep_a_constant_query_count(client_for, finance_user, team_east, wechat, count_queries):
    client = client_for(finance_user)
    urls = [reverse("transactions:sales"), reverse("transactions:payments"), reverse("transactions:aging")]

    def grow(n):
        for _ in range(n):
            customer = CustomerFactory(team=team_east)
            record_sale(customer, "100.00", days_ago=50)
            services.payment_record(
                customer=customer, received_at=timezone.now(), amount=Decimal("40.00"), method=wechat
            )

    grow(3)
    for url in urls:
        client.get(url)
    few = [count_queries(lambda u=url: client.get(u)) for url in urls]
    grow(27)
    assert [count_queries(lambda u=url: client.get(u)) for url in urls] == few


def test_notebook_ledger_keeps_a_constant_query_count(client_for, finance_user, east_customer, wechat, count_queries):
    client = client_for(finance_user)
    url = reverse("customers:detail", args=[east_customer.pk])
    for _ in range(3):
        record_sale(east_customer, "10.00")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for _ in range(30):
        record_sale(east_customer, "10.00")
        services.payment_record(
            customer=east_customer, received_at=timezone.now(), amount=Decimal("5.00"), method=wechat
        )
    assert count_queries(lambda: client.get(url)) == few


def test_aging_report_totals_equal_the_sum_of_rows(client_for, finance_user, team_east):
    a = CustomerFactory(team=team_east, name="A")
    b = CustomerFactory(team=team_east, name="B")
    record_sale(a, "100.10", days_ago=40, due_in=30)  # 10 days past due
    record_sale(a, "200.20", days_ago=5, due_in=30)  # not yet due
    record_sale(b, "0.33", days_ago=200, due_in=30)  # 170 days past due
    response = client_for(finance_user).get(reverse("transactions:aging"))
    table = response.context["table"]
    rows = {row.record["customer__name"]: row.record for row in table.rows}
    assert rows["A"]["d1_30"] == Decimal("100.10")
    assert rows["A"]["not_due"] == Decimal("200.20")
    assert rows["B"]["over_90"] == Decimal("0.33")
    assert table.totals["open_total"] == Decimal("300.63")
    assert "¥300.63" in response.content.decode()


def test_statement_exports_to_xlsx(client_for, finance_user, east_customer, wechat):
    from io import BytesIO

    from openpyxl import load_workbook

    record_sale(east_customer, "100.00")
    services.payment_record(customer=east_customer, received_at=timezone.now(), amount=Decimal("30.00"), method=wechat)
    response = client_for(finance_user).get(reverse("transactions:statement", args=[east_customer.pk]))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][-1] == 70  # balance: 100 − 30
    assert rows[1][4] == 100


def test_customer_with_sales_cannot_be_deleted_but_can_be_archived(client_for, sales_user, east_customer):
    from customers.models import Customer

    record_sale(east_customer, "50.00")
    client = client_for(sales_user)
    response = client.post(reverse("customers:delete", args=[east_customer.pk]), follow=True)
    assert Customer.objects.filter(pk=east_customer.pk).exists()
    assert "有财务记录" in response.content.decode()
    client.post(reverse("customers:archive", args=[east_customer.pk]), {"archived": "1"})
    east_customer.refresh_from_db()
    assert east_customer.is_archived


def test_type_history_shows_on_the_notebook(client_for, sales_user, east_customer):
    record_sale(east_customer, "50.00")
    page = client_for(sales_user).get(reverse("customers:detail", args=[east_customer.pk])).content.decode()
    assert "潜在客户 → 新客户" in page


def test_aging_report_exports_its_rows_and_a_totals_row(client_for, finance_user, team_east):
    from io import BytesIO

    from openpyxl import load_workbook

    a = CustomerFactory(team=team_east, name="A")
    b = CustomerFactory(team=team_east, name="B")
    record_sale(a, "100.10", days_ago=40, due_in=30)  # 10 days past due
    record_sale(b, "0.33", days_ago=200, due_in=30)  # 170 days past due
    response = client_for(finance_user).get(reverse("transactions:aging"), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    _title, header, *body, total = rows
    assert [r[0] for r in body] == ["A", "B"]
    figures = dict(zip(header, total, strict=True))
    assert total[0] == "合计"
    assert figures["应收余额"] == 100.43  # 100.10 + 0.33
    assert figures["1–30 天"] == 100.1
    assert figures["90 天以上"] == 0.33
    by_oldest = client_for(finance_user).get(reverse("transactions:aging"), {"export": "xlsx", "sort": "-over_90"})
    rows = list(load_workbook(BytesIO(b"".join(by_oldest.streaming_content))).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[2:-1]] == ["B", "A"]  # the export keeps the page's sort


def test_notebook_shows_the_late_share_as_every_page_does(client_for, finance_user, east_customer):
    record_sale(east_customer, "10.00", days_ago=60, due_in=30)  # unpaid 30 days past due: late
    record_sale(east_customer, "10.00", days_ago=5)
    record_sale(east_customer, "10.00", days_ago=5)
    page = client_for(finance_user).get(reverse("customers:detail", args=[east_customer.pk])).content.decode()
    assert "33.3 %" in page  # 1 of 3, to 0.1 like the risk pages (was rounded to 33 %)
