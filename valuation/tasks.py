"""Re-scoring jobs: thin wrappers that take ids and call the services. Idempotent."""

import datetime

from celery import group, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import services
from .choices import RescoreOutcome

RESCORE_DELAY = 15  # seconds a pass waits after a write, gathering the writes that follow into it
RESCORE_SCHEDULED = "valuation:rescore-scheduled"  # cache key: a pass is already on its way


@shared_task(name="valuation.run")
def run_valuation(
    as_of: str | None = None, unit: str = "weeks", chunk_size: int = services.CHUNK_SIZE, refit: bool = True
) -> int:
    """Fit on the whole portfolio (or, refit=False, reuse the latest fit), then fan the scoring out
    over the workers, one task a chunk."""
    day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    run = services.valuation_prepare(as_of=day, unit=unit, chunk_size=chunk_size, refit=refit)
    if run.chunks_total == 0:
        services.valuation_finish(run_id=run.pk)
    else:
        group(score_chunk.s(run.pk, index) for index in range(run.chunks_total)).apply_async()
    return run.pk


@shared_task(name="valuation.score_chunk", acks_late=True)
def score_chunk(run_id: int, index: int) -> bool:
    """Score one chunk; the chunk that completes the scoring ranks the portfolio and ends the run."""
    if services.valuation_score_chunk(run_id=run_id, index=index):
        services.valuation_finish(run_id=run_id)
        return True
    return False


@shared_task(name="valuation.monthly")
def monthly_rescore() -> int:
    """The monthly schedule: fit the purchase model on the whole portfolio and score everyone."""
    return run_valuation(None)


@shared_task(name="valuation.nightly")
def nightly_rescore() -> int:
    """The nightly schedule: everyone's scores and risks as of today with the latest fitted model (the
    figures that move with the calendar: recency, aging, P(alive)); then the old daily runs go."""
    today = timezone.localdate()
    services.valuation_prune(today=today, keep_days=settings.VALUATION_KEEP_DAILY_RUNS_DAYS)
    return run_valuation(today.isoformat(), refit=False)


def customers_changed(customer_ids) -> None:
    """The registry's change listener: mark the customers inside the writer's transaction, and after
    its commit ask for a pass (a broker that is down loses nothing: the requests stay for the next)."""
    services.rescore_request(customer_ids)
    transaction.on_commit(rescore_soon, robust=True)


def rescore_soon() -> None:
    """After a write's commit: ask for a re-scoring pass in RESCORE_DELAY seconds, unless one is on
    its way already (the writes of those seconds coalesce into that pass)."""
    if cache.add(RESCORE_SCHEDULED, True, timeout=RESCORE_DELAY):
        rescore_pending.apply_async(countdown=RESCORE_DELAY)


@shared_task(name="valuation.rescore_pending", acks_late=True)
def rescore_pending() -> str:
    """Re-score the customers that writes touched, in today's run. With no run today yet, score
    everyone first with the latest fit; while a run is going, come back later. Runs every few minutes
    from the schedule too, so that requests whose pass was lost (a broker down) are still served."""
    today = timezone.localdate()
    outcome, _count = services.valuation_rescore_pending(as_of=today)
    if outcome == RescoreOutcome.NO_RUN:
        run_valuation(today.isoformat(), refit=False)
    if outcome in (RescoreOutcome.NO_RUN, RescoreOutcome.RUNNING) or (
        outcome == RescoreOutcome.DONE and services.rescore_waiting()
    ):
        rescore_pending.apply_async(countdown=RESCORE_DELAY)
    return outcome
