"""Re-scoring jobs: thin wrappers that take ids and call the services. Idempotent."""

import datetime

from celery import group, shared_task
from django.utils import timezone

from . import services


@shared_task(name="valuation.run")
def run_valuation(as_of: str | None = None, unit: str = "weeks", chunk_size: int = services.CHUNK_SIZE) -> int:
    """Fit on the whole portfolio, then fan the scoring out over the workers, one task a chunk."""
    day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    run = services.valuation_prepare(as_of=day, unit=unit, chunk_size=chunk_size)
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
    """The monthly schedule: score everyone as of today."""
    return run_valuation(None)
