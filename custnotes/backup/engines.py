"""The database side of backups, per backend: a consistent dump, a scratch copy to check or verify, and
the swap that puts a checked copy in place of the live database all at once.

SQLite. The dump is the online backup API (a consistent copy while the app runs). A restore loads the
archive's file into a temporary file, checks it (integrity, row counts, money totals), then copies it
over the live database with the backup API again: that copy is one write transaction on the live
file, so every connection (this one, the web server's, the worker's) sees the old database or the new
one, never a mix, and SQLite's WAL files stay consistent. (Moving a file over a database in WAL mode
that other processes hold open would leave them on the old file, and its -wal file could be replayed
over the new one.) The live file is copied aside first; if the check after the swap fails, it is
copied back.

PostgreSQL. The dump is pg_dump's custom format, taken in the same snapshot as the manifest's figures
(pg_export_snapshot), so the two always agree. A restore first loads it with pg_restore
--exit-on-error --single-transaction into a temporary database and checks it there: nothing of the
live database is touched until the archive loaded cleanly. The checked copy's schema is then renamed
to a fresh name, dumped and loaded into the live database beside `public` (again --exit-on-error in a
single transaction), checked once more, and swapped in by renaming the two schemas inside one
transaction, which also re-checks the figures before it commits. Schema renames are transactional and
need no exclusive access to the database, so this works with Django's connection and the web and worker
processes still connected; restoring into a fresh database and renaming databases would need every
session terminated. The old schema is dropped after the commit.
"""

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, connections
from django.utils.translation import gettext as _

from . import figures as fig
from .errors import BackupError


@dataclass(frozen=True)
class Dump:
    path: Path
    server_version: str
    figures: dict
    migrations: list


def engine_for(vendor: str | None = None):
    vendor = vendor or connection.vendor
    if vendor == "sqlite":
        return SQLiteEngine()
    if vendor == "postgresql":
        return PostgresEngine()
    raise BackupError(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})


@contextlib.contextmanager
def scratch_connection(settings_dict: dict, name: str):
    """A Django connection to another database of the same server, under a temporary alias (the
    migration recorder queries through an alias). It connects before it is registered, so that test
    isolation that refuses new connections to unknown aliases lets it be."""
    from django.db.utils import load_backend

    alias = f"backup_scratch_{uuid.uuid4().hex[:8]}"
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper({**settings_dict, "NAME": name}, alias=alias)
    wrapper.connect()
    connections.settings[alias] = wrapper.settings_dict
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        with contextlib.suppress(AttributeError, KeyError):
            del connections[alias]
        connections.settings.pop(alias, None)


def migrations_pending(db) -> list[str]:
    """The migrations of this code not applied in the database (what `migrate --check` refuses):
    the plan that `migrate` would run there, from the same MigrationExecutor."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[db] if isinstance(db, str) else db)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class SQLiteEngine:
    vendor = "sqlite"
    part = "database.sqlite3"

    @property
    def live_path(self) -> Path:
        return Path(connection.settings_dict["NAME"])

    def server_version(self) -> str:
        return sqlite3.sqlite_version

    def dump(self, workdir: Path) -> Dump:
        dest = workdir / self.part
        source = sqlite3.connect(self.live_path, timeout=30)
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
            # A single self-contained file, whatever journal mode the live database runs in.
            target.execute("PRAGMA journal_mode=DELETE")
            cursor = target.cursor()
            figures = fig.table_figures(cursor, fig.table_specs())
            migrations = fig.applied_migrations(cursor)
        finally:
            target.close()
            source.close()
        return Dump(dest, self.server_version(), figures, migrations)

    @contextlib.contextmanager
    def scratch(self, part: Path):
        """The archive's database as a temporary file, with a Django alias for migrate --check."""
        with tempfile.TemporaryDirectory(prefix="custnotes-verify-") as tmp:
            path = Path(tmp) / "scratch.sqlite3"
            shutil.copyfile(part, path)
            self._integrity(path)
            with scratch_connection(connection.settings_dict, str(path)) as db:
                yield db

    @staticmethod
    def _integrity(path: Path) -> None:
        try:
            db = sqlite3.connect(path)
            try:
                result = db.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(_("The archive's database is damaged: %(error)s") % {"error": exc}) from exc
        if result != "ok":
            raise BackupError(_("The archive's database is damaged: %(error)s") % {"error": result})

    def restore(self, part: Path, *, expected: dict, check_staged, check_swapped, before_swap) -> None:
        live = self.live_path
        staged = live.with_name(f".{live.name}.restore-{uuid.uuid4().hex[:8]}")
        saved = live.with_name(f".{live.name}.before-restore-{uuid.uuid4().hex[:8]}")
        try:
            shutil.copyfile(part, staged)
            self._integrity(staged)
            db = sqlite3.connect(staged)
            try:
                check_staged(fig.table_figures(db.cursor(), fig.specs_of(expected)))
            finally:
                db.close()
            connection.close()
            target = sqlite3.connect(live, timeout=30)
            try:
                # The live database as it is, to put back if the check after the swap fails.
                keep = sqlite3.connect(saved)
                try:
                    target.backup(keep)
                finally:
                    keep.close()
                undo_media = before_swap()
                try:
                    source = sqlite3.connect(staged)
                    try:
                        source.backup(target)  # one write transaction on the live file
                    finally:
                        source.close()
                    check_swapped(fig.table_figures(target.cursor(), fig.specs_of(expected)))
                except BaseException:
                    keep = sqlite3.connect(saved)
                    try:
                        keep.backup(target)
                    finally:
                        keep.close()
                    undo_media()
                    raise
            finally:
                target.close()
        finally:
            for path in (staged, saved):
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            connection.close()


class PostgresEngine:
    vendor = "postgresql"
    part = "database.pgdump"

    @property
    def settings(self) -> dict:
        return connection.settings_dict

    def connect(self, dbname: str | None = None, **kwargs):
        import psycopg

        s = self.settings
        params = {
            "dbname": dbname or s["NAME"],
            "user": s.get("USER") or None,
            "password": s.get("PASSWORD") or None,
            "host": s.get("HOST") or None,
            "port": s.get("PORT") or None,
        }
        return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, **kwargs)

    def _env(self) -> dict:
        s = self.settings
        env = dict(os.environ)
        for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
            if s.get(key):
                env[var] = str(s[key])
        sslmode = (s.get("OPTIONS") or {}).get("sslmode")
        if sslmode:
            env["PGSSLMODE"] = sslmode
        return env

    def server_version(self) -> str:
        with self.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def _tool(self, name: str) -> str:
        """The path of pg_dump / pg_restore, refused when missing or older than the server."""
        path = shutil.which(name)
        if not path:
            raise BackupError(
                _("%(tool)s is not installed: install the PostgreSQL client tools (postgresql-client).")
                % {"tool": name}
            )
        output = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
        found = re.search(r"\)\s*(\d+)", output) or re.search(r"(\d+)", output)
        with self.connect() as conn:
            server = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
        if not found or int(found.group(1)) < server:
            raise BackupError(
                _(
                    "%(tool)s %(version)s is older than the PostgreSQL %(server)s server: "
                    "install client tools %(server)s or newer."
                )
                % {"tool": name, "version": found.group(1) if found else "?", "server": server}
            )
        return path

    def _run(self, args: list[str], what: str) -> None:
        result = subprocess.run(args, capture_output=True, text=True, env=self._env(), check=False)  # noqa: S603
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            raise BackupError(
                _("%(step)s failed (exit status %(code)s): %(detail)s")
                % {"step": what, "code": result.returncode, "detail": " ".join(detail)}
            )

    def dump(self, workdir: Path) -> Dump:
        import psycopg

        pg_dump = self._tool("pg_dump")
        dest = workdir / self.part
        with self.connect() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with conn.transaction(), conn.cursor() as cursor:
                # The figures and the dump read one snapshot: they agree however busy the database is.
                snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
                figures = fig.table_figures(cursor, fig.table_specs())
                migrations = fig.applied_migrations(cursor)
                version = cursor.execute("SHOW server_version").fetchone()[0]
                self._run(
                    [
                        pg_dump,
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        f"--file={dest}",
                        f"--dbname={self.settings['NAME']}",
                    ],
                    "pg_dump",
                )
        return Dump(dest, version, figures, migrations)

    @contextlib.contextmanager
    def _database(self, purpose: str):
        """A temporary database on the same server, dropped afterwards."""
        name = f"{self.settings['NAME'][:30]}_{purpose}_{uuid.uuid4().hex[:8]}"
        with self.connect(autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {fig.quote(name)} TEMPLATE template0")
        try:
            yield name
        finally:
            with self.connect(autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {fig.quote(name)} WITH (FORCE)")

    def _restore_into(self, part: Path, dbname: str) -> None:
        pg_restore = self._tool("pg_restore")
        self._run(
            [
                pg_restore,
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--dbname={dbname}",
                str(part),
            ],
            "pg_restore",
        )

    @contextlib.contextmanager
    def scratch(self, part: Path):
        """The archive loaded into a temporary database (pg_restore --exit-on-error), with a Django alias."""
        with self._database("verify") as name:
            self._restore_into(part, name)
            with scratch_connection(self.settings, name) as db:
                yield db

    def restore(self, part: Path, *, expected: dict, check_staged, check_swapped, before_swap) -> None:
        import psycopg

        specs = fig.specs_of(expected)
        token = uuid.uuid4().hex[:8]
        fresh, old = f"custnotes_restore_{token}", f"custnotes_pre_restore_{token}"
        with tempfile.TemporaryDirectory(prefix="custnotes-restore-") as tmp:
            moved = Path(tmp) / "fresh.pgdump"
            with self._database("restore") as scratch:
                self._restore_into(part, scratch)
                with self.connect(scratch, autocommit=True) as conn:
                    check_staged(fig.table_figures(conn.cursor(), specs))
                    conn.execute(f"ALTER SCHEMA public RENAME TO {fig.quote(fresh)}")
                self._run(
                    [
                        self._tool("pg_dump"),
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--schema={fresh}",
                        f"--file={moved}",
                        f"--dbname={scratch}",
                    ],
                    "pg_dump",
                )
            connection.close()
            try:
                # Beside the live schema, in one transaction: nothing the app reads has changed yet.
                self._restore_into(moved, self.settings["NAME"])
                with self.connect(autocommit=True) as conn:
                    check_staged(fig.table_figures(conn.cursor(), specs, schema=fresh))
                undo_media = before_swap()
                try:
                    with self.connect() as conn, conn.transaction(), conn.cursor() as cursor:
                        cursor.execute(f"ALTER SCHEMA public RENAME TO {fig.quote(old)}")
                        cursor.execute(f"ALTER SCHEMA {fig.quote(fresh)} RENAME TO public")
                        check_swapped(fig.table_figures(cursor, specs, schema="public"))
                except BaseException:
                    undo_media()
                    raise
            finally:
                with contextlib.suppress(psycopg.Error), self.connect(autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA IF EXISTS {fig.quote(fresh)} CASCADE")
                    conn.execute(f"DROP SCHEMA IF EXISTS {fig.quote(old)} CASCADE")
                connection.close()
