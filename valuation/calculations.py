"""Customer value (DESIGN.md "Definitions"): the purchase model, RFM, potential value and tiers.

Pure and vectorised: numpy arrays in, numpy arrays out, no database.

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): a customer makes
  purchases at rate λ ~ Gamma(r, α) while alive, and after each purchase drops out with
  probability p ~ Beta(a, b). Data per customer: x = purchases after the first, t_x = time of the
  last purchase, T = time from the first purchase to the as-of date (all from the first purchase).
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): the mean value of a customer's repeat
  purchases, with parameters p, q, v, fitted on customers with x > 0.
Both are fitted by maximum likelihood in log space (no overflow for large x or T).
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy import optimize, special

DAYS_PER_UNIT = {"days": 1, "weeks": 7}
HORIZON_DAYS = 365  # "the next 12 months"
GROWTH_FACTORS = {
    1: Decimal("0.8"),
    2: Decimal("0.9"),
    3: Decimal("1.0"),
    4: Decimal("1.15"),
    5: Decimal("1.3"),
}
MIN_CUSTOMERS_BGNBD = 5  # fewer customers with a first purchase: no fit
MIN_CUSTOMERS_GG = 3  # fewer customers with repeat purchases: no spend model
LOG_BOUND = 20  # parameters are fitted in log space within e^-20 .. e^20
# A fitted parameter, made scale-free (α by the mean T, v by the mean repeat value; r, a, b, p, q are
# shapes already), beyond e^±10 (about 22,000 or 1/22,000) is not an estimate: the likelihood is flat
# out there (a mixing distribution shrunk to a point, a shape run off to infinity), so where the
# optimiser stops depends on its build and tolerances, not on the data. Real portfolios give shapes
# of order 0.1 to 10 (CDNOW: r 0.24, a 0.79, b 2.43; p 6.25, q 3.74); such a fit gives no figures.
IDENTIFIED_LOG = 10
BOUND_TOLERANCE = 1e-6  # a log-parameter this close to ±LOG_BOUND is on the optimiser's bound


# --- the repeat-purchase summary ----------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Per customer, in `unit`s: x (repeat purchases), t_x, T, and the mean repeat purchase value."""

    customer_ids: np.ndarray
    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    mean_value: np.ndarray  # mean amount of the repeat purchase days; 0 where x == 0
    unit: str = "weeks"


def purchase_summary(
    purchases: Sequence[tuple[int, datetime.date, Decimal]], as_of: datetime.date, unit: str = "weeks"
) -> Summary:
    """Build (x, t_x, T, mean repeat value) from (customer id, day, amount) rows up to as_of.

    A purchase is a calendar day with at least one sale: rows of the same customer and day merge,
    their amounts summed. Rows after as_of are ignored.
    """
    per_unit = DAYS_PER_UNIT[unit]
    days: dict[int, dict[datetime.date, Decimal]] = {}
    for customer_id, day, amount in purchases:
        if day > as_of:
            continue
        bucket = days.setdefault(customer_id, {})
        bucket[day] = bucket.get(day, Decimal(0)) + amount
    ids, xs, txs, Ts, means = [], [], [], [], []
    for customer_id in sorted(days):
        ordered = sorted(days[customer_id].items())
        first = ordered[0][0]
        repeat = ordered[1:]
        ids.append(customer_id)
        xs.append(len(repeat))
        txs.append((ordered[-1][0] - first).days / per_unit)
        Ts.append((as_of - first).days / per_unit)
        means.append(float(sum(a for _d, a in repeat) / len(repeat)) if repeat else 0.0)
    return Summary(
        np.array(ids, dtype=np.int64),
        np.array(xs, dtype=float),
        np.array(txs, dtype=float),
        np.array(Ts, dtype=float),
        np.array(means, dtype=float),
        unit,
    )


def summary_of_customers(
    rows: Sequence[tuple[int, int, datetime.date, datetime.date, Decimal]], as_of: datetime.date, unit: str = "weeks"
) -> Summary:
    """The same Summary from one row per customer, in customer order: (customer id, x = purchase
    days after the first, first day, last day, total of the repeat days), as the database
    aggregates them (see selectors.purchase_summary)."""
    per_unit = DAYS_PER_UNIT[unit]
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    xs = np.fromiter((row[1] for row in rows), dtype=float, count=len(rows))
    since_first = np.fromiter(((as_of - row[2]).days for row in rows), dtype=float, count=len(rows))
    span = np.fromiter(((row[3] - row[2]).days for row in rows), dtype=float, count=len(rows))
    # the mean as purchase_summary takes it: the Decimal total over x, then a float
    means = np.fromiter((float(row[4] / row[1]) if row[1] else 0.0 for row in rows), dtype=float, count=len(rows))
    return Summary(ids, xs, span / per_unit, since_first / per_unit, means, unit)


def summary_concat(parts: Sequence[Summary], unit: str = "weeks") -> Summary:
    """Summaries of consecutive customers joined into one."""
    if not parts:
        empty = np.array([], dtype=float)
        return Summary(np.array([], dtype=np.int64), empty, empty, empty, empty, unit)
    if len(parts) == 1:
        return parts[0]
    return Summary(
        *(np.concatenate([getattr(part, name) for part in parts]) for name in ("customer_ids", "x", "t_x", "T")),
        np.concatenate([part.mean_value for part in parts]),
        unit,
    )


# --- BG/NBD ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


def bgnbd_log_likelihood(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood under BG/NBD (FHL 2005, eq. 6), computed in log space."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    gammaln, betaln = special.gammaln, special.betaln
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        dropped = np.where(
            x > 0,
            np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return common + np.logaddexp(alive, dropped)


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Σ u v without BLAS: numpy's dot hands a long vector to OpenBLAS threads, which on a busy
    machine cost more waking up than the sum itself (2-3 times the whole evaluation, measured)."""
    return float(np.einsum("i,i->", u, v))


class _BgNbdTerms:
    """Σ w ℓ over customers (eq. 6 in the log-sum-exp form of bgnbd_log_likelihood) and its exact
    gradient with respect to (log r, log α, log a, log b); see bgnbd_log_likelihood_with_gradient.

    What depends on x alone (the log-gammas, log-betas and digammas) is computed once per distinct x
    (a few hundred values however many customers); customers with x = 0, surely alive, need one
    log; the others the two branches."""

    def __init__(self, columns: Sequence[np.ndarray], weights: np.ndarray):
        x, t_x, T = columns
        self.x_values, inverse = np.unique(x, return_inverse=True)
        self.x_weights = np.bincount(inverse, weights=weights, minlength=len(self.x_values))
        self.total_weight = float(weights.sum())
        once = x == 0
        self.T_once, self.w_once = T[once], weights[once]
        again = ~once
        self.x, self.t_x, self.T, self.w = x[again], t_x[again], T[again], weights[again]
        self.wx = self.w * self.x
        self.index = inverse[again]  # into x_values

    def __call__(self, params: BgNbdParams) -> tuple[float, np.ndarray]:
        r, alpha, a, b = params.r, params.alpha, params.a, params.b
        gammaln, betaln, psi = special.gammaln, special.betaln, special.digamma
        xs, W, n = self.x_values, self.x_weights, self.total_weight
        # the common factor Γ(r + x) α^r B(a, b + x) / (Γ(r) B(a, b)), by distinct x
        total = _dot(W, gammaln(r + xs) + betaln(a, b + xs)) + n * (r * math.log(alpha) - gammaln(r) - betaln(a, b))
        psi_abx = psi(a + b + xs)
        g_r = _dot(W, psi(r + xs)) + n * (math.log(alpha) - psi(r))
        g_alpha = n * r / alpha
        g_a = n * psi(a + b) - _dot(W, psi_abx)
        g_b = _dot(W, psi(b + xs) - psi_abx) + n * (psi(a + b) - psi(b))
        # x = 0: the alive branch alone, −r log(α + T)
        log_T = np.log(alpha + self.T_once)
        total -= r * _dot(self.w_once, log_T)
        g_r -= _dot(self.w_once, log_T)
        g_alpha -= r * _dot(self.w_once, 1 / (alpha + self.T_once))
        # x > 0: log(e^alive + e^dropped), alive = −(r + x) log(α + T),
        # dropped = log a − log(b + x − 1) − (r + x) log(α + t_x); the branches weigh in by their shares.
        # In place where it can be: a million customers make arrays of 8 MB each.
        log_b1 = np.log(b + np.maximum(xs, 1) - 1)
        w, wx = self.w, self.wx
        log_T = np.log(alpha + self.T)
        log_ratio = np.log(alpha + self.t_x)
        log_ratio -= log_T  # log((α + t_x) / (α + T)) ≤ 0
        total -= r * _dot(w, log_T) + _dot(wx, log_T)  # Σ w × alive
        g_r -= _dot(w, log_T)
        del log_T
        gap = log_b1[self.index]
        np.subtract(math.log(a), gap, out=gap)
        gap -= (r + self.x) * log_ratio  # dropped − alive
        # log(1 + e^gap) and the dropped branch's share e^gap / (1 + e^gap), from one exponential
        small = np.exp(-np.abs(gap))
        total += _dot(w, np.maximum(gap, 0)) + _dot(w, np.log1p(small))
        share = small / (1 + small)
        positive = gap > 0
        share[positive] = 1 - share[positive]
        del gap, small, positive
        w_dropped = share
        w_dropped *= w  # w × the dropped branch's share of the likelihood
        g_r -= _dot(w_dropped, log_ratio)
        del log_ratio
        inv_T = 1 / (alpha + self.T)
        inv_gap = 1 / (alpha + self.t_x)
        inv_gap -= inv_T
        g_alpha -= (
            r * _dot(w, inv_T) + _dot(wx, inv_T) + r * _dot(w_dropped, inv_gap) + _dot(w_dropped * self.x, inv_gap)
        )
        g_a += w_dropped.sum() / a
        g_b -= _dot(w_dropped, np.exp(-log_b1)[self.index])
        return float(total), np.array([r * g_r, alpha * g_alpha, a * g_a, b * g_b])


def bgnbd_log_likelihood_with_gradient(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """The (weighted) total BG/NBD log-likelihood Σ w ℓ and its exact gradient with respect to the
    log-parameters (log r, log α, log a, log b), which is what the fit searches over.

    With ψ the digamma function, s_D = e^dropped / (e^alive + e^dropped) the share of the branch
    "dropped out after the last purchase" (0 for x = 0) and s_A = 1 − s_D, each customer's ℓ has
      ∂ℓ/∂r = ψ(r + x) − ψ(r) + log α − s_A log(α + T) − s_D log(α + t_x)
      ∂ℓ/∂α = r / α − (r + x) [s_A / (α + T) + s_D / (α + t_x)]
      ∂ℓ/∂a = ψ(a + b) − ψ(a + b + x) + s_D / a
      ∂ℓ/∂b = ψ(b + x) − ψ(a + b + x) − ψ(b) + ψ(a + b) − s_D / (b + x − 1)
    (∂ log B(u, v) / ∂u = ψ(u) − ψ(u + v)); in log-parameters each is multiplied by its parameter."""
    weights = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    return _BgNbdTerms([np.asarray(c, dtype=float) for c in (x, t_x, T)], weights)(params)


class _Objective:
    """A weighted negative log-likelihood over log-parameters, scaled to one customer (the mean, so
    that the optimiser's tolerances mean the same on 300 customers and on 1,000,000), with its exact
    gradient. `terms(params)` gives the weighted total log-likelihood and its gradient with respect
    to the log-parameters (and `terms.total_weight` the number of customers); evaluations are
    counted for the benchmark."""

    def __init__(self, terms, make_params):
        self.terms, self.total_weight, self.make_params = terms, terms.total_weight, make_params
        self.evaluations = 0

    def params(self, log_params):
        return self.make_params(*np.exp(np.clip(log_params, -LOG_BOUND, LOG_BOUND)))

    def __call__(self, log_params) -> tuple[float, np.ndarray]:
        self.evaluations += 1
        with np.errstate(all="ignore"):
            total, gradient = self.terms(self.params(log_params))
        if not (np.isfinite(total) and np.all(np.isfinite(gradient))):
            return 1e300, np.zeros(len(log_params))
        return -total / self.total_weight, -gradient / self.total_weight

    def value(self, log_params) -> float:
        return self(log_params)[0]


# L-BFGS-B with the exact gradient, bounded to e^±LOG_BOUND. Its default tolerances stop too early
# on a flat likelihood (no customer seen dropping out: a / (a + b) → 0, along a ridge where the slope
# in log space fades with the parameters), which would leave a parameter that is no estimate inside
# the identifiable range: the thin portfolio of the tests stops there with ftol 1e-11. With 1e-13
# (about a hundred times the rounding of a mean over a million customers) such a fit runs on until
# a parameter is past e^±IDENTIFIED_LOG, while an identified one still ends in 15-50 evaluations.
# A projected gradient (per customer, in log-parameters) below CONVERGED_GRADIENT at the end is an
# optimum; above it (the line search lost in rounding on a ragged surface) the fit falls back to
# the simplex.
FIT_OPTIONS = {"maxiter": 500, "ftol": 1e-13, "gtol": 1e-10}
CONVERGED_GRADIENT = 1e-6


def _projected_gradient(log_params: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """The gradient with the components that push a log-parameter further out of its bound zeroed."""
    at_lower = (log_params <= -LOG_BOUND + BOUND_TOLERANCE) & (gradient > 0)
    at_upper = (log_params >= LOG_BOUND - BOUND_TOLERANCE) & (gradient < 0)
    return np.where(at_lower | at_upper, 0.0, gradient)


def _fit(objective: _Objective, start: Sequence[float], stats: dict | None = None) -> tuple[np.ndarray, float]:
    """Minimise over log-parameters (so every parameter stays positive) with L-BFGS-B and the exact
    gradient. Should that end away from an optimum (a ragged surface, a line search lost in
    rounding), Nelder-Mead from where it stopped, then L-BFGS-B again to polish; the best point
    wins. Returns the parameters (clipped to e^±LOG_BOUND, as evaluated) and the objective there."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    x0 = np.clip(np.log(start), -LOG_BOUND, LOG_BOUND)
    first = optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=FIT_OPTIONS)
    runs = [first]
    converged = first.fun < 1e300 and np.max(np.abs(_projected_gradient(first.x, first.jac))) <= CONVERGED_GRADIENT
    if not converged:
        simplex = optimize.minimize(
            objective.value,
            first.x if first.fun < 1e300 else x0,
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-12},
        )
        refined = optimize.minimize(
            objective, simplex.x, jac=True, method="L-BFGS-B", bounds=bounds, options=FIT_OPTIONS
        )
        runs += [simplex, refined]
    best = min(runs, key=lambda r: r.fun if np.isfinite(r.fun) else np.inf)
    if stats is not None:
        stats.update(evaluations=objective.evaluations, fallback=not converged, message=str(first.message))
    return np.exp(np.clip(best.x, -LOG_BOUND, LOG_BOUND)), float(best.fun) * objective.total_weight


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Identical customers (same x, t_x, T) counted once with a weight: real histories in whole
    days or weeks repeat a lot, and the likelihood is a weighted sum. The distinct rows come in
    lexicographic order (as np.unique(axis=0) gives them, from one lexsort: several times faster)."""
    columns = [np.asarray(c, dtype=float) for c in columns]
    n = len(columns[0])
    if n == 0:
        return [c[:0] for c in columns], np.zeros(0)
    order = np.lexsort(columns[::-1])  # the last key is the primary one
    ordered = [c[order] for c in columns]
    del order
    new_row = np.zeros(n, dtype=bool)
    new_row[0] = True
    for column in ordered:
        new_row[1:] |= column[1:] != column[:-1]
    if new_row.all():  # nothing to merge (continuous times): no second copy
        return ordered, np.ones(n)
    starts = np.flatnonzero(new_row)
    return [c[starts] for c in ordered], np.diff(np.append(starts, n)).astype(float)


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *, stats: dict | None = None) -> tuple[BgNbdParams, float]:
    """Maximum-likelihood BG/NBD parameters and the total log-likelihood. `stats`, when given, is
    filled with how the fit went (evaluations of the likelihood and its gradient, fallback)."""
    scale = _time_scale(T)
    objective = _Objective(_BgNbdTerms(*_compress(x, t_x, T)), BgNbdParams)
    values, negative_ll = _fit(objective, [1.0, scale, 1.0, 1.0], stats)
    return BgNbdParams(*values), -negative_ll


def unidentified_parameter(values: dict[str, float], scales: dict[str, float]) -> tuple[str, float] | None:
    """The first fitted parameter (name, value) that ran to a bound: of the identifiable range (see
    IDENTIFIED_LOG), or of the optimiser itself (e^±LOG_BOUND, whatever the scale: a scale-free check
    alone would let through an α at e^20 on data whose mean T is huge). None when every parameter is
    an estimate."""
    for name, value in values.items():
        value = float(value)
        scaled = value / scales.get(name, 1.0)
        if not (math.isfinite(value) and math.isfinite(scaled)) or value <= 0 or scaled <= 0:
            return name, value
        if abs(math.log(scaled)) > IDENTIFIED_LOG or abs(math.log(value)) >= LOG_BOUND - BOUND_TOLERANCE:
            return name, value
    return None


def bgnbd_unidentified(params: BgNbdParams, T: np.ndarray) -> tuple[str, float] | None:
    """unidentified_parameter for a BG/NBD fit on customers with these T (α in units of their mean)."""
    values = {"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b}
    return unidentified_parameter(values, {"alpha": _time_scale(T)})


def _time_scale(T: np.ndarray) -> float:
    return max(float(np.mean(T)), 1.0) if len(T) else 1.0


def p_alive(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(still alive | x, t_x, T); 1 for customers with no repeat purchase (FHL 2005, eq. 11)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds_dead = (
            np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    return np.where(x > 0, special.expit(-log_odds_dead), 1.0)


NO_DROPOUT = 1e-6  # a mean dropout probability a / (a + b) below this is the no-dropout limit


def expected_purchases(params: BgNbdParams, t: float, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """E[purchases in the next t units | x, t_x, T] (FHL 2005, eq. 10).

    When the fit says customers practically never drop out (a / (a + b) → 0, often with r and α
    running off together on little data), the model is the NBD's: E = t (r + x) / (α + T), which the
    closed form approaches but cannot compute (its hypergeometric term loses every digit there).
    Any customer for whom the closed form still gives no usable number gets that limit times P(alive).
    """
    r, alpha = params.r, params.alpha
    limit = t * (r + x) / (alpha + T)
    if params.a / (params.a + params.b) < NO_DROPOUT:
        return limit
    a, b = _off_one(params.a), _off_sum_one(params.a, params.b)
    z = t / (alpha + T + t)
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        numerator = (a + b + x - 1) / (a - 1) * (1 - np.exp(log_ratio) * hyp)
    alive = p_alive(params, x, t_x, T)
    closed = numerator * alive
    usable = np.isfinite(closed) & (closed >= 0) & (closed <= limit * (1 + 1e-9) + 1e-12)
    return np.where(usable, closed, limit * alive)


def expected_purchases_new(params: BgNbdParams, t: np.ndarray) -> np.ndarray:
    """E[X(t)] for a customer just acquired (FHL 2005, eq. 7): the population's expected repeat
    purchases in the first t units, used for the holdout check's cumulative curve."""
    r, alpha = params.r, params.alpha
    a, b = _off_one(params.a), _off_sum_one(params.a, params.b)
    t = np.asarray(t, dtype=float)
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)


def _off_one(a: float) -> float:
    """The closed forms hold for every a > 0 but divide by a − 1: step off the removable point."""
    return a + 1e-9 if abs(a - 1) < 1e-9 else a


def _off_sum_one(a: float, b: float) -> float:
    """With a + b = 1 and x = 0 the closed form multiplies 0 by an infinite hypergeometric term;
    the limit is finite, so step b off the point."""
    return b + 1e-9 if abs(a + b - 1) < 1e-9 else b


# --- Gamma-Gamma --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float


def gamma_gamma_log_likelihood(params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood of their mean repeat value m̄ given x (FHL 2005b, eq. 4)."""
    p, q, v = params.p, params.q, params.v
    gammaln = special.gammaln
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(mean_value)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * mean_value + v)
    )


class _GammaGammaTerms:
    """Σ w ℓ over customers with x > 0 (FHL 2005b eq. 4, as gamma_gamma_log_likelihood) and its exact
    gradient with respect to (log p, log q, log v); see gamma_gamma_log_likelihood_with_gradient.
    The log-gammas and digammas are computed once per distinct x; per customer, one log."""

    def __init__(self, columns: Sequence[np.ndarray], weights: np.ndarray):
        x, mean_value = columns
        self.x_values, inverse = np.unique(x, return_inverse=True)
        self.x_weights = np.bincount(inverse, weights=weights, minlength=len(self.x_values))
        self.total_weight = float(weights.sum())
        self.w, self.wx, self.xm = weights, weights * x, x * mean_value
        log_m = np.log(mean_value)
        # (p x − 1) log m̄ + p x log x = p · x (log m̄ + log x) − log m̄: two constants of the data
        self.wx_log_mx = _dot(self.wx, log_m + np.log(x))
        self.w_log_m = _dot(weights, log_m)

    def __call__(self, params: GammaGammaParams) -> tuple[float, np.ndarray]:
        p, q, v = params.p, params.q, params.v
        gammaln, psi = special.gammaln, special.digamma
        xs, W, n = self.x_values, self.x_weights, self.total_weight
        px = p * xs
        log_d = np.log(self.xm + v)  # log(x m̄ + v)
        wx_log_d, w_log_d = _dot(self.wx, log_d), _dot(self.w, log_d)
        total = (
            _dot(W, gammaln(px + q) - gammaln(px))
            + n * (q * math.log(v) - gammaln(q))
            + p * self.wx_log_mx
            - self.w_log_m
            - p * wx_log_d
            - q * w_log_d
        )
        psi_pxq = psi(px + q)
        g_p = _dot(W, xs * (psi_pxq - psi(px))) + self.wx_log_mx - wx_log_d
        g_q = _dot(W, psi_pxq) + n * (math.log(v) - psi(q)) - w_log_d
        inv_d = 1 / (self.xm + v)
        g_v = n * q / v - p * _dot(self.wx, inv_d) - q * _dot(self.w, inv_d)
        return float(total), np.array([p * g_p, q * g_q, v * g_v])


def gamma_gamma_log_likelihood_with_gradient(
    params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """The (weighted) total Gamma-Gamma log-likelihood Σ w ℓ of customers with x > 0 and its exact
    gradient with respect to (log p, log q, log v). With ψ the digamma function, each customer's ℓ has
      ∂ℓ/∂p = x [ψ(p x + q) − ψ(p x) + log m̄ + log x − log(x m̄ + v)]
      ∂ℓ/∂q = ψ(p x + q) − ψ(q) + log v − log(x m̄ + v)
      ∂ℓ/∂v = q / v − (p x + q) / (x m̄ + v)
    and in log-parameters each is multiplied by its parameter."""
    x, mean_value = np.asarray(x, dtype=float), np.asarray(mean_value, dtype=float)
    weights = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    return _GammaGammaTerms([x, mean_value], weights)(params)


def _spend_scale(x: np.ndarray, mean_value: np.ndarray) -> float:
    mask = (x > 0) & (mean_value > 0)
    return max(float(np.mean(mean_value[mask])), 1.0) if mask.any() else 1.0


def gamma_gamma_unidentified(
    params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray
) -> tuple[str, float] | None:
    """unidentified_parameter for a Gamma-Gamma fit on these customers (v in units of their mean
    repeat value). p → ∞ with v → 0 is the usual way out: every customer's spend seems constant."""
    values = {"p": params.p, "q": params.q, "v": params.v}
    return unidentified_parameter(values, {"v": _spend_scale(x, mean_value)})


def fit_gamma_gamma(
    x: np.ndarray, mean_value: np.ndarray, *, stats: dict | None = None
) -> tuple[GammaGammaParams, float]:
    """Maximum-likelihood Gamma-Gamma parameters on the customers with x > 0, and the total
    log-likelihood; `stats` as for fit_bgnbd."""
    mask = (x > 0) & (mean_value > 0)
    start = [1.0, 2.0, _spend_scale(x, mean_value)]
    objective = _Objective(_GammaGammaTerms(*_compress(x[mask], mean_value[mask])), GammaGammaParams)
    values, negative_ll = _fit(objective, start, stats)
    return GammaGammaParams(*values), -negative_ll


def expected_average_value(params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """E[M | x, m̄] = p (v + x m̄) / (p x + q − 1); for x = 0 the population mean p v / (q − 1).
    NaN where the denominator is not positive (the model's mean spend is unbounded there)."""
    p, q, v = params.p, params.q, params.v
    denominator = p * x + q - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, p * (v + x * mean_value) / np.where(denominator > 0, denominator, 1), np.nan)


# --- how sure the fit is: standard errors ------------------------------------------------------
#
# The asymptotic covariance of maximum-likelihood estimates is the inverse of the Hessian of the
# negative log-likelihood at the optimum (the observed information). It is taken here on the
# parameters themselves (r, α, a, b; p, q, v), by central finite differences with a step relative to
# each parameter (all are positive, and their sizes differ by orders of magnitude). Where that
# Hessian is not positive definite the optimum is no maximum (a ridge or a saddle): there are no
# standard errors, and the fit is no estimate.

HESSIAN_STEP = 1e-4  # relative step: truncation error ~1e-8, rounding error ~1e-16 |f| / 1e-8 of f''
SINGULAR = 1e-10  # smallest / largest eigenvalue of the scale-free Hessian below this: singular
# A parameter whose standard error passes this many times its value is not estimated either: the
# standard error of its logarithm is then past half the optimiser's range (±LOG_BOUND), so its 95 %
# interval spans all of it. Thin data ends there when the optimiser stops short of a bound (where it
# stops depends on the machine's floating point); a small but real portfolio (the demo's 50
# customers) stays well inside, its worst at about 5.
MAX_RELATIVE_ERROR = LOG_BOUND / 2
BOUND, NO_STANDARD_ERRORS = "bound", "standard_errors"  # why a fit is no estimate


def numerical_hessian(f, theta: Sequence[float], step: float = HESSIAN_STEP) -> np.ndarray:
    """The Hessian of f at theta by central differences with steps h_i = step × |θ_i|:
    H_ij = [f(θ+h_i+h_j) − f(θ+h_i−h_j) − f(θ−h_i+h_j) + f(θ−h_i−h_j)] / (4 h_i h_j)."""
    theta = np.asarray(theta, dtype=float)
    k = len(theta)
    h = step * np.abs(theta)
    hessian = np.empty((k, k))
    centre = f(theta)
    for i in range(k):
        e_i = np.zeros(k)
        e_i[i] = h[i]
        hessian[i, i] = (f(theta + 2 * e_i) - 2 * centre + f(theta - 2 * e_i)) / (4 * h[i] ** 2)
        for j in range(i + 1, k):
            e_j = np.zeros(k)
            e_j[j] = h[j]
            value = f(theta + e_i + e_j) - f(theta + e_i - e_j) - f(theta - e_i + e_j) + f(theta - e_i - e_j)
            hessian[i, j] = hessian[j, i] = value / (4 * h[i] * h[j])
    return hessian


def standard_errors(negative_ll, theta: Sequence[float]) -> np.ndarray | None:
    """√diag(H⁻¹) with H the Hessian of negative_ll at theta (the optimum); None when H is not finite,
    not positive definite or singular (judged scale-free, on diag(θ) H diag(θ), the Hessian in log
    parameters), or the errors are not finite."""
    theta = np.asarray(theta, dtype=float)
    if not np.all(np.isfinite(theta)) or np.any(theta <= 0):
        return None
    with np.errstate(all="ignore"):
        hessian = numerical_hessian(negative_ll, theta)
    if not np.all(np.isfinite(hessian)):
        return None
    scaled = theta[:, None] * hessian * theta[None, :]
    eigenvalues = np.linalg.eigvalsh((scaled + scaled.T) / 2)
    if eigenvalues[0] <= eigenvalues[-1] * SINGULAR:
        return None
    # the inverse of the scale-free Hessian, scaled back: better conditioned than inverting H
    covariance = np.linalg.inv(scaled) * theta[:, None] * theta[None, :]
    variances = np.diag(covariance)
    if not np.all(np.isfinite(variances)) or np.any(variances <= 0):
        return None
    return np.sqrt(variances)


def bgnbd_standard_errors(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> dict | None:
    """{r, alpha, a, b: standard error} of a BG/NBD fit on these customers, or None (see standard_errors)."""
    (x, t_x, T), weights = _compress(x, t_x, T)

    def negative_ll(theta):
        return -float((weights * bgnbd_log_likelihood(BgNbdParams(*theta), x, t_x, T)).sum())

    errors = standard_errors(negative_ll, [params.r, params.alpha, params.a, params.b])
    return None if errors is None else dict(zip(("r", "alpha", "a", "b"), map(float, errors), strict=True))


def gamma_gamma_standard_errors(params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray) -> dict | None:
    """{p, q, v: standard error} of a Gamma-Gamma fit on these customers (those with x > 0), or None."""
    mask = (x > 0) & (mean_value > 0)
    (xs, ms), weights = _compress(x[mask], mean_value[mask])

    def negative_ll(theta):
        return -float((weights * gamma_gamma_log_likelihood(GammaGammaParams(*theta), xs, ms)).sum())

    errors = standard_errors(negative_ll, [params.p, params.q, params.v])
    return None if errors is None else dict(zip(("p", "q", "v"), map(float, errors), strict=True))


@dataclass(frozen=True)
class FitCheck:
    """Whether a fit is an estimate: its standard errors, or why it is none — `unidentified` is
    {"parameter", "value", "reason"}: reason BOUND (that parameter ran to a bound) or
    NO_STANDARD_ERRORS (no maximum to speak of: parameter "" and value None; or a maximum so flat
    that the parameter named has a standard error past MAX_RELATIVE_ERROR times its value)."""

    standard_errors: dict | None = None
    unidentified: dict | None = None


def _check(edge: tuple[str, float] | None, errors) -> FitCheck:
    if edge:
        return FitCheck(unidentified={"parameter": edge[0], "value": edge[1], "reason": BOUND})
    errors = errors()
    if errors is None:
        return FitCheck(unidentified={"parameter": "", "value": None, "reason": NO_STANDARD_ERRORS})
    return FitCheck(standard_errors=errors)


def _precise(values: dict[str, float], check: FitCheck) -> FitCheck:
    """The check, or no estimate when a parameter's standard error is past MAX_RELATIVE_ERROR times it."""
    for name, error in (check.standard_errors or {}).items():
        value = float(values[name])
        if error > MAX_RELATIVE_ERROR * value:
            return FitCheck(unidentified={"parameter": name, "value": value, "reason": NO_STANDARD_ERRORS})
    return check


def bgnbd_check(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> FitCheck:
    """A BG/NBD fit is an estimate when no parameter ran to a bound and it has standard errors, each
    within MAX_RELATIVE_ERROR times its parameter."""
    check = _check(bgnbd_unidentified(params, T), lambda: bgnbd_standard_errors(params, x, t_x, T))
    return _precise({"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b}, check)


def gamma_gamma_check(params: GammaGammaParams, x: np.ndarray, mean_value: np.ndarray) -> FitCheck:
    """A Gamma-Gamma fit is an estimate when no parameter ran to a bound and it has standard errors, each
    within MAX_RELATIVE_ERROR times its parameter."""
    check = _check(
        gamma_gamma_unidentified(params, x, mean_value), lambda: gamma_gamma_standard_errors(params, x, mean_value)
    )
    return _precise({"p": params.p, "q": params.q, "v": params.v}, check)


# --- value, RFM, tiers --------------------------------------------------------------------------


def horizon_units(unit: str) -> float:
    return HORIZON_DAYS / DAYS_PER_UNIT[unit]


def to_money(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def predicted_value(expected_count: float, expected_value: Decimal, margin_ratio: Decimal) -> Decimal:
    """Predicted 12-month value = expected purchases × expected value × margin ratio, to the fen."""
    return (Decimal(repr(float(expected_count))) * expected_value * margin_ratio).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def margin_ratio(
    gross_margin: Decimal, revenue: Decimal, portfolio_ratio: Decimal, cost_unknown_revenue: Decimal = Decimal(0)
) -> Decimal:
    """The customer's T12M gross margin / revenue, else the portfolio's (no revenue in the window).

    `gross_margin` is that of the sales with a cost of goods; the revenue of sales without one
    (`cost_unknown_revenue`, part of `revenue`) is "cost unknown" and earns the portfolio's ratio:
    (gross margin of costed sales + portfolio ratio × cost-unknown revenue) / revenue. A sale with no
    cost of goods is not a sale at 100 % margin.
    """
    if revenue > 0:
        return (gross_margin + portfolio_ratio * cost_unknown_revenue) / revenue
    return portfolio_ratio


def portfolio_margin_ratio(costed_revenue: Decimal, cost_of_goods: Decimal) -> Decimal:
    """The portfolio's T12M gross margin / revenue over the sales whose cost of goods is known
    (Σ amount − Σ cost of goods of those sales, over their Σ amount); 1 when no sale has a cost."""
    if costed_revenue > 0:
        return (costed_revenue - cost_of_goods) / costed_revenue
    return Decimal(1)


def potential_value(predicted: Decimal, outlook_factor: Decimal, growth_rating: int) -> Decimal:
    """Potential value = predicted 12-month value × industry outlook factor × growth factor."""
    return (predicted * outlook_factor * GROWTH_FACTORS[growth_rating]).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def quintile_scores(values: Sequence, *, higher_is_better: bool = True) -> list[int]:
    """Scores 1..5 by quintile: 1 + ⌊5 × (share of the others that this value beats)⌋.

    Ties get the same score. For recency (days since the last sale) fewer days is better: pass
    higher_is_better=False.
    """
    array = np.asarray([float(v) for v in values])
    return _quintiles(np.sort(array), array, len(array), higher_is_better).tolist()


def _quintiles(ordered: np.ndarray, values: np.ndarray, n: int, higher_is_better: bool) -> np.ndarray:
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    if higher_is_better:
        beaten = np.searchsorted(ordered, values, side="left")  # values strictly lower
    else:
        beaten = len(ordered) - np.searchsorted(ordered, values, side="right")  # values strictly higher
    return np.minimum(5, 1 + (5 * beaten.astype(np.int64)) // n)


def quintile_scores_among(others: Sequence, values: Sequence, *, higher_is_better: bool = True) -> list[int]:
    """Each value's quintile score among `others` and itself: quintile_scores([*others, v])[-1] for
    each v, from one sort (re-scoring a few customers against the rest of a run)."""
    ordered = np.sort(np.asarray([float(v) for v in others]))
    array = np.asarray([float(v) for v in values])
    return _quintiles(ordered, array, len(ordered) + 1, higher_is_better).tolist()


SEGMENTS = ("champions", "loyal", "potential_loyalist", "new", "at_risk", "cant_lose", "hibernating", "lost")


def rfm_segment(r: int, f: int) -> str:
    """The usual segment map on recency and frequency scores (each 1..5); covers all 25 cells."""
    if r == 5 and f >= 4:
        return "champions"
    if r >= 3 and f >= 4:
        return "loyal"
    if r >= 4 and f == 1:
        return "new"
    if r >= 4 or (r == 3 and f == 3):
        return "potential_loyalist"
    if r <= 2 and f == 5:
        return "cant_lose"
    if r <= 2 and f >= 3:
        return "at_risk"
    if r == 1:
        return "lost"
    return "hibernating"


# rfm_segment as a table indexed by [r, f] (0 stands for no score)
_SEGMENT_TABLE = np.array(
    [["" for _f in range(6)], *[["", *(rfm_segment(r, f) for f in range(1, 6))] for r in range(1, 6)]], dtype=object
)


@dataclass(frozen=True)
class RfmRanks:
    """RFM scores 1..5 (0: none, no sale in the window) and segments, one per customer ranked."""

    r: np.ndarray
    f: np.ndarray
    m: np.ndarray
    segment: np.ndarray


def rfm_rank(recency, purchases, monetary, *, among: tuple | None = None) -> RfmRanks:
    """RFM over T12M (DESIGN.md): recency (days since the last sale, NaN for never), frequency
    (T12M purchases) and monetary (T12M revenue) each scored by quintile among the customers with a
    sale in the window (fewer days is better), and the segment from the map. A customer without a
    sale in the window has no scores; its segment is "lost" if it bought before, else none.

    The ranking pool is the customers given (a whole run), or with `among` = (recency, purchases,
    monetary) of the run's other customers, each customer given ranks among those and itself
    (re-scoring a few customers against the rest of a run)."""
    recency, purchases, monetary = (np.asarray(a, dtype=float) for a in (recency, purchases, monetary))
    active = purchases > 0
    if among is None:
        pool, extra = (recency[active], purchases[active], monetary[active]), 0
    else:
        others = [np.asarray(a, dtype=float) for a in among]
        buying = others[1] > 0
        pool, extra = tuple(a[buying] for a in others), 1
    n = len(pool[0]) + extra
    scores = []
    for values, ordered, higher in zip((recency, purchases, monetary), pool, (False, True, True), strict=True):
        score = np.zeros(len(values), dtype=np.int64)
        score[active] = _quintiles(np.sort(ordered), values[active], n, higher)
        scores.append(score)
    r, f, m = scores
    segment = _SEGMENT_TABLE[r, f]
    segment[~active & ~np.isnan(recency)] = "lost"  # bought before, but not in the last 12 months
    return RfmRanks(r, f, m, segment)


def value_tiers(values: Sequence[Decimal]) -> list[str]:
    """A/B/C/D by percentile of value: top 10 % A, next 20 % B, next 40 % C, rest D.

    A customer's place is the share of customers with a strictly greater value, so ties share a tier.
    """
    array = np.asarray([float(v) for v in values])
    return _tiers(np.sort(array), array, len(array)).tolist()


def value_tiers_of(values: np.ndarray, *, among: np.ndarray | None = None) -> np.ndarray:
    """value_tiers over an array of values (floats that order as the amounts do); with `among`, each
    value's tier among those and itself, as value_tiers_among."""
    values = np.asarray(values, dtype=float)
    if among is None:
        return _tiers(np.sort(values), values, len(values))
    return _tiers(np.sort(np.asarray(among, dtype=float)), values, len(among) + 1)


def _tiers(ordered: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    if not len(values):
        return np.zeros(0, dtype=object)
    share = (len(ordered) - np.searchsorted(ordered, values, side="right")) / n
    return np.select([share < 0.10, share < 0.30, share < 0.70], ["A", "B", "C"], "D").astype(object)


def value_tiers_among(others: Sequence[Decimal], values: Sequence[Decimal]) -> list[str]:
    """Each value's tier among `others` and itself: value_tiers([*others, v])[-1] for each v."""
    ordered = np.sort(np.asarray([float(v) for v in others]))
    array = np.asarray([float(v) for v in values])
    return _tiers(ordered, array, len(ordered) + 1).tolist()


@dataclass(frozen=True)
class CalibrationRow:
    """Customers with `label` repeat purchases in the calibration period ("7+" for seven or more):
    how many, and their average actual and predicted purchases in the holdout (None for no one)."""

    label: str
    customers: int
    actual: float | None
    predicted: float | None


CALIBRATION_GROUPS = 7  # x = 0 .. 6, then 7+


def calibration_table(
    params: BgNbdParams, summary: Summary, holdout_counts: np.ndarray, holdout_length: float
) -> list[CalibrationRow]:
    """The classic calibration-vs-holdout table (Fader & Hardie): customers grouped by their repeat
    purchases x in the calibration period (0, 1, …, 6, 7+); per group the number of customers, the
    average of their actual holdout purchases (`holdout_counts`, aligned with the summary), and the
    average of their conditional expectations E[X(T, T + t*) | x, t_x, T] over the holdout length t*."""
    counts = np.asarray(holdout_counts, dtype=float)
    expected = expected_purchases(params, float(holdout_length), summary.x, summary.t_x, summary.T)
    rows = []
    for group in range(CALIBRATION_GROUPS + 1):
        last = group == CALIBRATION_GROUPS
        members = summary.x >= group if last else summary.x == group
        n = int(members.sum())
        rows.append(
            CalibrationRow(
                label=f"{group}+" if last else str(group),
                customers=n,
                actual=float(counts[members].mean()) if n else None,
                predicted=float(expected[members].mean()) if n else None,
            )
        )
    return rows


@dataclass(frozen=True)
class HoldoutResult:
    """Predicted vs actual cumulative repeat purchases per period of the holdout, the calibration
    table, and the calibration fit's parameters with their standard errors."""

    periods: list[int] = field(default_factory=list)
    predicted: list[float] = field(default_factory=list)
    actual: list[int] = field(default_factory=list)
    unidentified: str = ""  # the parameter that ran to its bound: the fit is no estimate to check
    unidentified_reason: str = ""  # BOUND or NO_STANDARD_ERRORS when the fit is no estimate
    calibration: list[CalibrationRow] = field(default_factory=list)
    params: dict = field(default_factory=dict)  # the calibration fit's r, alpha, a, b
    standard_errors: dict | None = None

    @property
    def error(self) -> float | None:
        """Relative error of the total over the holdout: (predicted − actual) / actual."""
        if not self.actual or self.actual[-1] == 0:
            return None
        return (self.predicted[-1] - self.actual[-1]) / self.actual[-1]


def holdout_curve(
    params: BgNbdParams,
    summary: Summary,
    holdout_days_by_customer: dict[int, list[float]],
    holdout_length: float,
) -> HoldoutResult:
    """Cumulative predicted (Σ conditional expectations) and actual repeat purchases at the end of
    each whole period of the holdout. `holdout_days_by_customer` gives, per customer of the
    calibration, the times (in units after the calibration end) of their holdout purchases."""
    periods = list(range(1, math.floor(holdout_length) + 1))
    predicted, actual = [], []
    for t in periods:
        expected = expected_purchases(params, float(t), summary.x, summary.t_x, summary.T)
        predicted.append(float(np.nansum(expected)))
        actual.append(sum(1 for times in holdout_days_by_customer.values() for s in times if s <= t))
    return HoldoutResult(periods, predicted, actual)


def changes_between(previous: dict | None, current: dict) -> list[tuple[str, dict]]:
    """What changed from one snapshot to the next, as (kind, values) for the page to word:
    ("segment", {from, to, days}), ("tier", {from, to}); empty when nothing did.
    Snapshots are dicts with segment, tier and recency_days."""
    if not previous:
        return []
    changes = []
    if previous.get("segment") != current.get("segment") and current.get("segment"):
        changes.append(
            (
                "segment",
                {
                    "from": previous.get("segment"),
                    "to": current["segment"],
                    "days": current.get("recency_days"),
                },
            )
        )
    if previous.get("tier") != current.get("tier") and current.get("tier"):
        changes.append(("tier", {"from": previous.get("tier"), "to": current["tier"]}))
    return changes
