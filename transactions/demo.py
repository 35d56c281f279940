"""Demo ledger: a year and a half of sales and payments for the demo customers. Paying is a habit of
the customer, as in real books: most pay within their terms, some are slow, a few are in trouble
(late by months, some invoices never paid), so the ledger, the aging report and the verdicts show
what a real portfolio shows rather than trouble everywhere."""

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


def purchase_days(rng: random.Random, *, first: int) -> list[int]:
    """Days ago of one customer's sales: the first `first` days ago, then purchases at the
    customer's own rate (one every 3 to 12 weeks on average). After each purchase a customer may stop for
    good, with a chance of its own (a quarter on average: what the purchase model should notice).
    The latest 14 at most: a cap on the first 14 would end a quick buyer's history long ago, and
    the model would rightly call a customer who was never lost dead."""
    gap = rng.gammavariate(2.0, 40.0)
    dropout = rng.betavariate(1.0, 3.0)
    days, t = [first], 0.0
    while rng.random() >= dropout:
        t += rng.expovariate(1 / gap)
        if t >= first:
            break
        days.append(first - int(t))
    return days[-14:]


# The customers' paying habits: (share of customers, chance an invoice is paid late, days late,
# chance it is never paid, chance only half is paid).
HABITS = (
    (0.74, 0.04, (1, 10), 0.0, 0.0),  # prompt
    (0.16, 0.40, (5, 40), 0.0, 0.05),  # slow
    (0.10, 0.60, (30, 120), 0.15, 0.25),  # in trouble
)


def habit(rng: random.Random):
    draw = rng.random()
    for share, *rest in HABITS:
        if draw < share:
            return rest
        draw -= share
    return HABITS[-1][1:]


def load(*, stdout=None):
    rng = random.Random(7)  # noqa: S311 - demo data, not security
    pay = random.Random(11)  # noqa: S311 - paying habits apart, so the purchase history stays as it was
    finance = get_user_model().objects.filter(username="finance").first()
    methods = list(PaymentMethod.objects.filter(is_active=True))
    now = timezone.now()
    # Sales in office hours of the local day, so the demo's days (and the purchase model's fit on
    # them) are the same whatever time of day it is loaded.
    opening = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(9)))
    sales_count = payments_count = 0
    for customer in Customer.objects.exclude(customer_type="prospect").order_by("pk"):
        big = customer.credit_limit >= 1000000
        # Each customer buys at its own pace from its first sale on, and after each purchase may
        # stop for good (some did, some time ago: what the purchase model should notice). Spend as
        # real books show it: a typical order size that varies a lot between customers, orders that
        # vary around it.
        typical = rng.gammavariate(2.0, (200000 if big else 12000) / 2.0)
        late_chance, late_days, unpaid_chance, half_chance = habit(pay)
        for days_ago in purchase_days(rng, first=rng.randint(200, 540)):
            occurred = opening - datetime.timedelta(days=days_ago) + datetime.timedelta(hours=rng.randint(0, 8))
            amount = max(Decimal(str(round(rng.gammavariate(4.0, typical / 4.0), 2))), Decimal("100.00"))
            sale = services.sale_record(
                customer=customer,
                occurred_at=occurred,
                product=rng.choice(PRODUCTS),
                amount=amount,
                cost_of_goods=(amount * Decimal(rng.choice(["0.55", "0.6", "0.7", "0.8"]))).quantize(Decimal("0.01")),
                user=finance,
            )
            sales_count += 1
            if pay.random() < unpaid_chance and days_ago > 20:
                continue  # never paid: overdue
            if pay.random() < late_chance:
                delay = customer.payment_terms_days + pay.randint(*late_days)
            else:
                delay = pay.randint(0, customer.payment_terms_days)
            paid_at = occurred + datetime.timedelta(days=delay)
            if paid_at > now:
                continue
            part = Decimal("0.5") if pay.random() < half_chance else Decimal("1")
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
