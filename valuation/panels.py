"""The value panel of the home dashboard: top customers by value and by profit."""

from .models import CustomerValuation
from .selectors import latest_run

SHOWN = 8


def top_customers(*, user, customers, as_of):
    run = latest_run(as_of=as_of)
    if run is None:
        return {"run": None}
    rows = CustomerValuation.objects.filter(run=run, customer__in=customers).select_related("customer")
    return {
        "run": run,
        "by_value": list(rows.order_by("-current_value")[:SHOWN]),
        "by_profit": list(rows.order_by("-t12m_contribution")[:SHOWN]),
    }
