"""Risk formulas (DESIGN.md "Definitions"): credit risk by each rule, market risk, concentration,
churn, the worst level, the overdue alert threshold and the proposed credit policy. No database."""

import datetime
from decimal import Decimal as D

import pytest

from risk import calculations as calc
from risk.choices import Level

BIG = D("100000.00")  # a credit limit no rule below comes near, so that only one rule fires


def inputs(**kwargs):
    return calc.CreditInputs(**{"credit_limit": BIG, **kwargs})


# --- credit risk: each rule alone ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("credit", "level", "reasons", "action"),
    [
        # high: any open amount more than 90 days past due
        (inputs(over_90=D("0.01")), Level.HIGH, [("over_90", {"amount": D("0.01")})], "stop_credit"),
        (inputs(over_90=D("4820.00")), Level.HIGH, [("over_90", {"amount": D("4820.00")})], "stop_credit"),
        # high: open receivables above the limit (1 000.01 open against 1 000)
        (
            calc.CreditInputs(not_due=D("1000.01"), credit_limit=D("1000.00")),
            Level.HIGH,
            [("over_limit", {"open": D("1000.01"), "limit": D("1000.00")})],
            "stop_credit",
        ),
        # high: a limit of 0 with any open money is over the limit
        (
            calc.CreditInputs(not_due=D("10.00"), credit_limit=D("0")),
            Level.HIGH,
            [("over_limit", {"open": D("10.00"), "limit": D("0")})],
            "stop_credit",
        ),
        # high: more than 50 % of the T12M invoices paid late (2 of 3)
        (inputs(late_share=D("0.6667")), Level.HIGH, [("late_share", {"share": D("0.6667")})], "stop_credit"),
        (inputs(late_share=D("0.5001")), Level.HIGH, [("late_share", {"share": D("0.5001")})], "stop_credit"),
        # medium: exactly 50 % is not "more than 50 %", but more than 25 %
        (inputs(late_share=D("0.5")), Level.MEDIUM, [("late_share", {"share": D("0.5")})], "shorten_terms"),
        # medium: open money 31–90 days past due, both buckets summed (200 + 300)
        (
            inputs(d31_60=D("200.00")),
            Level.MEDIUM,
            [("overdue_31_90", {"amount": D("200.00")})],
            "shorten_terms",
        ),
        (
            inputs(d61_90=D("300.00")),
            Level.MEDIUM,
            [("overdue_31_90", {"amount": D("300.00")})],
            "shorten_terms",
        ),
        (
            inputs(d31_60=D("200.00"), d61_90=D("300.00")),
            Level.MEDIUM,
            [("overdue_31_90", {"amount": D("500.00")})],
            "shorten_terms",
        ),
        # medium: utilisation above 80 % (850 of 1 000 = 85 %)
        (
            calc.CreditInputs(not_due=D("850.00"), credit_limit=D("1000.00")),
            Level.MEDIUM,
            [("utilisation", {"share": D("0.85")})],
            "shorten_terms",
        ),
        # medium: open exactly at the limit is not over it, but 100 % used
        (
            calc.CreditInputs(not_due=D("1000.00"), credit_limit=D("1000.00")),
            Level.MEDIUM,
            [("utilisation", {"share": D("1")})],
            "shorten_terms",
        ),
        # medium: more than 25 % paid late (1 of 3)
        (inputs(late_share=D("0.3333")), Level.MEDIUM, [("late_share", {"share": D("0.3333")})], "shorten_terms"),
        # low: exactly 80 % used, exactly 25 % late, 1–30 days past due, nothing open
        (calc.CreditInputs(not_due=D("800.00"), credit_limit=D("1000.00")), Level.LOW, [], "standard_terms"),
        (inputs(late_share=D("0.25")), Level.LOW, [], "standard_terms"),
        (inputs(d1_30=D("900.00")), Level.LOW, [], "standard_terms"),
        (inputs(), Level.LOW, [], "standard_terms"),
        (calc.CreditInputs(credit_limit=D("0")), Level.LOW, [], "standard_terms"),
        (inputs(late_share=D("0")), Level.LOW, [], "standard_terms"),
    ],
)
def test_credit_risk_each_rule_alone(credit, level, reasons, action):
    result = calc.credit_risk(credit)
    assert result.level == level
    assert result.reasons == reasons
    assert result.action == action


def test_credit_risk_lists_every_rule_that_fired_highest_first():
    result = calc.credit_risk(
        calc.CreditInputs(
            d31_60=D("100.00"),
            over_90=D("50.00"),
            credit_limit=D("100.00"),
            late_share=D("0.75"),
        )
    )
    assert result.level == Level.HIGH
    assert result.action == "stop_credit"
    # 150 open against a limit of 100: over the limit, so not also "utilisation"
    assert result.reasons == [
        ("over_90", {"amount": D("50.00")}),
        ("over_limit", {"open": D("150.00"), "limit": D("100.00")}),
        ("late_share", {"share": D("0.75")}),
        ("overdue_31_90", {"amount": D("100.00")}),
    ]


def test_credit_inputs_open_total_and_utilisation():
    credit = calc.CreditInputs(
        not_due=D("100"), d1_30=D("200"), d31_60=D("300"), d61_90=D("400"), over_90=D("500"), credit_limit=D("3000")
    )
    assert credit.open_total == D("1500")
    assert credit.utilisation == D("0.5")
    assert calc.CreditInputs(not_due=D("100")).utilisation is None  # no limit: no utilisation


# --- market risk -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outlook", "competition", "level"),
    [
        ("growing", "low", Level.LOW),
        ("growing", "medium", Level.LOW),
        ("growing", "high", Level.HIGH),
        ("stable", "low", Level.LOW),
        ("stable", "medium", Level.LOW),
        ("stable", "high", Level.HIGH),
        ("declining", "low", Level.HIGH),
        ("declining", "medium", Level.HIGH),
        ("declining", "high", Level.HIGH),
        (None, None, Level.LOW),  # no industry: unknown, not a level (the card says so)
    ],
)
def test_market_risk_by_outlook_and_competition(outlook, competition, level):
    assert calc.market_risk(outlook, competition) == level


# --- concentration -----------------------------------------------------------------------------


def test_concentration_above_twenty_percent_only():
    exactly = calc.concentration_share(D("200.00"), D("1000.00"))
    assert exactly == D("0.2")
    assert not calc.is_concentrated(exactly)
    above = calc.concentration_share(D("200.01"), D("1000.00"))
    assert above == D("0.20001")
    assert calc.is_concentrated(above)
    assert not calc.is_concentrated(calc.concentration_share(D("199.99"), D("1000.00")))


def test_concentration_without_portfolio_revenue_is_none():
    assert calc.concentration_share(D("0"), D("0")) is None
    assert not calc.is_concentrated(None)


# --- churn -------------------------------------------------------------------------------------

AS_OF = datetime.date(2025, 6, 30)


def days_before(*offsets):
    return [AS_OF - datetime.timedelta(days=n) for n in offsets]


def test_churn_p_alive_below_half():
    result = calc.churn_risk(p_alive=0.49, purchase_days=days_before(10, 100), as_of=AS_OF)
    assert result.at_risk
    assert result.reason == "p_alive"
    assert result.values == {"p_alive": 0.49}


def test_churn_p_alive_of_exactly_half_is_not_at_risk():
    result = calc.churn_risk(p_alive=0.5, purchase_days=days_before(10, 100), as_of=AS_OF)
    assert not result.at_risk
    assert result.reason == ""


def test_churn_with_the_model_ignores_the_gap_rule():
    # gaps of 10 days, silent for 300: the model's P(alive) 0.9 decides
    result = calc.churn_risk(p_alive=0.9, purchase_days=days_before(300, 310, 320), as_of=AS_OF)
    assert not result.at_risk


def test_churn_never_bought_is_not_at_risk():
    assert not calc.churn_risk(p_alive=None, purchase_days=[], as_of=AS_OF).at_risk
    assert not calc.churn_risk(p_alive=0.1, purchase_days=[], as_of=AS_OF).at_risk
    # a purchase after D does not count as having bought before
    assert not calc.churn_risk(p_alive=0.1, purchase_days=[AS_OF + datetime.timedelta(days=1)], as_of=AS_OF).at_risk


def test_churn_single_purchase_without_model_is_not_at_risk():
    result = calc.churn_risk(p_alive=None, purchase_days=days_before(400), as_of=AS_OF)
    assert not result.at_risk


def test_churn_median_gap_fallback():
    # purchases 101, 91, 71 and 41 days before D: gaps 10, 20, 30 → median 20; silent 41 > 2 × 20
    purchases = days_before(101, 91, 71, 41)
    result = calc.churn_risk(p_alive=None, purchase_days=purchases, as_of=AS_OF)
    assert result.at_risk
    assert result.reason == "gap"
    assert result.values == {"days": 41, "median_gap": 20}


def test_churn_median_gap_fallback_at_exactly_twice_the_gap():
    # the same gaps, silent for 40 days = 2 × 20: not more than twice
    purchases = days_before(100, 90, 70, 40)
    result = calc.churn_risk(p_alive=None, purchase_days=purchases, as_of=AS_OF)
    assert not result.at_risk


def test_churn_median_gap_ignores_order_and_later_purchases():
    purchases = [*days_before(40, 70, 100, 90), AS_OF + datetime.timedelta(days=5)]
    assert not calc.churn_risk(p_alive=None, purchase_days=purchases, as_of=AS_OF).at_risk
    result = calc.churn_risk(p_alive=None, purchase_days=purchases, as_of=AS_OF + datetime.timedelta(days=1))
    # as of one day later, the purchase 5 days after AS_OF is still in the future: silent 41 days
    assert result.at_risk
    assert result.values == {"days": 41, "median_gap": 20}


def test_churn_median_of_an_even_number_of_gaps():
    # gaps 10 and 30 → median 20; silent 41 days
    result = calc.churn_risk(p_alive=None, purchase_days=days_before(81, 71, 41), as_of=AS_OF)
    assert result.at_risk
    assert result.values == {"days": 41, "median_gap": 20}


# --- worst level, overdue alert, proposals ----------------------------------------------------


def test_worst_level():
    assert calc.worst_level(Level.LOW, Level.HIGH, Level.MEDIUM) == Level.HIGH
    assert calc.worst_level(Level.MEDIUM, None, Level.LOW) == Level.MEDIUM
    assert calc.worst_level(Level.LOW) == Level.LOW
    assert calc.worst_level(None, None) == Level.LOW
    assert calc.worst_level() == Level.LOW


@pytest.mark.parametrize(
    ("credit", "days"),
    [
        (inputs(over_90=D("1"), d61_90=D("1"), d31_60=D("1")), 90),
        (inputs(d61_90=D("1"), d31_60=D("1")), 60),
        (inputs(d31_60=D("1")), 30),
        (inputs(d1_30=D("1000"), not_due=D("1000")), None),
        (inputs(), None),
    ],
)
def test_overdue_alert_days(credit, days):
    assert calc.overdue_alert_days(credit) == days


def test_proposal_for_high_stops_credit():
    assert calc.proposal_for(Level.HIGH, credit_limit=D("50000.00"), payment_terms_days=30) == {
        "credit_limit": D("0.00"),
        "payment_terms_days": 30,
        "require_prepayment": True,
        "require_guarantee": True,
    }


@pytest.mark.parametrize(("terms", "halved"), [(30, 15), (45, 22), (1, 0)])
def test_proposal_for_medium_halves_the_terms(terms, halved):
    assert calc.proposal_for(Level.MEDIUM, credit_limit=D("50000.00"), payment_terms_days=terms) == {
        "credit_limit": D("50000.00"),
        "payment_terms_days": halved,
        "require_prepayment": False,
        "require_guarantee": False,
    }


def test_proposal_for_medium_with_no_terms_left_and_for_low_is_none():
    assert calc.proposal_for(Level.MEDIUM, credit_limit=D("50000.00"), payment_terms_days=0) is None
    assert calc.proposal_for(Level.LOW, credit_limit=D("50000.00"), payment_terms_days=30) is None


def test_market_risk_counts_only_where_there_is_exposure():
    zero = D("0.00")
    assert calc.market_risk_with_exposure(Level.HIGH, open_total=zero, t12m_revenue=zero) == Level.LOW  # a prospect
    assert calc.market_risk_with_exposure(Level.HIGH, open_total=D("0.01"), t12m_revenue=zero) == Level.HIGH
    assert calc.market_risk_with_exposure(Level.HIGH, open_total=zero, t12m_revenue=D("5.00")) == Level.HIGH
