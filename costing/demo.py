"""Demo costs: service and marketing costs on many demo customers, and two campaigns."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from customers.models import Customer

from . import services
from .choices import AllocationRule, CostFamily
from .models import CostCategory


def load(*, stdout=None):
    rng = random.Random(11)  # noqa: S311 - demo data, not security
    finance = get_user_model().objects.filter(username="finance").first()
    today = timezone.localdate()
    marketing = list(CostCategory.objects.filter(family=CostFamily.MARKETING))
    service = list(CostCategory.objects.filter(family=CostFamily.SERVICE))
    customers = list(Customer.objects.order_by("pk"))
    count = 0
    for customer in customers:
        for _ in range(rng.randint(0, 6)):
            family = marketing if rng.random() < 0.4 else service
            services.cost_entry_record(
                customer=customer,
                category=rng.choice(family),
                amount=Decimal(rng.randint(200, 20000)) + Decimal(rng.randint(0, 99)) / 100,
                date=today - datetime.timedelta(days=rng.randint(0, 500)),
                note="",
                user=finance,
            )
            count += 1
    advertising = next(c for c in marketing if c.name_en == "Advertising")
    events = next(c for c in marketing if c.name_en == "Events")
    services.campaign_save(
        name="春季行业展会",
        starts_on=today - datetime.timedelta(days=240),
        ends_on=today - datetime.timedelta(days=200),
        total_cost=Decimal("88000.00"),
        category=events,
        allocation_rule=AllocationRule.REVENUE,
        targets=customers[:20],
        user=finance,
    )
    services.campaign_save(
        name="华南线上广告投放",
        starts_on=today - datetime.timedelta(days=90),
        ends_on=today - datetime.timedelta(days=30),
        total_cost=Decimal("30000.00"),
        category=advertising,
        allocation_rule=AllocationRule.EQUAL,
        targets=customers[15:30],
        user=finance,
    )
    if stdout:
        stdout.write(f"demo: {count} cost entries, 2 campaigns")
