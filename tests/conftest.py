"""Shared fixtures: a user in each role, teams, and a logged-in client per role; a real Celery worker.
The suite runs on a fixed day (tests/clock.py)."""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from custnotes import roles
from tests import clock
from tests.customers.factories import CustomerFactory, TeamFactory, UserFactory

# The tests whose answers depend on which day it is (windows, aging, T12M, schedules, customer-type
# rules, dated imports): `.ci/run` runs them again with the clock on a month end, a year end and
# 29 February (`-m dates` with CUSTNOTES_TEST_TODAY set).
DATE_SENSITIVE = ("customers", "transactions", "costing", "valuation", "risk", "notebook", "imports")


def pytest_configure(config):
    clock.start()


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = item.path.parts
        if "tests" in parts and parts[parts.index("tests") + 1] in DATE_SENSITIVE:
            item.add_marker(pytest.mark.dates)


@pytest.fixture(autouse=True)
def _chinese_by_default(settings):
    """Every test starts in the product's default language, Simplified Chinese."""
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


def make_user(username, role=None, teams=(), **extra):
    user = UserFactory(username=username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    for team in teams:
        team.members.add(user)
    return user


@pytest.fixture
def team_east(db):
    return TeamFactory(name="East")


@pytest.fixture
def team_south(db):
    return TeamFactory(name="South")


@pytest.fixture
def sales_user(team_east):
    return make_user("sales1", roles.SALES, [team_east])


@pytest.fixture
def other_sales_user(team_south):
    return make_user("sales2", roles.SALES, [team_south])


@pytest.fixture
def finance_user(db):
    return make_user("finance", roles.FINANCE)


@pytest.fixture
def manager_user(db):
    return make_user("manager", roles.MANAGER)


@pytest.fixture
def admin_user_role(db):
    return make_user("admin-role", roles.ADMIN)


@pytest.fixture
def east_customer(team_east, sales_user):
    return CustomerFactory(name="East Co", team=team_east, owner=sales_user)


@pytest.fixture
def south_customer(team_south, other_sales_user):
    return CustomerFactory(name="South Co", team=team_south, owner=other_sales_user)


@pytest.fixture
def count_queries():
    """count_queries(fn) -> how many queries fn() ran (for "3 rows cost what 30 rows cost" tests)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def _count(fn):
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    return _count


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


pytest_plugins = ["tests.celery_worker"]
