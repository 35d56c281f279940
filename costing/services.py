"""Writes for costs and campaigns."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from custnotes.dates import date_problem
from custnotes.money import ZERO, round_money
from customers.models import Customer

from . import selectors
from .calculations import split_largest_remainder
from .choices import AllocationRule, CostFamily
from .models import Campaign, CampaignAllocation, CostCategory, CostEntry


@transaction.atomic
def category_problem(category: CostCategory, user=None) -> str | None:
    """Why this category may not be booked (by this user, when one is given), in words; None if it may.
    Entering a cost on the page and importing one both ask this."""
    if not category.is_active:
        return _("This category is no longer in use.")
    if user is not None and category.family == CostFamily.MARKETING and not user.has_perm("costing.add_marketing_cost"):
        return _("Only Finance, Manager and Admin record marketing costs.")
    return None


def cost_entry_record(
    *,
    customer: Customer,
    category: CostCategory,
    amount: Decimal,
    date: datetime.date,
    note: str = "",
    author=None,
) -> CostEntry:
    amount = round_money(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": _("The amount must be greater than zero.")})
    if problem := date_problem(date):
        raise ValidationError({"date": problem})
    if problem := category_problem(category, author):
        raise ValidationError({"category": problem})
    entry = CostEntry(customer=customer, category=category, amount=amount, date=date, note=note.strip(), author=author)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def cost_entry_delete(*, entry: CostEntry) -> None:
    entry.delete()


@transaction.atomic
def campaign_save(
    *,
    campaign: Campaign | None = None,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    total_cost: Decimal,
    category: CostCategory,
    allocation_rule: str,
    targets,
    note: str = "",
    user=None,
) -> Campaign:
    """Create or change a campaign and recompute its allocation to the targets."""
    total_cost = round_money(total_cost)
    if total_cost <= ZERO:
        raise ValidationError({"total_cost": _("The amount must be greater than zero.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})
    if category.family != CostFamily.MARKETING:
        raise ValidationError({"category": _("A campaign's cost is a marketing cost.")})
    targets = list(targets)
    if not targets:
        raise ValidationError({"targets": _("Choose at least one target customer.")})
    campaign = campaign or Campaign(created_by=user)
    campaign.name = name.strip()
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    campaign.total_cost, campaign.category = total_cost, category
    campaign.allocation_rule, campaign.note = allocation_rule, note.strip()
    campaign.full_clean()
    campaign.save()
    campaign.targets.set(targets)
    campaign_allocate(campaign=campaign)
    return campaign


@transaction.atomic
def campaign_allocate(*, campaign: Campaign) -> list[CampaignAllocation]:
    """Share the campaign's total among its targets (equally, or by their revenue in the campaign
    period; with no revenue at all, equally), replacing any previous shares. The shares add up to
    the total exactly (largest remainder to the fen)."""
    targets = list(campaign.targets.order_by("pk").values_list("pk", flat=True))
    CampaignAllocation.objects.filter(campaign=campaign).delete()
    if not targets:
        return []
    if campaign.allocation_rule == AllocationRule.REVENUE:
        revenue = selectors.revenue_in_period(customers=targets, start=campaign.starts_on, end=campaign.ends_on)
        weights = [revenue.get(pk, ZERO) for pk in targets]
    else:
        weights = [Decimal(1)] * len(targets)
    amounts = split_largest_remainder(campaign.total_cost, weights)
    return CampaignAllocation.objects.bulk_create(
        CampaignAllocation(
            campaign=campaign,
            customer_id=pk,
            amount=amount,
            weight=weight if campaign.allocation_rule == AllocationRule.REVENUE else ZERO,
        )
        for pk, amount, weight in zip(targets, amounts, weights, strict=True)
    )


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    campaign.delete()
