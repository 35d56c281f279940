"""Reads for valuation: the purchase history fed to the model, and the stored snapshots."""

import datetime
from decimal import Decimal

from django.db.models import F, QuerySet
from django.db.models.functions import TruncDate

from custnotes.dates import local_days
from custnotes.money import money_sum
from custnotes.permissions import scope_queryset
from transactions.calculations import T12M_DAYS, window_start
from transactions.models import Sale

from .choices import RunStatus
from .models import CustomerValuation, ValuationRun


def purchase_days(*, as_of: datetime.date, customer_ids=None, since: datetime.date | None = None) -> list[tuple]:
    """(customer id, day, amount) with same-day sales merged, non-void, up to as_of: one query."""
    sales = Sale.objects.filter(local_days("occurred_at", last=as_of), is_void=False)
    if since is not None:
        sales = sales.filter(local_days("occurred_at", since))
    if customer_ids is not None:
        sales = sales.filter(customer_id__in=customer_ids)
    return list(
        sales.annotate(day=TruncDate("occurred_at"))
        .values("customer_id", "day")
        .annotate(total=money_sum("amount"))
        .order_by()
        .values_list("customer_id", "day", "total")
    )


def t12m_costed_totals(*, as_of: datetime.date) -> dict[str, Decimal]:
    """The portfolio's T12M revenue and cost of goods over the non-void sales whose cost of goods is
    known ({"revenue", "cogs"}): what the portfolio's margin ratio is computed from."""
    start = window_start(as_of, T12M_DAYS)
    return Sale.objects.filter(
        local_days("occurred_at", start, as_of), is_void=False, cost_of_goods__isnull=False
    ).aggregate(revenue=money_sum("amount"), cogs=money_sum("cost_of_goods"))


def latest_run(*, as_of: datetime.date | None = None) -> ValuationRun | None:
    runs = ValuationRun.objects.filter(status=RunStatus.DONE)
    if as_of is not None:
        runs = runs.filter(as_of__lte=as_of)
    return runs.order_by("-as_of").first()


def running_run() -> ValuationRun | None:
    """The run in progress, if any (the newest started)."""
    return ValuationRun.objects.filter(status=RunStatus.RUNNING).order_by("-started_at").first()


def last_started_run() -> ValuationRun | None:
    """The newest run whatever its state, for the progress line."""
    return ValuationRun.objects.order_by("-started_at").first()


def valuation_list(*, user, run: ValuationRun | None) -> QuerySet[CustomerValuation]:
    """The run's customer rows the user may see."""
    if run is None:
        return CustomerValuation.objects.none()
    return scope_queryset(CustomerValuation.objects.filter(run=run), user, "customer__").select_related(
        "customer", "customer__team", "customer__industry"
    )


DAILY_RUNS_KEPT = 62  # at most this many daily snapshots stand between two month ends (see valuation_prune)


def customer_history(*, customer, as_of: datetime.date | None = None, limit: int = 24) -> list[CustomerValuation]:
    """The customer's snapshots of finished runs on or before `as_of`, newest first, one a month: the
    latest, then the last of each earlier month (runs are nightly; a trend and "what changed" read
    month by month). With its run, for the date its model was fitted."""
    snapshots = CustomerValuation.objects.filter(customer=customer, run__status=RunStatus.DONE)
    if as_of is not None:
        snapshots = snapshots.filter(as_of__lte=as_of)
    kept, months = [], set()
    for snapshot in snapshots.select_related("run").order_by("-as_of")[: limit + DAILY_RUNS_KEPT]:
        month = (snapshot.as_of.year, snapshot.as_of.month)
        if month not in months:
            months.add(month)
            kept.append(snapshot)
    return kept[:limit]


def valuation_ordered(queryset: QuerySet[CustomerValuation], field: str, *, descending: bool):
    """The rows ordered by a model figure (potential value, P(alive), …) with the customers that have
    none (too new to predict, no model) last whichever the direction, on every backend (PostgreSQL
    puts NULLs first in a descending sort, SQLite last); ties by customer for a stable page."""
    expression = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(expression, "customer_id")
