"""The customer picker (customers.widgets.CustomerPicker, customers:pick): forms that choose
customers show the chosen ones and search for the rest, in the user's scope; they never list
every customer of the books."""

import pytest
from django.urls import reverse

from tests.costing.test_views import campaign_post
from tests.customers.factories import CustomerFactory


@pytest.fixture
def crowd(team_east, team_south):
    east = [CustomerFactory(team=team_east, name=f"华东客户{i:02d}") for i in range(25)]
    south = CustomerFactory(team=team_south, name="华东客户南方")
    archived = CustomerFactory(team=team_east, name="华东客户旧", is_archived=True)
    return east, south, archived


def test_the_campaign_form_lists_no_customer_until_chosen(client_for, finance_user, crowd, count_queries):
    east, _south, _archived = crowd
    client = client_for(finance_user)
    body = client.get(reverse("costing:campaign-create")).content.decode()
    assert "华东客户" not in body and 'hx-get="/customers/pick/"' in body
    response = client.post(reverse("costing:campaign-create"), campaign_post(east[:2], name=""))  # refused: no name
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('type="checkbox" name="targets"') == 2 and "华东客户00" in body and "华东客户02" not in body
    few = count_queries(lambda: client.get(reverse("costing:campaign-create")))
    CustomerFactory.create_batch(30, team=east[0].team)
    assert count_queries(lambda: client.get(reverse("costing:campaign-create"))) == few


def test_the_search_finds_active_customers_in_scope_and_leaves_out_the_chosen(client_for, sales_user, crowd):
    east, south, archived = crowd
    client = client_for(sales_user)  # a Sales user of the East team
    url = reverse("customers:pick")
    body = client.get(url, {"field": "targets", "q": "华东 客户", "targets": [east[0].pk]}).content.decode()
    assert body.count('name="targets"') == 20  # the first 20 by name …
    assert "narrow the search" in body or "缩小" in body  # … and word that there are more
    assert f'value="{east[0].pk}"' not in body  # chosen already
    assert south.name not in body and archived.name not in body  # another team's; archived
    one = client.get(url, {"field": "targets", "q": "客户24"}).content.decode()
    assert one.count('name="targets"') == 1 and "华东客户24" in one
    assert client.get(url, {"field": "targets", "q": ""}).content.decode().strip() == ""


def test_the_search_refuses_what_no_form_sends(client_for, sales_user, crowd):
    client = client_for(sales_user)
    response = client.get(reverse("customers:pick"), {"field": "<script>", "q": "x"})
    assert response.status_code == 400
    long = client.get(reverse("customers:pick"), {"field": "targets", "q": "华" * 5000, "targets": ["9" * 40, "x"]})
    assert long.status_code == 200


def test_the_picker_needs_a_login_and_view_permission(client):
    response = client.get(reverse("customers:pick"), {"field": "targets", "q": "a"})
    assert response.status_code in (302, 403)
