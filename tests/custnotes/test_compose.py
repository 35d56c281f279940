"""docker-compose.yml describes production; no Docker engine runs here, so a test reads it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_of_the_production_shape():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert "healthcheck" in service, name


def test_app_services_run_the_right_commands_on_the_real_servers():
    services = compose()["services"]
    assert "gunicorn custnotes.wsgi:application" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A custnotes worker")
    assert services["beat"]["command"].startswith("celery -A custnotes beat")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "custnotes.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_data_lives_in_volumes():
    data = compose()
    assert set(data["volumes"]) >= {"pgdata", "redisdata", "appdata"}
    assert any(v.startswith("pgdata:") for v in data["services"]["postgres"]["volumes"])
    assert (ROOT / "Dockerfile").exists()
