"""Valuation pages: who may see and do what, constant query counts, the holdout check, and the
notebook's "what changed" sentence."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from custnotes.tables import format_percent
from tests.customers.factories import CustomerFactory
from tests.transactions.factories import day, record_sale
from valuation import services
from valuation.models import CustomerValuation, ValuationRun

from .conftest import crowd_holdout_actual

pytestmark = pytest.mark.django_db

D = Decimal
REPORT = reverse("valuation:report")
HOLDOUT = reverse("valuation:holdout")


def scored_customers(team, n, start=0):
    """n customers in `team` with varied histories (some one sale, some several)."""
    for i in range(start, start + n):
        customer = CustomerFactory(team=team, name=f"Value {i:02d}")
        for k in range(i % 4 + 1):
            record_sale(customer, f"{100 + 7 * i + 13 * k}.00", -(5 + 11 * i + 37 * k))


# --- the report -----------------------------------------------------------------------------------


def test_report_lists_the_latest_run_for_every_role(client_for, sales_user, finance_user, manager_user, portfolio):
    services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    for user in (sales_user, finance_user, manager_user):
        response = client_for(user).get(REPORT)
        assert response.status_code == 200
        assert response.context["run"].as_of == portfolio.as_of
        assert len(response.context["table"].rows) == 11
    # tier counts add up to the customers: 11 customers, the top 10 % → A …
    counts = dict(response.context["tier_counts"])
    assert sum(counts.values()) == 11
    assert counts == {t: CustomerValuation.objects.filter(tier=t).count() for t in "ABCD"}
    assert sum(n for _label, n in response.context["segments"]) == 10  # Zeta never bought: no segment


def test_report_is_scoped_to_the_sales_users_teams(client_for, sales_user, portfolio, south_customer):
    record_sale(south_customer, "10.00", portfolio.as_of)
    services.valuation_run(as_of=portfolio.as_of)
    rows = client_for(sales_user).get(REPORT).context["table"].rows
    assert len(rows) == 11
    assert "South Co" not in {row.record.customer.name for row in rows}


def test_report_keeps_a_constant_query_count(client_for, finance_user, team_east, count_queries):
    client = client_for(finance_user)
    as_of = timezone.localdate()
    scored_customers(team_east, 3)
    services.valuation_run(as_of=as_of)
    client.get(REPORT)
    few = count_queries(lambda: client.get(REPORT))
    scored_customers(team_east, 27, start=3)
    services.valuation_run(as_of=as_of)
    assert CustomerValuation.objects.count() == 30
    assert count_queries(lambda: client.get(REPORT)) == few


# --- the notebook ---------------------------------------------------------------------------------


def value_section(response):
    (ctx,) = [ctx for section, ctx in response.context["sections"] if section.key == "value"]
    return ctx


def test_notebook_value_section_keeps_a_constant_query_count(client_for, finance_user, east_customer, count_queries):
    client = client_for(finance_user)
    url = reverse("customers:detail", args=[east_customer.pk])
    record_sale(east_customer, "10.00", -400)
    record_sale(east_customer, "10.00", -1)

    def snapshots(days):
        for offset in days:
            services.valuation_run(as_of=day(-offset))

    snapshots(range(3))
    client.get(url)
    few = count_queries(lambda: client.get(url))
    assert len(value_section(client.get(url))["trend"]) == 3
    snapshots(range(3, 30))
    assert CustomerValuation.objects.filter(customer=east_customer).count() == 30
    assert count_queries(lambda: client.get(url)) == few
    assert len(value_section(client.get(url))["trend"]) == 12


def test_notebook_says_what_changed_between_two_runs(client_for, finance_user, east_customer, team_east):
    """Run 1, 400 days ago: East Co is the most recent and most frequent of five buyers → Champions.
    Run 2, today: none of its sales is in the last 365 days → Lost, 402 days after its last sale."""
    for offset in (410, 408, 406, 404, 402):
        record_sale(east_customer, "100.00", -offset)
    for i, offset in enumerate((500, 490, 480, 470)):
        record_sale(CustomerFactory(team=team_east, name=f"Other {i}"), "10.00", -offset)
    first = services.valuation_run(as_of=day(-400))
    assert first.valuations.get(customer=east_customer).segment == "champions"  # R 5, F 5
    services.valuation_run(as_of=day(0))
    response = client_for(finance_user).get(reverse("customers:detail", args=[east_customer.pk]))
    ctx = value_section(response)
    sentence = f"{gettext('Champions')} → {gettext('Lost')}" + gettext(": no purchase for %(days)s days") % {
        "days": 402
    }
    assert ctx["changes"][0] == sentence
    assert ctx["current"].as_of == day(0) and ctx["previous"].as_of == day(-400)
    assert sentence in response.content.decode()


def test_notebook_without_a_snapshot_says_not_scored(client_for, finance_user, east_customer):
    ctx = value_section(client_for(finance_user).get(reverse("customers:detail", args=[east_customer.pk])))
    assert ctx["current"] is None and ctx["changes"] == []


def test_notebook_shows_the_history_note_instead_of_numbers(client_for, finance_user, portfolio):
    services.valuation_run(as_of=portfolio.as_of)
    response = client_for(finance_user).get(reverse("customers:detail", args=[portfolio["Zeta"].pk]))
    current = value_section(response)["current"]
    assert current.history_note == "no_purchases"
    assert current.get_history_note_display() in response.content.decode()


# --- re-scoring -------------------------------------------------------------------------------------


def test_notebook_of_a_customer_without_an_owner_renders(client_for, finance_user, team_east):
    customer = CustomerFactory(team=team_east, owner=None)
    assert client_for(finance_user).get(reverse("customers:detail", args=[customer.pk])).status_code == 200


def test_sales_may_not_start_rescoring(client_for, sales_user, east_customer):
    client = client_for(sales_user)
    assert client.post(reverse("valuation:rescore")).status_code == 403
    assert client.post(reverse("valuation:rescore-customer", args=[east_customer.pk])).status_code == 403
    assert not ValuationRun.objects.exists()


def test_finance_rescores_one_customer_from_the_notebook(client_for, finance_user, portfolio):
    today = timezone.localdate()
    services.valuation_run(as_of=today)
    kappa = portfolio["Kappa"]  # as of today its sale of 777.00 today counts: 60 + 777
    assert CustomerValuation.objects.get(customer=kappa).current_value == D("837.00")
    record_sale(kappa, "3.00", 0)
    response = client_for(finance_user).post(reverse("valuation:rescore-customer", args=[kappa.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[kappa.pk]) + "#value"
    row = CustomerValuation.objects.get(customer=kappa)
    assert (row.current_value, row.t12m_purchases, row.recency_days) == (D("840.00"), 3, 0)
    assert CustomerValuation.objects.count() == 11


def test_rescoring_an_unknown_customer_is_404(client_for, finance_user):
    assert client_for(finance_user).post(reverse("valuation:rescore-customer", args=[999999])).status_code == 404
    assert not ValuationRun.objects.exists()


# --- the holdout check ------------------------------------------------------------------------------


def holdout_page(client, as_of, *, days):
    """The holdout page fitted up to `days` before as_of, predicting up to as_of, in weeks."""
    calibration_end = as_of - datetime.timedelta(days=days)
    query = {"calibration_end": calibration_end.isoformat(), "holdout_end": as_of.isoformat(), "unit": "weeks"}
    return client.get(HOLDOUT, query)


def test_holdout_page_for_the_manager_shows_the_error(client_for, manager_user, crowd):
    response = holdout_page(client_for(manager_user), crowd.as_of, days=120)
    assert response.status_code == 200
    result = response.context["result"]
    # the same hand count as in test_services: cumulative repeat purchases per week of the holdout
    actual = crowd_holdout_actual(crowd, 120, 17)
    assert result.actual == actual
    assert result.error == pytest.approx((result.predicted[-1] - actual[-1]) / actual[-1])
    body = response.content.decode()
    assert format_percent(result.error) in body
    assert len(response.context["rows"]) == 17


def test_holdout_page_says_when_the_history_does_not_identify_the_model(client_for, manager_user, portfolio):
    response = holdout_page(client_for(manager_user), portfolio.as_of, days=120)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "不能确定购买模型" in response.content.decode()


@pytest.mark.parametrize("role", ["sales_user", "finance_user"])
def test_holdout_page_is_forbidden_to_sales_and_finance(request, client_for, role):
    assert client_for(request.getfixturevalue(role)).get(HOLDOUT).status_code == 403


@pytest.mark.parametrize(
    ("calibration_end", "holdout_end", "message"),
    [
        ("2026-03-01", "2026-02-01", "The prediction must end after the fitting period."),
        ("2026-03-01", "2026-03-01", "The prediction must end after the fitting period."),
        ("2025-03-01", "2999-01-01", "The holdout cannot end in the future: nothing to compare yet."),
        ("not a date", "2026-03-01", None),
        ("2026-02-30", "2026-03-01", None),
    ],
)
def test_bad_holdout_dates_give_a_message_not_an_error(client_for, manager_user, calibration_end, holdout_end, message):
    response = client_for(manager_user).get(
        HOLDOUT, {"calibration_end": calibration_end, "holdout_end": holdout_end, "unit": "weeks"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert response.context["result"] is None
    if message:
        assert gettext(message) in form.non_field_errors()
        assert gettext(message) in response.content.decode().replace("&#x27;", "'")
    else:
        assert "calibration_end" in form.errors


def test_holdout_without_enough_history_says_so(client_for, manager_user, east_customer):
    response = client_for(manager_user).get(
        HOLDOUT, {"calibration_end": day(-30).isoformat(), "holdout_end": day(0).isoformat(), "unit": "days"}
    )
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert gettext("Not enough purchase history before that date to fit the model.") in response.content.decode()
