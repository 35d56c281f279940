import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from customers.models import Customer, Industry, Team

pytestmark = pytest.mark.django_db


def test_demo_loads_users_in_their_roles_and_about_fifty_customers():
    call_command("load_demo", "--if-empty")
    User = get_user_model()
    expected = {
        "admin": "Admin",
        "manager": "Manager",
        "finance": "Finance",
        "sales1": "Sales",
        "sales2": "Sales",
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password("custnotes-demo")
        assert user.groups.filter(name=role).exists()
    assert User.objects.get(username="admin").is_superuser
    assert Team.objects.count() >= 3
    assert 45 <= Customer.objects.count() <= 60
    assert Customer.objects.values("industry").distinct().count() >= 8
    sales1 = User.objects.get(username="sales1")
    assert set(Customer.objects.filter(owner=sales1).values_list("team__members", flat=True)) >= {sales1.pk}
    assert Team.objects.filter(is_default=True, name="华东销售组").exists()  # the install's default team
    # the demo's history identifies the purchase and spend models, so its notebooks show model figures
    # (its sales fall in office hours, so this holds at whatever time of day it is loaded)
    from valuation.models import ValuationRun

    for run in ValuationRun.objects.all():
        assert {"r", "alpha", "a", "b", "p", "q", "v"} <= set(run.params), run.as_of
        assert run.valuations.exclude(predicted_value=None).count() >= 20


def test_the_demo_verdicts_are_calibrated():
    """At most a third of the demo's customers carry a high or medium verdict (a notebook where every
    customer is a warning warns of nothing), and each of those names its reason with a figure."""
    from risk.models import CreditAssessment
    from risk.texts import verdict_for
    from valuation.models import CustomerValuation
    from valuation.selectors import latest_run

    call_command("load_demo", "--if-empty")
    run = latest_run()
    tiers = dict(CustomerValuation.objects.filter(run=run).values_list("customer_id", "tier"))
    flagged = list(CreditAssessment.objects.filter(run=run).exclude(worst_level="low"))
    assert 0 < len(flagged) <= Customer.objects.count() / 3
    for assessment in flagged:
        headline = verdict_for(assessment, tiers.get(assessment.customer_id)).split(" · ", 1)[1]
        assert any(ch.isdigit() for ch in headline), headline  # an amount, a share or a probability


def test_demo_loads_only_into_an_empty_database():
    call_command("load_demo", "--if-empty")
    count = Customer.objects.count()
    call_command("load_demo", "--if-empty")  # a second run leaves it alone
    assert Customer.objects.count() == count
    with pytest.raises(CommandError):
        call_command("load_demo")


def test_demo_never_loads_with_production_settings(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", "--if-empty")
    assert not Customer.objects.exists()


def test_industries_are_seeded_with_outlook_and_factor():
    retail = Industry.objects.get(name="零售")
    assert retail.name_en == "Retail"
    assert str(Industry.objects.get(name="信息技术").effective_outlook_factor) == "1.20"
    assert str(Industry.objects.get(name="房地产").effective_outlook_factor) == "0.80"
    assert str(retail.effective_outlook_factor) == "1.00"
