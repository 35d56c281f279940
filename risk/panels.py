"""The risk panels of the home dashboard: verdicts that changed since the run before, my alerts."""

from valuation.choices import RunStatus
from valuation.models import CustomerValuation, ValuationRun

from . import calculations as calc
from .choices import LEVEL_ORDER, Level
from .models import CreditAssessment
from .selectors import alert_list
from .texts import alert_text, verdict_for

SHOWN = 10
TONE = {Level.HIGH: "text-danger", Level.MEDIUM: "text-warning", Level.LOW: "text-success"}  # the arrow's colour


def changed_verdicts(*, user, customers, as_of):
    """Customers whose tier or worst risk changed between the last two scoring runs."""
    runs = list(ValuationRun.objects.filter(status=RunStatus.DONE, as_of__lte=as_of).order_by("-as_of")[:2])
    if len(runs) < 2:
        return {"runs": runs, "rows": []}
    latest, previous = runs
    ids = customers.values("pk")
    now = {
        a.customer_id: a
        for a in CreditAssessment.objects.filter(run=latest, customer__in=ids).select_related("customer")
    }
    before = dict(
        CreditAssessment.objects.filter(run=previous, customer__in=ids).values_list("customer_id", "worst_level")
    )
    tiers_now = dict(CustomerValuation.objects.filter(run=latest, customer__in=ids).values_list("customer_id", "tier"))
    tiers_before = dict(
        CustomerValuation.objects.filter(run=previous, customer__in=ids).values_list("customer_id", "tier")
    )
    rows = []
    for customer_id, assessment in now.items():
        if before.get(customer_id) == assessment.worst_level and tiers_before.get(customer_id) == tiers_now.get(
            customer_id
        ):
            continue
        rows.append(
            {
                "customer": assessment.customer,
                "verdict": verdict_for(assessment, tiers_now.get(customer_id)),
                "tier_before": tiers_before.get(customer_id),
                "tier_now": tiers_now.get(customer_id),
                "worse": calc.verdict_worse(
                    level_before=before.get(customer_id),
                    level_now=assessment.worst_level,
                    tier_before=tiers_before.get(customer_id),
                    tier_now=tiers_now.get(customer_id),
                ),
                "severity": assessment.worst_level,
                "tone": TONE.get(assessment.worst_level, "text-success"),  # how serious the verdict is now
            }
        )
    rows.sort(key=lambda r: (not r["worse"], -LEVEL_ORDER.get(r["severity"], 0), r["customer"].name))
    return {"runs": runs, "rows": rows[:SHOWN], "more": len(rows) > SHOWN, "count": len(rows)}


def my_alerts(*, user, customers, as_of):
    alerts = (
        alert_list(user=user)
        .filter(resolved_at__isnull=True, assigned_to=user)
        .order_by("acknowledged_at", "-opened_at")
    )
    rows = list(alerts[: SHOWN + 1])
    return {"rows": [(a, alert_text(a)) for a in rows[:SHOWN]], "more": len(rows) > SHOWN}
