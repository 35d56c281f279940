"""The record of backups and verifications. It lives beside the archives in the backup storage, never in
the database being backed up: a restore would roll it back, and it must survive losing the database.
One JSON sidecar per archive (`<archive>.json`), rewritten when the archive is verified; a failed
attempt leaves a sidecar without an archive."""

import datetime
import json
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SIDECAR = ".json"
PREFIX = "custnotes-"


@dataclass(frozen=True)
class BackupEntry:
    """One backup attempt as the catalogue records it."""

    name: str  # the archive's file name in the backup storage
    created_at: datetime.datetime
    size: int
    backend: str  # "sqlite" | "postgresql"
    kind: str  # "scheduled" | "manual"
    status: str  # "ok" | "failed"
    error: str = ""
    verified_at: datetime.datetime | None = None
    verify_ok: bool | None = None
    verify_message: str = ""
    sha256: str = ""
    encrypted: bool = False

    def to_json(self) -> str:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["verified_at"] = self.verified_at.isoformat() if self.verified_at else None
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "BackupEntry":
        data = json.loads(text)
        data["created_at"] = datetime.datetime.fromisoformat(data["created_at"])
        if data.get("verified_at"):
            data["verified_at"] = datetime.datetime.fromisoformat(data["verified_at"])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def backup_storage(location=None):
    """The storage that holds the archives and the catalogue: settings.BACKUP_STORAGE (by default a
    FileSystemStorage at BACKUP_DIR), or a folder given on the command line."""
    if location is not None:
        return FileSystemStorage(location=str(location))
    conf = settings.BACKUP_STORAGE
    cls = import_string(conf["BACKEND"])
    options = dict(conf.get("OPTIONS") or {})
    if issubclass(cls, FileSystemStorage):
        options.setdefault("location", str(settings.BACKUP_DIR))
    return cls(**options)


def _names(storage) -> list[str]:
    try:
        _dirs, files = storage.listdir("")
    except FileNotFoundError:
        return []
    return files


def entry_save(storage, entry: BackupEntry) -> None:
    sidecar = entry.name + SIDECAR
    if storage.exists(sidecar):
        storage.delete(sidecar)
    storage.save(sidecar, ContentFile(entry.to_json().encode()))


def entry_get(storage, name: str) -> BackupEntry | None:
    sidecar = name + SIDECAR
    if "/" in name or "\\" in name or not storage.exists(sidecar):
        return None
    with storage.open(sidecar, "rb") as f:
        return BackupEntry.from_json(f.read().decode())


def entries(storage) -> list[BackupEntry]:
    """Every recorded attempt, newest first (an unreadable sidecar is logged and left out)."""
    found = []
    for name in _names(storage):
        if not (name.startswith(PREFIX) and name.endswith(SIDECAR)):
            continue
        try:
            with storage.open(name, "rb") as f:
                found.append(BackupEntry.from_json(f.read().decode()))
        except (OSError, ValueError, TypeError, KeyError):
            logger.exception("unreadable backup catalogue entry %s", name)
    return sorted(found, key=lambda e: (e.created_at, e.name), reverse=True)


def entry_delete(storage, entry: BackupEntry) -> None:
    for name in (entry.name, entry.name + SIDECAR):
        if storage.exists(name):
            storage.delete(name)
