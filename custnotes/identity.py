"""The IDs records carry in workbooks: their own import ID, or this database's name for them."""

import re
import secrets
from functools import lru_cache

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _


@lru_cache(maxsize=1)
def installation_token() -> str:
    from custnotes.models import Installation

    row = Installation.objects.order_by("pk").first()
    if row is None:
        try:
            with transaction.atomic():
                row = Installation.objects.create(token=secrets.token_hex(4))
        except IntegrityError:
            row = Installation.objects.order_by("pk").first()
    return row.token


def exported_id(external_id: str | None, pk: int) -> str:
    """The ID a record has in an exported workbook."""
    return external_id or f"cn-{installation_token()}-{pk}"


def own_pk(identifier: str) -> int | None:
    """The primary key named by an ID this database exported for a record without an import ID;
    None for any other ID (including another database's)."""
    match = re.fullmatch(rf"cn-{re.escape(installation_token())}-(\d+)", identifier or "")
    return int(match.group(1)) if match else None


def import_id_field() -> models.CharField:
    """The import ID of a record: the user's own key in an imported workbook (unique when set)."""
    return models.CharField(
        _("import ID"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The ID this record has in an imported workbook; re-importing the file finds it by this."),
    )
