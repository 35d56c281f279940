"""bulk_update_rows writes what bulk_update would, in bounded set-based batches (issue 15)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from custnotes import bulk
from risk.models import RiskAlert
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def alerts(n):
    day = datetime.date(2026, 3, 1)
    return [
        RiskAlert.objects.create(
            customer=CustomerFactory(), kind="overdue", level="medium", details={"i": i}, opened_as_of=day,
            last_seen_as_of=day,
        )
        for i in range(n)
    ]  # fmt: skip


def test_every_row_gets_its_own_values_nulls_json_and_dates_included(monkeypatch):
    rows = alerts(7)
    seen = datetime.date(2026, 3, 31)
    resolved = timezone.now()
    for i, alert in enumerate(rows):
        alert.level = "high" if i % 2 else "medium"
        alert.details = {"amount": str(Decimal(i) + Decimal("0.5")), "list": [i, None]}
        alert.last_seen_as_of = seen + datetime.timedelta(days=i)
        alert.resolved_at = resolved if i == 6 else None
    monkeypatch.setattr(bulk, "PARAMETERS", 15)  # 3 rows of 5 parameters a statement: 3 batches
    with CaptureQueriesContext(connection) as queries:
        assert bulk.bulk_update_rows(RiskAlert, rows, ["level", "details", "last_seen_as_of", "resolved_at"]) == 7
    for i, alert in enumerate(RiskAlert.objects.order_by("pk")):
        assert alert.level == ("high" if i % 2 else "medium")
        assert alert.details == {"amount": f"{i}.5", "list": [i, None]}
        assert alert.last_seen_as_of == seen + datetime.timedelta(days=i)
        assert alert.resolved_at == (resolved if i == 6 else None)
    if connection.vendor == "postgresql":
        updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 3 and all("FROM (VALUES" in sql and "CASE" not in sql for sql in updates)


def test_nothing_to_write_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk.bulk_update_rows(RiskAlert, [], ["level"]) == 0
