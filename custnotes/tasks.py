"""Jobs of the project as a whole. Each app's own jobs live in its tasks.py."""

import logging
import os
import socket

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from custnotes.registry import registry

logger = logging.getLogger(__name__)


@shared_task(name="custnotes.health_check")
def health_check(token: str = "") -> dict:
    """Answer from a worker: which host, which database, how many customers it sees, which day it is.

    Used by the docker-compose health check and by the tests that prove a job crosses the real
    broker to a real worker process and comes back.
    """
    return {
        "token": token,
        "worker": socket.gethostname(),
        "pid": os.getpid(),
        "database": connection.vendor,
        "customers": registry.customers.everyone().count(),
        "today": timezone.localdate().isoformat(),
    }


@shared_task(name="custnotes.export_workbook", acks_late=True)
def export_workbook(job_id: int) -> str:
    """Build a large workbook export in the background (idempotent: a redelivered job rebuilds it)."""
    from custnotes.exports import export_job_run

    return export_job_run(job_id=job_id)


@shared_task(name="custnotes.import_workbook", acks_late=True)
def import_workbook(job_id: int) -> str:
    """Check (and, when clean or asked for the good rows, import) an uploaded workbook."""
    from custnotes.imports_jobs import import_job_run

    return import_job_run(job_id=job_id)


BACKUP_RUNNING = "custnotes:backup-running"  # cache key: one backup at a time


@shared_task(name="custnotes.backup", acks_late=True)
def backup(kind: str = "scheduled") -> str:
    """A backup (the daily schedule's, or "back up now": kind "manual"); the retention rule runs only
    after it succeeded (a failure raises). One at a time: a second one asked for meanwhile is not
    started (the one running is as fresh)."""
    from custnotes.backup import backup_create, backup_prune

    if not cache.add(BACKUP_RUNNING, True, timeout=6 * 3600):
        logger.warning("a backup is already running: not starting another")
        return ""
    try:
        entry = backup_create(kind=kind)
        backup_prune()
    finally:
        cache.delete(BACKUP_RUNNING)
    return entry.name


@shared_task(name="custnotes.backup_verify_latest", acks_late=True)
def backup_verify_latest() -> dict | None:
    """The weekly verification of the newest backup (restored into a scratch database)."""
    from custnotes.backup import backup_verify_latest as verify_latest

    entry = verify_latest()
    return {"name": entry.name, "ok": entry.verify_ok, "message": entry.verify_message} if entry else None


@shared_task(name="custnotes.backup_verify", acks_late=True)
def backup_verify(name: str) -> dict:
    """Verify one backup ("verify now")."""
    from custnotes.backup import backup_verify as verify

    entry = verify(name=name)
    return {"name": entry.name, "ok": entry.verify_ok, "message": entry.verify_message}
