"""Backups: make one, list them, verify one by restoring it into a scratch database, restore one, prune.

Every step that can go wrong raises BackupError with a message for the user; the catalogue beside the
archives (custnotes.backup.catalogue) records each attempt and each verification, failed ones too.
"""

import contextlib
import datetime
import logging
import secrets
import shutil
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import archive, catalogue, crypto, engines
from . import figures as fig
from .catalogue import BackupEntry, backup_storage
from .errors import BackupError
from .retention import retention_keep

logger = logging.getLogger(__name__)


def backup_list(*, storage=None) -> list[BackupEntry]:
    """Every backup attempt recorded in the backup storage, newest first, failed ones included."""
    return catalogue.entries(storage or backup_storage())


def _archive_name(created_at: datetime.datetime, vendor: str, encrypted: bool) -> str:
    stamp = created_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{catalogue.PREFIX}{stamp}-{vendor}-{secrets.token_hex(3)}.tar.gz{'.enc' if encrypted else ''}"


def backup_create(*, kind: str = "manual", storage=None) -> BackupEntry:
    """Back up the database and the media files into one archive in the backup storage.

    The archive is read back from the storage and checked like a restore would before it counts as
    made. On failure the attempt is recorded (status "failed") and BackupError raised.
    """
    storage = storage or backup_storage()
    engine = engines.engine_for()
    created_at = timezone.now()
    key = crypto.encryption_key(required=False)
    name = _archive_name(created_at, engine.vendor, key is not None)
    entry = BackupEntry(
        name=name, created_at=created_at, size=0, backend=engine.vendor, kind=kind, status="failed",
        encrypted=key is not None,
    )  # fmt: skip
    try:
        with tempfile.TemporaryDirectory(prefix="custnotes-backup-") as tmp:
            workdir = Path(tmp)
            dump = engine.dump(workdir)
            manifest = {
                "format": archive.FORMAT,
                "format_version": archive.FORMAT_VERSION,
                "created_at": created_at.isoformat(),
                "kind": kind,
                "backend": engine.vendor,
                "server_version": dump.server_version,
                "app_version": archive.app_version(),
                "migrations": dump.migrations,
                "tables": dump.figures,
            }
            parts = [(engine.part, dump.path), *archive.media_files(Path(settings.MEDIA_ROOT))]
            local = workdir / name
            archive.archive_write(dest=local, manifest=manifest, parts=parts, key=key)
            sha256 = archive.sha256_of(local)
            with open(local, "rb") as f:
                saved = storage.save(name, f)
            if saved != name:  # the storage renamed it: never happens with our unique names, but be exact
                storage.delete(saved)
                raise BackupError(_("The backup storage did not keep the archive's name."))
            # Read it back: an archive cut short on the way is found now, not at restore time.
            copy = workdir / "read-back"
            with storage.open(name, "rb") as src, open(copy, "wb") as out:
                shutil.copyfileobj(src, out)
            if archive.sha256_of(copy) != sha256:
                raise BackupError(_("The archive read back from the backup storage differs from the one written."))
            check = workdir / "check"
            check.mkdir()
            archive.archive_check(copy, workdir=check, vendor=engine.vendor)
            entry = replace(entry, status="ok", size=copy.stat().st_size, sha256=sha256)
    except Exception as exc:
        message = str(exc) if isinstance(exc, BackupError) else _("Backup failed: %(error)s") % {"error": exc}
        logger.exception("backup %s failed", name)
        with contextlib.suppress(Exception):
            if storage.exists(name):
                storage.delete(name)
        catalogue.entry_save(storage, replace(entry, status="failed", error=message))
        raise BackupError(message) from exc
    catalogue.entry_save(storage, entry)
    return entry


def backup_open(name: str, *, storage=None):
    """The archive as a binary file object (for download); BackupError when there is no such archive."""
    storage = storage or backup_storage()
    if "/" in name or "\\" in name or not name.startswith(catalogue.PREFIX) or name.endswith(catalogue.SIDECAR):
        raise BackupError(_("There is no backup named %(name)s.") % {"name": name})
    if not storage.exists(name):
        raise BackupError(_("There is no backup named %(name)s.") % {"name": name})
    return storage.open(name, "rb")


@contextlib.contextmanager
def _local_archive(name_or_path, storage):
    """A local path to the archive: a file given by path, or a copy of the one named in the storage
    (checked against the catalogue's SHA-256). Yields (path, catalogue entry or None)."""
    path = Path(str(name_or_path))
    if path.is_file():
        yield path, None
        return
    entry = catalogue.entry_get(storage, str(name_or_path))
    with backup_open(str(name_or_path), storage=storage) as src, tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "archive"
        with open(local, "wb") as out:
            shutil.copyfileobj(src, out)
        if entry and entry.sha256 and archive.sha256_of(local) != entry.sha256:
            raise BackupError(
                _("The archive is damaged: its checksum does not match the one recorded when it was made.")
            )
        yield local, entry


def _verify(path: Path) -> tuple[bool, str]:
    """Restore the archive into a scratch database, run migrate --check there and compare every table."""
    engine = engines.engine_for()
    try:
        with tempfile.TemporaryDirectory(prefix="custnotes-verify-") as tmp:
            checked = archive.archive_check(path, workdir=Path(tmp), vendor=engine.vendor)
            with engine.scratch(checked.database) as scratch:
                expected = checked.manifest["tables"]
                with scratch.cursor() as cursor:
                    actual = fig.table_figures(cursor, fig.specs_of(expected))
                problems = fig.figure_differences(expected, actual)
                if problems:
                    return False, _("Restored figures differ from the manifest: %(problems)s") % {
                        "problems": "; ".join(problems[:10])
                    }
                pending = engines.migrations_pending(scratch)
                if pending:
                    return False, _("migrate --check: unapplied migrations %(names)s") % {
                        "names": ", ".join(pending[:10])
                    }
                tables = len(expected)
                rows = sum(t["rows"] for t in expected.values())
                media = sum(1 for p in checked.manifest["parts"] if p["name"].startswith(archive.MEDIA + "/"))
    except BackupError as exc:
        return False, str(exc)
    except Exception as exc:
        logger.exception("verification of %s failed", path)
        return False, _("Verification failed: %(error)s") % {"error": exc}
    return True, _(
        "Restored into a scratch database: %(tables)s tables, %(rows)s rows and every money total as in the "
        "manifest, no unapplied migrations, %(media)s media files intact."
    ) % {"tables": tables, "rows": rows, "media": media}


def backup_verify(*, name: str, storage=None) -> BackupEntry:
    """Verify the named backup by restoring it into a scratch database, and record the result.

    A failed verification is a result (verify_ok False), not an exception; a missing archive is BackupError.
    """
    storage = storage or backup_storage()
    entry = catalogue.entry_get(storage, name)
    if entry is None or entry.status != "ok":
        raise BackupError(_("There is no backup named %(name)s.") % {"name": name})
    try:
        with _local_archive(name, storage) as (path, _entry):
            ok, message = _verify(path)
    except BackupError as exc:
        if not storage.exists(name):
            raise
        ok, message = False, str(exc)
    entry = replace(entry, verified_at=timezone.now(), verify_ok=ok, verify_message=message)
    catalogue.entry_save(storage, entry)
    return entry


def backup_verify_path(path) -> tuple[bool, str]:
    """Verify an archive file that is not (necessarily) in the catalogue; nothing is recorded."""
    if not Path(str(path)).is_file():
        raise BackupError(_("There is no backup named %(name)s.") % {"name": path})
    return _verify(Path(str(path)))


def backup_verify_latest(*, storage=None) -> BackupEntry | None:
    """Verify the newest successful backup (the weekly job); None when there is none."""
    storage = storage or backup_storage()
    newest = next((e for e in backup_list(storage=storage) if e.status == "ok"), None)
    return backup_verify(name=newest.name, storage=storage) if newest else None


def backup_problem(*, storage=None) -> BackupEntry | None:
    """The entry the admins must hear of: the newest attempt if it failed, else the most recently
    verified backup if its verification failed; None when all is well."""
    found = backup_list(storage=storage)
    if not found:
        return None
    if found[0].status == "failed":
        return found[0]
    verified = [e for e in found if e.verified_at is not None]
    if verified:
        latest = max(verified, key=lambda e: e.verified_at)
        if latest.verify_ok is False:
            return latest
    return None


def backup_prune(*, storage=None) -> list[str]:
    """Apply the retention rule (BACKUP_KEEP_DAILY / _WEEKLY / _MONTHLY) to the successful backups;
    failed attempts older than the oldest backup kept go too. Returns the names removed."""
    storage = storage or backup_storage()
    found = backup_list(storage=storage)
    ok = {e.name: timezone.localtime(e.created_at) for e in found if e.status == "ok"}
    if not ok:
        return []
    keep = retention_keep(
        ok, daily=settings.BACKUP_KEEP_DAILY, weekly=settings.BACKUP_KEEP_WEEKLY, monthly=settings.BACKUP_KEEP_MONTHLY
    )
    oldest_kept = min(ok[name] for name in keep)
    removed = []
    for entry in found:
        if entry.name in keep or (entry.status == "failed" and entry.created_at >= oldest_kept):
            continue
        catalogue.entry_delete(storage, entry)
        removed.append(entry.name)
    return removed


# The steps of a restore, module-level so that a test can make one fail and see nothing change.
def _check_staged(expected: dict, actual: dict) -> None:
    problems = fig.figure_differences(expected, actual)
    if problems:
        raise BackupError(
            _("The restored copy differs from the manifest; nothing was changed: %(problems)s")
            % {"problems": "; ".join(problems[:10])}
        )


def _check_swapped(expected: dict, actual: dict) -> None:
    problems = fig.figure_differences(expected, actual)
    if problems:
        raise BackupError(
            _("The restored database differs from the manifest; the previous one was put back: %(problems)s")
            % {"problems": "; ".join(problems[:10])}
        )


def _media_swap(staged: Path):
    """Put the staged media folder in place of MEDIA_ROOT (two renames); returns the undo and the cleanup."""
    root = Path(settings.MEDIA_ROOT)
    old = root.with_name(f".{root.name}.before-restore-{uuid.uuid4().hex[:8]}")
    had = root.exists()
    if had:
        root.rename(old)
    staged.rename(root)

    def undo():
        if root.exists():
            shutil.rmtree(root)
        if had:
            old.rename(root)

    def cleanup():
        if had and old.exists():
            shutil.rmtree(old, ignore_errors=True)

    return undo, cleanup


def backup_restore(*, name_or_path, storage=None, media: bool = True) -> dict:
    """Restore an archive (a path, or a name in the backup storage) into the configured database and
    MEDIA_ROOT. Everything is checked before anything is touched, the database is swapped in at once
    (see custnotes.backup.engines) and the media folder with it; on any failure both are as before.

    Returns the archive's manifest. Raises BackupError.
    """
    storage = storage or backup_storage()
    engine = engines.engine_for()
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    staged_media = root.with_name(f".{root.name}.restore-{uuid.uuid4().hex[:8]}")
    try:
        with _local_archive(name_or_path, storage) as (path, _entry), tempfile.TemporaryDirectory() as tmp:
            checked = archive.archive_check(path, workdir=Path(tmp), vendor=engine.vendor, media_dir=staged_media)
            if checked.database.name != engine.part:
                raise BackupError(_("The archive's database part does not match its backend."))
            expected = checked.manifest["tables"]
            cleanup = []

            def before_swap():
                if not media:
                    return lambda: None
                undo, done = _media_swap(staged_media)
                cleanup.append(done)
                return undo

            engine.restore(
                checked.database,
                expected=expected,
                check_staged=lambda actual: _check_staged(expected, actual),
                check_swapped=lambda actual: _check_swapped(expected, actual),
                before_swap=before_swap,
            )
            for done in cleanup:
                done()
    except BackupError:
        raise
    except Exception as exc:
        logger.exception("restore of %s failed", name_or_path)
        raise BackupError(_("Restore failed; nothing was changed: %(error)s") % {"error": exc}) from exc
    finally:
        shutil.rmtree(staged_media, ignore_errors=True)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return checked.manifest
