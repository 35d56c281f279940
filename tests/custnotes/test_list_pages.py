"""Every list pages without counting millions of rows (issue 15): the table pages lazily (one row
more than the page says whether a next page exists), the row count above it is bounded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from custnotes.views import FilteredTableView
from customers.selectors import customer_list
from tests.transactions.factories import record_sale
from transactions.selectors import sale_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(east_customer):
    return [record_sale(east_customer, f"{10 + i}.00", -i) for i in range(4)]


def test_the_count_is_exact_below_the_cap_and_bounded_above(client_for, finance_user, sales, monkeypatch):
    client = client_for(finance_user)
    assert "共 4 行" in client.get(reverse("transactions:sales")).content.decode()
    monkeypatch.setattr(FilteredTableView, "COUNT_CAP", 3)
    assert "超过 3 行" in client.get(reverse("transactions:sales")).content.decode()


def test_no_list_counts_every_row(client_for, finance_user, sales):
    client = client_for(finance_user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("transactions:sales")).status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "transactions_sale" in q["sql"]]
    assert counts, "the bounded count"
    assert all("LIMIT" in sql.upper() for sql in counts), counts  # never a COUNT over the whole table


def test_pages_go_on_without_a_count(client_for, finance_user, sales, monkeypatch):
    monkeypatch.setitem(FilteredTableView.table_pagination, "per_page", 3)
    client = client_for(finance_user)
    first = client.get(reverse("transactions:sales")).content.decode()
    assert "page=2" in first  # a fourth row exists: a next page
    second = client.get(reverse("transactions:sales"), {"page": 2})
    assert second.status_code == 200
    assert len(second.context["table"].page.object_list) == 1


def test_a_sales_users_scope_is_their_team_ids_not_a_join(sales_user, east_customer, south_customer):
    record_sale(east_customer, "10.00")
    record_sale(south_customer, "20.00")
    sales = sale_list(user=sales_user)
    assert [s.customer_id for s in sales] == [east_customer.pk]  # their team's customer only
    for sql in (str(sales.query), str(customer_list(user=sales_user).query)):
        assert "team_members" not in sql  # no join of teams and members on every page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_the_search_box_has_trigram_indexes_behind_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"])
        definitions = [row[0] for row in cursor.fetchall()]
    for column in ("name", "company", "contact_person", "phone", "email", "product"):
        assert any(f"upper(({column})::text) extensions.gin_trgm_ops" in d for d in definitions), column
