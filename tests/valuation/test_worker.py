"""The chunked run really fans out over Celery: run_valuation crosses the broker (the filesystem
transport on the embedded default, Redis when REDIS_URL is set) to a real worker process, which
sends one score_chunk task a chunk; the chunk that completes the scoring ends the run."""

import time

import pytest

from customers.models import Customer
from valuation.models import CustomerValuation, ValuationChunk, ValuationRun
from valuation.tasks import run_valuation

from .conftest import build_portfolio

TIMEOUT = 90


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_valuation_fans_out_chunks_to_a_real_worker(worker, team_east):
    portfolio = build_portfolio(team_east)
    # the worker sends the chunk tasks without a queue: they go to its default queue, which is its
    # own (CELERY_QUEUE); were they routed elsewhere, no chunk would be scored and this would time out
    result = run_valuation.apply_async(kwargs={"as_of": portfolio.as_of.isoformat(), "chunk_size": 2}, queue=worker)
    run_id = result.get(timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    run = ValuationRun.objects.get(pk=run_id)
    while run.status != "done" and time.monotonic() < deadline:
        time.sleep(0.25)
        run.refresh_from_db()
    assert run.status == "done", f"{run.chunks_done}/{run.chunks_total} chunks after {TIMEOUT} s"
    assert run.as_of == portfolio.as_of
    assert (run.chunks_total, run.chunks_done) == (6, 6)  # 11 customers, 2 a chunk
    assert ValuationChunk.objects.filter(run=run, done=False).count() == 0
    assert set(CustomerValuation.objects.filter(run=run).values_list("customer_id", flat=True)) == set(
        Customer.objects.values_list("pk", flat=True)
    )
    assert CustomerValuation.objects.filter(run=run).count() == 11
    # ranked once at the end: every customer with a sale in the window has its RFM scores
    assert not CustomerValuation.objects.filter(run=run, t12m_purchases__gt=0, r_score__isnull=True).exists()
    assert not CustomerValuation.objects.filter(run=run, tier="").exists()
