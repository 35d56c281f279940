"""The archive: one gzip-compressed tar holding manifest.json first, then the database part
(database.sqlite3 or database.pgdump) and the media files under media/; optionally encrypted whole
(custnotes.backup.crypto).

manifest.json says what the archive is and what it must give back: format and format_version, when it
was made, the backend and its server version, the app's version, the migrations applied, every
table's row count and money totals, and the SHA-256 and size of every other part. Reading an archive
(`archive_check`) checks all of it before anything is restored: the manifest first (a foreign file, an
archive of the other backend or of a newer schema is refused before its parts are even read), then
every part against its checksum, then the gzip trailer (a truncated or bit-flipped archive fails its
CRC even where the tar would not notice).
"""

import gzip
import hashlib
import io
import json
import os
import tarfile
import tomllib
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from . import crypto
from . import figures as fig
from .errors import BackupError

FORMAT = "custnotes-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
COPY_BLOCK = 1024 * 1024


def app_version() -> str:
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as f:
            return tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(COPY_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def media_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file under MEDIA_ROOT, in a stable order."""
    if not root.is_dir():
        return []
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append((f"{MEDIA}/{path.relative_to(root).as_posix()}", path))
    return sorted(found)


def archive_write(*, dest: Path, manifest: dict, parts: list[tuple[str, Path]], key: bytes | None) -> None:
    """Write the archive to `dest` (encrypted when a key is given); parts are (archive name, path)."""
    manifest = {
        **manifest,
        "parts": [{"name": name, "sha256": sha256_of(path), "size": path.stat().st_size} for name, path in parts],
    }
    plain = dest.with_name(dest.name + ".plain") if key else dest
    with tarfile.open(plain, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), 0, 0o600
        tar.addfile(info, io.BytesIO(data))
        for name, path in parts:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = path.stat().st_size, int(path.stat().st_mtime), 0o600
            with open(path, "rb") as f:
                tar.addfile(info, f)
    if key:
        try:
            crypto.encrypt_file(plain, dest, key)
        finally:
            plain.unlink(missing_ok=True)


@dataclass(frozen=True)
class Checked:
    """An archive that passed every check, unpacked: its manifest, database part and media folder."""

    manifest: dict
    database: Path
    media: Path  # a folder holding the archive's media files (possibly none)


def _refuse_foreign():
    raise BackupError(_("This file is not a custnotes backup (it has no custnotes manifest)."))


def manifest_check(manifest: dict, *, vendor: str) -> None:
    """Refuse an archive that this installation must not restore: another format, backend or a newer schema."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        _refuse_foreign()
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(
            _("This backup was made by a newer version of custnotes (archive format %(version)s): upgrade first.")
            % {"version": manifest.get("format_version")}
        )
    if manifest.get("backend") != vendor:
        raise BackupError(
            _("This is a %(archive)s backup; this installation runs on %(here)s. It cannot be restored here.")
            % {"archive": manifest.get("backend"), "here": vendor}
        )
    newer = fig.newer_migrations(manifest.get("migrations") or [])
    if newer:
        raise BackupError(
            _(
                "This backup's database has migrations this version does not know (%(migrations)s): "
                "it was made by a newer version of custnotes. Upgrade first."
            )
            % {"migrations": ", ".join(newer[:5])}
        )
    for key in ("tables", "parts", "migrations"):
        if not isinstance(manifest.get(key), dict if key == "tables" else list):
            raise BackupError(_("The backup's manifest is incomplete (%(key)s).") % {"key": key})


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def archive_check(path: Path, *, workdir: Path, vendor: str, media_dir: Path | None = None) -> Checked:
    """Check every byte of the archive and unpack it under `workdir` (media into `media_dir` if given).

    Raises BackupError, with a message for the user, on anything wrong; touches nothing else.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(len(crypto.MAGIC))
    except OSError as exc:
        raise BackupError(_("Cannot read the archive: %(error)s") % {"error": exc}) from exc
    if head == crypto.MAGIC:
        plain = workdir / "archive.tar.gz"
        crypto.decrypt_file(path, plain, crypto.encryption_key(required=True))
        path = plain
    elif not head.startswith(b"\x1f\x8b"):
        _refuse_foreign()

    damaged = _("The archive is damaged or truncated: %(error)s")
    media_dir = media_dir or workdir / MEDIA
    media_dir.mkdir(parents=True, exist_ok=True)
    database = None
    try:
        with gzip.open(path, "rb") as gz:
            with tarfile.open(fileobj=gz, mode="r|") as tar:
                first = tar.next()
                if first is None or first.name != MANIFEST or not first.isfile() or first.size > 64 * 1024 * 1024:
                    _refuse_foreign()
                try:
                    manifest = json.loads(tar.extractfile(first).read())
                except ValueError:
                    _refuse_foreign()
                manifest_check(manifest, vendor=vendor)
                expected = {part["name"]: part for part in manifest["parts"]}
                seen = set()
                while (member := tar.next()) is not None:
                    part = expected.get(member.name)
                    if part is None or member.name in seen or not member.isfile() or not _safe_member_name(member.name):
                        raise BackupError(damaged % {"error": _("unexpected member %(name)s") % {"name": member.name}})
                    seen.add(member.name)
                    if member.name.startswith(MEDIA + "/"):
                        target = media_dir / member.name[len(MEDIA) + 1 :]
                    else:
                        target = workdir / member.name
                        database = target
                    target.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    source = tar.extractfile(member)
                    with open(target, "wb") as out:
                        while block := source.read(COPY_BLOCK):
                            digest.update(block)
                            out.write(block)
                    if digest.hexdigest() != part["sha256"] or target.stat().st_size != part["size"]:
                        raise BackupError(
                            _("The archive is damaged: the checksum of %(name)s does not match its manifest.")
                            % {"name": member.name}
                        )
                missing = sorted(set(expected) - seen)
                if missing:
                    raise BackupError(damaged % {"error": _("missing %(names)s") % {"names": ", ".join(missing[:5])}})
            # Read to the end: the gzip trailer's CRC and length catch what the tar did not.
            while gz.read(COPY_BLOCK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError, KeyError, TypeError) as exc:
        raise BackupError(damaged % {"error": exc}) from exc
    if database is None or database.name not in {"database.sqlite3", "database.pgdump"}:
        raise BackupError(damaged % {"error": _("no database in the archive")})
    return Checked(manifest=manifest, database=database, media=media_dir)
