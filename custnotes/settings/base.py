"""Settings shared by every environment. Everything that differs comes from the environment."""

import datetime
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("CUSTNOTES_VAR_DIR", default=str(BASE_DIR / "var")))
NODE_MODULES = BASE_DIR / "node_modules"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Whether `load_demo` may fill an empty database. Production turns it off.
DEMO_DATA_ALLOWED = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "custnotes.apps.CustnotesConfig",
    # The sections of the template, in the template's order: each depends only on those before it.
    "customers.apps.CustomersConfig",
    "transactions.apps.TransactionsConfig",
    "costing.apps.CostingConfig",
    "valuation.apps.ValuationConfig",
    "risk.apps.RiskConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "custnotes.memo.RequestMemoMiddleware",
]

ROOT_URLCONF = "custnotes.urls"
WSGI_APPLICATION = "custnotes.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "custnotes.context_processors.navigation",
            ],
        },
    },
]

# DATABASE_URL selects the database: postgres://user@host:5432/name or sqlite:////abs/path.
# With nothing set, a SQLite file under var/ (git-ignored).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'custnotes.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and the scheduler share one file: wait for locks instead of failing,
    # take the write lock at BEGIN so transactions never deadlock on upgrade, and let readers run
    # beside a writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT for our sessions, whatever the server's default: our statements are short, and a cost
    # estimate past jit_above_cost made PostgreSQL spend most of a statement compiling it (242 of
    # 299 ms for a chunk's payment history; 7 minutes for one re-scoring UPDATE, issue 15).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Languages: Simplified Chinese by default, English by choice (the switcher in the navigation).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Workbook exports of more customers than this run in the background with a progress page.
WORKBOOK_INLINE_LIMIT = env.int("WORKBOOK_INLINE_LIMIT", default=300)

# Imports: the largest upload, how far a workbook may unpack (zip bombs), rows written per batch.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=1024 * 1024 * 1024)
IMPORT_MAX_RATIO = 200
IMPORT_BATCH_SIZE = 1000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# The earliest date a record may carry (custnotes.dates): far enough back for a company's history.
EARLIEST_RECORD_DATE = datetime.date.fromisoformat(env.str("EARLIEST_RECORD_DATE", default="1990-01-01"))

# Customer value: a customer whose first purchase is fewer than this many days before the as-of date
# is "too new to predict" (no model figures; tier from current value alone).
VALUATION_TOO_NEW_DAYS = env.int("VALUATION_TOO_NEW_DAYS", default=90)
# Customers are re-scored nightly; the daily runs older than this are dropped, except the last run of
# each month and the runs that fitted the model (the value trend's points).
VALUATION_KEEP_DAILY_RUNS_DAYS = env.int("VALUATION_KEEP_DAILY_RUNS_DAYS", default=35)

# One base currency per deployment.
CURRENCY = env.str("CURRENCY", default="CNY")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Third-party CSS/JS come from the npm registry at install time (package.json) and are served by the
# app itself: these deployments run on intranets with no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# Backups (custnotes.backup): archives and their catalogue live in BACKUP_STORAGE, by default a folder
# (BACKUP_DIR); production can point BACKUP_STORAGE_BACKEND/_OPTIONS at any Django storage to keep copies
# off the machine. With BACKUP_ENCRYPTION_KEY (32 bytes, URL-safe base64) archives are encrypted.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_STORAGE = {
    "BACKEND": env.str("BACKUP_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
    "OPTIONS": env.json("BACKUP_STORAGE_OPTIONS", default={}),
}
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("BACKUP_KEEP_WEEKLY", default=4)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", default=12)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}

# Celery. REDIS_URL selects Redis for broker and results; without it the embedded default uses
# kombu's filesystem transport and a file result backend under var/, so jobs run for real in a
# separate worker process with no server to install.
REDIS_URL = env.str("REDIS_URL", default="")


def filesystem_broker(root: Path) -> tuple[dict, str]:
    """Transport options and result backend for kombu's filesystem transport under `root`."""
    for sub in ("queue", "processed", "results", "control"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "processed_folder": str(root / "processed"),
        "control_folder": str(root / "control"),  # broadcast exchanges; default is ./control
        "store_processed": False,
    }
    return options, f"file://{root / 'results'}"


if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT = "custnotes.broker:Transport"  # stops promptly on Ctrl-C (see there)
    CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_RESULT_BACKEND = filesystem_broker(VAR_DIR / "celery")
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="custnotes")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TASK_ACKS_LATE = True  # a job interrupted by a worker restart runs again; jobs are idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- bench (manage.py bench) ---------------------------------------------------------------------
# Only the app that `manage.py bench` starts under gunicorn sets CUSTNOTES_BENCH: every response then
# says the server's time and query count (custnotes.bench.TimingMiddleware). Never set in a deployment.
if env.bool("CUSTNOTES_BENCH", default=False):
    MIDDLEWARE = ["custnotes.bench.TimingMiddleware", *MIDDLEWARE]
# --- end of bench ----------------------------------------------------------------------------------
