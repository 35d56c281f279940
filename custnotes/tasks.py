"""Jobs of the project as a whole. Each app's own jobs live in its tasks.py."""

import os
import socket

from celery import shared_task
from django.db import connection
from django.utils import timezone

from custnotes.registry import registry


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
