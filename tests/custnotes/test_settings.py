"""Configuration from the environment, checked in fresh interpreters so each case sees only its env."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), "
    "'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG, 'demo': settings.DEMO_DATA_ALLOWED}))"
)


def run_settings(module, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS")}
    env.update(DJANGO_SETTINGS_MODULE=module, **env_overrides)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_embedded_default_is_sqlite_under_var_with_a_serverless_broker():
    result = run_settings("custnotes.settings.local")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["engine"] == "django.db.backends.sqlite3"
    assert info["name"].endswith("var/custnotes.sqlite3")
    assert info["broker"] == "filesystem://"
    assert info["debug"] is True


def test_database_url_and_redis_url_select_the_servers():
    result = run_settings(
        "custnotes.settings.local",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/custnotes",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["engine"] == "django.db.backends.postgresql"
    assert info["name"] == "custnotes"
    assert info["broker"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_to_start_without_secret_key():
    result = run_settings("custnotes.settings.production", ALLOWED_HOSTS="notes.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_settings("custnotes.settings.production", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_starts_with_both_and_never_loads_demo_data():
    result = run_settings("custnotes.settings.production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="notes.example.com")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["debug"] is False
    assert info["demo"] is False
