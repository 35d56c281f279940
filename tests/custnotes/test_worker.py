"""Background jobs really run: a task crosses the configured broker (the filesystem transport in the
embedded default, Redis when REDIS_URL is set) to a real worker process and its answer comes back."""

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from custnotes.celery import app
from custnotes.tasks import health_check
from tests import clock
from tests.customers.factories import CustomerFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.worker
# serialized_rollback: the roles and payment methods the migrations seed come back after the flush,
# like for every other transactional test here (mixing the two kinds duplicates the seeded rows).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_job_travels_to_a_real_worker_and_back(worker):
    CustomerFactory.create_batch(2)
    token = uuid.uuid4().hex
    result = health_check.apply_async(args=[token], queue=worker)
    answer = result.get(timeout=90)
    assert answer["token"] == token
    assert answer["pid"] != os.getpid()  # another process did the work
    assert answer["database"] == connection.vendor
    assert answer["customers"] == 2  # and it read the same database
    assert answer["today"] == timezone.localdate().isoformat() == clock.suite_today().isoformat()  # on our day


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (the embedded default run)")
def test_with_redis_url_the_broker_and_results_are_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.transport.driver_type == "redis"
    assert type(app.backend).__name__ == "RedisBackend"
