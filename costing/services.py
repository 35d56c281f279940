"""Writes for costs and campaigns."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.dates import date_problem
from custnotes.identity import BatchResult, apply_row
from custnotes.money import ZERO, round_money
from custnotes.permissions import scope_queryset
from custnotes.registry import registry
from customers.models import Customer

from . import selectors
from .calculations import ProfitAndLoss, split_largest_remainder, t12m_window
from .choices import AllocationRule, CostFamily
from .models import Campaign, CampaignAllocation, CostCategory, CostEntry, CustomerFigures


@transaction.atomic
def category_problem(category: CostCategory, user=None) -> str | None:
    """Why this category may not be booked (by this user, when one is given), in words; None if it may.
    Entering a cost on the page and importing one both ask this."""
    if not category.is_active:
        return _("This category is no longer in use.")
    if user is not None and category.family == CostFamily.MARKETING and not user.has_perm("costing.add_marketing_cost"):
        return _("Only Finance, Manager and Admin record marketing costs.")
    return None


def cost_entry_problems(*, amount: Decimal | None, date: datetime.date | None, category, user=None) -> dict[str, str]:
    """{field: message} for a cost entry's values that break a rule (None: not known, not judged).
    The one statement of these rules: the page, the import and the batch ask it."""
    problems = {}
    if amount is not None and round_money(amount) <= ZERO:
        problems["amount"] = _("The amount must be greater than zero.")
    if date is not None and (problem := date_problem(date)):
        problems["date"] = problem
    if category is not None and (problem := category_problem(category, user)):
        problems["category"] = problem
    return problems


@transaction.atomic
def cost_entry_record(
    *,
    customer: Customer,
    category: CostCategory,
    amount: Decimal,
    date: datetime.date,
    note: str = "",
    user=None,
) -> CostEntry:
    amount = round_money(amount)
    if problems := cost_entry_problems(amount=amount, date=date, category=category, user=user):
        raise ValidationError(problems)
    entry = CostEntry(
        customer=customer, category=category, amount=amount, date=date, note=note.strip(), created_by=user
    )
    entry.full_clean()
    entry.save()
    registry.customers_changed([customer.pk])
    return entry


def cost_entry_permission_problems(*, user) -> dict[str, str]:
    """{field: message} when this user may not record cost entries."""
    if not user.has_perm("costing.add_costentry"):
        return {"external_id": _("You may not record costs.")}
    return {}


@dataclass(frozen=True, kw_only=True)
class CostRow:
    """One cost entry of a batch (the import): its import ID, the entry it changes (pk, None for a
    new one), its customer and values."""

    external_id: str
    pk: int | None
    customer_id: int
    category_id: int
    amount: Decimal
    date: datetime.date
    note: str = ""


COST_FIELDS = ("customer_id", "date", "category_id", "amount", "note")


@transaction.atomic
def cost_entry_record_many(*, rows: list[CostRow], user) -> BatchResult:
    """Record or change many cost entries in a few queries, under the rules of one at a time
    (cost_entry_problems, the permission) and the user's scope: an entry changed must belong to a
    customer the user sees, and so must the customer it is booked to. A broken rule refuses the
    whole batch (ValidationError naming the row)."""
    if problems := cost_entry_permission_problems(user=user):
        raise ValidationError(problems)
    visible = set(
        scope_queryset(Customer.objects.all(), user)
        .filter(pk__in={row.customer_id for row in rows})
        .values_list("pk", flat=True)
    )
    existing = scope_queryset(CostEntry.objects.select_for_update(), user, "customer__").in_bulk(
        [row.pk for row in rows if row.pk]
    )
    categories = CostCategory.objects.in_bulk({row.category_id for row in rows})
    touched = {entry.customer_id for entry in existing.values()} | visible  # an entry may move customers
    result = BatchResult()
    for row in rows:
        problems = cost_entry_problems(
            amount=row.amount, date=row.date, category=categories.get(row.category_id), user=user
        )
        if row.customer_id not in visible:
            problems["customer"] = _("No such customer among yours.")
        if row.pk and row.pk not in existing:
            problems["external_id"] = _("No such cost entry among yours.")
        if problems:
            raise ValidationError({key: f"{row.external_id}: {message}" for key, message in problems.items()})
        values = {
            "customer_id": row.customer_id,
            "date": row.date,
            "category_id": row.category_id,
            "amount": round_money(row.amount),
            "note": row.note.strip(),
        }
        entry = existing.get(row.pk)
        if entry is None:
            result.created.append(CostEntry(external_id=row.external_id, created_by=user, **values))
        elif status := apply_row(entry, values, row.external_id):
            getattr(result, status).append(entry)
        else:
            result.unchanged += 1
    CostEntry.objects.bulk_create(result.created)
    if result.updated or result.stamped:
        CostEntry.objects.bulk_update([*result.updated, *result.stamped], [*COST_FIELDS, "external_id"])
    registry.customers_changed(touched)
    return result


@transaction.atomic
def cost_entry_delete(*, entry: CostEntry) -> None:
    customer_id = entry.customer_id
    entry.delete()
    registry.customers_changed([customer_id])


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
    shares = CampaignAllocation.objects.filter(campaign=campaign)
    touched = {*targets, *shares.values_list("customer_id", flat=True)}  # the old shares' customers too
    shares.delete()
    if not targets:
        registry.customers_changed(touched)
        return []
    if campaign.allocation_rule == AllocationRule.REVENUE:
        revenue = selectors.revenue_in_period(customers=targets, start=campaign.starts_on, end=campaign.ends_on)
        weights = [revenue.get(pk, ZERO) for pk in targets]
    else:
        weights = [Decimal(1)] * len(targets)
    amounts = split_largest_remainder(campaign.total_cost, weights)
    created = CampaignAllocation.objects.bulk_create(
        CampaignAllocation(
            campaign=campaign,
            customer_id=pk,
            amount=amount,
            weight=weight if campaign.allocation_rule == AllocationRule.REVENUE else ZERO,
        )
        for pk, amount, weight in zip(targets, amounts, weights, strict=True)
    )
    registry.customers_changed(touched)
    return created


@transaction.atomic
def campaign_delete(*, campaign: Campaign) -> None:
    touched = list(CampaignAllocation.objects.filter(campaign=campaign).values_list("customer_id", flat=True))
    campaign.delete()
    registry.customers_changed(touched)


# --- the running figures (CustomerFigures) ------------------------------------------------------

FIGURES_CHUNK = 2000  # customers computed and written at a time


def _figures_write(customers, as_of: datetime.date) -> int:
    """Recompute and store the figures of `customers` (a queryset) as of `as_of`, in the caller's
    transaction. The rows are created or locked first (one upsert), so that a concurrent write of
    the same customer waits for this one and then computes from what it committed: neither can
    store figures computed before the other's write."""
    ids = list(customers.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    upsert = {"update_conflicts": True, "unique_fields": ["customer"], "batch_size": FIGURES_CHUNK}
    CustomerFigures.objects.bulk_create(
        [CustomerFigures(customer_id=pk, as_of=as_of) for pk in ids], update_fields=["as_of"], **upsert
    )
    start, end = t12m_window(as_of)
    pnl = selectors.pnl_by_customer(customers=customers, start=start, end=end)
    rows = []
    for pk in ids:
        figures = pnl.get(pk, ProfitAndLoss())
        rows.append(
            CustomerFigures(customer_id=pk, as_of=as_of, **{f: getattr(figures, f) for f in CustomerFigures.FIGURES})
        )
    CustomerFigures.objects.bulk_create(rows, update_fields=["as_of", *CustomerFigures.FIGURES], **upsert)
    return len(rows)


def figures_refresh(customer_ids, *, as_of: datetime.date | None = None) -> int:
    """Bring the running figures of these customers up to date (as of today unless told), in the
    caller's transaction: the registry's change listener, told by every write service. Returns how
    many customers' figures were written."""
    as_of = as_of or timezone.localdate()
    ids = sorted({int(pk) for pk in customer_ids})
    written = 0
    with transaction.atomic(savepoint=False):
        for first in range(0, len(ids), FIGURES_CHUNK):
            chunk = ids[first : first + FIGURES_CHUNK]
            written += _figures_write(Customer.objects.filter(pk__in=chunk), as_of)
    return written


def figures_rebuild(*, as_of: datetime.date | None = None) -> int:
    """Every customer's running figures as of `as_of` (today): the nightly job (the window moves on
    with the calendar) and the drift check's repair. In chunks of customer ids, each its own
    transaction, so memory and locks stay bounded whatever the number of customers."""
    as_of = as_of or timezone.localdate()
    written, last = 0, 0
    while True:
        following = Customer.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
        bounds = list(following[FIGURES_CHUNK - 1 : FIGURES_CHUNK])  # the chunk's last id, if it is a full one
        chunk = Customer.objects.filter(pk__gt=last)
        if bounds:
            chunk = chunk.filter(pk__lte=bounds[0])
        with transaction.atomic():
            written += _figures_write(chunk, as_of)
        if not bounds:
            return written
        last = bounds[0]
