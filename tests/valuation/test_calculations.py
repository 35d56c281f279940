"""The customer-value formulas, with no database.

Every expected figure is worked out here independently of valuation.calculations: the likelihoods
term by term from the papers' formulas (with math.lgamma), the posterior quantities (P(alive),
expected purchases, expected spend) by numerical integration over the latent parameters, and the
scores and tiers by hand. The fits are checked by recovering known parameters from data simulated
from them.
"""

import dataclasses
import datetime
import math
import warnings
from decimal import Decimal

import numpy as np
import pytest
from scipy import integrate

from valuation import calculations as calc
from valuation.calculations import BgNbdParams, GammaGammaParams

from .conftest import THIN_REPEATERS

D = Decimal


def arr(*values):
    return np.array(values, dtype=float)


# --- independent reference computations ---------------------------------------------------------


def ln_beta(u, v):
    return math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)


def bgnbd_ll_by_hand(r, alpha, a, b, x, t_x, T):
    """FHL 2005 eq. 6 exactly as printed (with B(a + 1, b + x − 1), not the simplified ratio)."""
    common = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) - ln_beta(a, b)
    alive = math.exp(common + ln_beta(a, b + x) - (r + x) * math.log(alpha + T))
    dropped = math.exp(common + ln_beta(a + 1, b + x - 1) - (r + x) * math.log(alpha + t_x)) if x > 0 else 0.0
    return math.log(alive + dropped)


def gamma_moment(r, alpha, x, s):
    """∫ λ^x e^(−λ s) Gamma(λ; shape r, rate α) dλ — the Gamma integral, closed form."""
    return math.exp(math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) - (r + x) * math.log(alpha + s))


def beta_pdf(p, a, b):
    return math.exp((a - 1) * math.log(p) + (b - 1) * math.log1p(-p) - ln_beta(a, b))


def quad01(f):
    # For a < 1 the Beta density has an integrable singularity at p = 0; QUADPACK then reports
    # round-off at 1e-11, yet its answer agrees with the closed forms to 1e-12 (checked below).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return integrate.quad(f, 0, 1, epsabs=0, epsrel=1e-11, limit=200)[0]


def bgnbd_posterior_by_integration(r, alpha, a, b, x, t_x, T, t):
    """From the individual-level model: given (λ, p) the likelihood is
    (1 − p)^x λ^x e^(−λT) [alive] + p (1 − p)^(x−1) λ^x e^(−λ t_x) [dropped after the last purchase],
    and an alive customer makes (1 − e^(−λ p t)) / p purchases in the next t on average. λ is
    integrated in closed form (Gamma integral), p numerically over the Beta density."""

    def alive(p):
        return (1 - p) ** x * gamma_moment(r, alpha, x, T) * beta_pdf(p, a, b)

    def dropped(p):
        return p * (1 - p) ** (x - 1) * gamma_moment(r, alpha, x, t_x) * beta_pdf(p, a, b) if x > 0 else 0.0

    def future(p):
        # E[(1 − e^(−λpt)) / p × alive-likelihood] over λ: (G(T) − G(T + p t)) / p
        moments = gamma_moment(r, alpha, x, T) - gamma_moment(r, alpha, x, T + p * t)
        return (1 - p) ** x * moments / p * beta_pdf(p, a, b)

    total = quad01(alive) + quad01(dropped)
    return {
        "log_likelihood": math.log(total),
        "p_alive": quad01(alive) / total,
        "expected": quad01(future) / total,
    }


def expected_new_by_integration(r, alpha, a, b, t):
    """E[X(t)] of a new customer: ∫∫ (1 − e^(−λpt)) / p dF(λ) dG(p); over λ, E[e^(−λpt)] = (α/(α+pt))^r."""
    return quad01(lambda p: (1 - (alpha / (alpha + p * t)) ** r) / p * beta_pdf(p, a, b))


def gamma_gamma_ll_by_hand(p, q, v, x, m):
    """FHL 2005b eq. 4 written out: Γ(px+q)/(Γ(px)Γ(q)) v^q m^(px−1) x^(px) / (v + x m)^(px+q)."""
    return (
        math.lgamma(p * x + q)
        - math.lgamma(p * x)
        - math.lgamma(q)
        + q * math.log(v)
        + (p * x - 1) * math.log(m)
        + p * x * math.log(x)
        - (p * x + q) * math.log(v + x * m)
    )


def gamma_pdf(y, shape, rate):
    return math.exp(shape * math.log(rate) + (shape - 1) * math.log(y) - rate * y - math.lgamma(shape))


def gamma_gamma_by_integration(p, q, v, x, m):
    """The mean m̄ of x spends z ~ Gamma(p, rate ν) is Gamma(p x, rate x ν); ν ~ Gamma(q, rate v).
    Returns the marginal density of m̄ and E[M | m̄, x] = E[p / ν | m̄, x], both by integrating ν."""
    opts = {"epsabs": 0, "epsrel": 1e-11, "limit": 200}

    def joint(nu):
        return gamma_pdf(m, p * x, x * nu) * gamma_pdf(nu, q, v)

    density = integrate.quad(joint, 0, np.inf, **opts)[0]
    mean_spend = integrate.quad(lambda nu: p / nu * joint(nu), 0, np.inf, **opts)[0] / density
    return density, mean_spend


# --- BG/NBD against the references -----------------------------------------------------------------
#
# Tolerances, from the conditioning of what is compared (none tuned to a machine):
# - closed form against the same formula written out (rel 1e-12): a sum of about ten log-gamma and
#   log terms of size ≤ 10, each good to a few units of 1e-16; 1e-12 leaves a margin of 10^3.
# - against numerical integration (abs 1e-8 on log-likelihoods, rel 1e-8 on P(alive), 1e-7 on
#   expected purchases): quad01 asks QUADPACK for rel 1e-11, the integrands are smooth (or have an
#   integrable end-point singularity for a < 1) and are summed and divided once or twice; the
#   expectation also subtracts two Gamma moments of similar size, losing up to about 2 digits.
# - where the closed form must step off a removable singularity (a = 1, a + b = 1), the step of
#   1e-9 costs about 6 digits to cancellation: 1e-5 and 1e-6 (see those tests).

BG_CASES = [
    # (r, alpha, a, b), the CDNOW-like values of the paper, one with a < 1 and a + b < 1, one with a > 1
    (0.243, 4.414, 0.793, 2.426),
    (2.0, 0.5, 0.3, 0.5),
    (1.3, 3.0, 1.7, 4.2),
]
DATA = [(0, 0.0, 10.0), (2, 5.0, 10.0), (4, 7.5, 12.0), (1, 3.0, 3.0)]


@pytest.mark.parametrize("params", BG_CASES)
def test_bgnbd_log_likelihood_matches_fhl_eq6_written_out(params):
    x, t_x, T = (np.array(column, dtype=float) for column in zip(*DATA, strict=True))
    got = calc.bgnbd_log_likelihood(BgNbdParams(*params), x, t_x, T)
    expected = [bgnbd_ll_by_hand(*params, *row) for row in DATA]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("params", BG_CASES)
def test_bgnbd_likelihood_p_alive_and_expected_purchases_match_integration(params):
    bg = BgNbdParams(*params)
    for x, t_x, T in DATA:
        ref = bgnbd_posterior_by_integration(*params, x, t_x, T, t=8.0)
        X, TX, TT = arr(x), arr(t_x), arr(T)
        assert calc.bgnbd_log_likelihood(bg, X, TX, TT)[0] == pytest.approx(ref["log_likelihood"], abs=1e-8)
        assert calc.p_alive(bg, X, TX, TT)[0] == pytest.approx(ref["p_alive"], rel=1e-8)
        assert calc.expected_purchases(bg, 8.0, X, TX, TT)[0] == pytest.approx(ref["expected"], rel=1e-7)


def test_p_alive_is_one_without_a_repeat_purchase_and_falls_with_silence():
    bg = BgNbdParams(0.243, 4.414, 0.793, 2.426)
    # x = 0: the model never lets a customer drop out before a repeat purchase
    assert calc.p_alive(bg, arr(0), arr(0), arr(30))[0] == 1.0
    # by hand, eq. 11: 1 / (1 + a/(b+x−1) ((α+T)/(α+t_x))^(r+x)) for x=3, t_x=10, T=30
    by_hand = 1 / (1 + 0.793 / (2.426 + 2) * ((4.414 + 30) / (4.414 + 10)) ** 3.243)
    assert calc.p_alive(bg, arr(3), arr(10), arr(30))[0] == pytest.approx(by_hand, rel=1e-12)
    longer_silence = calc.p_alive(bg, arr(3, 3, 3), arr(29, 20, 10), arr(30, 30, 30))
    assert list(longer_silence) == sorted(longer_silence, reverse=True)


@pytest.mark.parametrize("params", BG_CASES)
def test_expected_purchases_of_a_new_customer_match_integration(params):
    t = arr(1.0, 13.0, 52.0)
    got = calc.expected_purchases_new(BgNbdParams(*params), t)
    assert got == pytest.approx([expected_new_by_integration(*params, s) for s in t], rel=1e-7)


def test_expected_purchases_step_over_a_equal_to_one():
    """The closed forms divide by a − 1; at a = 1 the value is the limit of its neighbours. Stepping
    1e-9 off a = 1 costs about 6 digits to cancellation (1.0126135 vs 1.0126122): fine for counts."""
    at_one = calc.expected_purchases(BgNbdParams(0.5, 6.0, 1.0, 2.0), 52.0, arr(3), arr(20), arr(40))[0]
    ref = bgnbd_posterior_by_integration(0.5, 6.0, 1.0, 2.0, 3, 20.0, 40.0, t=52.0)["expected"]
    assert at_one == pytest.approx(ref, rel=1e-5)
    new = calc.expected_purchases_new(BgNbdParams(0.5, 6.0, 1.0, 2.0), arr(52.0))[0]
    assert new == pytest.approx(expected_new_by_integration(0.5, 6.0, 1.0, 2.0, 52.0), rel=1e-5)


def test_expected_purchases_are_finite_when_a_plus_b_is_one():
    bg = BgNbdParams(2.0, 0.5, 0.3, 0.7)
    ref = bgnbd_posterior_by_integration(2.0, 0.5, 0.3, 0.7, 0, 0.0, 40.0, t=52.0)["expected"]
    assert calc.expected_purchases(bg, 52.0, arr(0), arr(0), arr(40))[0] == pytest.approx(ref, rel=1e-6)
    assert calc.expected_purchases_new(bg, arr(52.0))[0] == pytest.approx(
        expected_new_by_integration(2.0, 0.5, 0.3, 0.7, 52.0), rel=1e-6
    )


def test_huge_histories_stay_finite():
    """x = 1000 purchases over T = 10000 units: gammaln and (α+T)^(r+x) overflow a naive formula."""
    for bg in (BgNbdParams(0.243, 4.414, 0.793, 2.426), BgNbdParams(2.0, 0.5, 0.3, 0.5)):
        x, t_x, T = arr(1000, 1000, 1000, 0, 5), arr(9000, 100, 10000, 0, 9999), arr(10000, 10000, 10000, 10000, 10000)
        ll = calc.bgnbd_log_likelihood(bg, x, t_x, T)
        alive = calc.p_alive(bg, x, t_x, T)
        assert np.isfinite(ll).all()
        assert ((alive >= 0) & (alive <= 1)).all()
        assert alive[2] > 0.99  # bought at the very end: surely alive
        assert alive[1] < 1e-100  # 1000 purchases, then silent for 9900 units: surely gone
        assert np.isfinite(calc.expected_purchases(bg, 52.0, x, t_x, T)).all()
    # the fit does not fall over on such a portfolio either
    params, total = calc.fit_bgnbd(arr(1000, 3, 0, 1, 2), arr(9000, 40, 0, 7, 300), arr(10000, 50, 10, 20, 9000))
    assert np.isfinite(total) and all(np.isfinite(v) and v > 0 for v in vars(params).values())


# --- Gamma-Gamma against the references ------------------------------------------------------------

GG_CASES = [(6.25, 3.74, 15.44), (2.0, 6.0, 50.0), (0.8, 1.5, 3.0)]
# Tolerances as for BG/NBD: abs 1e-10 against the same formula written out (six log-gamma and log
# terms of size ≤ 200 with p x ≤ 75: a few units of 1e-14 each), abs 1e-8 and rel 1e-8 against the
# integral over ν (QUADPACK at rel 1e-11 over (0, ∞), a ratio of two such integrals).


@pytest.mark.parametrize("params", GG_CASES)
def test_gamma_gamma_log_likelihood_and_expected_value_match_integration_over_nu(params):
    x, m = arr(1, 2, 5, 12), arr(10.0, 35.5, 20.0, 7.25)
    gg = GammaGammaParams(*params)
    ll = calc.gamma_gamma_log_likelihood(gg, x, m)
    value = calc.expected_average_value(gg, x, m)
    for i in range(len(x)):
        density, mean_spend = gamma_gamma_by_integration(*params, x[i], m[i])
        assert ll[i] == pytest.approx(math.log(density), abs=1e-8)
        assert ll[i] == pytest.approx(gamma_gamma_ll_by_hand(*params, x[i], m[i]), abs=1e-10)
        assert value[i] == pytest.approx(mean_spend, rel=1e-8)


def test_expected_average_value_without_repeats_is_the_population_mean_and_nan_when_unbounded():
    # x = 0: E[p/ν] under the prior = p v / (q − 1) = 2 × 50 / 5 = 20
    value = calc.expected_average_value(GammaGammaParams(2.0, 6.0, 50.0), arr(0, 3), arr(0, 12))
    assert value[0] == pytest.approx(20.0)
    # x = 3, m̄ = 12: p (v + x m̄) / (p x + q − 1) = 2 × 86 / 11
    assert value[1] == pytest.approx(172 / 11)
    # q ≤ 1 and x = 0: the prior mean of 1/ν is infinite — no number is invented
    assert np.isnan(calc.expected_average_value(GammaGammaParams(2.0, 0.8, 50.0), arr(0), arr(0))[0])


# --- fits recover the parameters the data were simulated from -----------------------------------


def simulate_bgnbd(rng, n, r, alpha, a, b, T_low, T_high):
    """Each customer: λ ~ Gamma(r, scale 1/α), p ~ Beta(a, b); from the first purchase at 0, repeat
    purchases at rate λ; after each repeat purchase the customer drops out with probability p."""
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    T = rng.uniform(T_low, T_high, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > T[i]:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < p[i]:
                break
    return x, t_x, T


def test_fit_bgnbd_recovers_simulated_parameters():
    r, alpha, a, b = 0.5, 6.0, 0.8, 2.4
    x, t_x, T = simulate_bgnbd(np.random.default_rng(20260), 4000, r, alpha, a, b, 52, 104)
    fitted, total = calc.fit_bgnbd(x, t_x, T)
    # Tolerances: refitting 40 samples of this size (seeds 0..39) gave relative standard deviations
    # of 3 % for r, 5 % for α, 7 % for a and 9 % for b (a and b are weakly identified: they only
    # show through when customers go silent), 3 % for the mean rate r/α and the mean dropout
    # a/(a+b). Each tolerance is about 3.5–4 of those standard deviations.
    assert fitted.r == pytest.approx(r, rel=0.12)
    assert fitted.alpha == pytest.approx(alpha, rel=0.20)
    assert fitted.a == pytest.approx(a, rel=0.25)
    assert fitted.b == pytest.approx(b, rel=0.35)
    assert fitted.r / fitted.alpha == pytest.approx(r / alpha, rel=0.12)
    assert fitted.a / (fitted.a + fitted.b) == pytest.approx(a / (a + b), rel=0.12)
    # it is the maximum: no worse than the true parameters, and the total is the sum of the rows
    truth = calc.bgnbd_log_likelihood(BgNbdParams(r, alpha, a, b), x, t_x, T).sum()
    assert total >= truth
    assert total == pytest.approx(calc.bgnbd_log_likelihood(fitted, x, t_x, T).sum())


def test_fit_gamma_gamma_recovers_simulated_parameters():
    p, q, v = 2.0, 6.0, 50.0
    rng = np.random.default_rng(20261)
    n = 3000
    x = rng.integers(1, 11, n)
    nu = rng.gamma(q, 1 / v, n)
    mean_value = np.array([rng.gamma(p, 1 / nu[i], x[i]).mean() for i in range(n)])
    # customers without repeat purchases are left out of the fit
    x_all, m_all = np.concatenate([x, np.zeros(50)]).astype(float), np.concatenate([mean_value, np.zeros(50)])
    fitted, total = calc.fit_gamma_gamma(x_all, m_all)
    # Tolerances: 30 samples of this size gave relative standard deviations of 6 % for p, 5 % for q,
    # 11 % for v (p and v trade off: only the means of the spends are seen) and 1 % for the
    # population mean spend p v / (q − 1). Each tolerance is about 4 of those.
    assert fitted.p == pytest.approx(p, rel=0.25)
    assert fitted.q == pytest.approx(q, rel=0.25)
    assert fitted.v == pytest.approx(v, rel=0.45)
    assert fitted.p * fitted.v / (fitted.q - 1) == pytest.approx(p * v / (q - 1), rel=0.05)
    truth = calc.gamma_gamma_log_likelihood(GammaGammaParams(p, q, v), x.astype(float), mean_value).sum()
    assert total >= truth


# --- the purchase summary -------------------------------------------------------------------------


def test_purchase_summary_merges_same_day_sales_and_ignores_later_ones():
    as_of = datetime.date(2026, 3, 1)
    rows = [
        (7, datetime.date(2026, 1, 1), D("10.00")),
        (7, datetime.date(2026, 1, 15), D("20.00")),
        (7, datetime.date(2026, 1, 15), D("5.50")),  # same day: one purchase of 25.50
        (7, datetime.date(2026, 2, 12), D("30.00")),
        (7, datetime.date(2026, 3, 2), D("999.00")),  # after as_of: ignored
        (3, datetime.date(2026, 2, 1), D("40.00")),
        (3, datetime.date(2026, 2, 1), D("2.00")),  # one purchase only: x = 0
        (9, datetime.date(2026, 3, 5), D("1.00")),  # only after as_of: not in the summary
    ]
    days = calc.purchase_summary(rows, as_of, unit="days")
    assert days.customer_ids.tolist() == [3, 7]
    assert days.x.tolist() == [0, 2]
    assert days.t_x.tolist() == [0, 42]  # 2026-01-01 → 2026-02-12
    assert days.T.tolist() == [28, 59]  # → 2026-03-01
    assert days.mean_value.tolist() == [0.0, pytest.approx((25.50 + 30.00) / 2)]
    weeks = calc.purchase_summary(rows, as_of)  # weeks by default
    assert weeks.unit == "weeks"
    assert weeks.x.tolist() == [0, 2]
    assert weeks.t_x.tolist() == [0, 6]
    assert weeks.T.tolist() == [4, pytest.approx(59 / 7)]


def test_purchase_summary_of_nothing_is_empty():
    summary = calc.purchase_summary([], datetime.date(2026, 3, 1))
    assert len(summary.customer_ids) == len(summary.x) == 0


def test_summary_of_customers_from_the_databases_rows():
    # (customer, purchase days after the first, first day, last day, total of the repeat days): the
    # rows of the example above as the database aggregates them
    as_of = datetime.date(2026, 3, 1)
    rows = [
        (3, 0, datetime.date(2026, 2, 1), datetime.date(2026, 2, 1), D("0.00")),
        (7, 2, datetime.date(2026, 1, 1), datetime.date(2026, 2, 12), D("55.50")),  # 25.50 + 30.00
    ]
    days = calc.summary_of_customers(rows, as_of, unit="days")
    assert days.customer_ids.tolist() == [3, 7]
    assert days.x.tolist() == [0, 2]
    assert days.t_x.tolist() == [0, 42]
    assert days.T.tolist() == [28, 59]
    assert days.mean_value.tolist() == [0.0, 27.75]
    weeks = calc.summary_of_customers(rows, as_of)
    assert weeks.t_x.tolist() == [0, 6]
    assert weeks.T.tolist() == [4, 59 / 7]
    # joined with the next customers' rows, it is one summary in customer order
    more = calc.summary_of_customers([(9, 1, datetime.date(2026, 2, 22), datetime.date(2026, 3, 1), D("1.00"))], as_of)
    joined = calc.summary_concat([weeks, more])
    assert joined.customer_ids.tolist() == [3, 7, 9]
    assert joined.T.tolist() == [4, 59 / 7, 1]
    assert joined.mean_value.tolist() == [0.0, 27.75, 1.0]
    assert len(calc.summary_concat([]).x) == 0


# --- RFM ------------------------------------------------------------------------------------------


def test_quintile_scores_with_ties_share_a_score():
    # score = 1 + ⌊5 × (number of values strictly lower) / n⌋, n = 10
    monetary = [10, 20, 20, 30, 40, 40, 40, 50, 60, 70]
    assert calc.quintile_scores(monetary) == [1, 1, 1, 2, 3, 3, 3, 4, 5, 5]
    # order does not matter
    assert calc.quintile_scores([70, 10, 40, 20]) == [4, 1, 3, 2]
    # five distinct values: one per quintile
    assert calc.quintile_scores([D("5.00"), D("1.00"), D("4.00"), D("2.00"), D("3.00")]) == [5, 1, 4, 2, 3]


def test_quintile_scores_for_recency_count_the_values_strictly_higher():
    days = [5, 10, 10, 30, 60, 60, 90, 200, 365, 365]
    # 5 beats 9 → 5; 10 beats 7 → 4; 30 beats 6 → 4; 60 beats 4 → 3; 90 beats 3 → 2; 200 beats 2 → 2;
    # 365 beats none → 1
    assert calc.quintile_scores(days, higher_is_better=False) == [5, 4, 4, 4, 3, 3, 2, 2, 1, 1]


def test_quintile_scores_edge_cases():
    assert calc.quintile_scores([]) == []
    assert calc.quintile_scores([42]) == [1]
    assert calc.quintile_scores([7, 7, 7]) == [1, 1, 1]
    assert calc.quintile_scores([7, 7, 7], higher_is_better=False) == [1, 1, 1]


# The usual map (rows: R 5..1, columns: F 1..5).
SEGMENT_GRID = {
    5: ["new", "potential_loyalist", "potential_loyalist", "champions", "champions"],
    4: ["new", "potential_loyalist", "potential_loyalist", "loyal", "loyal"],
    3: ["hibernating", "hibernating", "potential_loyalist", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
    1: ["lost", "lost", "at_risk", "at_risk", "cant_lose"],
}


@pytest.mark.parametrize("r", [5, 4, 3, 2, 1])
@pytest.mark.parametrize("f", [1, 2, 3, 4, 5])
def test_rfm_segment_map_covers_all_25_cells(r, f):
    assert calc.rfm_segment(r, f) == SEGMENT_GRID[r][f - 1]


def test_every_segment_is_reachable():
    cells = {calc.rfm_segment(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert cells == set(calc.SEGMENTS)


def test_rfm_rank_scores_the_buyers_and_leaves_the_others_unscored():
    # six customers; four bought in the window (n = 4): days since the last sale 5, 40, 40, 300;
    # purchases 6, 2, 1, 1; revenue 900, 120.50, 80, 80
    nan = float("nan")
    ranks = calc.rfm_rank(
        [5, 40, 40, 300, 400, nan],
        [6, 2, 1, 1, 0, 0],
        [900, 120.50, 80, 80, 0, 0],
    )
    # R: 5 has 3 higher → 1 + ⌊15/4⌋ = 4; the 40s have 1 higher → 2; 300 none → 1
    assert ranks.r.tolist() == [4, 2, 2, 1, 0, 0]
    # F: 6 beats 3 → 4; 2 beats 2 → 3; the 1s beat none → 1
    assert ranks.f.tolist() == [4, 3, 1, 1, 0, 0]
    # M: 900 beats 3 → 4; 120.50 beats 2 → 3; the 80s none → 1
    assert ranks.m.tolist() == [4, 3, 1, 1, 0, 0]
    # the map (R, F): (4, 4) loyal, (2, 3) at risk, (2, 1) hibernating, (1, 1) lost; bought before
    # the window only: lost; never bought: no segment
    assert ranks.segment.tolist() == ["loyal", "at_risk", "hibernating", "lost", "lost", ""]


def test_rfm_rank_among_others_ranks_each_against_the_others_and_itself():
    # the others: three buyers (days 10, 20, 30; purchases 1, 2, 3; revenue 10, 20, 30) and one who
    # did not buy in the window (not in the pool); each customer given ranks among 3 + itself (n = 4)
    others = ([10, 20, 30, 500], [1, 2, 3, 0], [10, 20, 30, 0])
    ranks = calc.rfm_rank([5, 25, 700], [3, 2, 0], [35, 20, 0], among=others)
    # R: 5 has 3 higher → 4; 25 has 1 (30) → 2. F: 3 beats 1, 2 → 3; 2 beats 1 → 2. M: 35 beats 3 → 4;
    # 20 beats 10 → 2
    assert (ranks.r.tolist(), ranks.f.tolist(), ranks.m.tolist()) == ([4, 2, 0], [3, 2, 0], [4, 2, 0])
    assert ranks.segment.tolist() == ["potential_loyalist", "hibernating", "lost"]
    # the same as ranking each with the others alone, as the whole run would
    for i, (r, f, m) in enumerate([(5, 3, 35), (25, 2, 20)]):
        whole = calc.rfm_rank([*others[0][:3], r], [*others[1][:3], f], [*others[2][:3], m])
        assert (whole.r[-1], whole.f[-1], whole.m[-1]) == (ranks.r[i], ranks.f[i], ranks.m[i])


def test_rfm_rank_of_nobody():
    ranks = calc.rfm_rank([], [], [])
    assert len(ranks.r) == len(ranks.segment) == 0


# --- tiers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # ten distinct: 1 A (top 10 %), 2 B (next 20 %), 4 C (next 40 %), 3 D
        ([100, 90, 80, 70, 60, 50, 40, 30, 20, 10], list("ABBCCCCDDD")),
        # ties share the tier of their best place: the two 90s have 1 above (10 %) → B; the five 50s
        # have 3 above (30 %) → C; 10 has 8 above → D
        ([100, 90, 90, 50, 50, 50, 50, 50, 10, 0], list("ABBCCCCCDD")),
        # a tie at the top: both A; seven 300s have 2 above (20 %) → B
        ([500, 500, 300, 300, 300, 300, 300, 300, 300, 0], list("AABBBBBBBD")),
        # everyone equal: nobody has anyone above → all A
        ([D("5.00")] * 4, list("AAAA")),
        ([D("0.01")], ["A"]),
        ([], []),
    ],
)
def test_value_tiers_by_hand(values, expected):
    assert calc.value_tiers(values) == expected


def test_value_tiers_do_not_depend_on_order():
    values = [D(v) for v in ("10.00", "300.00", "20.00", "0.00", "40.00", "55.55", "1.00", "2.00", "3.00", "4.00")]
    # sorted descending: 300 A, 55.55 B, 40 B, 20 C, 10 C, 4 C, 3 C, 2 D, 1 D, 0 D
    assert calc.value_tiers(values) == ["C", "A", "C", "D", "B", "B", "D", "D", "C", "C"]


def test_value_tiers_of_arrays_are_value_tiers():
    values = [100, 90, 90, 50, 50, 50, 50, 50, 10, 0]
    assert calc.value_tiers_of(np.array(values, dtype=float)).tolist() == list("ABBCCCCCDD")
    # among others: 95 has 100 above among ten others and itself (1 of 11: 9 %) → A; 10 has 8 → D
    assert calc.value_tiers_of(np.array([95.0, 10.0]), among=np.array(values, dtype=float)).tolist() == ["A", "D"]


# --- money: predicted and potential value ---------------------------------------------------------


def test_predicted_value_rounds_half_up_to_the_fen_without_float_error():
    # 2.5 × 10.01 × 1 = 25.025 → 25.03 (half up, not half even)
    assert calc.predicted_value(2.5, D("10.01"), D("1")) == D("25.03")
    # 0.1 × 100.05 = 10.005 exactly in decimals (10.004999… in binary floats) → 10.01
    assert calc.predicted_value(0.1, D("100.05"), D("1")) == D("10.01")
    # 3.2 × 250.00 × 0.35 = 280.00
    assert calc.predicted_value(3.2, D("250.00"), D("0.35")) == D("280.00")
    assert calc.predicted_value(0.0, D("99.99"), D("0.5")) == D("0.00")


def test_margin_ratio_is_the_customers_else_the_portfolios():
    assert calc.margin_ratio(D("30.00"), D("120.00"), D("0.9")) == D("0.25")
    assert calc.margin_ratio(D("0.00"), D("0.00"), D("0.4")) == D("0.4")


@pytest.mark.parametrize(
    ("rating", "expected"),
    [(1, D("960.00")), (2, D("1080.00")), (3, D("1200.00")), (4, D("1380.00")), (5, D("1560.00"))],
)
def test_potential_value_growth_factors(rating, expected):
    # 1000.00 × outlook 1.2 (growing) × 0.8 / 0.9 / 1.0 / 1.15 / 1.3
    assert calc.potential_value(D("1000.00"), D("1.20"), rating) == expected


@pytest.mark.parametrize(
    ("predicted", "outlook", "rating", "expected"),
    [
        (D("33.33"), D("0.80"), 4, D("30.66")),  # 33.33 × 0.8 × 1.15 = 30.6636
        (D("0.05"), D("1.00"), 5, D("0.07")),  # 0.065 → half up
        (D("10.05"), D("1.20"), 4, D("13.87")),  # 13.869
        (D("12.50"), D("1.00"), 3, D("12.50")),
        (D("0.00"), D("1.20"), 5, D("0.00")),
    ],
)
def test_potential_value_rounding(predicted, outlook, rating, expected):
    assert calc.potential_value(predicted, outlook, rating) == expected


def test_to_money_rounds_half_up():
    assert calc.to_money(12.345) == D("12.35")  # repr 12.345, not the binary 12.3449999…
    assert calc.to_money(0.005) == D("0.01")


# --- the holdout curve and what changed --------------------------------------------------------------


def test_holdout_curve_counts_actual_purchases_per_period_and_sums_predictions():
    bg = BgNbdParams(0.5, 6.0, 0.8, 2.4)
    summary = calc.Summary(np.array([1, 2]), arr(2, 0), arr(5, 0), arr(10, 8), arr(30, 0))
    result = calc.holdout_curve(bg, summary, {1: [0.5, 2.0, 2.5], 2: [3.0]}, holdout_length=3.6)
    assert result.periods == [1, 2, 3]
    assert result.actual == [1, 2, 4]
    for t, predicted in zip(result.periods, result.predicted, strict=True):
        by_hand = sum(
            bgnbd_posterior_by_integration(0.5, 6.0, 0.8, 2.4, x, t_x, T, t=float(t))["expected"]
            for x, t_x, T in [(2, 5.0, 10.0), (0, 0.0, 8.0)]
        )
        assert predicted == pytest.approx(by_hand, rel=1e-7)
    assert result.error == pytest.approx((result.predicted[-1] - 4) / 4)
    assert calc.HoldoutResult([1], [0.3], [0]).error is None
    assert calc.HoldoutResult().error is None


def test_changes_between_snapshots():
    before = {"segment": "champions", "tier": "A", "recency_days": 12}
    assert calc.changes_between(None, before) == []
    assert calc.changes_between(before, dict(before)) == []
    after = {"segment": "at_risk", "tier": "B", "recency_days": 210}
    assert calc.changes_between(before, after) == [
        ("segment", {"from": "champions", "to": "at_risk", "days": 210}),
        ("tier", {"from": "A", "to": "B"}),
    ]
    # a segment that disappears (no sale any more) is not worded as a change to nothing
    assert calc.changes_between(before, {"segment": "", "tier": "A", "recency_days": None}) == []


def test_identical_spends_give_parameters_that_match_their_reported_likelihood():
    # a fixed-price product, every customer with one repeat purchase (a second order)
    x, m = arr(1, 1, 1, 1, 1, 1), arr(50, 50, 50, 50, 50, 50)
    fitted, total = calc.fit_gamma_gamma(x, m)
    assert calc.gamma_gamma_log_likelihood(fitted, x, m).sum() == pytest.approx(total)
    # the spends never vary, so the fit runs off (p → ∞): the pure fit reports where it stopped, and
    # the check says that this is no estimate (the valuation run then gives no spend figures)
    assert calc.gamma_gamma_unidentified(fitted, x, m) is not None


# --- fits that are no estimate ---------------------------------------------------------------------


def test_a_fit_inside_the_bounds_is_an_estimate_and_one_that_ran_off_is_not():
    T = arr(30.0, 60.0, 90.0)  # mean T 60 weeks: α is judged in units of it
    cdnow = BgNbdParams(0.243, 4.414, 0.793, 2.426)
    assert calc.bgnbd_unidentified(cdnow, T) is None
    assert calc.bgnbd_unidentified(BgNbdParams(0.243, 60 * 20000.0, 0.793, 2.426), T) is None  # e^9.9
    assert calc.bgnbd_unidentified(BgNbdParams(0.243, 60 * 30000.0, 0.793, 2.426), T) == ("alpha", 1800000.0)
    assert calc.bgnbd_unidentified(BgNbdParams(6.36, 175.4, 9.9e-7, 72710.0), T) == ("a", 9.9e-7)  # a → 0
    x, m = arr(1.0, 2.0, 4.0), arr(30.0, 40.0, 50.0)  # mean repeat value 40: v is judged in units of it
    assert calc.gamma_gamma_unidentified(GammaGammaParams(6.25, 3.74, 15.44), x, m) is None
    # p → ∞ with v → 0: the spend model says "every customer always spends the same"
    assert calc.gamma_gamma_unidentified(GammaGammaParams(6.96e6, 1.35, 1.68e-5), x, m) == ("p", 6.96e6)
    assert calc.gamma_gamma_unidentified(GammaGammaParams(6.25, math.inf, 15.44), x, m) == ("q", math.inf)


def test_a_fit_on_the_optimisers_bound_is_no_estimate_whatever_the_scale():
    # Customers with a mean T of e^15 weeks: α = e^20 is only e^5 of that scale, within the
    # identifiable range, yet it is where the optimiser's clip (e^±LOG_BOUND) stops — no estimate.
    T = arr(math.exp(15), math.exp(15))
    on_bound = BgNbdParams(0.5, math.exp(calc.LOG_BOUND), 0.8, 2.4)
    assert calc.bgnbd_unidentified(on_bound, T) == ("alpha", math.exp(calc.LOG_BOUND))
    # numerically at the bound (the clip applied to a log-parameter a rounding error short of it)
    assert calc.bgnbd_unidentified(BgNbdParams(0.5, math.exp(calc.LOG_BOUND - 1e-9), 0.8, 2.4), T)[0] == "alpha"
    assert calc.bgnbd_unidentified(BgNbdParams(0.5, math.exp(19), 0.8, 2.4), T) is None
    check = calc.bgnbd_check(on_bound, arr(0, 1), arr(0, 5), T)
    assert check.standard_errors is None
    assert check.unidentified == {"parameter": "alpha", "value": math.exp(calc.LOG_BOUND), "reason": calc.BOUND}


# --- the margin ratio with cost unknown --------------------------------------------------------------


def test_margin_ratio_gives_cost_unknown_revenue_the_portfolios_ratio():
    # ¥600 of sales with a cost of ¥450 (margin ¥150) and ¥400 without one, portfolio ratio 30 %:
    # (150 + 0.30 × 400) / 1000 = 270 / 1000 = 0.27 — not (150 + 400) / 1000 = 0.55 (as if the
    # sales without a cost had no cost)
    assert calc.margin_ratio(D("150.00"), D("1000.00"), D("0.30"), D("400.00")) == D("0.27")
    # every sale without a cost: the portfolio's ratio exactly; none: the customer's own
    assert calc.margin_ratio(D("0.00"), D("250.00"), D("0.35"), D("250.00")) == D("0.35")
    assert calc.margin_ratio(D("30.00"), D("120.00"), D("0.9"), D("0.00")) == D("0.25")
    # no revenue in the window: the portfolio's ratio, whatever else
    assert calc.margin_ratio(D("0.00"), D("0.00"), D("0.4"), D("0.00")) == D("0.4")
    # exact in decimals: ¥0.10 margin on ¥0.30 costed, ¥0.70 unknown at 1/3 … (0.1 + 0.7/3) / 1.0
    ratio = calc.margin_ratio(D("0.10"), D("1.00"), D(1) / D(3), D("0.70"))
    assert ratio == (D("0.10") + D(1) / D(3) * D("0.70")) / D("1.00")


def test_portfolio_margin_ratio_counts_only_sales_with_a_cost():
    # ¥1,000 of costed sales with ¥600 cost of goods: 40 %
    assert calc.portfolio_margin_ratio(D("1000.00"), D("600.00")) == D("0.4")
    assert calc.portfolio_margin_ratio(D("0.00"), D("0.00")) == D(1)  # no cost known anywhere


# --- the calibration table ---------------------------------------------------------------------------


def test_calibration_table_groups_customers_by_repeat_purchases():
    bg = BgNbdParams(0.5, 6.0, 0.8, 2.4)
    # customers: x = 0, 0, 1, 3, 7, 9 (the last two together in "7+")
    histories = [(0, 0.0, 8.0), (0, 0.0, 20.0), (1, 4.0, 10.0), (3, 9.0, 12.0), (7, 30.0, 31.0), (9, 15.0, 40.0)]
    x, t_x, T = (arr(*column) for column in zip(*histories, strict=True))
    summary = calc.Summary(np.arange(1, 7), x, t_x, T, np.zeros(6))
    holdout_counts = arr(0, 1, 2, 1, 4, 3)
    rows = calc.calibration_table(bg, summary, holdout_counts, holdout_length=26.0)
    assert [row.label for row in rows] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert [row.customers for row in rows] == [2, 1, 0, 1, 0, 0, 0, 2]
    assert [row.actual for row in rows] == [0.5, 2.0, None, 1.0, None, None, None, 3.5]

    def by_hand(*indices):
        return sum(
            bgnbd_posterior_by_integration(0.5, 6.0, 0.8, 2.4, *histories[i], t=26.0)["expected"] for i in indices
        ) / len(indices)

    # the average conditional expectation over the holdout of each group (rel 1e-7, as above)
    expected = {"0": by_hand(0, 1), "1": by_hand(2), "3": by_hand(3), "7+": by_hand(4, 5)}
    for row in rows:
        if row.label in expected:
            assert row.predicted == pytest.approx(expected[row.label], rel=1e-7), row.label
        else:
            assert row.predicted is None


# --- standard errors ---------------------------------------------------------------------------------


def test_standard_errors_of_a_normal_sample_are_the_textbook_ones():
    # For n draws of N(μ, σ²) at the maximum-likelihood estimates the observed information is exactly
    # diag(n / σ², 2n / σ²): SE(μ) = σ / √n, SE(σ) = σ / √(2n).
    sample = np.random.default_rng(3).normal(10.0, 2.0, 400)
    mu, sigma = sample.mean(), sample.std()  # the MLE (ddof 0)

    def negative_ll(theta):
        m, s = theta
        return float(len(sample) * math.log(s) + ((sample - m) ** 2).sum() / (2 * s * s))

    errors = calc.standard_errors(negative_ll, [mu, sigma])
    # central differences of a smooth function with relative steps 1e-4: truncation about 1e-8
    assert errors[0] == pytest.approx(sigma / math.sqrt(400), rel=1e-6)
    assert errors[1] == pytest.approx(sigma / math.sqrt(800), rel=1e-6)
    hessian = calc.numerical_hessian(negative_ll, [mu, sigma])
    assert hessian[0, 1] == pytest.approx(0.0, abs=1e-6 * hessian[0, 0])


def test_no_standard_errors_where_the_optimum_is_no_maximum():
    # a ridge (the likelihood depends on θ1 − θ2 only): singular
    assert calc.standard_errors(lambda t: float((t[0] - t[1]) ** 2), [2.0, 2.0]) is None
    # a saddle: not positive definite
    assert calc.standard_errors(lambda t: float((t[0] - 1) ** 2 - (t[1] - 1) ** 2), [1.0, 1.0]) is None
    # a likelihood that is not finite around the point
    assert calc.standard_errors(lambda t: math.inf, [1.0, 1.0]) is None
    assert calc.standard_errors(lambda t: float(t[0] ** 2), [0.0]) is None  # no relative step at 0


def test_bgnbd_standard_errors_match_the_spread_of_refits_and_shrink_with_more_data():
    r, alpha, a, b = 0.5, 6.0, 0.8, 2.4
    rng = np.random.default_rng(20262)
    small = simulate_bgnbd(rng, 1000, r, alpha, a, b, 52, 104)
    large = simulate_bgnbd(rng, 4000, r, alpha, a, b, 52, 104)
    errors, fits = {}, {}
    for name, data in (("small", small), ("large", large)):
        fits[name], _ll = calc.fit_bgnbd(*data)
        errors[name] = calc.bgnbd_standard_errors(fits[name], *data)
        assert errors[name] is not None and calc.bgnbd_check(fits[name], *data).unidentified is None
        assert all(math.isfinite(v) and v > 0 for v in errors[name].values()), name
    # Known-good: 40 refits of 1,000 customers simulated from these parameters (seeds 0..39): the
    # logs of the estimates spread with standard deviations 0.056 (r), 0.089 (α), 0.14 (a), 0.23 (b).
    # A fit's relative standard error SE/θ̂ estimates that spread (the delta method); over those 40
    # fits it lay between 0.85 and 1.5 times it (a, weakly identified, the least well). Bounds 0.7–1.7.
    spread = {"r": 0.056, "alpha": 0.089, "a": 0.14, "b": 0.23}
    small_fit = dataclasses.asdict(fits["small"])
    for name, sd in spread.items():
        assert 0.7 * sd < errors["small"][name] / small_fit[name] < 1.7 * sd, name
    # four times the customers: relative errors about half as large (1/√4); over the 40 fits the
    # relative errors varied by ±20 %, so the ratio of two lies within 0.5 ± 30 %
    large_fit = dataclasses.asdict(fits["large"])
    for name in spread:
        ratio = (errors["large"][name] / large_fit[name]) / (errors["small"][name] / small_fit[name])
        assert ratio == pytest.approx(0.5, rel=0.3), name


def test_gamma_gamma_standard_errors_shrink_with_more_data():
    p, q, v = 2.0, 6.0, 50.0
    rng = np.random.default_rng(20263)

    def sample(n):
        x = rng.integers(1, 11, n).astype(float)
        nu = rng.gamma(q, 1 / v, n)
        return x, np.array([rng.gamma(p, 1 / nu[i], int(x[i])).mean() for i in range(n)])

    errors = []
    for n in (750, 3000):
        x, m = sample(n)
        fitted, _ll = calc.fit_gamma_gamma(x, m)
        check = calc.gamma_gamma_check(fitted, x, m)
        assert check.unidentified is None
        assert all(math.isfinite(e) and e > 0 for e in check.standard_errors.values())
        errors.append(check.standard_errors)
    for name in ("p", "q", "v"):
        assert errors[1][name] / errors[0][name] == pytest.approx(0.5, rel=0.3), name


def test_thin_data_gives_no_estimate():
    # 173 customers of whom 5 bought again (the portfolio): a single purchase each for 168,
    # made 100 to 601 days before the as-of date, and a few repeat purchases for the other five.
    histories = [(0, 0.0, (100 + 3 * i) / 7) for i in range(168)]
    for days in THIN_REPEATERS:
        histories.append((len(days) - 1, (days[0] - days[-1]) / 7, days[0] / 7))
    x, t_x, T = (arr(*column) for column in zip(*histories, strict=True))
    assert len(x) == 173 and (x > 0).sum() == 5
    fitted, _ll = calc.fit_bgnbd(x, t_x, T)
    check = calc.bgnbd_check(fitted, x, t_x, T)
    assert check.standard_errors is None
    assert check.unidentified["reason"] in (calc.BOUND, calc.NO_STANDARD_ERRORS)


def test_a_parameter_known_only_to_a_factor_of_hundreds_is_no_estimate():
    """Where the optimiser stops on thin data depends on the machine: short of a bound, a flat
    optimum still gives standard errors, and one past MAX_RELATIVE_ERROR × its value is no estimate."""
    values = {"r": 0.04, "alpha": 48.7, "a": 8.7e-05, "b": 9304.0}
    sure = calc.FitCheck(standard_errors={"r": 0.03, "alpha": 45.8, "a": 4.7 * 8.7e-05, "b": 5.5 * 9304.0})
    assert calc._precise(values, sure) == sure  # 5.5× its value at most (as the demo's): a poor estimate
    flat = calc.FitCheck(standard_errors={**sure.standard_errors, "b": 164_916.6})  # 17.7× b
    assert calc._precise(values, flat).unidentified == {
        "parameter": "b",
        "value": 9304.0,
        "reason": calc.NO_STANDARD_ERRORS,
    }


# --- the exact gradients the fits use ----------------------------------------------------------------
#
# Against central differences of the likelihoods written out above (bgnbd_ll_by_hand, gamma_gamma_ll_
# by_hand), in log-parameters θ with step h = 1e-5: truncation error h² f'''/6 ≈ 2e-11 (f''' of a
# handful of customers is of order 1 in log space), rounding error ≈ 1e-16 |f| / h = 1e-11 |f| with
# |f| ≤ 100 here, so differences of ~1e-9; the tolerance 1e-7 (1 + |g|) leaves a margin of 100.

FD_STEP = 1e-5
# (x, t_x, T, weight): a customer seen once (x = 0), one repeat (the b + x − 1 = b branch), a customer
# surely alive (t_x = T), a long silence, and weights as _compress gives them
BG_GRADIENT_DATA = [(0, 0.0, 10.0, 3), (1, 3.0, 3.0, 1), (1, 0.5, 30.0, 2), (4, 7.5, 12.0, 1), (9, 20.0, 60.0, 5)]
GG_GRADIENT_DATA = [(1, 10.0, 2), (2, 35.5, 1), (5, 20.0, 3), (12, 7.25, 1)]  # (x, m̄, weight)


def central_differences(f, theta):
    gradient = []
    for i in range(len(theta)):
        step = np.zeros(len(theta))
        step[i] = FD_STEP
        gradient.append((f(theta + step) - f(theta - step)) / (2 * FD_STEP))
    return np.array(gradient)


def gradient_points(rng, centre, count=8):
    """The papers' parameters and random points around them, from e^-2 to e^2 of each."""
    return [np.log(centre)] + [np.log(centre) + rng.uniform(-2, 2, len(centre)) for _ in range(count)]


@pytest.mark.parametrize("centre", BG_CASES)
def test_bgnbd_gradient_matches_central_differences_of_the_likelihood_written_out(centre):
    x, t_x, T, w = (arr(*column) for column in zip(*BG_GRADIENT_DATA, strict=True))

    def by_hand(theta):
        return sum(wi * bgnbd_ll_by_hand(*np.exp(theta), *row) for *row, wi in BG_GRADIENT_DATA)

    for theta in gradient_points(np.random.default_rng(5), centre):
        total, gradient = calc.bgnbd_log_likelihood_with_gradient(BgNbdParams(*np.exp(theta)), x, t_x, T, w)
        assert total == pytest.approx(by_hand(theta), rel=1e-12)
        expected = central_differences(by_hand, theta)
        assert np.all(np.abs(gradient - expected) <= 1e-7 * (1 + np.abs(expected))), (theta, gradient, expected)


@pytest.mark.parametrize("centre", GG_CASES)
def test_gamma_gamma_gradient_matches_central_differences_of_the_likelihood_written_out(centre):
    x, m, w = (arr(*column) for column in zip(*GG_GRADIENT_DATA, strict=True))

    def by_hand(theta):
        return sum(wi * gamma_gamma_ll_by_hand(*np.exp(theta), xi, mi) for xi, mi, wi in GG_GRADIENT_DATA)

    for theta in gradient_points(np.random.default_rng(6), centre):
        total, gradient = calc.gamma_gamma_log_likelihood_with_gradient(GammaGammaParams(*np.exp(theta)), x, m, w)
        assert total == pytest.approx(by_hand(theta), rel=1e-12)
        expected = central_differences(by_hand, theta)
        assert np.all(np.abs(gradient - expected) <= 1e-7 * (1 + np.abs(expected))), (theta, gradient, expected)


def test_unweighted_totals_are_the_sums_of_the_customers_likelihoods():
    rng = np.random.default_rng(7)
    x, t_x, T = simulate_bgnbd(rng, 200, 0.5, 6.0, 0.8, 2.4, 52, 104)
    bg = BgNbdParams(0.5, 6.0, 0.8, 2.4)
    total, _gradient = calc.bgnbd_log_likelihood_with_gradient(bg, x, t_x, T)
    by_hand = sum(bgnbd_ll_by_hand(0.5, 6.0, 0.8, 2.4, *row) for row in zip(x, t_x, T, strict=True))
    assert total == pytest.approx(by_hand, rel=1e-12)
    gg, xs, ms = GammaGammaParams(2.0, 6.0, 50.0), arr(1, 3, 3, 8), arr(20.0, 31.5, 12.0, 44.0)
    total, _gradient = calc.gamma_gamma_log_likelihood_with_gradient(gg, xs, ms)
    by_hand = sum(gamma_gamma_ll_by_hand(2.0, 6.0, 50.0, *row) for row in zip(xs, ms, strict=True))
    assert total == pytest.approx(by_hand, rel=1e-12)


def test_compress_gives_the_distinct_rows_and_their_counts():
    rng = np.random.default_rng(8)
    columns = [rng.integers(0, 4, 500).astype(float), rng.integers(0, 3, 500) / 7, rng.integers(0, 5, 500) / 7]
    reference, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    distinct, weights = calc._compress(*columns)
    assert np.array_equal(np.column_stack(distinct), reference)
    assert np.array_equal(weights, counts)
    assert calc._compress(arr(), arr())[1].size == 0


# --- the fits with the exact gradient: the same optimum as before, in a few dozen evaluations ---------
#
# Known-good: the fits of the data of test_fit_*_recovers_simulated_parameters by the previous
# optimiser (L-BFGS-B on finite differences, Nelder-Mead, L-BFGS-B: about 300 evaluations). Both
# stop where a step changes the mean log-likelihood by less than about 1e-13, which leaves each
# log-parameter within about √(2e-13 / curvature) ≈ 1e-6 of the optimum: 1e-5 relative is the
# tolerance, and the totals agree to 1e-6 (a hundred times those steps over 4,000 customers).
PREVIOUS_BGNBD = ((0.4943144998672486, 5.771281634343728, 0.7950204114471076, 2.3217142377762428), -41859.09469607319)
PREVIOUS_GAMMA_GAMMA = ((1.9388089426765458, 5.774928627806624, 49.26319880666671), -11062.71853017943)


def recovery_data():
    bg = simulate_bgnbd(np.random.default_rng(20260), 4000, 0.5, 6.0, 0.8, 2.4, 52, 104)
    rng = np.random.default_rng(20261)
    x = rng.integers(1, 11, 3000)
    nu = rng.gamma(6.0, 1 / 50.0, 3000)
    mean_value = np.array([rng.gamma(2.0, 1 / nu[i], x[i]).mean() for i in range(3000)])
    gg = np.concatenate([x, np.zeros(50)]).astype(float), np.concatenate([mean_value, np.zeros(50)])
    return bg, gg


def test_fits_reach_the_previous_optimum_in_a_few_dozen_evaluations():
    (x, t_x, T), (xs, ms) = recovery_data()
    stats = {}
    fitted, total = calc.fit_bgnbd(x, t_x, T, stats=stats)
    assert dataclasses.astuple(fitted) == pytest.approx(PREVIOUS_BGNBD[0], rel=1e-5)
    assert total == pytest.approx(PREVIOUS_BGNBD[1], abs=1e-6)
    assert stats["evaluations"] <= 60 and not stats["fallback"]
    stats = {}
    fitted, total = calc.fit_gamma_gamma(xs, ms, stats=stats)
    assert dataclasses.astuple(fitted) == pytest.approx(PREVIOUS_GAMMA_GAMMA[0], rel=1e-5)
    assert total == pytest.approx(PREVIOUS_GAMMA_GAMMA[1], abs=1e-6)
    assert stats["evaluations"] <= 60 and not stats["fallback"]


def test_the_fit_is_a_stationary_point_of_the_likelihood():
    # independent of either optimiser: central differences of the summed log-likelihood at the fit
    # vanish (per customer, below 1e-6 in log-parameters: the optimiser's acceptance)
    (x, t_x, T), _gg = recovery_data()
    fitted, _total = calc.fit_bgnbd(x, t_x, T)

    def mean_ll(theta):
        return float(calc.bgnbd_log_likelihood(BgNbdParams(*np.exp(theta)), x, t_x, T).mean())

    assert np.max(np.abs(central_differences(mean_ll, np.log(dataclasses.astuple(fitted))))) < 1e-6


def test_a_fit_that_does_not_converge_falls_back_to_the_simplex_and_ends_at_the_same_optimum(monkeypatch):
    (x, t_x, T), _gg = recovery_data()
    monkeypatch.setitem(calc.FIT_OPTIONS, "maxiter", 2)  # the quasi-Newton search stops far from it
    stats = {}
    fitted, total = calc.fit_bgnbd(x, t_x, T, stats=stats)
    assert stats["fallback"]
    assert dataclasses.astuple(fitted) == pytest.approx(PREVIOUS_BGNBD[0], rel=1e-5)
    assert total == pytest.approx(PREVIOUS_BGNBD[1], abs=1e-6)


def test_a_fit_that_runs_off_stops_on_the_bound_and_is_no_estimate():
    # nobody seen dropping out (the hand portfolio's trouble) and spends that never vary: the
    # parameters stay within e^±LOG_BOUND and the identification check says these are no estimates
    x, t_x, T = arr(0, 2, 3, 1, 4, 0, 2), arr(0, 30, 45, 20, 50, 0, 40), arr(40, 31, 46, 60, 51, 70, 41)
    fitted, total = calc.fit_bgnbd(x, t_x, T)
    assert all(abs(math.log(v)) <= calc.LOG_BOUND for v in dataclasses.astuple(fitted))
    assert total == pytest.approx(calc.bgnbd_log_likelihood(fitted, x, t_x, T).sum())
    assert calc.bgnbd_check(fitted, x, t_x, T).unidentified is not None
    fitted, _total = calc.fit_gamma_gamma(arr(1, 2, 3, 1), arr(50, 50, 50, 50))
    assert all(abs(math.log(v)) <= calc.LOG_BOUND for v in dataclasses.astuple(fitted))
    assert calc.gamma_gamma_check(fitted, arr(1, 2, 3, 1), arr(50, 50, 50, 50)).unidentified["reason"] == calc.BOUND
