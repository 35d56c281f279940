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

from .conftest import add_newcomer, crowd_holdout_actual, crowd_holdout_counts

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

    dates = set()

    def snapshots(days):
        for as_of in days:
            services.valuation_run(as_of=as_of)
            dates.add(as_of)

    # one run in each of the months before this one (the trend reads month by month), then the
    # nightly runs of the last ten days
    month_ends = [day(0).replace(day=1) - datetime.timedelta(days=1 + 31 * back) for back in range(30)]
    snapshots(month_ends[:3])
    client.get(url)
    few = count_queries(lambda: client.get(url))
    assert len(value_section(client.get(url))["trend"]) == 3
    snapshots(month_ends[3:])
    snapshots(day(-offset) for offset in range(10))
    assert CustomerValuation.objects.filter(customer=east_customer).count() == len(dates) >= 31
    assert count_queries(lambda: client.get(url)) == few
    trend = value_section(client.get(url))["trend"]
    assert len(trend) == 12
    assert len({(s.as_of.year, s.as_of.month) for s in trend}) == 12  # one point a month


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


# --- too new to predict, and how sure the model is ---------------------------------------------------


def test_a_customer_too_new_to_predict_never_tops_a_potential_list(client_for, finance_user, crowd):
    newcomer = add_newcomer(crowd)  # one ¥3,000 sale four days ago
    services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    client = client_for(finance_user)
    response = client.get(REPORT)
    assert newcomer.pk not in {row.customer_id for row in response.context["top_potential"]}
    # The table sorts by potential value, most first; customers with none come last whichever way it
    # is sorted (PostgreSQL would put NULLs first in a descending sort; .ci/run checks it there too).
    for sort in ("-potential_value", "potential_value", "-p_alive", "predicted_value"):
        records = [row.record for row in client.get(REPORT, {"sort": sort}).context["table"].rows]
        assert len(records) == 301
        assert records[-1].customer_id == newcomer.pk, sort
        field = sort.lstrip("-")
        values = [getattr(record, field) for record in records[:-1]]
        assert None not in values
        assert values == sorted(values, reverse=sort.startswith("-")), sort
    # its row says why in place of the figures
    body = client.get(REPORT, {"q": "Newcomer"}).content.decode()
    assert body.count(gettext("Too new to predict")) >= 3  # P(alive), predicted and potential value


def test_notebook_shows_too_new_to_predict_in_place_of_the_figures(client_for, finance_user, crowd):
    newcomer = add_newcomer(crowd)
    services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    response = client_for(finance_user).get(reverse("customers:detail", args=[newcomer.pk]))
    ctx = value_section(response)
    assert ctx["current"].history_note == "too_new"
    assert ctx["no_figure"] == gettext("Too new to predict")
    # potential value, P(alive), expected purchases, expected purchase value, predicted value
    section = response.content.decode()
    assert section.count(gettext("Too new to predict")) >= 5
    # a customer with figures shows them, not the note
    other = value_section(client_for(finance_user).get(reverse("customers:detail", args=[crowd.customers[0].pk])))
    assert other["no_figure"] == "—" and other["current"].p_alive is not None


def test_holdout_page_shows_the_calibration_table_and_the_parameters_with_standard_errors(
    client_for, manager_user, crowd
):
    response = holdout_page(client_for(manager_user), crowd.as_of, days=120)
    result = response.context["result"]
    history = crowd_holdout_counts(crowd, 120)
    assert [row.customers for row in result.calibration] == [
        sum(1 for x, _after in history if (x >= 7 if group == 7 else x == group)) for group in range(8)
    ]
    body = response.content.decode()
    assert 'id="calibration-table"' in body and 'id="model-parameters"' in body
    for row in result.calibration:
        if row.customers:
            assert f"{row.actual:.2f}" in body and f"{row.predicted:.2f}" in body
    parameters = response.context["parameters"]
    assert [symbol for _model, symbol, _value, _se in parameters] == ["r", "α", "a", "b"]
    for _model, symbol, value, error in parameters:
        assert 0 < error < value, symbol
        assert f"{error:.3g}" in body


def test_holdout_page_on_thin_data_says_there_is_no_estimate(client_for, manager_user, thin):
    response = holdout_page(client_for(manager_user), thin.as_of, days=60)
    assert response.status_code == 200
    result = response.context["result"]
    assert response.context["rows"] == [] and result.calibration == []
    body = response.content.decode()
    if result.unidentified_reason == "bound":
        message = gettext(
            "The purchases up to that date do not identify the model: its parameter %(p)s ran to its bound, "
            "so there is no estimate to check."
        ) % {"p": result.unidentified}
    else:
        message = gettext(
            "The purchases up to that date do not identify the model: its likelihood has no clear maximum "
            "(the parameters have no standard errors), so there is no estimate to check."
        )
    assert message in body.replace("&#x27;", "'")
    # where the fit stopped is shown, marked as no estimate, without standard errors
    assert gettext("Where the fit stopped (not an estimate)") in body
    assert [error for *_rest, error in response.context["parameters"]] == [None] * 4


def test_report_shows_the_runs_parameters_with_standard_errors(client_for, finance_user, crowd):
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    response = client_for(finance_user).get(REPORT)
    parameters = response.context["parameters"]
    assert [(model, symbol) for model, symbol, _v, _e in parameters] == [
        ("BG/NBD", "r"),
        ("BG/NBD", "α"),
        ("BG/NBD", "a"),
        ("BG/NBD", "b"),
        ("Gamma-Gamma", "p"),
        ("Gamma-Gamma", "q"),
        ("Gamma-Gamma", "v"),
    ]
    body = response.content.decode()
    for key, (_model, _symbol, value, error) in zip(("r", "alpha", "a", "b", "p", "q", "v"), parameters, strict=True):
        assert (value, error) == (run.params[key], run.params["se"][key])
        assert f"{error:.3g}" in body


def test_report_says_when_the_fit_has_no_standard_errors(client_for, finance_user, portfolio):
    run = services.valuation_run(as_of=portfolio.as_of)
    # as a fit with no maximum leaves it (the hand portfolio's own fit runs to a bound instead)
    run.params["bgnbd_unidentified"] = {"parameter": "", "value": None, "reason": "standard_errors"}
    run.save()
    body = client_for(finance_user).get(REPORT).content.decode()
    assert (
        gettext(
            "No model figures: the history does not identify the purchase model (its likelihood has no clear "
            "maximum: the parameters have no standard errors)."
        )
        in body
    )
