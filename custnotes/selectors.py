"""Reads of the base's own records: a user's export and import jobs (each user sees only their own)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from custnotes.models import ExportJob, ImportJob


def export_job_get(*, user, pk, done: bool = False) -> ExportJob:
    """One of the user's exports (404 for anyone else's); `done`: only a finished one."""
    jobs = ExportJob.objects.filter(user=user)
    return get_object_or_404(jobs.filter(status=ExportJob.Status.DONE) if done else jobs, pk=pk)


def import_job_list(*, user) -> QuerySet[ImportJob]:
    """The user's imports, newest first."""
    return ImportJob.objects.filter(user=user)


def import_job_get(*, user, pk) -> ImportJob:
    return get_object_or_404(import_job_list(user=user), pk=pk)
