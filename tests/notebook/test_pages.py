"""The pages of the notebook at a glance: a constant number of queries whatever the history or the
portfolio, the as-of form, the home dashboard and the reports area for every role."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from custnotes.registry import registry
from customers.services import note_create
from tests.conftest import make_user
from tests.costing.factories import card, cost
from tests.customers.factories import CustomerFactory
from tests.transactions.factories import record_payment, record_sale
from valuation.services import valuation_run

from .conftest import EXPECTED, expected_row

pytestmark = pytest.mark.django_db

ROLES = ["sales_user", "finance_user", "manager_user", "admin_user_role"]


def grow_history(customer, author, start, stop):
    """Sales, payments, costs and notes number start..stop-1 (one of each a day, going back)."""
    for i in range(start, stop):
        record_sale(customer, "100.00", -(i + 1), cost_of_goods="40.00", product=f"产品{i}")
        record_payment(customer, "60.00", -(i + 1), method=card())
        cost(customer, "5.00", -(i + 1), category_name="Advertising" if i % 2 else "Repairs", author=author)
        note_create(customer=customer, author=author, text=f"第{i}条记录")


@pytest.mark.parametrize("past", [False, True], ids=["today", "as-of-past-date"])
def test_the_notebook_page_costs_the_same_with_3_or_30_of_everything(
    client_for, count_queries, sales_user, finance_user, east_customer, past
):
    client = client_for(sales_user)
    url = reverse("customers:detail", args=[east_customer.pk])
    params = {"as_of": (timezone.localdate() - datetime.timedelta(days=2)).isoformat()} if past else {}
    grow_history(east_customer, finance_user, 0, 3)
    valuation_run(as_of=timezone.localdate() - datetime.timedelta(days=1))
    valuation_run(as_of=timezone.localdate())
    assert client.get(url, params).status_code == 200  # warm caches (permissions, content types)

    few = count_queries(lambda: client.get(url, params))
    grow_history(east_customer, finance_user, 3, 30)
    response = client.get(url, params)
    assert response.status_code == 200
    assert response.context["figures"]["t12m_purchases"] == (29 if past else 30)
    many = count_queries(lambda: client.get(url, params))
    assert few == many


def test_a_future_as_of_date_shows_an_error_and_todays_figures(client_for, sales_user, portfolio):
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = client_for(sales_user).get(
        reverse("customers:detail", args=[portfolio.alpha.pk]), {"as_of": future.isoformat()}
    )
    assert response.status_code == 200
    assert response.context["as_of"] == timezone.localdate()
    assert response.context["is_today"] is True
    assert response.context["as_of_form"].errors["as_of"] == ["截至日期不能晚于今天。"]
    assert "截至日期不能晚于今天。" in response.content.decode()
    assert response.context["figures"] == expected_row(portfolio, "alpha")


def test_a_garbage_as_of_date_shows_todays_figures(client_for, sales_user, portfolio):
    response = client_for(sales_user).get(reverse("customers:detail", args=[portfolio.beta.pk]), {"as_of": "soon"})
    assert response.status_code == 200
    assert response.context["as_of_form"].errors["as_of"]
    assert response.context["figures"]["verdict"] == EXPECTED["beta"]["verdict"]


def test_a_failing_section_shows_an_error_box_and_the_rest_of_the_notebook(
    client_for, sales_user, portfolio, monkeypatch, caplog
):
    from custnotes.registry import NotebookSection

    def broken(**kwargs):
        raise ZeroDivisionError("a bug in one section")

    sections = [
        *registry.notebook_sections,
        NotebookSection(key="broken", title="Broken", template="unused.html", context=broken, order=35),
    ]
    monkeypatch.setattr(registry, "notebook_sections", sections)
    response = client_for(sales_user).get(reverse("customers:detail", args=[portfolio.alpha.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "这一部分无法显示" in body
    assert [s.key for s, ctx in response.context["sections"] if ctx is None] == ["broken"]
    assert all(ctx is not None for s, ctx in response.context["sections"] if s.key != "broken")
    assert "notebook section broken failed" in caplog.text


def test_another_teams_notebook_is_not_found(client_for, other_sales_user, portfolio):
    url = reverse("customers:detail", args=[portfolio.alpha.pk])
    assert client_for(other_sales_user).get(url).status_code == 404


# --- home and reports ----------------------------------------------------------------------------


def grow_portfolio(team, owner, author, start, stop):
    for i in range(start, stop):
        customer = CustomerFactory(name=f"客户{i:02d}", team=team, owner=owner)
        record_sale(customer, f"{100 + i}.00", -(i % 40 + 1), cost_of_goods="50.00")
        record_sale(customer, "80.00", -(i % 40 + 100))  # > 90 days past due for some risk alerts
        record_payment(customer, "30.00", -(i % 7), method=card())
        cost(customer, "9.00", -(i % 20), category_name="Advertising", author=author)
    today = timezone.localdate()
    valuation_run(as_of=today - datetime.timedelta(days=1))  # two runs: the changed-verdicts panel
    valuation_run(as_of=today)


@pytest.fixture
def users(request):
    return {role: request.getfixturevalue(role) for role in ROLES}


def test_home_and_reports_cost_the_same_for_3_or_30_customers(client, count_queries, team_east, users):
    pages = [reverse("home"), reverse("reports")]
    grow_portfolio(team_east, users["sales_user"], users["finance_user"], 0, 3)

    def counts():
        result = {}
        for role, user in users.items():
            client.force_login(user)
            for url in pages:
                response = client.get(url)  # warm: the permission cache of a fresh login
                assert response.status_code == 200, (role, url)
                result[role, url] = count_queries(lambda url=url: client.get(url))
        return result

    few = counts()
    grow_portfolio(team_east, users["sales_user"], users["finance_user"], 3, 30)
    assert counts() == few


@pytest.mark.parametrize("role", ROLES)
def test_the_home_page_shows_the_panels_of_the_role(client_for, request, portfolio, role):
    user = request.getfixturevalue(role)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    shown = [panel.key for panel, _context in response.context["panels"]]
    assert shown == [p.key for p in registry.panels_for(user)]
    assert shown  # every role has at least one panel


def test_the_sales_home_page_is_about_their_own_customers(client_for, sales_user, south_customer, portfolio):
    response = client_for(sales_user).get(reverse("home"))
    assert response.context["own"] is True
    panels = {panel.key: context for panel, context in response.context["panels"]}
    top = panels["top"]
    assert [v.customer_id for v in top["by_value"]] == [portfolio.beta.pk, portfolio.alpha.pk, portfolio.formula.pk]


@pytest.mark.parametrize("role", ROLES)
def test_the_reports_page_lists_what_the_role_may_open(client_for, request, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    response = client.get(reverse("reports"))
    assert response.status_code == 200
    listed = [r.url_name for r in response.context["reports"]]
    assert listed == [
        r.url_name for r in sorted(registry.reports, key=lambda r: r.order) if user.has_perm(r.permission)
    ]
    content = response.content.decode()
    for url_name in listed:
        url = reverse(url_name)
        assert f'href="{url}"' in content
        assert client.get(url).status_code == 200, url_name


def test_the_reports_page_hides_reports_the_user_may_not_open(client_for, db):
    user = make_user("aging-only")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["customers", "transactions"],
            codename__in=["view_customer", "view_sale"],
        )
    )
    client = client_for(user)
    response = client.get(reverse("reports"))
    assert response.status_code == 200
    assert [r.url_name for r in response.context["reports"]] == ["transactions:aging"]
    content = response.content.decode()
    assert reverse("transactions:aging") in content
    assert reverse("costing:profitability") not in content
    assert client.get(reverse("costing:profitability")).status_code == 403
