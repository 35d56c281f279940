"""The costs-and-profit section of the notebook: P&L over a chosen window, the cost entries, and
revenue against costs by month (chart with a table alternative)."""

from django.utils.translation import gettext as _

from .forms import WindowForm
from .selectors import cost_entry_list, customer_pnl, monthly_series

ENTRIES_SHOWN = 20


def costs_context(*, customer, user, as_of, params=None):
    window_form = WindowForm(params if params and "period" in params else None)
    start, end, period = window_form.window(as_of)
    entries = list(cost_entry_list(user=user).filter(customer=customer)[: ENTRIES_SHOWN + 1])
    series = monthly_series(customer=customer, as_of=as_of)
    return {
        "customer": customer,
        "window_form": window_form,
        "start": start,
        "end": end,
        "period": period,
        "pnl": customer_pnl(customer=customer, start=start, end=end),
        "entries": entries[:ENTRIES_SHOWN],
        "more_entries": len(entries) > ENTRIES_SHOWN,
        "series": series,
        "chart": {
            "type": "bar",
            "labels": [row["month"].strftime("%Y-%m") for row in series],
            "series": [
                {
                    "label": str(_("revenue")),
                    "data": [str(row["revenue"]) for row in series],
                    "color": "#0d6efd",
                },
                {"label": str(_("costs")), "data": [str(row["costs"]) for row in series], "color": "#dc3545"},
            ],
        },
        "can_add_cost": user.has_perm("costing.add_costentry"),
    }
