"""A real Celery worker process for the tests that prove jobs cross the broker (fixture `worker`)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from tests import clock

ROOT = Path(__file__).resolve().parents[1]


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
    """A real `celery worker` process on a queue of its own, reading the test database. Its
    default queue (CELERY_QUEUE) is that queue too, so tasks it sends itself come back to it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="custnotes.settings.test",
        DATABASE_URL=database_url_of_test_db(),
        CELERY_QUEUE=queue,
    )
    env[clock.NOW_VARIABLE] = timezone.now().isoformat()  # the worker keeps the suite's clock
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.clocked",
            "celery",
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
