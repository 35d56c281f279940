"""Model fields several sections declare alike."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def recorded_by_field(verbose_name=None) -> models.ForeignKey:
    """Who recorded a record: kept when the user is gone (PROTECT), empty for imports and jobs."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name or _("recorded by"),
    )
