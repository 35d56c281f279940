"""Reads for valuation: the purchase history fed to the model, and the stored snapshots."""

import datetime

from django.db.models import QuerySet
from django.db.models.functions import TruncDate

from custnotes.money import money_sum
from custnotes.permissions import scope_queryset
from transactions.models import Sale

from .choices import RunStatus
from .models import CustomerValuation, ValuationRun


def purchase_days(*, as_of: datetime.date, customer_ids=None, since: datetime.date | None = None) -> list[tuple]:
    """(customer id, day, amount) with same-day sales merged, non-void, up to as_of: one query."""
    sales = Sale.objects.filter(is_void=False, occurred_at__date__lte=as_of)
    if since is not None:
        sales = sales.filter(occurred_at__date__gte=since)
    if customer_ids is not None:
        sales = sales.filter(customer_id__in=customer_ids)
    return list(
        sales.annotate(day=TruncDate("occurred_at"))
        .values("customer_id", "day")
        .annotate(total=money_sum("amount"))
        .order_by()
        .values_list("customer_id", "day", "total")
    )


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


def customer_history(*, customer, limit: int = 24) -> list[CustomerValuation]:
    """The customer's snapshots of finished runs, newest first."""
    return list(
        CustomerValuation.objects.filter(customer=customer, run__status=RunStatus.DONE).order_by("-as_of")[:limit]
    )
