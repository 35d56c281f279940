"""Risk reads: alerts in the user's scope, the badge count, open alerts by kind and level."""

import pytest
from django.utils import timezone

from risk import selectors
from risk.choices import AlertKind, Level
from tests.risk.factories import RiskAlertFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(east_customer, south_customer, manager_user):
    now = timezone.now()
    return {
        "east_overdue": RiskAlertFactory(customer=east_customer, kind=AlertKind.OVERDUE, level=Level.HIGH),
        "east_churn": RiskAlertFactory(customer=east_customer, kind=AlertKind.CHURN, level=Level.MEDIUM),
        "east_acked": RiskAlertFactory(
            customer=east_customer,
            kind=AlertKind.OVER_LIMIT,
            level=Level.HIGH,
            acknowledged_by=manager_user,
            acknowledged_at=now,
            acknowledgement="已联系",
        ),
        "east_resolved": RiskAlertFactory(customer=east_customer, kind=AlertKind.OVERDUE, resolved_at=now),
        "south_overdue": RiskAlertFactory(customer=south_customer, kind=AlertKind.OVERDUE, level=Level.MEDIUM),
    }


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_alert_list_is_scoped_to_the_users_teams(sales_user, other_sales_user, finance_user, alerts):
    east = {a.pk for key, a in alerts.items() if key.startswith("east")}
    assert pks(selectors.alert_list(user=sales_user)) == east
    assert pks(selectors.alert_list(user=other_sales_user)) == {alerts["south_overdue"].pk}
    assert pks(selectors.alert_list(user=finance_user)) == {a.pk for a in alerts.values()}


def test_open_alert_count_is_open_and_unacknowledged(sales_user, other_sales_user, manager_user, alerts):
    assert selectors.open_alert_count(sales_user) == 2
    assert selectors.open_alert_count(other_sales_user) == 1
    assert selectors.open_alert_count(manager_user) == 3


def test_alert_counts_by_kind_and_level(sales_user, finance_user, alerts):
    assert selectors.alert_counts(user=sales_user) == {
        ("overdue", "high"): 1,
        ("churn", "medium"): 1,
        ("over_limit", "high"): 1,
    }
    assert selectors.alert_counts(user=finance_user) == {
        ("overdue", "high"): 1,
        ("overdue", "medium"): 1,
        ("churn", "medium"): 1,
        ("over_limit", "high"): 1,
    }
