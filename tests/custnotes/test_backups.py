"""Backups that restore (issue 14): round trips on the configured backend, refusals that touch nothing,
restores that fail half-way and leave everything as it was, the retention rule over a year, the
verification by restoring, and the scheduled jobs through a real worker."""

import base64
import datetime
import gzip
import io
import json
import re
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.urls import reverse
from django.utils import translation

from custnotes import tasks
from custnotes.backup import (
    BackupError,
    backup_create,
    backup_list,
    backup_open,
    backup_problem,
    backup_prune,
    backup_restore,
    backup_verify,
    retention_keep,
)
from custnotes.backup import services as backup_services
from custnotes.backup.catalogue import BackupEntry, backup_storage, entry_save
from custnotes.money import MoneyField, money_sum
from tests.costing.factories import cost, record_payment, record_sale
from tests.customers.factories import CustomerFactory
from transactions.models import Payment, Sale

# Restores replace the whole database: transactional tests, with the migrations' seeded rows brought
# back after the flush like every other transactional test of the suite.
restoring = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def backup_dirs(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {}}
    settings.BACKUP_ENCRYPTION_KEY = ""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "exports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "exports" / "statement.xlsx").write_bytes(b"statement of account " * 50)
    return tmp_path


@pytest.fixture
def book(finance_user):
    """Two customers with sales, a payment and a cost: 1,234.50 + 99.99 + 500.00 sold, 300.00 received."""
    a = CustomerFactory(name="甲公司")
    b = CustomerFactory(name="乙公司")
    record_sale(a, "1234.50", -20)
    record_sale(a, "99.99", -5)
    record_sale(b, "500.00", -10)
    record_payment(a, "300.00", -2)
    cost(a, "45.60", -3)
    return {"customers": [a, b], "user": finance_user}


def everything() -> dict:
    """Every table's row count and the sum of every money and decimal column, read with the ORM."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        sums = {}
        for field in model._meta.concrete_fields:
            if isinstance(field, MoneyField):
                sums[field.name] = model.objects.aggregate(t=money_sum(field.name))["t"]
            elif isinstance(field, models.DecimalField):
                sums[field.name] = model.objects.aggregate(t=models.Sum(field.name))["t"]
        found[model._meta.db_table] = (model.objects.count(), sums)
    return found


def wipe():
    """Lose the book: empty every table of the template's sections."""
    tables = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in {"customers", "transactions", "costing", "valuation", "risk"} and m._meta.managed
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys=OFF")
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608
            cursor.execute("PRAGMA foreign_keys=ON")


def money_on_page(client, customer) -> list[str]:
    html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    return re.findall(r"-?¥[\d,]+\.\d\d", html)


def archive_path(entry) -> Path:
    return Path(backup_storage().path(entry.name))


def rewritten(source: Path, dest: Path, change) -> Path:
    """A copy of an archive whose manifest `change(manifest)` edited (every part left as it was)."""
    with tarfile.open(source, "r:gz") as tar, tarfile.open(dest, "w:gz") as out:
        for member in tar:
            data = tar.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return dest


@restoring
def test_round_trip_restores_every_row_every_money_total_the_media_and_the_pages(backup_dirs, book, client_for):
    a = book["customers"][0]
    assert Sale.objects.aggregate(t=money_sum("amount"))["t"] == Decimal("1834.49")  # 1234.50 + 99.99 + 500.00
    assert Payment.objects.aggregate(t=money_sum("amount"))["t"] == Decimal("300.00")
    page_before = money_on_page(client_for(book["user"]), a)
    before = everything()
    assert "¥1,234.50" in page_before

    entry = backup_create()
    assert entry.status == "ok" and entry.backend == connection.vendor and entry.size > 0
    with tarfile.open(archive_path(entry), "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[0] == "manifest.json" and "media/exports/statement.xlsx" in names
    assert manifest["tables"]["transactions_sale"]["rows"] == 3
    assert manifest["tables"]["transactions_sale"]["money"]["amount"] == "1834.49"
    assert all(len(p["sha256"]) == 64 for p in manifest["parts"])

    wipe()
    (backup_dirs / "media" / "exports" / "statement.xlsx").unlink()
    assert Sale.objects.count() == 0

    backup_restore(name_or_path=entry.name)

    assert everything() == before
    assert (backup_dirs / "media" / "exports" / "statement.xlsx").read_bytes() == b"statement of account " * 50
    assert money_on_page(client_for(book["user"]), a) == page_before


def damaged(kind: str, good: Path, tmp_path: Path) -> Path:
    data = good.read_bytes()
    bad = tmp_path / f"{kind}.tar.gz"
    if kind == "truncated":
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif kind == "bit-flipped":
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0x10
        bad.write_bytes(bytes(flipped))
    elif kind == "foreign":  # a gzip tar that is not ours
        with tarfile.open(bad, "w:gz") as tar:
            info = tarfile.TarInfo("dump.sql")
            info.size = 9
            tar.addfile(info, io.BytesIO(b"SELECT 1;"))
    elif kind == "not-an-archive":
        bad.write_bytes(b"-- PostgreSQL database dump\nCREATE TABLE x ();\n")
    elif kind == "other-backend":
        other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
        rewritten(good, bad, lambda m: m.update(backend=other))
    elif kind == "newer-schema":
        rewritten(good, bad, lambda m: m["migrations"].append(["customers", "9999_from_the_future"]))
    elif kind == "newer-format":
        rewritten(good, bad, lambda m: m.update(format_version=99))
    return bad


REFUSALS = {
    "truncated": "damaged or truncated",
    "bit-flipped": "damaged",
    "foreign": "not a custnotes backup",
    "not-an-archive": "not a custnotes backup",
    "other-backend": "cannot be restored here",
    "newer-schema": "newer version",
    "newer-format": "newer version",
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_a_damaged_foreign_or_newer_archive_is_refused_before_anything_changes(kind, backup_dirs, book, tmp_path):
    bad = damaged(kind, archive_path(backup_create()), tmp_path)
    before = everything()
    with translation.override("en"), pytest.raises(BackupError, match=REFUSALS[kind]):
        backup_restore(name_or_path=str(bad))
    assert everything() == before
    assert (backup_dirs / "media" / "exports" / "statement.xlsx").exists()
    assert sorted(p.name for p in (backup_dirs / "media").iterdir()) == ["exports"]  # no staging left behind


@pytest.mark.django_db
def test_the_restore_command_refuses_in_chinese_and_exits_non_zero(backup_dirs, book, tmp_path):
    bad = damaged("truncated", archive_path(backup_create()), tmp_path)
    with pytest.raises(CommandError, match="已损坏或不完整"):
        call_command("restore", str(bad), "--yes")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(bad))
    with pytest.raises(CommandError):
        call_command("verify_backup", str(bad))


@restoring
@pytest.mark.parametrize("step", ["_check_staged", "_check_swapped"])
def test_a_restore_failing_half_way_leaves_the_database_and_media_as_they_were(step, backup_dirs, book, monkeypatch):
    entry = backup_create()
    record_sale(book["customers"][1], "777.77", -1)  # after the backup: must survive the failed restore
    (backup_dirs / "media" / "exports" / "later.xlsx").write_bytes(b"later")
    before = everything()

    def fail(expected, actual):
        raise RuntimeError(f"simulated failure in {step}")

    monkeypatch.setattr(backup_services, step, fail)
    with pytest.raises(BackupError, match="simulated failure"):
        backup_restore(name_or_path=entry.name)
    assert everything() == before
    assert Sale.objects.filter(amount=Decimal("777.77")).count() == 1
    assert (backup_dirs / "media" / "exports" / "later.xlsx").read_bytes() == b"later"
    assert sorted(p.name for p in backup_dirs.iterdir()) == ["backups", "media"]


def test_retention_keeps_7_daily_4_weekly_12_monthly_over_a_year_of_daily_backups():
    first, last = datetime.date(2025, 6, 18), datetime.date(2026, 6, 17)  # a Wednesday
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    keep = retention_keep({d.isoformat(): d for d in days}, daily=7, weekly=4, monthly=12)
    daily = {f"2026-06-{d:02d}" for d in range(11, 18)}  # the last 7 days
    weekly = {"2026-06-17", "2026-06-14", "2026-06-07", "2026-05-31"}  # this week's newest, then Sundays
    monthly = {
        "2026-06-17", "2026-05-31", "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31",
        "2025-12-31", "2025-11-30", "2025-10-31", "2025-09-30", "2025-08-31", "2025-07-31",
    }  # fmt: skip
    assert keep == daily | weekly | monthly
    assert len(keep) == 7 + 2 + 10  # 06-17 in all three, 06-14 in daily and weekly, 05-31 in weekly and monthly


def test_retention_takes_the_newest_backup_of_a_day():
    keep = retention_keep(
        {
            "morning": datetime.datetime(2026, 6, 17, 2, 15),
            "afternoon": datetime.datetime(2026, 6, 17, 15, 0),
            "yesterday": datetime.datetime(2026, 6, 16, 2, 15),
        },
        daily=1,
        weekly=0,
        monthly=0,
    )
    assert keep == {"afternoon"}


def _old_entry(storage, name, when):
    entry_save(
        storage,
        BackupEntry(name=name, created_at=when, size=1, backend=connection.vendor, kind="scheduled", status="ok"),
    )
    storage.save(name, io.BytesIO(b"x"))


@pytest.mark.django_db
def test_retention_runs_only_after_a_successful_backup_and_failures_are_recorded(backup_dirs, monkeypatch):
    storage = backup_storage()
    start = datetime.datetime(2025, 1, 1, 2, 15, tzinfo=datetime.UTC)
    for n in range(40):  # forty old daily backups from early 2025
        _old_entry(storage, f"custnotes-old-{n:02d}.tar.gz", start + datetime.timedelta(days=n))

    def broken(self, workdir):
        raise BackupError("disk full")

    monkeypatch.setattr("custnotes.backup.engines.SQLiteEngine.dump", broken)
    monkeypatch.setattr("custnotes.backup.engines.PostgresEngine.dump", broken)
    with pytest.raises(BackupError, match="disk full"):
        tasks.backup()
    listed = backup_list()
    assert len(listed) == 41  # nothing pruned
    assert listed[0].status == "failed" and listed[0].error == "disk full"
    assert backup_problem() == listed[0]

    monkeypatch.undo()
    name = tasks.backup()
    listed = backup_list()
    assert listed[0].name == name and listed[0].kind == "scheduled"
    assert backup_problem() is None
    # Today's backup, plus the old ones the rule keeps: Feb 9 (newest, its day, its week and month), the
    # five days before it, the Sundays of the three weeks before, January's newest: Jan 31.
    kept_old = {e.name for e in listed if e.name.startswith("custnotes-old-")}
    assert {e.created_at.date().isoformat() for e in listed if e.name in kept_old} == {
        "2025-02-09", "2025-02-08", "2025-02-07", "2025-02-06", "2025-02-05", "2025-02-04",  # daily (6 + today)
        "2025-02-02", "2025-01-26",  # weekly (4 with today's and Feb 9's)
        "2025-01-31",  # monthly (with June 2026 and February 2025)
    }  # fmt: skip
    assert [e.status for e in listed].count("failed") == 1  # newer than the oldest backup kept: still listed
    assert not storage.exists("custnotes-old-00.tar.gz")


@restoring
def test_verification_restores_into_a_scratch_database_and_records_the_result(backup_dirs, book):
    entry = backup_create()
    checked = backup_verify(name=entry.name)
    assert checked.verify_ok is True and checked.verified_at is not None, checked.verify_message
    assert backup_list()[0].verify_ok is True
    assert backup_problem() is None
    assert everything()["transactions_sale"][0] == 3  # the live database untouched

    # An archive whose manifest promises other figures than its database holds fails verification.
    path = archive_path(entry)
    liar = rewritten(path, path.with_name("liar.tar.gz"), lambda m: m["tables"]["transactions_sale"].update(rows=4))
    liar.replace(path)
    with translation.override("en"):
        failed = backup_verify(name=entry.name)  # the catalogue's checksum no longer matches either
    assert failed.verify_ok is False and "checksum" in failed.verify_message
    assert backup_problem() == failed
    with translation.override("en"), pytest.raises(CommandError, match="transactions_sale: 3 rows instead of 4"):
        call_command("verify_backup", str(path))


@pytest.mark.django_db
def test_an_encrypted_backup_needs_its_key(backup_dirs, book, settings):
    settings.BACKUP_ENCRYPTION_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
    entry = backup_create()
    assert entry.encrypted and entry.name.endswith(".enc")
    with backup_open(entry.name) as f:
        assert f.read(8) == b"CNBKENC1"
    assert backup_verify(name=entry.name).verify_ok is True
    settings.BACKUP_ENCRYPTION_KEY = ""
    with translation.override("en"), pytest.raises(BackupError, match="BACKUP_ENCRYPTION_KEY"):
        backup_restore(name_or_path=entry.name)
    settings.BACKUP_ENCRYPTION_KEY = base64.urlsafe_b64encode(bytes(32)).decode()  # another key
    with translation.override("en"), pytest.raises(BackupError, match="key is wrong"):
        backup_restore(name_or_path=entry.name)


@pytest.mark.django_db
def test_backup_command_writes_to_dest_and_open_refuses_unknown_names(backup_dirs, tmp_path):
    call_command("backup", "--dest", str(tmp_path / "elsewhere"), stdout=io.StringIO())
    written = list((tmp_path / "elsewhere").glob("custnotes-*.tar.gz"))
    assert len(written) == 1
    with gzip.open(written[0]) as gz:
        assert gz.read(1)  # a gzip stream
    with pytest.raises(BackupError):
        backup_open("../custnotes.sqlite3")
    with pytest.raises(BackupError):
        backup_open("custnotes-nothing.tar.gz")
    assert backup_prune() == []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_scheduled_backup_and_verification_run_in_a_real_worker(backup_dirs, monkeypatch, book, request):
    monkeypatch.setenv("BACKUP_DIR", str(backup_dirs / "backups"))  # the worker process reads the same storage
    queue = request.getfixturevalue("worker")
    name = tasks.backup.apply_async(queue=queue).get(timeout=120)
    result = tasks.backup_verify_latest.apply_async(queue=queue).get(timeout=120)
    assert result["name"] == name and result["ok"] is True, result["message"]
    [entry] = backup_list()
    assert entry.name == name and entry.kind == "scheduled" and entry.verify_ok is True
    assert entry.backend == connection.vendor
