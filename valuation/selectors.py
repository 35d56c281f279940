"""Reads for valuation: the purchase history fed to the model, and the stored snapshots."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import TruncDate

from custnotes.dates import local_days
from custnotes.memo import per_request
from custnotes.money import money_sum
from custnotes.permissions import scope_queryset
from customers.models import Customer
from transactions.calculations import T12M_DAYS, window_start
from transactions.models import Sale

from . import calculations as calc
from .choices import RunStatus
from .models import CustomerValuation, ValuationRun

FETCH = 5000  # rows converted at a time when a query's result is read into arrays


@dataclass(frozen=True)
class IdRange:
    """The customers whose ids lie from `first` to `last` (both included): a chunk of a run. Queries
    filter on the range, so a chunk costs an index range scan, never a list of thousands of ids."""

    first: int
    last: int


def customers_filter(field: str, customers) -> Q:
    """Q: `field` (a customer id) is one of `customers`: None (everyone), an IdRange, or ids."""
    if customers is None:
        return Q()
    if isinstance(customers, IdRange):
        return Q(**{f"{field}__gte": customers.first, f"{field}__lte": customers.last})
    return Q(**{f"{field}__in": list(customers)})


def customer_ranges(*, size: int) -> list[tuple[IdRange, int]]:
    """Every customer, cut in id order into ranges of `size` customers: [(range, count)], from one
    query that returns a row per range (the ids themselves stay in the database)."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(id), MAX(id), COUNT(*) FROM ("  # noqa: S608 - the table's quoted name
            f"SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %s AS n FROM {table}"
            ") c GROUP BY n ORDER BY n",
            [size],
        )
        return [(IdRange(first, last), count) for first, last, count in cursor.fetchall()]


def purchase_summary(*, as_of: datetime.date, unit: str = "weeks", customers=None) -> calc.Summary:
    """The purchase model's data (x, t_x, T, mean repeat value) of `customers` (see customers_filter)
    as of `as_of`, aggregated in the database: one row per customer (its purchase days counted, the
    first and the last, and the total of the repeat days), read in batches into arrays. The same
    figures as calculations.purchase_summary over purchase_days(): a purchase is a local calendar
    day with at least one non-void sale, same-day sales summed."""
    days = (
        Sale.objects.filter(local_days("occurred_at", last=as_of), customers_filter("customer_id", customers))
        .filter(is_void=False)
        .annotate(day=TruncDate("occurred_at"))
        .values("customer_id", "day")
        .annotate(total=money_sum("amount"))
        .order_by()
        .values_list("customer_id", "day", "total")
    )
    inner, params = days.query.sql_with_params()
    # around the ORM's own SQL, its values bound
    sql = (
        "SELECT customer_id, COUNT(*) - 1, MIN(day), MAX(day), "  # noqa: S608
        "COALESCE(SUM(CASE WHEN day > first_day THEN total END), 0) "
        "FROM (SELECT customer_id, day, total, MIN(day) OVER (PARTITION BY customer_id) AS first_day "
        f"FROM ({inner}) AS days) AS ranked GROUP BY customer_id ORDER BY customer_id"
    )
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH):
            rows = [
                (customer_id, x, _day(first), _day(last), Decimal(total).scaleb(-2))  # the total in fen
                for customer_id, x, first, last, total in batch
            ]
            parts.append(calc.summary_of_customers(rows, as_of, unit))
    return calc.summary_concat(parts, unit)


def _day(value) -> datetime.date:
    """A local day read by a raw query: a date, or ISO text on SQLite."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


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


@per_request
def latest_run(*, as_of: datetime.date | None = None) -> ValuationRun | None:
    """The newest finished scoring run (on or before `as_of`); once per page (custnotes.memo)."""
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


@dataclass(frozen=True)
class RankingInputs:
    """What a run's rows are ranked by (RFM, tiers), as arrays in customer order: the row's id, days
    since the last sale (NaN for none), T12M purchases, current value and current + potential value
    (money as floats, which order the amounts exactly as the Decimals do)."""

    ids: np.ndarray
    recency: np.ndarray
    purchases: np.ndarray
    monetary: np.ndarray
    value: np.ndarray


def ranking_inputs(*, run: ValuationRun, exclude=None) -> RankingInputs:
    """The ranking inputs of the run's rows (but those of the customers in `exclude`), read from one
    query in batches."""
    rows = CustomerValuation.objects.filter(run=run)
    if exclude is not None:
        rows = rows.exclude(customers_filter("customer_id", exclude))
    query = rows.order_by("customer_id").values_list(
        "pk", "recency_days", "t12m_purchases", "current_value", "potential_value"
    )
    sql, params = query.query.sql_with_params()
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # raw: money stays integer fen
        while batch := cursor.fetchmany(FETCH):
            parts.append(
                np.array(
                    [
                        (pk, np.nan if days is None else days, n, value, value + (potential or 0))
                        for pk, days, n, value, potential in batch
                    ],
                    dtype=float,
                )
            )
    table = np.concatenate(parts) if parts else np.zeros((0, 5))
    return RankingInputs(
        ids=table[:, 0].astype(np.int64),
        recency=table[:, 1],
        purchases=table[:, 2],
        monetary=table[:, 3] / 100,
        value=table[:, 4] / 100,
    )
