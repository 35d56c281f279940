"""Factories and helpers for the risk tests: hand-built ledgers are made with the ledger's helpers
(tests.transactions.factories); the scoring runs through the valuation run, as in production."""

import factory
from django.utils import timezone

from risk.choices import AlertKind, Level
from risk.models import RiskAlert
from tests.customers.factories import CustomerFactory, IndustryFactory
from tests.transactions.factories import day, record_payment, record_sale
from valuation.services import valuation_run

__all__ = [
    "CustomerFactory",
    "IndustryFactory",
    "RiskAlertFactory",
    "day",
    "record_payment",
    "record_sale",
    "score",
]


def score(as_of=None):
    """The whole valuation run as of `as_of` (default today), which ends with the risk step."""
    return valuation_run(as_of=as_of or timezone.localdate())


class RiskAlertFactory(factory.django.DjangoModelFactory):
    """An alert row written directly (for volume: the query-count tests)."""

    class Meta:
        model = RiskAlert

    customer = factory.SubFactory(CustomerFactory)
    kind = AlertKind.OVERDUE
    level = Level.HIGH
    details = factory.LazyFunction(lambda: {"days": 90, "amount": "500.00"})
    assigned_to = factory.LazyAttribute(lambda o: o.customer.owner)
    opened_as_of = factory.LazyFunction(timezone.localdate)
    last_seen_as_of = factory.LazyFunction(timezone.localdate)
