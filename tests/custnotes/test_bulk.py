"""custnotes.bulk: rows written by COPY (PostgreSQL) or bulk_create / bulk_update (others) are stored
exactly as the ORM stores them: money to the fen, nulls, floats and JSON."""

from decimal import Decimal as D

import pytest

from custnotes.bulk import insert_rows, update_rows
from tests.customers.factories import CustomerFactory
from tests.transactions.factories import day
from valuation.models import CustomerValuation, ValuationRun

pytestmark = pytest.mark.django_db


def test_inserted_and_updated_rows_read_back_as_written(team_east):
    run = ValuationRun.objects.create(as_of=day(0), params={"r": 0.25})
    a, b = CustomerFactory(team=team_east), CustomerFactory(team=team_east)
    fields = (
        "run_id",
        "customer_id",
        "as_of",
        "current_value",
        "recency_days",
        "p_alive",
        "potential_value",
        "segment",
    )
    rows = [
        (run.pk, a.pk, day(0), D("1234.56"), 3, 0.125, None, ""),
        (run.pk, b.pk, day(0), D("0.01"), None, None, D("-7.50"), "lost"),
    ]
    assert insert_rows(CustomerValuation, fields, rows) == 2
    stored = {
        row.customer_id: (row.current_value, row.recency_days, row.p_alive, row.potential_value, row.segment)
        for row in CustomerValuation.objects.filter(run=run)
    }
    assert stored == {a.pk: (D("1234.56"), 3, 0.125, None, ""), b.pk: (D("0.01"), None, None, D("-7.50"), "lost")}
    ids = dict(CustomerValuation.objects.filter(run=run).values_list("customer_id", "pk"))
    update_rows(CustomerValuation, ("tier", "r_score"), [(ids[a.pk], "A", 5), (ids[b.pk], "D", None)])
    assert dict(CustomerValuation.objects.filter(run=run).values_list("customer_id", "tier")) == {a.pk: "A", b.pk: "D"}
    assert CustomerValuation.objects.get(pk=ids[a.pk]).r_score == 5
    update_rows(ValuationRun, ("params",), [(run.pk, {"r": 0.5, "note": "二"})])
    run.refresh_from_db()
    assert run.params == {"r": 0.5, "note": "二"}
    assert update_rows(ValuationRun, ("params",), []) == 0


def test_inserted_objects_get_their_keys_defaults_and_generated_columns(team_east):
    import datetime

    from django.utils import timezone

    from custnotes.bulk import insert_objects
    from transactions.models import Sale

    customer = CustomerFactory(team=team_east)
    before = timezone.now()
    now = timezone.now().replace(microsecond=0)
    sales = [
        Sale(customer=customer, occurred_at=now, product=f"货品{i}", amount=D("100.10") * i, due_date=day(30))
        for i in range(1, 4)
    ]
    written = insert_objects(Sale, sales)
    assert [s.pk for s in written] == [s.pk for s in Sale.objects.order_by("pk")] and all(s.pk for s in written)
    stored = Sale.objects.get(pk=written[2].pk)
    assert (stored.amount, stored.open_to_date, stored.product) == (D("300.30"), D("300.30"), "货品3")
    assert stored.created_at >= before - datetime.timedelta(seconds=1)  # auto_now_add: the time of the insert
    assert not written[0]._state.adding
    assert insert_objects(Sale, []) == []
