"""Helpers for the costing tests.

Cost categories are seeded by a data migration (costing 0002), so tests look them up by their
English name rather than create them; cost entries and campaigns are written through the services
so that their rules (positive amounts, marketing-only campaigns, exact allocation) hold.
"""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group

from costing import services
from costing.choices import AllocationRule
from costing.models import CostCategory
from custnotes import roles
from tests.customers.factories import UserFactory
from tests.transactions.factories import PaymentMethodFactory, at, day, record_payment, record_sale

__all__ = [
    "at",
    "campaign",
    "card",
    "category",
    "clerk",
    "cost",
    "day",
    "record_payment",
    "record_sale",
]


def category(name_en: str) -> CostCategory:
    """A seeded category: marketing "Advertising", "Promotion", "Gifts", "Events"; service
    "After-sales labour", "Repairs", "Travel", "Support"."""
    return CostCategory.objects.get(name_en=name_en)


def card():
    """A payment method with both a rate and a fixed fee: fee = round_half_up(amount × 0.006 + 0.50)."""
    return PaymentMethodFactory(
        name="测试刷卡", name_en="Test card", fee_rate=Decimal("0.0060"), fixed_fee=Decimal("0.50")
    )


def clerk():
    """The user who records costs and campaigns when a test does not care who: in Finance, so they may
    book every category."""
    user = UserFactory(username="cost-clerk")
    user.groups.add(Group.objects.get(name=roles.FINANCE))
    return user


def cost(customer, amount, when=0, *, category_name="Repairs", note="", author=None):
    """Record a cost entry through services.cost_entry_record; `when` is a date or an offset in days."""
    user = author or clerk()
    if isinstance(when, int):
        when = day(when)
    return services.cost_entry_record(
        customer=customer,
        category=category(category_name),
        amount=Decimal(amount),
        date=when,
        note=note,
        user=user,
    )


def campaign(
    targets,
    total,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    *,
    rule=AllocationRule.EQUAL,
    name="测试活动",
    category_name="Advertising",
    existing=None,
    user=None,
):
    """Create (or, with `existing`, change) a campaign through services.campaign_save."""
    user = user or (existing.created_by if existing else None) or clerk()
    return services.campaign_save(
        campaign=existing,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        total_cost=Decimal(total),
        category=category(category_name),
        allocation_rule=rule,
        targets=targets,
        user=user,
    )
