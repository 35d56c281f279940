"""The valuation run: fit the purchase model on the whole portfolio, score customers in chunks
(each chunk a worker task when fanned out over Celery), then rank the portfolio (RFM, tiers).

Set-based: a chunk is a range of customer ids, its aggregates grouped queries over that range, the
model figures numpy over the chunk's arrays, its rows written with COPY (custnotes.bulk); the
ranking reads the run's few figures per customer into arrays, ranks them with numpy and writes the
scores back through a staging table. Memory is that of a chunk, not of the portfolio.

Every step is idempotent: a chunk that is delivered twice (a worker restarted mid-run) rewrites
the same rows, and the finishing step runs once.
"""

import dataclasses
import datetime
import time
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from costing.selectors import pnl_by_customer
from custnotes.bulk import insert_rows, update_rows
from custnotes.dates import local_days
from custnotes.money import ZERO
from custnotes.registry import registry
from customers.models import Customer, Industry
from transactions.calculations import T12M_DAYS, window_start
from transactions.models import Sale

from . import calculations as calc
from . import selectors
from .choices import HistoryNote, RescoreOutcome, RunStatus
from .models import CustomerValuation, RescoreRequest, ValuationChunk, ValuationRun
from .selectors import IdRange, customers_filter

CHUNK_SIZE = 2000


# What a run that re-scores with an earlier fit takes over from it: the fitted model and its checks.
MODEL_KEYS = ("r", "alpha", "a", "b", "p", "q", "v", "se", "bgnbd_unidentified", "gg_unidentified", "fitted_as_of")


def latest_fit(*, as_of: datetime.date) -> ValuationRun | None:
    """The newest finished run on or before `as_of`, whose model a re-scoring run reuses."""
    return ValuationRun.objects.filter(status=RunStatus.DONE, as_of__lte=as_of).order_by("-as_of").first()


def _reused_fit(source: ValuationRun) -> dict:
    params = source.params
    return {
        "params": {k: params[k] for k in MODEL_KEYS if k in params and k not in ("se", "fitted_as_of")},
        "se": params.get("se", {}),
        "bgnbd_ll": source.bgnbd_log_likelihood,
        "gg_ll": source.gg_log_likelihood,
        "customers": source.fitted_customers,
        "fitted_as_of": params.get("fitted_as_of", source.as_of.isoformat()),
        **{k: params[k] for k in ("bgnbd_unidentified", "gg_unidentified") if k in params},
    }


@transaction.atomic
def valuation_prepare(
    *, as_of: datetime.date, unit: str = "weeks", chunk_size: int = CHUNK_SIZE, refit: bool = True
) -> ValuationRun:
    """Start (or restart) the run for `as_of`: fit the models (or, with refit=False, take the latest
    finished run's fit: the nightly re-scoring between the monthly fits) and cut the customers into
    chunks. With no earlier fit to take, it fits."""
    started = time.monotonic()
    source = None if refit else latest_fit(as_of=as_of)
    if source is not None:
        fit, unit = _reused_fit(source), source.unit  # read before the run (maybe the source) is reset
    run, _created = ValuationRun.objects.select_for_update().get_or_create(as_of=as_of)
    run.valuations.all().delete()
    run.chunks.all().delete()
    if source is None:
        fit = {**model_fit(as_of=as_of, unit=unit), "fitted_as_of": as_of.isoformat()}
        if any(not np.isfinite(value) for value in fit["params"].values()):
            fit = {**fit, "params": {}, "se": {}}  # a fit that did not converge to numbers gives no model figures
    # Over the sales with a cost of goods only: a sale without one is "cost unknown", not 100 % margin.
    costed = selectors.t12m_costed_totals(as_of=as_of)
    portfolio_ratio = calc.portfolio_margin_ratio(costed["revenue"], costed["cogs"])
    chunks = selectors.customer_ranges(size=chunk_size)
    run.unit = unit
    run.status = RunStatus.RUNNING
    run.params = {
        **fit["params"],
        "portfolio_margin_ratio": str(portfolio_ratio),
        "unit": unit,
        # the run's own threshold, so that re-scoring one customer later applies the same rule
        "too_new_days": settings.VALUATION_TOO_NEW_DAYS,
        "fitted_as_of": fit["fitted_as_of"],  # the date of the portfolio the model was fitted on
    }
    if fit["se"]:
        run.params["se"] = fit["se"]  # standard errors of the parameters above, by name
    for key in ("bgnbd_unidentified", "gg_unidentified"):
        if key in fit:
            run.params[key] = fit[key]  # why the run has no model figures, for the pages to say
    run.bgnbd_log_likelihood = fit["bgnbd_ll"]
    run.gg_log_likelihood = fit["gg_ll"]
    run.fitted_customers = fit["customers"]
    run.customers = sum(count for _span, count in chunks)
    run.chunks_total = len(chunks)
    run.chunks_done = 0
    run.started_at = timezone.now()
    run.error = ""
    run.finished_at = None
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.save()
    ValuationChunk.objects.bulk_create(
        ValuationChunk(run=run, index=index, first_id=span.first, last_id=span.last, customers=count)
        for index, (span, count) in enumerate(chunks)
    )
    return run


def model_fit(*, as_of: datetime.date, unit: str = "weeks") -> dict:
    """Fit BG/NBD and Gamma-Gamma on the purchase history up to as_of."""
    summary = selectors.purchase_summary(as_of=as_of, unit=unit)
    usable = summary.T > 0
    result = {
        "params": {},
        "se": {},
        "bgnbd_ll": None,
        "gg_ll": None,
        "customers": int(usable.sum()),
        "gg_customers": 0,
    }
    if usable.sum() < calc.MIN_CUSTOMERS_BGNBD or not (summary.x[usable] > 0).any():
        return result
    x, t_x, T = summary.x[usable], summary.t_x[usable], summary.T[usable]
    bg, bg_ll = calc.fit_bgnbd(x, t_x, T)
    check = calc.bgnbd_check(bg, x, t_x, T)
    if check.unidentified:
        # Not an estimate (on a bound, or no maximum): no purchase model, hence no spend model either.
        result["bgnbd_unidentified"] = check.unidentified
        return result
    result["params"].update(r=bg.r, alpha=bg.alpha, a=bg.a, b=bg.b)
    result["se"].update(check.standard_errors)
    result["bgnbd_ll"] = bg_ll
    repeaters = usable & (summary.x > 0) & (summary.mean_value > 0)
    result["gg_customers"] = int(repeaters.sum())
    if repeaters.sum() >= calc.MIN_CUSTOMERS_GG:
        x, mean_value = summary.x[repeaters], summary.mean_value[repeaters]
        gg, gg_ll = calc.fit_gamma_gamma(x, mean_value)
        check = calc.gamma_gamma_check(gg, x, mean_value)
        if check.unidentified:
            result["gg_unidentified"] = check.unidentified
        else:
            result["params"].update(p=gg.p, q=gg.q, v=gg.v)
            result["se"].update(check.standard_errors)
            result["gg_ll"] = gg_ll
    return result


def valuation_score_chunk(*, run_id: int, index: int) -> bool:
    """Score one chunk's customers; returns True when this chunk completed the run's scoring."""
    with transaction.atomic():
        chunk = ValuationChunk.objects.select_for_update().select_related("run").get(run_id=run_id, index=index)
        if chunk.done:
            return False
        run = chunk.run
        span = IdRange(chunk.first_id, chunk.last_id)
        rows = score_customers(run=run, customers=span)
        CustomerValuation.objects.filter(customers_filter("customer_id", span), run=run).delete()
        now = timezone.now()
        insert_rows(
            CustomerValuation,
            ("run_id", "as_of", "scored_at", "segment", "tier", *SCORED_FIELDS),
            ((run.pk, run.as_of, now, "", "", *(row[name] for name in SCORED_FIELDS)) for row in rows),
        )
        chunk.done = True
        chunk.save(update_fields=["done"])
        ValuationRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)
    return not ValuationChunk.objects.filter(run_id=run_id, done=False).exists()


# What score_customers gives for each customer (the ranking adds r, f, m, segment and tier).
SCORED_FIELDS = (
    "customer_id",
    "current_value",
    "t12m_purchases",
    "t12m_gross_margin",
    "t12m_contribution",
    "recency_days",
    "p_alive",
    "expected_purchases",
    "expected_value",
    "predicted_value",
    "potential_value",
    "history_note",
)


def score_customers(*, run: ValuationRun, customers) -> list[dict]:
    """Each customer's figures as of the run's date ({field: value}, SCORED_FIELDS, in customer
    order) for `customers`: a range of ids (a chunk) or ids (see selectors.customers_filter).
    Set-based: the aggregates come from grouped queries (a fixed number whatever the number of
    customers), the model figures from the arrays at once."""
    as_of, unit, params = run.as_of, run.unit, run.params
    summary = selectors.purchase_summary(as_of=as_of, unit=unit, customers=customers)
    index = {cid: i for i, cid in enumerate(summary.customer_ids.tolist())}
    horizon = calc.horizon_units(unit)
    bg = calc.BgNbdParams(params["r"], params["alpha"], params["a"], params["b"]) if "r" in params else None
    gg = calc.GammaGammaParams(params["p"], params["q"], params["v"]) if "p" in params else None
    alive = expected = values = None
    if bg is not None and len(summary.x):
        alive = calc.p_alive(bg, summary.x, summary.t_x, summary.T).tolist()
        expected = calc.expected_purchases(bg, horizon, summary.x, summary.t_x, summary.T).tolist()
    if gg is not None and len(summary.x):
        values = calc.expected_average_value(gg, summary.x, summary.mean_value).tolist()
    per_unit = calc.DAYS_PER_UNIT[unit]
    since_first = (summary.T * per_unit).tolist()
    since_last = ((summary.T - summary.t_x) * per_unit).tolist()

    start = window_start(as_of, T12M_DAYS)
    too_new_days = params.get("too_new_days", settings.VALUATION_TOO_NEW_DAYS)
    chosen = Customer.objects.filter(customers_filter("pk", customers))
    pnl = pnl_by_customer(customers=chosen, start=start, end=as_of)
    counts = dict(
        Sale.objects.filter(local_days("occurred_at", start, as_of), customers_filter("customer_id", customers))
        .filter(is_void=False)
        .values("customer_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("customer_id", "count")
    )
    factors = {pk: industry.effective_outlook_factor for pk, industry in Industry.objects.in_bulk().items()}
    portfolio_ratio = Decimal(params.get("portfolio_margin_ratio", "1"))
    unidentified = "bgnbd_unidentified" in params
    no_spend = HistoryNote.SPEND_UNIDENTIFIED if "gg_unidentified" in params else HistoryNote.NO_SPEND_MODEL
    rows = []
    for pk, growth_rating, industry_id in chosen.order_by("pk").values_list("pk", "growth_rating", "industry_id"):
        figures = pnl.get(pk)
        revenue = figures.revenue if figures else ZERO
        i = index.get(pk)
        row = {
            "customer_id": pk,
            "current_value": revenue,
            "t12m_purchases": counts.get(pk, 0),
            "t12m_gross_margin": figures.gross_margin if figures else ZERO,
            "t12m_contribution": figures.contribution_profit if figures else ZERO,
            "recency_days": None if i is None else round(since_last[i]),
            "p_alive": None,
            "expected_purchases": None,
            "expected_value": None,
            "predicted_value": None,
            "potential_value": None,
            "history_note": "",
        }
        if i is None:
            row["history_note"] = HistoryNote.NO_PURCHASES
        elif summary.T[i] <= 0:
            row["history_note"] = HistoryNote.FIRST_PURCHASE_TODAY
        elif round(since_first[i]) < too_new_days:
            # A few days of history say nothing about this customer's rate or lifetime: a model
            # figure here is the portfolio's average extrapolated, not a prediction.
            row["history_note"] = HistoryNote.TOO_NEW
        elif bg is None:
            row["history_note"] = HistoryNote.MODEL_UNIDENTIFIED if unidentified else HistoryNote.NO_MODEL
        else:
            row["p_alive"] = alive[i]
            if _usable(expected[i]):
                row["expected_purchases"] = expected[i]
            if values is not None and _usable(values[i]):
                row["expected_value"] = calc.to_money(values[i])
            if row["expected_value"] is None:
                row["history_note"] = no_spend
            if row["expected_purchases"] is not None and row["expected_value"] is not None:
                # costing's gross margin counts a sale without cost of goods at 100 %: take that
                # revenue out and let it earn the portfolio's ratio instead
                unknown = figures.cost_unknown_revenue if figures else ZERO
                ratio = calc.margin_ratio(row["t12m_gross_margin"] - unknown, revenue, portfolio_ratio, unknown)
                row["predicted_value"] = calc.predicted_value(row["expected_purchases"], row["expected_value"], ratio)
                factor = factors[industry_id] if industry_id is not None else Decimal("1.00")
                row["potential_value"] = calc.potential_value(row["predicted_value"], factor, growth_rating)
        rows.append(row)
    return rows


MAX_FIGURE = 1e12  # beyond any real customer's purchases or spend: a degenerate fit, not a figure


def _usable(value) -> bool:
    """A model figure worth storing: finite and within what money fields hold."""
    return bool(np.isfinite(value)) and abs(float(value)) < MAX_FIGURE


@transaction.atomic
def valuation_finish(*, run_id: int) -> ValuationRun:
    """Rank the portfolio once every chunk is scored: RFM scores and segments among customers with
    a sale in the T12M window, value tiers over everyone; then the later sections' steps (risk) and
    the run is done."""
    run = ValuationRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run
    inputs = selectors.ranking_inputs(run=run)
    ranks = calc.rfm_rank(inputs.recency, inputs.purchases, inputs.monetary)
    tiers = calc.value_tiers_of(inputs.value)
    update_rows(CustomerValuation, RANK_FIELDS, list(zip(inputs.ids.tolist(), *_ranked(ranks, tiers), strict=True)))
    # The sections after valuation (risk) score from the same run.
    for step in registry.ordered(registry.scoring_steps):
        step.run(run)
    run.status = RunStatus.DONE
    run.finished_at = timezone.now()
    run.duration_ms = int((run.finished_at - run.started_at).total_seconds() * 1000)
    run.save()
    return run


RANK_FIELDS = ("r_score", "f_score", "m_score", "segment", "tier")


def _ranked(ranks: calc.RfmRanks, tiers) -> tuple[list, ...]:
    """The RANK_FIELDS' values, a list per field: no score is None."""
    r, f, m = ([score or None for score in scores.tolist()] for scores in (ranks.r, ranks.f, ranks.m))
    return r, f, m, ranks.segment.tolist(), list(tiers)


def valuation_run(*, as_of: datetime.date, unit: str = "weeks", chunk_size: int = CHUNK_SIZE) -> ValuationRun:
    """The whole run in this process (commands, tests, small portfolios)."""
    run = valuation_prepare(as_of=as_of, unit=unit, chunk_size=chunk_size)
    for index in range(run.chunks_total):
        valuation_score_chunk(run_id=run.pk, index=index)
    return valuation_finish(run_id=run.pk)


@transaction.atomic
def valuation_rescore_customer(*, customer: Customer, as_of: datetime.date) -> CustomerValuation | None:
    """Re-score one customer in the run of `as_of` with that run's fitted model, ranking it against
    the run's other customers. Returns None when there is no finished run for that date."""
    run = ValuationRun.objects.filter(as_of=as_of, status=RunStatus.DONE).first()
    if run is None:
        return None
    rows = valuation_rescore_customers(run=run, customer_ids=[customer.pk])
    return rows[0] if rows else None


def valuation_rescore_customers(*, run: ValuationRun, customer_ids) -> list[CustomerValuation]:
    """Re-score these customers in a finished run with its fitted model: their figures as of the
    run's date, ranked (RFM, tier) against the run's other customers, then the later sections' steps
    (risk) for them. A fixed number of queries whatever the number of customers."""
    ids = sorted(set(customer_ids))
    scored = score_customers(run=run, customers=ids)
    others = selectors.ranking_inputs(run=run, exclude=ids)
    ranks = calc.rfm_rank(
        [row["recency_days"] for row in scored],
        [row["t12m_purchases"] for row in scored],
        [row["current_value"] for row in scored],
        among=(others.recency, others.purchases, others.monetary),
    )
    values = [row["current_value"] + (row["potential_value"] or ZERO) for row in scored]
    tiers = calc.value_tiers_of(values, among=others.value)
    now = timezone.now()
    rows = [
        CustomerValuation(run=run, as_of=run.as_of, scored_at=now, **row, **dict(zip(RANK_FIELDS, ranked, strict=True)))
        for row, *ranked in zip(scored, *_ranked(ranks, tiers), strict=True)
    ]
    CustomerValuation.objects.filter(run=run, customer_id__in=ids).delete()
    CustomerValuation.objects.bulk_create(rows, batch_size=1000)
    ValuationRun.objects.filter(pk=run.pk).update(customers=CustomerValuation.objects.filter(run=run).count())
    for step in registry.ordered(registry.scoring_steps):
        step.run(run, customer_ids=ids)
    return rows


# --- current scores: re-scoring after writes, in the background -------------------------------------

RESCORE_BATCH = 2000  # customers re-scored by one pass; the rest wait for the next
PAIRS_PER_DELETE = 100  # (customer, time) pairs per DELETE: SQLite limits an expression's depth


def rescore_request(customer_ids) -> None:
    """Mark customers whose figures a write just changed, inside the writer's transaction: one row
    per customer (the time of the latest write), so that however many writes touch a customer it is
    re-scored once (the background pass that drains them: tasks.customers_changed asks for it)."""
    now = timezone.now()
    RescoreRequest.objects.bulk_create(
        [RescoreRequest(customer_id=pk, requested_at=now) for pk in customer_ids],
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["requested_at"],
    )


@transaction.atomic
def valuation_rescore_pending(*, as_of: datetime.date, limit: int = RESCORE_BATCH) -> tuple[str, int]:
    """Re-score the customers waiting for it in the finished run of `as_of`: (outcome, how many).

    A request is removed only if it still says what was read, so a write that lands while the pass
    scores (its request updated after the read) is scored by the next pass, not lost. On PostgreSQL
    the rows are locked and passes that overlap skip each other's rows."""
    pending = list(
        RescoreRequest.objects.select_for_update(skip_locked=True)
        .order_by("requested_at", "customer_id")
        .values_list("customer_id", "requested_at")[:limit]
    )
    if not pending:
        return RescoreOutcome.IDLE, 0
    run = ValuationRun.objects.filter(as_of=as_of).first()
    if run is None:
        return RescoreOutcome.NO_RUN, 0
    if run.status != RunStatus.DONE:
        return (RescoreOutcome.RUNNING if run.status == RunStatus.RUNNING else RescoreOutcome.FAILED), 0
    rows = valuation_rescore_customers(run=run, customer_ids=[pk for pk, _at in pending])
    for start in range(0, len(pending), PAIRS_PER_DELETE):
        matches = Q()
        for pk, at in pending[start : start + PAIRS_PER_DELETE]:
            matches |= Q(customer_id=pk, requested_at=at)
        RescoreRequest.objects.filter(matches).delete()
    return RescoreOutcome.DONE, len(rows)


def rescore_waiting() -> bool:
    """Whether any customer waits for re-scoring."""
    return RescoreRequest.objects.exists()


def valuation_prune(*, today: datetime.date, keep_days: int) -> int:
    """Drop the daily runs older than `keep_days`, keeping every run that fitted the model and the
    last run of each month (the value trend's points). Returns how many runs were dropped."""
    runs = list(ValuationRun.objects.order_by("as_of").values_list("pk", "as_of", "params"))
    last_of_month = {(day.year, day.month): pk for pk, day, _params in runs}  # ordered: the last wins
    cutoff = today - datetime.timedelta(days=keep_days)
    drop = [
        pk
        for pk, day, params in runs
        if day < cutoff
        and pk != last_of_month[(day.year, day.month)]
        and params.get("fitted_as_of", day.isoformat()) != day.isoformat()
    ]
    ValuationRun.objects.filter(pk__in=drop).delete()
    return len(drop)


def holdout_check(
    *, calibration_end: datetime.date, holdout_end: datetime.date, unit: str = "weeks"
) -> calc.HoldoutResult:
    """Fit on the purchases up to calibration_end, predict the holdout period, compare with what the
    same customers actually bought (repeat purchase days) in it, period by period."""
    purchases = selectors.purchase_days(as_of=holdout_end)
    calibration = [row for row in purchases if row[1] <= calibration_end]
    summary = calc.purchase_summary(calibration, calibration_end, unit)
    usable = summary.T > 0
    if usable.sum() < calc.MIN_CUSTOMERS_BGNBD or not (summary.x[usable] > 0).any():
        return calc.HoldoutResult()
    x, t_x, T = summary.x[usable], summary.t_x[usable], summary.T[usable]
    params, _ll = calc.fit_bgnbd(x, t_x, T)
    values = {"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b}
    check = calc.bgnbd_check(params, x, t_x, T)
    if check.unidentified:
        # no estimate, nothing to check: the page shows where the fit stopped and why it is none
        return calc.HoldoutResult(
            unidentified=check.unidentified["parameter"],
            unidentified_reason=check.unidentified["reason"],
            params={name: float(value) for name, value in values.items()},
        )
    known = set(summary.customer_ids.tolist())
    per_unit = calc.DAYS_PER_UNIT[unit]
    holdout: dict[int, list[float]] = {}
    for customer_id, day, _amount in purchases:
        if day > calibration_end and customer_id in known:
            holdout.setdefault(customer_id, []).append((day - calibration_end).days / per_unit)
    length = (holdout_end - calibration_end).days / per_unit
    counts = np.array([len(holdout.get(int(cid), ())) for cid in summary.customer_ids], dtype=float)
    return dataclasses.replace(
        calc.holdout_curve(params, summary, holdout, length),
        calibration=calc.calibration_table(params, summary, counts, length),
        params={name: float(value) for name, value in values.items()},
        standard_errors=check.standard_errors,
    )
