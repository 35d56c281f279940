"""The IDs records carry in workbooks: their own import ID, or this database's name for them."""

import re
import secrets
from dataclasses import dataclass, field
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


class RecordIndex:
    """Records found by the ID a workbook gives them: their import ID, or — for a record without
    one — this database's own ID for it ("cn-<token>-<pk>"). Built once per import, so that checking
    and writing rows never queries per row. Entries are whatever the caller keeps per record."""

    def __init__(self, rows):
        """rows: (external_id, pk, entry) triples."""
        self.by_external: dict = {}
        self.own: dict = {}
        for external_id, pk, entry in rows:
            self._put(external_id, pk, entry)

    @classmethod
    def of(cls, queryset, *fields: str) -> "RecordIndex":
        """Entries (pk, *fields) from a queryset's values."""
        return cls(
            (external_id, pk, (pk, *rest))
            for external_id, pk, *rest in queryset.values_list("external_id", "pk", *fields)
        )

    @classmethod
    def of_objects(cls, queryset) -> "RecordIndex":
        """The records themselves as entries."""
        return cls((obj.external_id, obj.pk, obj) for obj in queryset)

    def _missing(self, identifiers) -> tuple[set, set]:
        """Of these IDs, the import IDs and this database's own pks the index does not hold yet."""
        external, own = set(), set()
        for identifier in identifiers:
            if not identifier or identifier in self.by_external:
                continue
            pk = own_pk(identifier)
            if pk is None:
                external.add(identifier)
            elif pk not in self.own:
                own.add(pk)
                external.add(identifier)  # another database's record may carry it as its import ID
        return external, own

    def _named(self, queryset, identifiers):
        external, own = self._missing(identifiers)
        if not external and not own:
            return queryset.none()
        return queryset.filter(models.Q(external_id__in=external) | models.Q(pk__in=own, external_id__isnull=True))

    def load(self, queryset, identifiers, *fields: str) -> None:
        """Add the records of `queryset` these IDs name, as of() would have them, in one query: an
        import reads the records its rows name, a block of rows at a time, never the whole table."""
        for external_id, pk, *rest in self._named(queryset, identifiers).values_list("external_id", "pk", *fields):
            self._put(external_id, pk, (pk, *rest))

    def load_objects(self, queryset, identifiers) -> None:
        """The same, with the records themselves as entries (of_objects)."""
        for obj in self._named(queryset, identifiers):
            self._put(obj.external_id, obj.pk, obj)

    def _put(self, external_id, pk, entry) -> None:
        if external_id is None:
            self.own[pk] = entry
        else:
            self.by_external[external_id] = entry

    def get(self, identifier):
        entry = self.by_external.get(identifier)
        if entry is None and identifier:
            entry = self.own.get(own_pk(identifier))
        return entry

    def __contains__(self, identifier) -> bool:
        return self.get(identifier) is not None

    def add(self, identifier, entry) -> None:
        """Remember a record written under `identifier` (a new record, or one now named by it)."""
        self.by_external[identifier] = entry


@dataclass
class BatchResult:
    """What a batch write (an app's *_many service) did: the records it created, those whose content
    it changed, those it only gave their import ID ("stamped"), and how many it left as they were."""

    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    stamped: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def written(self) -> list:
        return [*self.created, *self.updated, *self.stamped]


def apply_row(obj, values: dict, external_id: str) -> str:
    """Set a batch row's values and import ID on an existing record. Returns "updated" when its
    content changed, "stamped" when only its import ID did (a record exported from this database,
    now named by the file's ID), "" when nothing changed; the caller saves the first two."""
    content = any(getattr(obj, key) != value for key, value in values.items())
    stamped = obj.external_id != external_id
    for key, value in values.items():
        setattr(obj, key, value)
    obj.external_id = external_id
    return "updated" if content else "stamped" if stamped else ""
