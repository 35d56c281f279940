import pytest

from custnotes.permissions import can_change_customer, in_scope
from customers.models import Team
from customers.selectors import customer_list, owner_choices, team_choices
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_scope_for_each_role(sales_user, other_sales_user, finance_user, manager_user, east_customer, south_customer):
    assert list(customer_list(user=sales_user)) == [east_customer]
    assert list(customer_list(user=other_sales_user)) == [south_customer]
    for user in (finance_user, manager_user):
        assert set(customer_list(user=user)) == {east_customer, south_customer}


def test_sales_in_two_teams_sees_both_without_duplicates(team_east, team_south, east_customer, south_customer):
    both = make_user("both", "Sales", [team_east, team_south])
    assert sorted(c.name for c in customer_list(user=both)) == ["East Co", "South Co"]


def test_inactive_or_roleless_users_see_nothing(team_east, east_customer):
    roleless = make_user("roleless", teams=[team_east])
    inactive = make_user("inactive", "Finance", is_active=False)
    assert not customer_list(user=roleless).exists()
    assert not customer_list(user=inactive).exists()


def test_change_rights(sales_user, manager_user, finance_user, east_customer, south_customer):
    assert can_change_customer(sales_user, east_customer)
    assert not can_change_customer(sales_user, south_customer)
    assert not can_change_customer(manager_user, east_customer)
    assert can_change_customer(finance_user, south_customer)
    assert in_scope(manager_user, south_customer)


def test_team_and_owner_choices(sales_user, other_sales_user, finance_user, team_east, team_south):
    assert list(team_choices(user=sales_user)) == [team_east]
    default = Team.objects.get(is_default=True)  # every install has one (a migration creates it)
    assert set(team_choices(user=finance_user)) == {team_east, team_south, default}
    assert list(owner_choices(user=sales_user)) == [sales_user]
    assert set(owner_choices(user=finance_user)) == {sales_user, other_sales_user}
