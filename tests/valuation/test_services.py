"""The valuation run and the commands on the database (SQLite, and PostgreSQL in .ci/run's second
pass). The portfolio is the one in conftest.SALES; every figure below is worked out from it by hand."""

import datetime
import json
import math
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer
from tests.transactions.factories import day, record_sale
from transactions.models import Sale
from valuation import calculations as calc
from valuation import selectors, services
from valuation.choices import HistoryNote, RunStatus
from valuation.models import CustomerValuation, ValuationChunk, ValuationRun

from .conftest import CROWD_TRUTH, add_newcomer, crowd_holdout_actual, crowd_holdout_counts
from .test_calculations import bgnbd_ll_by_hand, gamma_gamma_ll_by_hand

pytestmark = pytest.mark.django_db

D = Decimal

# T12M = the 365 days ending on as_of: days_before 0..364 count, 365 does not.
# name: (current value, T12M sales, days since last sale, R, F, M, segment)
EXPECTED = {
    "Alpha": (D("720.00"), 4, 30, 3, 4, 4, "loyal"),
    "Beta": (D("180.00"), 3, 90, 2, 3, 3, "at_risk"),  # three sales (two on one day)
    "Gamma": (D("45.50"), 1, 10, 4, 1, 1, "new"),
    "Delta": (D("0.00"), 0, 365, None, None, None, "lost"),  # bought, but not in the window
    "Epsilon": (D("99.99"), 1, 200, 1, 1, 2, "lost"),
    "Zeta": (D("0.00"), 0, None, None, None, None, ""),
    "Eta": (D("88.00"), 1, 0, 5, 1, 2, "new"),
    "Theta": (D("240.00"), 6, 5, 4, 5, 3, "loyal"),
    "Iota": (D("1000.00"), 1, 20, 3, 1, 5, "hibernating"),  # the voided 5000 counts nowhere
    "Kappa": (D("60.00"), 1, 150, 1, 1, 1, "lost"),  # the 777 after as_of counts nowhere
    "Lambda": (D("375.00"), 5, 45, 2, 4, 4, "at_risk"),
}
# How the scores come out, among the nine customers with a sale in the window (n = 9):
# score = 1 + ⌊5k/9⌋ with k = how many others it beats.
# R (days 0, 5, 10, 20, 30, 45, 90, 150, 200; fewer is better): k = 8..0 → 5, 4, 4, 3, 3, 2, 2, 1, 1.
# F (sales 1×5, 3, 4, 5, 6): the five 1s beat nobody → 1; 3 beats 5 → 3; 4 → 4; 5 beats 7 → 4; 6 → 5.
# M (45.50, 60, 88, 99.99, 180, 240, 375, 720, 1000): 1, 1, 2, 2, 3, 3, 4, 4, 5.

# The purchase model's data in weeks (same-day sales merged, the void and the later sale left out):
# name: (x, t_x × 7, T × 7, mean repeat purchase value)
MODEL_DATA = {
    "Alpha": (4, 670, 700, 180.0),  # (200 + 150 + 250 + 120) / 4
    "Beta": (3, 510, 600, 90.0),  # (90 + 60 + 120) / 3
    "Gamma": (1, 490, 500, 45.5),
    "Delta": (1, 315, 680, 400.0),
    "Epsilon": (0, 0, 200, 0.0),
    "Theta": (5, 355, 360, 40.0),
    "Iota": (2, 380, 400, 750.0),
    "Kappa": (0, 0, 150, 0.0),
    "Lambda": (4, 285, 330, 75.0),
}  # Eta (first purchase on as_of, T = 0) and Zeta (none) are not in the fit


def rows_by_name(run):
    return {row.customer.name: row for row in run.valuations.select_related("customer")}


def snapshot(run):
    return sorted(
        CustomerValuation.objects.filter(run=run).values_list(
            "customer_id", "current_value", "segment", "tier", "p_alive", "potential_value", "history_note"
        )
    )


def test_a_run_scores_every_customer_once_with_hand_computed_figures(portfolio):
    run = services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    assert run.status == RunStatus.DONE
    assert (run.customers, run.chunks_total, run.chunks_done) == (11, 4, 4)  # 3 + 3 + 3 + 2
    assert run.fitted_customers == 9
    assert ValuationChunk.objects.filter(run=run, done=True).count() == 4
    rows = rows_by_name(run)
    assert sorted(rows) == sorted(EXPECTED)
    assert CustomerValuation.objects.count() == 11
    for name, (value, purchases, recency, r, f, m, segment) in EXPECTED.items():
        row = rows[name]
        assert row.as_of == portfolio.as_of
        got = (row.current_value, row.t12m_purchases, row.recency_days, row.r_score, row.f_score, row.m_score)
        assert got == (value, purchases, recency, r, f, m), name
        assert row.segment == segment, name
    # gross margin: revenue − cost of goods in the window, e.g. Alpha 720 − (120 + 90 + 100 + 50)
    assert rows["Alpha"].t12m_gross_margin == D("360.00")
    assert rows["Beta"].t12m_gross_margin == D("90.00")


def test_too_little_history_gets_a_note_and_no_invented_numbers(portfolio):
    rows = rows_by_name(services.valuation_run(as_of=portfolio.as_of, chunk_size=3))
    assert rows["Zeta"].history_note == HistoryNote.NO_PURCHASES
    assert rows["Eta"].history_note == HistoryNote.FIRST_PURCHASE_TODAY
    for name in ("Zeta", "Eta"):
        row = rows[name]
        assert row.p_alive is row.expected_purchases is row.expected_value is None, name
        assert row.predicted_value is row.potential_value is None, name
        assert row.tier  # still ranked, on its current value alone
    # Everyone else bought before as_of, but nine customers of whom nobody went quiet do not identify
    # the model: its fit runs to a → 0 ("nobody ever drops out"). That is no estimate, so no figures,
    # and the note says why instead of an invented P(alive) of 100 %.
    run = ValuationRun.objects.get(as_of=portfolio.as_of)
    assert run.params["bgnbd_unidentified"]["parameter"] == "a"
    assert "r" not in run.params and "p" not in run.params
    for name in MODEL_DATA:
        row = rows[name]
        assert row.history_note == HistoryNote.MODEL_UNIDENTIFIED, name
        assert row.p_alive is row.expected_purchases is row.expected_value is None, name
        assert row.predicted_value is row.potential_value is None, name


def test_the_crowd_is_identified_and_every_buyer_gets_model_figures(crowd):
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    assert not {"bgnbd_unidentified", "gg_unidentified"} & set(run.params)
    rows = {row.customer_id: row for row in run.valuations.all()}
    for customer, purchases in zip(crowd.customers, crowd.purchases, strict=True):
        row = rows[customer.pk]
        assert row.history_note == "", customer.name
        assert 0 <= row.p_alive <= 1 and math.isfinite(row.expected_purchases), customer.name
        if len(purchases) == 1:
            assert row.p_alive == 1.0  # no repeat purchase: the model cannot have seen it leave


def test_a_portfolio_too_small_to_fit_gets_the_no_model_note(team_east):
    from tests.customers.factories import CustomerFactory

    a, b = CustomerFactory(team=team_east), CustomerFactory(team=team_east)
    as_of = day(-1)
    # first purchases 300 and 200 days back: old enough to predict, were there a model
    record_sale(a, "10.00", as_of - datetime.timedelta(days=300))
    record_sale(a, "10.00", as_of - datetime.timedelta(days=3))
    record_sale(b, "10.00", as_of - datetime.timedelta(days=200))
    run = services.valuation_run(as_of=as_of)
    # no cost of goods anywhere: no costed revenue, the ratio falls back to 1
    assert run.params == {
        "portfolio_margin_ratio": "1",
        "unit": "weeks",
        "too_new_days": 90,
        "fitted_as_of": as_of.isoformat(),  # this run fitted (or tried to): its own date
    }
    for row in run.valuations.all():
        assert row.history_note == HistoryNote.NO_MODEL
        assert row.p_alive is row.predicted_value is row.potential_value is None


def test_the_portfolio_margin_ratio_is_worked_out_by_hand(portfolio):
    run = services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    # the portfolio's T12M margin: Σ(revenue − cogs) / Σ revenue over the window, by hand
    revenue = sum(value for value, *_ in EXPECTED.values())
    # window cost of goods: Alpha 120 + 90 + 100 + 50, Beta 30 + 25 + 35, Gamma 20, Epsilon 50, Eta 40,
    # Theta 6 × 20, Iota 600, Kappa 30, Lambda 5 × 30
    cogs = D(360 + 90 + 20 + 50 + 40 + 120 + 600 + 30 + 150)
    assert revenue == D("2808.49")
    assert D(run.params["portfolio_margin_ratio"]) == pytest.approx((revenue - cogs) / revenue)


def test_model_figures_tiers_and_segments_agree_with_the_formulas_over_the_stored_values(crowd):
    for customer in crowd.customers[::2]:  # half of them in a growing industry, with ratings 1..5
        customer.industry = crowd.industry
    Customer.objects.bulk_update(crowd.customers[::2], ["industry"])
    for rating in range(1, 6):
        Customer.objects.filter(pk__in=[c.pk for c in crowd.customers[rating - 1 :: 5]]).update(growth_rating=rating)
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=70)
    rows = list(run.valuations.select_related("customer__industry").order_by("customer_id"))
    params = run.params
    bg = calc.BgNbdParams(params["r"], params["alpha"], params["a"], params["b"])
    portfolio_ratio = D(params["portfolio_margin_ratio"])
    history = {customer.pk: purchases for customer, purchases in zip(crowd.customers, crowd.purchases, strict=True)}
    for row in rows:
        name = row.customer.name
        days = history[row.customer_id]  # [(days before as_of, amount)]
        first, last = max(d for d, _a in days), min(d for d, _a in days)
        x, t_x, T = len(days) - 1, (first - last) / 7, first / 7
        alive = 1.0 if x == 0 else 1 / (1 + bg.a / (bg.b + x - 1) * ((bg.alpha + T) / (bg.alpha + t_x)) ** (bg.r + x))
        assert row.p_alive == pytest.approx(alive, rel=1e-9), name
        if row.predicted_value is not None:
            ratio = calc.margin_ratio(row.t12m_gross_margin, row.current_value, portfolio_ratio)
            predicted = (D(repr(row.expected_purchases)) * row.expected_value * ratio).quantize(D("0.01"))
            assert abs(row.predicted_value - predicted) <= D("0.01"), name
            factor = row.customer.industry.effective_outlook_factor if row.customer.industry else D("1.00")
            assert factor == (D("1.20") if row.customer.industry else D("1.00"))
            growth = {1: D("0.8"), 2: D("0.9"), 3: D("1.0"), 4: D("1.15"), 5: D("1.3")}[row.customer.growth_rating]
            assert abs(row.potential_value - row.predicted_value * factor * growth) <= D("0.005"), name
    totals = [row.current_value + (row.potential_value or D(0)) for row in rows]
    assert [row.tier for row in rows] == calc.value_tiers(totals)
    # 300 customers: A is the top 10 % (ties share a tier), B the next 20 %
    assert sum(row.tier == "A" for row in rows) == 30
    assert sum(row.predicted_value is not None for row in rows) == 300
    for row in rows:
        if row.r_score:
            assert row.segment == calc.rfm_segment(row.r_score, row.f_score)


def test_rerunning_the_same_as_of_replaces_never_duplicates(portfolio):
    first = services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    before = snapshot(first)
    second = services.valuation_run(as_of=portfolio.as_of, chunk_size=5)
    assert ValuationRun.objects.count() == 1
    assert second.pk == first.pk
    assert CustomerValuation.objects.count() == 11
    assert ValuationChunk.objects.filter(run=second).count() == 3  # the new chunking only
    assert snapshot(second) == before
    # a sale recorded since is picked up by the re-run: still one row, now with the new figure
    record_sale(portfolio["Zeta"], "12.34", portfolio.as_of)
    third = services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    assert CustomerValuation.objects.count() == 11
    zeta = third.valuations.get(customer=portfolio["Zeta"])
    assert (zeta.current_value, zeta.history_note) == (D("12.34"), HistoryNote.FIRST_PURCHASE_TODAY)


def test_a_second_run_for_another_date_keeps_the_first(portfolio):
    services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    services.valuation_run(as_of=portfolio.as_of - datetime.timedelta(days=30), chunk_size=3)
    assert ValuationRun.objects.count() == 2
    assert CustomerValuation.objects.count() == 22
    earlier = ValuationRun.objects.get(as_of=portfolio.as_of - datetime.timedelta(days=30))
    # 30 days earlier Gamma's 45.50 (10 days before as_of) had not happened yet
    assert earlier.valuations.get(customer=portfolio["Gamma"]).current_value == D("0.00")


def test_a_chunk_delivered_twice_changes_nothing(portfolio):
    run = services.valuation_prepare(as_of=portfolio.as_of, chunk_size=3)
    assert run.status == RunStatus.RUNNING
    assert services.valuation_score_chunk(run_id=run.pk, index=1) is False
    assert services.valuation_score_chunk(run_id=run.pk, index=1) is False  # redelivered
    run.refresh_from_db()
    assert run.chunks_done == 1
    assert CustomerValuation.objects.filter(run=run).count() == 3
    assert services.valuation_score_chunk(run_id=run.pk, index=0) is False
    assert services.valuation_score_chunk(run_id=run.pk, index=2) is False
    assert services.valuation_score_chunk(run_id=run.pk, index=3) is True  # the last one completes
    services.valuation_finish(run_id=run.pk)
    before = snapshot(run)
    # a redelivery after the end, and a second finish, change nothing
    assert services.valuation_score_chunk(run_id=run.pk, index=3) is False
    services.valuation_finish(run_id=run.pk)
    run.refresh_from_db()
    assert (run.chunks_done, run.status) == (4, RunStatus.DONE)
    assert snapshot(run) == before
    assert CustomerValuation.objects.count() == 11


def test_rescoring_one_customer_updates_only_its_row(portfolio):
    run = services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    others = [row for row in snapshot(run) if row[0] != portfolio["Gamma"].pk]
    record_sale(portfolio["Gamma"], "54.50", portfolio.as_of)
    row = services.valuation_rescore_customer(customer=portfolio["Gamma"], as_of=portfolio.as_of)
    assert row is not None and row.pk
    assert CustomerValuation.objects.filter(run=run, customer=portfolio["Gamma"]).count() == 1
    stored = CustomerValuation.objects.get(run=run, customer=portfolio["Gamma"])
    assert (stored.current_value, stored.t12m_purchases, stored.recency_days) == (D("100.00"), 2, 0)
    # ranked against the other eight buyers of the window (n = 9): recency 0 ties with Eta, 7 have
    # more days → 1 + ⌊35/9⌋ = 4; 2 sales beat the four single-sale customers → 1 + ⌊20/9⌋ = 3
    assert (stored.r_score, stored.f_score) == (4, 3)
    assert stored.segment == "potential_loyalist"
    assert [row for row in snapshot(run) if row[0] != portfolio["Gamma"].pk] == others
    assert CustomerValuation.objects.count() == 11


def test_rescoring_a_customer_without_a_run_for_that_date_does_nothing(portfolio):
    assert services.valuation_rescore_customer(customer=portfolio["Alpha"], as_of=portfolio.as_of) is None
    assert not CustomerValuation.objects.exists()


# --- the commands -----------------------------------------------------------------------------------


def run_command(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_rescore_command_scores_everyone_and_then_one_customer(portfolio):
    output = run_command("rescore", "--as-of", portfolio.as_of.isoformat())
    assert "11" in output
    run = ValuationRun.objects.get(as_of=portfolio.as_of)
    assert run.status == RunStatus.DONE
    assert CustomerValuation.objects.count() == 11
    record_sale(portfolio["Kappa"], "40.00", portfolio.as_of)
    output = run_command("rescore", "--as-of", portfolio.as_of.isoformat(), "--customer", str(portfolio["Kappa"].pk))
    assert "Kappa" in output
    kappa = CustomerValuation.objects.get(customer=portfolio["Kappa"])
    assert (kappa.current_value, kappa.recency_days) == (D("100.00"), 0)
    assert CustomerValuation.objects.count() == 11


def test_rescore_command_for_one_customer_without_a_run_scores_everyone(portfolio):
    run_command("rescore", "--as-of", portfolio.as_of.isoformat(), "--customer", str(portfolio["Kappa"].pk))
    assert CustomerValuation.objects.count() == 11


def test_fit_command_on_the_hand_portfolio_says_the_model_is_not_identified(portfolio):
    out = json.loads(run_command("fit_purchase_model", "--as-of", portfolio.as_of.isoformat(), "--json"))
    # nine customers, nobody seen leaving: the fit runs to a → 0, which is no estimate; no parameters
    # are printed as if they were one
    assert out["bgnbd_unidentified"]["parameter"] == "a"
    assert out["bgnbd_unidentified"]["value"] < math.exp(-calc.IDENTIFIED_LOG)
    for key in ("r", "alpha", "a", "b", "p", "q", "v", "bgnbd_log_likelihood", "gamma_gamma_log_likelihood"):
        assert out[key] is None, key
    assert out["customers"] == 9
    text = run_command("fit_purchase_model", "--as-of", portfolio.as_of.isoformat())
    assert "does not identify this model: a ran to its bound" in text


def crowd_model_data(crowd):
    """(x, t_x, T) in weeks per customer of the crowd, and the mean repeat amount, by hand."""
    rows = []
    for purchases in crowd.purchases:
        ordered = sorted(purchases, reverse=True)  # oldest first
        (first, _), (last, _) = ordered[0], ordered[-1]
        repeat = [float(amount) for _d, amount in ordered[1:]]
        rows.append((len(repeat), (first - last) / 7, first / 7, sum(repeat) / len(repeat) if repeat else 0.0))
    return rows


def test_fit_command_prints_the_fitted_model_as_json(crowd):
    out = json.loads(run_command("fit_purchase_model", "--as-of", crowd.as_of.isoformat(), "--json"))
    for key in ("r", "alpha", "a", "b", "p", "q", "v"):
        assert out[key] > 0 and math.isfinite(out[key]), key
    assert "bgnbd_unidentified" not in out and "gamma_gamma_unidentified" not in out
    data = crowd_model_data(crowd)
    assert out["customers"] == 300
    assert out["gamma_gamma_customers"] == sum(1 for x, *_ in data if x > 0)
    # The printed log-likelihoods are those of the printed parameters on the data worked out by hand.
    # Tolerance: at these parameters (all within e^±3) each of the 300 terms is a sum of log-gammas of
    # arguments below 10^4 and logs, each good to about 10^-15 relative; summed with alternating
    # signs they lose at most a few digits, so 1e-9 relative is a margin of 10^4 over the worst case.
    bg = sum(bgnbd_ll_by_hand(out["r"], out["alpha"], out["a"], out["b"], x, t_x, T) for x, t_x, T, _m in data)
    assert out["bgnbd_log_likelihood"] == pytest.approx(bg, rel=1e-9)
    gg = sum(gamma_gamma_ll_by_hand(out["p"], out["q"], out["v"], x, m) for x, _t, _T, m in data if x > 0)
    assert out["gamma_gamma_log_likelihood"] == pytest.approx(gg, rel=1e-9)
    # and they are the maximum: no worse than a neighbour of the fit or the simulating parameters
    # (the 1e-6 allows the optimiser's stopping rule: its last step changed the total by less)
    truth = CROWD_TRUTH
    for r, alpha, a, b in [
        (truth["r"], truth["alpha"], truth["a"], truth["b"]),
        (out["r"] * 1.1, out["alpha"], out["a"], out["b"]),
    ]:
        assert out["bgnbd_log_likelihood"] >= sum(bgnbd_ll_by_hand(r, alpha, a, b, *row[:3]) for row in data) - 1e-6
    # the estimates are near the simulating parameters (300 customers: the spread of r/α and of
    # the mean dropout a/(a+b) over seeds 0..4 was under 12 %)
    assert out["r"] / out["alpha"] == pytest.approx(truth["r"] / truth["alpha"], rel=0.25)
    assert out["a"] / (out["a"] + out["b"]) == pytest.approx(truth["a"] / (truth["a"] + truth["b"]), rel=0.25)
    # days: the same data, with times 7 times larger
    days = json.loads(run_command("fit_purchase_model", "--as-of", crowd.as_of.isoformat(), "--unit", "days", "--json"))
    assert days["unit"] == "days" and days["customers"] == 300
    # the rate per day is the rate per week / 7: α scales by 7, r, a, b do not move (1 %: the
    # optimiser stops at a slightly different point of the flat top in the two units)
    assert days["alpha"] == pytest.approx(out["alpha"] * 7, rel=0.01)
    assert days["r"] == pytest.approx(out["r"], rel=0.01)


def holdout_command(calibration_end, holdout_end, *flags):
    return run_command(
        "fit_purchase_model", "--as-of", calibration_end.isoformat(), "--holdout-until", holdout_end.isoformat(), *flags
    )


def test_fit_command_holdout_compares_with_what_happened(crowd):
    calibration_end = crowd.as_of - datetime.timedelta(days=120)
    out = json.loads(holdout_command(calibration_end, crowd.as_of, "--json"))
    holdout = out["holdout"]
    assert holdout["periods"] == list(range(1, 18))  # 120 days = 17 whole weeks
    actual = crowd_holdout_actual(crowd, 120, 17)
    assert holdout["actual"] == actual
    assert holdout["predicted"] == sorted(holdout["predicted"])
    assert holdout["error"] == pytest.approx((holdout["predicted"][-1] - actual[-1]) / actual[-1], abs=1e-3)
    text = holdout_command(calibration_end, crowd.as_of)
    assert "holdout error" in text and "week 17" in text


def test_fit_command_holdout_on_the_hand_portfolio_has_no_estimate_to_check(portfolio):
    calibration_end = portfolio.as_of - datetime.timedelta(days=120)
    out = json.loads(holdout_command(calibration_end, portfolio.as_of, "--json"))
    assert out["holdout"]["unidentified"] == out["bgnbd_unidentified"]["parameter"]
    assert out["holdout"]["predicted"] == [] and out["holdout"]["error"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["rescore", "--as-of", "2026-13-01"],
        ["rescore", "--as-of", "yesterday"],
        ["rescore", "--customer", "999999"],
        ["fit_purchase_model", "--as-of", "01/02/2026"],
        ["fit_purchase_model", "--as-of", "2026-03-01", "--holdout-until", "2026-02-01"],
        ["fit_purchase_model", "--as-of", "2026-03-01", "--holdout-until", "2026-03-01"],
        ["fit_purchase_model", "--as-of", "2026-03-01", "--holdout-until", "tomorrow"],
    ],
)
def test_bad_command_input_raises_command_error(portfolio, args):
    with pytest.raises(CommandError):
        run_command(*args)
    assert not ValuationRun.objects.exists()


def test_fit_command_without_enough_history_says_so(db):
    with pytest.raises(CommandError, match="not enough purchase history"):
        run_command("fit_purchase_model", "--as-of", "2026-03-01")


def test_a_fixed_price_portfolio_is_scored_without_inventing_a_spend_model(crowd):
    # Every purchase at the same price: the spends never vary, so Gamma-Gamma's fit runs off
    # (p → ∞) and gives no expected value. The run still finishes, with the purchase model's figures.
    Sale.objects.update(amount=D("50.00"), cost_of_goods=D("30.00"))
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    assert run.status == RunStatus.DONE
    assert run.params["gg_unidentified"]["parameter"] in ("p", "q", "v")
    rows = list(run.valuations.all())
    assert len(rows) == 300
    for row in rows:
        assert row.expected_value is row.predicted_value is None
        assert row.p_alive is not None
        assert row.history_note == HistoryNote.SPEND_UNIDENTIFIED


# --- too new to predict ------------------------------------------------------------------------------


def tier_by_hand(value, totals):
    """A/B/C/D from the share of customers whose total is strictly greater (top 10 % A, next 20 % B,
    next 40 % C, rest D)."""
    share = sum(total > value for total in totals) / len(totals)
    return "A" if share < 0.10 else "B" if share < 0.30 else "C" if share < 0.70 else "D"


def test_a_customer_too_new_to_predict_gets_no_model_figures_and_a_tier_from_current_value(crowd, settings):
    # The issue: one ¥3,000 sale four days ago, among a portfolio the model fits. Its own history says
    # nothing of its rate or lifetime, so any "prediction" is the portfolio's average extrapolated
    # (the issue saw 7.66 purchases × ¥310,802, P(alive) 100 %, tier B above ¥782k customers).
    newcomer = add_newcomer(crowd)
    just_inside = add_newcomer(crowd, days_before=89, amount="50.00", name="89 days")
    just_outside = add_newcomer(crowd, days_before=90, amount="50.00", name="90 days")
    assert settings.VALUATION_TOO_NEW_DAYS == 90  # the default
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    assert run.params["too_new_days"] == 90
    assert "r" in run.params and "p" in run.params  # the crowd's fit is an estimate
    rows = {row.customer_id: row for row in run.valuations.all()}
    for customer in (newcomer, just_inside):  # 4 and 89 days: fewer than 90
        row = rows[customer.pk]
        assert row.history_note == HistoryNote.TOO_NEW, customer.name
        assert row.p_alive is row.expected_purchases is row.expected_value is None, customer.name
        assert row.predicted_value is row.potential_value is None, customer.name
    outside = rows[just_outside.pk]  # 90 days: predicted like anyone else
    assert outside.history_note == "" and outside.p_alive == 1.0 and outside.potential_value is not None
    # its tier comes from its current value alone, ranked against everyone's current + potential
    newcomer_row = rows[newcomer.pk]
    assert newcomer_row.current_value == D("3000.00")
    totals = [row.current_value + (row.potential_value or D(0)) for row in rows.values()]
    assert newcomer_row.tier == tier_by_hand(D("3000.00"), totals)
    # re-scoring it alone applies the run's rule and ranks it the same way
    again = services.valuation_rescore_customer(customer=newcomer, as_of=crowd.as_of)
    assert again.history_note == HistoryNote.TOO_NEW and again.potential_value is None
    assert again.tier == newcomer_row.tier
    # Without the rule (0 days) the same customer gets the model's figures: P(alive) 100 % and a
    # potential value it has not earned; the rule is what keeps them off its row.
    settings.VALUATION_TOO_NEW_DAYS = 0
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    unguarded = run.valuations.get(customer=newcomer)
    assert unguarded.history_note == "" and unguarded.p_alive == 1.0
    assert unguarded.potential_value > 0


def test_first_purchase_on_the_as_of_date_keeps_its_own_note(portfolio):
    # Eta bought on the as-of date (T = 0): too new as well, and the more specific note stays
    rows = rows_by_name(services.valuation_run(as_of=portfolio.as_of))
    assert rows["Eta"].history_note == HistoryNote.FIRST_PURCHASE_TODAY
    assert all(row.history_note != HistoryNote.TOO_NEW for row in rows.values())  # nobody else is < 90 days


# --- cost unknown ------------------------------------------------------------------------------------


def test_the_portfolio_margin_ratio_leaves_out_sales_without_a_cost(portfolio):
    # ¥1,000 sold to Zeta without a cost of goods: the portfolio's ratio is still that of the sales
    # with a cost (¥2,808.49 revenue, ¥1,460 cost of goods, as worked out above), not ¥1,000 more at 100 %
    record_sale(portfolio["Zeta"], "1000.00", portfolio.as_of - datetime.timedelta(days=10))
    run = services.valuation_run(as_of=portfolio.as_of)
    assert D(run.params["portfolio_margin_ratio"]) == (D("2808.49") - D("1460.00")) / D("2808.49")


def test_revenue_without_a_cost_earns_the_portfolios_ratio_in_the_predicted_value(crowd):
    # a crowd customer with two or more sales in the window; one of them loses its cost of goods
    window = [
        (customer, [(d, a) for d, a in purchases if d <= 364])
        for customer, purchases in zip(crowd.customers, crowd.purchases, strict=True)
    ]
    customer, sales = next((c, s) for c, s in window if len(s) >= 2)
    _day, unknown_amount = sales[0]
    assert Sale.objects.filter(customer=customer, amount=unknown_amount).update(cost_of_goods=None) == 1
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    # by hand, from the simulated history: each sale's cost of goods is 60 % of it, to the fen
    cent = D("0.01")
    costed = [
        (a, (a * D("0.6")).quantize(cent)) for c, s in window for _d, a in s if (c, a) != (customer, unknown_amount)
    ]
    costed_revenue = sum(a for a, _ in costed)
    portfolio_ratio = (costed_revenue - sum(cogs for _, cogs in costed)) / costed_revenue
    assert D(run.params["portfolio_margin_ratio"]) == portfolio_ratio
    revenue = sum(a for _d, a in sales)
    costed_margin = sum(a - (a * D("0.6")).quantize(cent) for _d, a in sales[1:])
    ratio = (costed_margin + portfolio_ratio * unknown_amount) / revenue
    row = run.valuations.get(customer=customer)
    assert row.current_value == revenue
    expected = (D(repr(row.expected_purchases)) * row.expected_value * ratio).quantize(cent, rounding=ROUND_HALF_UP)
    assert row.predicted_value == expected
    # the old reading (no cost = no cost at all) gives a larger ratio, hence a larger value
    as_if_free = (costed_margin + unknown_amount) / revenue
    assert ratio < as_if_free


# --- how sure the model is ---------------------------------------------------------------------------


def test_the_run_stores_standard_errors_of_every_fitted_parameter(crowd):
    run = services.valuation_run(as_of=crowd.as_of, chunk_size=100)
    errors = run.params["se"]
    assert set(errors) == {"r", "alpha", "a", "b", "p", "q", "v"}
    for name, error in errors.items():
        # 300 customers: every parameter is estimated, to well within its own size
        assert math.isfinite(error) and 0 < error < run.params[name], name


def test_thin_data_is_flagged_and_gives_no_model_figures(thin):
    # The portfolio: 173 customers, 5 of whom bought again. The fit has nothing to stand on
    # (it runs to a bound, or has no maximum to speak of): no figures, and the run says why.
    run = services.valuation_run(as_of=thin.as_of, chunk_size=100)
    assert run.fitted_customers == 173
    why = run.params["bgnbd_unidentified"]
    assert why["reason"] in (calc.BOUND, calc.NO_STANDARD_ERRORS)
    assert not {"r", "alpha", "a", "b", "p", "q", "v", "se"} & set(run.params)
    rows = list(run.valuations.all())
    assert len(rows) == 173
    for row in rows:
        assert row.history_note == HistoryNote.MODEL_UNIDENTIFIED  # all first bought ≥ 100 days ago
        assert row.p_alive is row.expected_purchases is row.expected_value is None
        assert row.predicted_value is row.potential_value is None
    out = json.loads(run_command("fit_purchase_model", "--as-of", thin.as_of.isoformat(), "--json"))
    assert out["bgnbd_unidentified"]["reason"] == why["reason"]
    assert out["r"] is None and out["se"] == {}
    holdout = services.holdout_check(calibration_end=thin.as_of - datetime.timedelta(days=60), holdout_end=thin.as_of)
    assert holdout.unidentified_reason in (calc.BOUND, calc.NO_STANDARD_ERRORS)
    assert holdout.periods == [] and holdout.calibration == [] and holdout.standard_errors is None


def test_holdout_check_gives_the_calibration_table(crowd):
    result = services.holdout_check(calibration_end=crowd.as_of - datetime.timedelta(days=120), holdout_end=crowd.as_of)
    # by hand from the simulated history: customers by repeat purchases before the calibration end,
    # their purchases after it
    history = crowd_holdout_counts(crowd, 120)
    assert [row.label for row in result.calibration] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    for group, row in enumerate(result.calibration):
        members = [after for x, after in history if (x >= 7 if group == 7 else x == group)]
        assert row.customers == len(members), row.label
        if members:
            assert row.actual == pytest.approx(sum(members) / len(members)), row.label
            assert row.predicted > 0
    assert sum(row.customers for row in result.calibration) == len(history)
    # the groups' predictions are over the whole holdout, 120 days = 17 1/7 weeks: more than the curve
    # at week 17, and (the expected count being concave in time) at most 120/119 of it
    total = sum(row.customers * row.predicted for row in result.calibration if row.customers)
    assert result.predicted[-1] < total <= result.predicted[-1] * 120 / 119
    assert set(result.standard_errors) == {"r", "alpha", "a", "b"}


# --- set-based: the aggregates in the database, chunks as ranges of ids ------------------------------


def test_the_databases_purchase_summary_is_the_hand_worked_model_data(portfolio):
    summary = selectors.purchase_summary(as_of=portfolio.as_of)
    names = dict(Customer.objects.values_list("pk", "name"))
    got = {
        names[cid]: (x, round(t_x * 7), round(T * 7), mean)
        for cid, x, t_x, T, mean in zip(
            summary.customer_ids.tolist(),
            summary.x.tolist(),
            summary.t_x.tolist(),
            summary.T.tolist(),
            summary.mean_value.tolist(),
            strict=True,
        )
    }
    # Eta's first purchase is on as_of (T = 0): in the summary, out of the fit; Zeta never bought
    assert got.pop("Eta") == (0, 0, 0, 0.0)
    assert got == {name: (x, t_x, T, pytest.approx(mean)) for name, (x, t_x, T, mean) in MODEL_DATA.items()}
    # a chunk's range gives its customers' rows alone, the same figures
    ids = sorted(summary.customer_ids.tolist())
    part = selectors.purchase_summary(as_of=portfolio.as_of, customers=selectors.IdRange(ids[2], ids[5]))
    assert part.customer_ids.tolist() == ids[2:6]
    assert part.T.tolist() == summary.T[2:6].tolist()
    assert part.mean_value.tolist() == summary.mean_value[2:6].tolist()


def test_chunks_are_ranges_of_ids_that_cover_every_customer_once(portfolio):
    run = services.valuation_prepare(as_of=portfolio.as_of, chunk_size=3)
    ids = sorted(Customer.objects.values_list("pk", flat=True))
    chunks = list(run.chunks.order_by("index").values_list("first_id", "last_id", "customers"))
    assert chunks == [
        (ids[0], ids[2], 3),
        (ids[3], ids[5], 3),
        (ids[6], ids[8], 3),
        (ids[9], ids[10], 2),
    ]


def test_the_run_ranks_with_the_same_rule_as_rescoring_one_customer(portfolio):
    run = services.valuation_run(as_of=portfolio.as_of, chunk_size=3)
    before = {
        row.customer_id: (row.r_score, row.f_score, row.m_score, row.segment, row.tier) for row in run.valuations.all()
    }
    # re-scoring each customer alone against the rest of the run, nothing having changed, gives the
    # run's own scores, segment and tier
    for customer_id, ranked in before.items():
        row = services.valuation_rescore_customers(run=run, customer_ids=[customer_id])[0]
        assert (row.r_score, row.f_score, row.m_score, row.segment, row.tier) == ranked, customer_id
