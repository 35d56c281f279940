"""The test suite: the same database choice as everywhere (DATABASE_URL or SQLite), fast hashing."""

from .base import *

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
LANGUAGE_CODE = "zh-hans"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a real worker process started by a test can open the same database;
    # one per test process, so that two test runs on one machine never share it.
    import os

    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

if not REDIS_URL:
    # Keep the tests' filesystem queue apart from the one a running `make run` worker reads.
    CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND = filesystem_broker(VAR_DIR / "test-celery")
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="custnotes-test")

# No persistent connections in tests: threads (the live server, concurrency tests) would otherwise keep
# the test database open and PostgreSQL could not drop it at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0

# The suite runs on a fixed day (tests/clock.py) but the browser the tests drive lives in the real
# present: a session cookie with an expiry date computed from the suite's clock could already be in
# the browser's past. A cookie that lasts as long as the browser has no date at all.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
