"""Background jobs really run: a task crosses the configured broker (the filesystem transport in the
embedded default, Redis when REDIS_URL is set) to a real worker process and its answer comes back."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from custnotes.celery import app
from custnotes.tasks import health_check
from tests.customers.factories import CustomerFactory

ROOT = Path(__file__).resolve().parents[2]


def database_url_of_test_db() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker():
    """A real `celery worker` process on a queue of its own, reading the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="custnotes.settings.test",
        DATABASE_URL=database_url_of_test_db(),
        CELERY_QUEUE=queue,
    )
    celery = Path(sys.executable).with_name("celery")
    proc = subprocess.Popen(
        [
            str(celery),
            "-A",
            "custnotes",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        if proc.returncode not in (0, -15):
            print(output)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_job_travels_to_a_real_worker_and_back(worker):
    CustomerFactory.create_batch(2)
    token = uuid.uuid4().hex
    result = health_check.apply_async(args=[token], queue=worker)
    answer = result.get(timeout=90)
    assert answer["token"] == token
    assert answer["pid"] != os.getpid()  # another process did the work
    assert answer["database"] == connection.vendor
    assert answer["customers"] == 2  # and it read the same database


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (the embedded default run)")
def test_with_redis_url_the_broker_and_results_are_redis():
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.transport.driver_type == "redis"
    assert type(app.backend).__name__ == "RedisBackend"
