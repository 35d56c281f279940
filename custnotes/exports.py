"""Workbook exports from the pages: small ones stream at once, large ones run as a background job."""

import datetime
import tempfile

from django.core.files import File
from django.utils import timezone

from custnotes.models import ExportJob
from custnotes.registry import registry
from custnotes.workbook import write_workbook


def export_customers(*, user):
    """The customers a user's export covers: those they may see."""
    return registry.customers.in_scope(user=user).prefetch_related(None).order_by("pk")


def export_job_start(*, user, as_of: datetime.date) -> ExportJob:
    """The job for a large export, waiting for a worker (the caller hands it to custnotes.tasks)."""
    return ExportJob.objects.create(user=user, as_of=as_of, customer_count=export_customers(user=user).count())


def export_job_run(*, job_id: int) -> str:
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=0, error="")

    def progress(done, total):
        # the summary is most of the work; the section sheets follow
        ExportJob.objects.filter(pk=job.pk).update(progress=min(95, int(90 * done / max(total, 1))))

    try:
        workbook = write_workbook(customers=export_customers(user=job.user), as_of=job.as_of, progress=progress)
        with tempfile.TemporaryFile() as handle:
            workbook.save(handle)
            handle.seek(0)
            job.file.save(f"notebook-{job.as_of.isoformat()}-{job.pk}.xlsx", File(handle), save=False)
    except Exception as error:  # the job records why it failed, for the user to see
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=str(error)[:2000])
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, progress=100, file=job.file.name, finished_at=timezone.now()
    )
    return job.file.name
