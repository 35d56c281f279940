from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """A workbook export too large to stream while the user waits: built by a worker, with progress,
    downloaded by the user who asked for it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    as_of = models.DateField(_("as of"))
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("workbook export")
        verbose_name_plural = _("workbook exports")

    def __str__(self):
        return f"{self.user} {self.as_of:%Y-%m-%d} ({self.get_status_display()})"


class ImportJob(models.Model):
    """An uploaded workbook being checked and imported by a worker; the user can leave and come back."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        INVALID = "invalid", _("Has errors: nothing imported")
        WARNED = "warned", _("To confirm: nothing imported yet")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    file = models.FileField(_("file"), upload_to="imports/")
    original_name = models.CharField(_("file name"), max_length=255)
    language = models.CharField(max_length=10, default="zh-hans")
    good_rows_only = models.BooleanField(_("only the good rows"), default=False)
    confirmed = models.BooleanField(_("warnings confirmed"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKING)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    counts = models.JSONField(_("counts"), default=list, blank=True)  # [[sheet, {created, ...}], ...]
    errors = models.JSONField(_("errors"), default=list, blank=True)  # [sheet, row, column, message], capped
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)  # as errors: what importing confirms
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("workbook import")
        verbose_name_plural = _("workbook imports")

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)


class Installation(models.Model):
    """One row: a random token naming this deployment's database. Exported workbooks give records
    that have no import ID of their own the ID "cn-<token>-<number>", which a re-import into this
    database recognises as that record, and which any other database keeps as an ordinary ID."""

    token = models.CharField(max_length=16, unique=True)

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installation")
        # The backups are the installation's (their catalogue lives beside the archives, not here).
        permissions = [("manage_backups", _("Can back up, verify and download backups"))]

    def __str__(self):
        return self.token
