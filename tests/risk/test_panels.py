"""The home page's "verdicts that changed": the arrow says which way the verdict moved — the risk
first, the tier only when the risk stayed — and its colour how serious the new verdict is."""

import datetime

import pytest

from customers.models import Customer
from risk.calculations import verdict_worse
from risk.choices import Level
from risk.models import CreditAssessment
from risk.panels import changed_verdicts
from tests.customers.factories import CustomerFactory
from tests.transactions.factories import day
from valuation.choices import RunStatus
from valuation.models import CustomerValuation, ValuationRun

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("before", "now", "worse"),
    [
        ((Level.HIGH, "C"), (Level.HIGH, "B"), False),  # the tier rose, the risk stayed high: better, shown red
        ((Level.LOW, "B"), (Level.HIGH, "A"), True),  # B → A but now high risk: worse, whatever the tier
        ((Level.HIGH, "A"), (Level.MEDIUM, "B"), False),  # the risk fell: better, though the tier fell
        ((Level.LOW, "A"), (Level.LOW, "C"), True),
    ],
)
def test_the_risk_decides_the_direction_before_the_tier(before, now, worse):
    assert verdict_worse(level_before=before[0], level_now=now[0], tier_before=before[1], tier_now=now[1]) is worse


def run_with(as_of: datetime.date, rows):
    run = ValuationRun.objects.create(as_of=as_of, status=RunStatus.DONE)
    for customer, level, tier in rows:
        CreditAssessment.objects.create(
            run=run, customer=customer, as_of=as_of, level=level, action="", market_level=Level.LOW, worst_level=level
        )
        CustomerValuation.objects.create(run=run, customer=customer, as_of=as_of, tier=tier)
    return run


def test_a_better_tier_under_high_risk_is_not_shown_green(team_east):
    risky, good = CustomerFactory(name="Risky", team=team_east), CustomerFactory(name="Good", team=team_east)
    run_with(day(-30), [(risky, Level.HIGH, "C"), (good, Level.LOW, "B")])
    run_with(day(0), [(risky, Level.HIGH, "B"), (good, Level.LOW, "A")])
    rows = changed_verdicts(user=None, customers=Customer.objects.all(), as_of=day(0))["rows"]
    shown = {r["customer"].name: (r["worse"], r["tone"]) for r in rows}
    assert shown == {"Risky": (False, "text-danger"), "Good": (False, "text-success")}
    assert [r["customer"].name for r in rows] == ["Risky", "Good"]  # the serious one first
