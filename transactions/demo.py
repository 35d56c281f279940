"""Demo ledger: a year and a half of sales and payments for the demo customers, some paid late,
some still open, a few overdue, so the ledger, the lists and the aging report have something to show."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from customers.models import Customer

from . import services
from .models import PaymentMethod

PRODUCTS = [
    "办公设备采购",
    "年度维保服务",
    "软件许可",
    "原材料供货",
    "物流配送服务",
    "定制加工",
    "咨询服务",
    "耗材补货",
]


def load(*, stdout=None):
    rng = random.Random(7)  # noqa: S311 - demo data, not security
    finance = get_user_model().objects.filter(username="finance").first()
    methods = list(PaymentMethod.objects.filter(is_active=True))
    now = timezone.now()
    sales_count = payments_count = 0
    for customer in Customer.objects.exclude(customer_type="prospect").order_by("pk"):
        big = customer.credit_limit >= 1000000
        # Each customer buys at its own pace from its first sale on; about a third stopped buying
        # some time ago (what the purchase model should notice).
        first = rng.randint(200, 540)
        last = rng.randint(120, first - 30) if rng.random() < 0.35 else 1
        for _ in range(rng.randint(1, 14)):
            days_ago = rng.randint(last, first)
            occurred = now - datetime.timedelta(days=days_ago, hours=rng.randint(0, 8))
            amount = (
                Decimal(rng.randint(50000 if big else 2000, 900000 if big else 90000))
                + Decimal(rng.randint(0, 99)) / 100
            )
            sale = services.sale_record(
                customer=customer,
                occurred_at=occurred,
                product=rng.choice(PRODUCTS),
                amount=amount,
                cost_of_goods=(amount * Decimal(rng.choice(["0.55", "0.6", "0.7", "0.8"]))).quantize(Decimal("0.01")),
                user=finance,
            )
            sales_count += 1
            behaviour = rng.random()
            if behaviour < 0.07 and days_ago > 20:
                continue  # unpaid: open or overdue
            delay = rng.randint(0, customer.payment_terms_days + (60 if behaviour < 0.35 else 0))
            paid_at = occurred + datetime.timedelta(days=delay)
            if paid_at > now:
                continue
            part = Decimal("1") if rng.random() < 0.85 else Decimal("0.5")
            services.payment_record(
                customer=customer,
                received_at=paid_at,
                amount=(sale.amount * part).quantize(Decimal("0.01")),
                method=rng.choice(methods),
                reference=f"DEMO-{sale.pk:05d}",
                user=finance,
            )
            payments_count += 1
    if stdout:
        stdout.write(f"demo: {sales_count} sales, {payments_count} payments")
