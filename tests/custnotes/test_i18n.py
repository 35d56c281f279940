"""Every user-facing string has its Simplified Chinese translation, and users switch language."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("custnotes", "customers", "transactions", "costing", "valuation", "risk", "templates", "locale")


def test_every_string_in_the_code_is_translated_to_chinese(tmp_path):
    """Extract the strings afresh from a copy of the sources and check the catalogue covers them."""
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "DJANGO_SETTINGS_MODULE": "custnotes.settings.test",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    catalogue = polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))
    missing = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and ("fuzzy" in entry.flags or (not entry.msgstr_plural.get(0) if entry.msgid_plural else not entry.msgstr))
    ]
    assert missing == [], f"untranslated (run `make messages` and translate): {missing}"


@pytest.mark.django_db
def test_chinese_by_default_and_english_by_choice(client_for, sales_user):
    client = client_for(sales_user)
    page = client.get(reverse("customers:list")).content.decode()
    assert "客户名称" in page
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("customers:list")})
    assert response.status_code == 302
    page = client.get(reverse("customers:list")).content.decode()
    assert "Customer name" in page or "customer name" in page
    assert "客户名称" not in page


def test_login_page_offers_both_languages(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "简体中文" in page and "English" in page
    assert "登录" in page
