"""custnotes.memo: a @per_request read is worked out once per GET request and never kept beyond
it, nor in a request that may write."""

import datetime

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from custnotes import memo
from tests.transactions.test_views import record_sale
from transactions import selectors

calls = []


@memo.per_request
def _counted(*, ids, as_of=None):
    calls.append(ids)
    return {"ids": ids}


def test_results_are_kept_within_a_scope_only():
    calls.clear()
    _counted(ids=[1, 2])
    _counted(ids=[1, 2])
    assert len(calls) == 2  # no scope: nothing kept
    with memo.scope():
        first = _counted(ids=[1, 2], as_of=datetime.date(2026, 1, 1))
        first["ids"] = "changed by a caller"
        assert _counted(ids=[1, 2], as_of=datetime.date(2026, 1, 1)) == {"ids": [1, 2]}
        _counted(ids=[1, 2], as_of=datetime.date(2026, 1, 2))  # another question
        _counted(ids=(i for i in [1, 2]))  # no safe key: asked again
    assert len(calls) == 5
    _counted(ids=[1, 2])
    assert len(calls) == 6


def test_the_middleware_keeps_results_for_get_and_head_only():
    seen = []
    middleware = memo.RequestMemoMiddleware(lambda request: seen.append(memo._memo.get() is not None))
    for method in ("get", "head", "post", "put", "delete"):
        middleware(getattr(RequestFactory(), method)("/"))
    assert seen == [True, True, False, False, False]


def test_the_notebook_works_out_the_receivables_figures_once(client_for, finance_user, east_customer):
    record_sale(east_customer, "100.00", days_ago=40)
    client = client_for(finance_user)
    url = reverse("customers:detail", args=[east_customer.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    first_sales = [q for q in queries.captured_queries if 'MIN("transactions_sale"."occurred_at")' in q["sql"]]
    assert len(first_sales) == 1  # one of receivable_figures' queries, asked by the header and the ledger
    figures = selectors.receivable_figures(customer_ids=[east_customer.pk], as_of=response.context["as_of"])
    assert response.context["figures"]["open_total"] == figures[east_customer.pk].open_total
