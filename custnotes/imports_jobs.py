"""Imports from the page: the upload becomes a job a worker runs, with progress and a result the
user can come back to."""

from django.utils import timezone, translation

from custnotes.importing import ImportRefused, run_import
from custnotes.models import ImportJob

ERRORS_KEPT = 2000


def import_job_start(*, user, upload, language: str, good_rows_only: bool = False) -> ImportJob:
    """The job for an upload, waiting for a worker (the caller hands it to custnotes.tasks)."""
    job = ImportJob(user=user, original_name=upload.name[:255], language=language, good_rows_only=good_rows_only)
    job.file.save(f"import-{timezone.now():%Y%m%d%H%M%S}.xlsx", upload, save=False)
    job.save()
    return job


def import_job_retry_good_rows(*, job: ImportJob) -> ImportJob:
    """Import the good rows of a file that had errors (the same file, checked again)."""
    return _run_again(job, good_rows_only=True)


def import_job_confirm(*, job: ImportJob) -> ImportJob:
    """Import a file whose sales drew warnings (over a credit limit), the user having read them."""
    return _run_again(job, confirmed=True)


def _run_again(job: ImportJob, **changes) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.CHECKING, progress=0, finished_at=None, **changes
    )
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> str:
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING, progress=0)

    def progress(percent):
        ImportJob.objects.filter(pk=job.pk).update(progress=min(99, percent))

    with translation.override(job.language):
        try:
            result = run_import(
                job.file.path,
                user=job.user,
                good_rows_only=job.good_rows_only,
                confirmed=job.confirmed,
                progress=progress,
            )
        except ImportRefused as refusal:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.REFUSED, message=str(refusal), progress=100, finished_at=timezone.now()
            )
            return ImportJob.Status.REFUSED
        except Exception as error:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.FAILED, message=str(error)[:2000], finished_at=timezone.now()
            )
            raise
    if result.written:
        status = ImportJob.Status.DONE
    elif result.held and (not result.errors or job.good_rows_only):
        status = ImportJob.Status.WARNED
    else:
        status = ImportJob.Status.INVALID
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        progress=100,
        # a list keeps the sheets' order; each named as in the template (客户 Customers, ...)
        counts=[[_sheet_title(key), counts] for key, counts in result.counts.items()],
        errors=[e.as_list() for e in result.errors[:ERRORS_KEPT]],
        error_count=result.error_count,
        warnings=[w.as_list() for w in result.warnings[:ERRORS_KEPT]],
        finished_at=timezone.now(),
    )
    return status


def _sheet_title(key: str) -> str:
    from custnotes.registry import registry

    sheet = next((s for s in registry.import_sheets if s.key == key), None)
    return f"{sheet.zh} {sheet.en}" if sheet else key
