"""The ledger's panels of the home dashboard."""

import datetime

from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from custnotes.dates import local_days
from custnotes.money import ZERO, money_sum

from .choices import PaymentKind
from .models import Payment, Sale
from .selectors import sales_with_open_amounts

DUE_DAYS = 7
SHOWN = 15


def due_this_week(*, user, customers, as_of):
    """Open sales falling due in the next seven days (today included)."""
    sales = sales_with_open_amounts(
        Sale.objects.filter(
            customer__in=customers,
            is_void=False,
            due_date__gte=as_of,
            due_date__lte=as_of + datetime.timedelta(days=DUE_DAYS),
        ).select_related("customer"),
        as_of,
    ).filter(open_amount__gt=0)
    rows = list(sales.order_by("due_date", "pk")[: SHOWN + 1])
    total = sales.aggregate(total=money_sum("open_amount"))["total"]
    return {"rows": rows[:SHOWN], "more": len(rows) > SHOWN, "total": total}


def cashflow(*, user, customers, as_of):
    """Revenue (sales) and collections (receipts less refunds) by month over twelve months."""
    from .calculations import month_starts

    starts = month_starts(as_of, 12)
    series = {m: {"month": m, "revenue": ZERO, "collections": ZERO} for m in starts}

    def month_of(value):
        return value.date() if isinstance(value, datetime.datetime) else value

    for row in (
        Sale.objects.filter(local_days("occurred_at", starts[0], as_of), customer__in=customers, is_void=False)
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(total=money_sum("amount"))
        .order_by()
    ):
        series[month_of(row["month"])]["revenue"] += row["total"]
    for row in (
        Payment.objects.filter(local_days("received_at", starts[0], as_of), customer__in=customers)
        .annotate(month=TruncMonth("received_at"))
        .values("month", "kind")
        .annotate(total=money_sum("amount"))
        .order_by()
    ):
        sign = -1 if row["kind"] == PaymentKind.REFUND else 1
        series[month_of(row["month"])]["collections"] += sign * row["total"]
    rows = list(series.values())
    return {
        "rows": rows,
        "chart": {
            "type": "bar",
            "labels": [r["month"].strftime("%Y-%m") for r in rows],
            "series": [
                {"label": str(_("revenue")), "data": [str(r["revenue"]) for r in rows], "color": "#0d6efd"},
                {"label": str(_("collections")), "data": [str(r["collections"]) for r in rows], "color": "#198754"},
            ],
        },
    }
