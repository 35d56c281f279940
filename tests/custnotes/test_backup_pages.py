"""The backups page and the Admins' home panel (issue 14, item 5): who may see them, back up and
verify now (handed to a worker), downloads only of archives the catalogue lists, failures shown."""

import dataclasses

import pytest
from django.db import connection
from django.urls import reverse

from custnotes import tasks
from custnotes.backup import backup_create, backup_list
from custnotes.backup.catalogue import backup_storage, entry_save

from .test_backups import backup_dirs  # noqa: F401 - the fixture: backups and media in a temporary folder

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(backup_dirs):  # noqa: F811 - the fixture imported above
    return backup_create(kind="scheduled")


@pytest.mark.parametrize("user", ["sales_user", "finance_user", "manager_user"])
def test_only_admins_see_the_backups(client_for, request, user, made):
    client = client_for(request.getfixturevalue(user))
    assert client.get(reverse("backups")).status_code == 403
    assert client.get(reverse("backup-download", args=[made.name])).status_code == 403
    assert client.post(reverse("backups"), {"action": "backup"}).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert 'id="backup-problem"' not in home and reverse("backups") not in home


def test_the_page_lists_the_backups_and_downloads_one(client_for, admin_user_role, made):
    client = client_for(admin_user_role)
    body = client.get(reverse("backups")).content.decode()
    database = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    assert made.name in body and database in body and "定时" in body and "尚未验证" in body
    response = client.get(reverse("backup-download", args=[made.name]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{made.name}"'
    with backup_storage().open(made.name, "rb") as archive:
        assert b"".join(response.streaming_content) == archive.read()


@pytest.mark.parametrize("name", ["../../db.sqlite3", "nothing.tar.gz", "%2e%2e%2fsettings.py"])
def test_only_listed_archives_download(client_for, admin_user_role, made, name):
    response = client_for(admin_user_role).get(f"/backups/{name}/download/")
    assert response.status_code == 404


def test_back_up_and_verify_now_go_to_a_worker(client_for, admin_user_role, made, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.backup, "delay", lambda **kw: sent.append(("backup", kw)))
    monkeypatch.setattr(tasks.backup_verify, "delay", lambda name: sent.append(("verify", name)))
    client = client_for(admin_user_role)
    response = client.post(reverse("backups"), {"action": "backup"}, follow=True)
    assert "备份已开始" in response.content.decode()
    client.post(reverse("backups"), {"action": "verify", "name": made.name})
    response = client.post(reverse("backups"), {"action": "verify", "name": "../etc/passwd"}, follow=True)
    assert "没有这个备份" in response.content.decode()
    assert sent == [("backup", {"kind": "manual"}), ("verify", made.name)]


def test_a_failed_verification_shows_on_the_admins_home_page(client_for, admin_user_role, made):
    entry_save(backup_storage(), dataclasses.replace(made, verified_at=made.created_at, verify_ok=False,
                                                    verify_message="sales: 3 rows, manifest 4"))  # fmt: skip
    body = client_for(admin_user_role).get(reverse("home")).content.decode()
    assert 'id="backup-problem"' in body
    assert "验证失败" in body and "sales: 3 rows, manifest 4" in body


def test_a_failed_backup_shows_on_the_admins_home_page(client_for, admin_user_role, made, monkeypatch):
    from custnotes.backup import engines

    def broken(*args, **kwargs):
        raise OSError("disk full")

    for engine in (engines.SQLiteEngine, engines.PostgresEngine):
        monkeypatch.setattr(engine, "dump", broken)
    with pytest.raises(Exception, match="disk full"):
        backup_create(kind="scheduled")
    assert backup_list()[0].status == "failed"
    body = client_for(admin_user_role).get(reverse("home")).content.decode()
    assert 'id="backup-problem"' in body and "disk full" in body
    assert "最近一次备份" in body  # the last good one is still named


def test_a_healthy_state_is_one_quiet_line(client_for, admin_user_role, made):
    body = client_for(admin_user_role).get(reverse("home")).content.decode()
    assert 'id="backup-problem"' not in body
    assert "最近一次备份" in body and reverse("backups") in body
