"""`manage.py bench`: how fast the app is on the configured database, measured the way a user meets it.

Pages are requested over HTTP from the app under gunicorn (2 workers, a free loopback port, the same
settings and database), as an Admin and as a Sales user logged in through the login form. The pages
come from the app itself: the navigation and the reports of the registry, and for each list the
search box, every sort its table links and every filter its form offers (with a plausible value taken
from the form); the home dashboard; the notebook of the customer with the most sales and of a typical
(median) one. The server's own time and query count come back in response headers that
TimingMiddleware adds only when CUSTNOTES_BENCH is set (see the end of custnotes/settings/base.py).

The heavy parts (the full re-scoring and its lower bound, an import, the summary export) each run in
a child process (`bench --step NAME`) so that each one's peak memory is its own; a bounded load test
(threads, loopback only, a fixed duration) ends the run.

custnotes/ imports none of the sections: the models are reached by app label and the sections'
services by dotted path, at run time.
"""

import datetime
import http.client
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.db import connection

HEADER_TIME = "Server-Timing"
HEADER_QUERIES = "X-Queries"

# The targets of issue 15 (at the full set, on PostgreSQL, this 2-core machine).
TARGET_LIST_MS = 300  # list pages, search, the notebook: p95
TARGET_REPORT_MS = 500  # reports, dashboards: p95
TARGET_RESCORE_S = 120
TARGET_RESCORE_RATIO = 2.0
TARGET_RESCORE_MB = 500
TARGET_IMPORT_ROWS_S = 5000
TARGET_IMPORT_MB = 400
TARGET_EXPORT_S = 60  # for 100,000 customers
TARGET_LOAD_RPS = 50

SKIPPED_FIELDS = {"sort", "page", "export", "per_page", "csrfmiddlewaretoken", "next", "language"}


# --- the middleware (in the app under test) -------------------------------------------------------


class TimingMiddleware:
    """Adds `Server-Timing: app;dur=<ms>` and `X-Queries: <n>` to every response: the time Django took
    from this middleware on (rendering included) and how many SQL statements it ran. Enabled only by
    CUSTNOTES_BENCH (the bench's gunicorn), never in a deployment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = [0]

        def counting(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response[HEADER_TIME] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        response[HEADER_QUERIES] = str(count[0])
        return response


# --- the database and the server ------------------------------------------------------------------


def database_url(settings_dict=None) -> str:
    """The URL of the database this process uses (the test database under pytest), for a child."""
    db = settings_dict or connection.settings_dict
    if "sqlite" in db["ENGINE"]:
        return f"sqlite:///{db['NAME']}"
    user = urllib.parse.quote(db.get("USER") or "postgres")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def child_env() -> dict:
    """The environment of the bench's children: this process's, its settings and its database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", ""),
        DATABASE_URL=database_url(),
        CUSTNOTES_BENCH="1",
        DJANGO_DEBUG="False",  # no query log in the server being measured
        PYTHONUNBUFFERED="1",
    )
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(*, workers: int = 2, timeout: int = 300) -> Iterator[int]:
    """The app under gunicorn on a free loopback port; yields the port once it answers."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "custnotes.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            f"--timeout={timeout}",
            "--log-level=warning",
        ],
        cwd=settings.BASE_DIR,
        env=child_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"gunicorn exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                Client(port).get("/accounts/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# --- HTTP -----------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    client_ms: float

    @property
    def server_ms(self) -> float | None:
        match = re.search(r"dur=([\d.]+)", self.headers.get(HEADER_TIME.lower(), ""))
        return float(match.group(1)) if match else None

    @property
    def queries(self) -> int | None:
        value = self.headers.get(HEADER_QUERIES.lower())
        return int(value) if value else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """A keep-alive HTTP/1.1 client with a cookie jar, for one user on one server."""

    def __init__(self, port: int, timeout: float = 300):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Response:
        sent = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "en", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=sent)
                raw = self.conn.getresponse()
                data = raw.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            elapsed = (time.perf_counter() - started) * 1000
            for header, value in raw.getheaders():
                if header.lower() == "set-cookie":
                    name, _sep, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            headers_seen = {k.lower(): v for k, v in raw.getheaders()}
            if raw.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return Response(raw.status, headers_seen, data, elapsed)
        raise AssertionError("unreachable")

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def login(self, username: str, password: str) -> None:
        """Log in through the login form, with its CSRF token, as a browser does."""
        page = self.get("/accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not match:
            raise RuntimeError("no CSRF token on the login page")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
        ).encode()
        response = self.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{self.port}/accounts/login/",
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"could not log in as {username} (HTTP {response.status})")

    def close(self):
        if self.conn is not None:
            self.conn.close()


# --- what a page offers ---------------------------------------------------------------------------


class PageParser(HTMLParser):
    """The sort links of a page's tables and the fields of its GET forms (name → kind, options)."""

    def __init__(self):
        super().__init__()
        self.sorts: list[str] = []
        self.fields: dict[str, dict] = {}
        self.in_get_form = False
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            query = urllib.parse.urlsplit(attrs["href"]).query
            for value in urllib.parse.parse_qs(query).get("sort", []):
                column = value.lstrip("-")
                if column and column not in self.sorts:
                    self.sorts.append(column)
        elif tag == "form":
            self.in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif self.in_get_form and tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind not in ("hidden", "submit", "button", "reset"):
                self.fields.setdefault(attrs["name"], {"kind": kind, "options": []})
        elif self.in_get_form and tag == "select" and attrs.get("name"):
            self.select = attrs["name"]
            self.fields.setdefault(self.select, {"kind": "select", "options": []})
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if value not in ("", "unknown"):
                self.fields[self.select]["options"].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False
        elif tag == "select":
            self.select = None


def plausible_value(name: str, spec: dict, today: datetime.date) -> str | None:
    """A value a user would choose for a filter field, or None for a field we cannot guess."""
    kind = spec["kind"]
    if kind == "select":
        return spec["options"][0] if spec["options"] else None
    if kind == "checkbox":
        return "on"
    if kind == "date":
        return (today - datetime.timedelta(days=90 if ("from" in name or "start" in name) else 30)).isoformat()
    if kind == "number":
        return "1000"
    return None  # free text other than the search box (an autocomplete): nothing plausible to type


def variants(html: str, *, search: str, today: datetime.date, few: bool = False) -> list[tuple[str, dict]]:
    """(label, query) for the search, each sort both ways and each filter the page offers; with
    `few`, only the first sort and the first filter (the quick run)."""
    page = PageParser()
    page.feed(html)
    found = []
    if "q" in page.fields:
        found.append(("q", {"q": search}))
    for column in page.sorts[:1] if few else page.sorts:
        found += [(f"sort={column}", {"sort": column}), (f"sort=-{column}", {"sort": f"-{column}"})]
    for name, spec in page.fields.items():
        if name == "q" or name in SKIPPED_FIELDS:
            continue
        value = plausible_value(name, spec, today)
        if value is not None:
            found.append((f"{name}={value}", {name: value}))
            if few:
                break
    return found


# --- pages ----------------------------------------------------------------------------------------


@dataclass
class PageResult:
    name: str
    user: str
    path: str
    kind: str  # list | report | notebook
    target_ms: int
    status: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    kb: float = 0
    samples: list[float] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == 200 and self.p95_ms is not None and self.p95_ms <= self.target_ms


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 5 samples is the largest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def measure(client: Client, path: str, *, repeat: int, warm: bool = True) -> tuple[int, list[float], int | None, int]:
    if warm:
        client.get(path)
    samples, queries, status, size = [], None, 0, 0
    for _ in range(repeat):
        response = client.get(path)
        status, size, queries = response.status, len(response.body), response.queries
        if response.status != 200:
            break
        samples.append(response.server_ms if response.server_ms is not None else response.client_ms)
    return status, samples, queries, size


def notebook_customers(user) -> list[tuple[str, int]]:
    """The largest customer in the user's scope (most sales) and a typical one (the median count)."""
    from django.apps import apps
    from django.db.models import Count

    from custnotes.registry import registry

    in_scope = registry.customers.in_scope(user=user).order_by().values("pk")
    counts = list(
        apps.get_model("transactions", "Sale")
        .objects.filter(customer_id__in=in_scope)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "customer_id")
        .values_list("customer_id", "n")
    )
    if not counts:
        return []
    return [("largest", counts[0][0]), ("typical", counts[len(counts) // 2][0])]


def page_plan(user) -> list[tuple[str, str, str, int]]:
    """(name, path, kind, target) of every page to measure for this user, from the registry."""
    from django.urls import reverse

    from custnotes.registry import registry

    reports = {r.url_name for r in registry.reports_for(user)}
    plan, seen = [], set()
    for url_name in ["home"] + [i.url_name for i in registry.nav_for(user)] + sorted(reports):
        if url_name in seen:
            continue
        seen.add(url_name)
        if url_name in reports or url_name in ("home", "reports"):
            kind, target = "report", TARGET_REPORT_MS
        else:
            kind, target = "list", TARGET_LIST_MS
        plan.append((url_name, reverse(url_name), kind, target))
    for label, pk in notebook_customers(user):
        plan.append((f"notebook {label}", reverse("customers:detail", args=[pk]), "notebook", TARGET_LIST_MS))
    return plan


def bench_pages(
    port: int, user, password: str, *, repeat: int, search: str, few: bool = False, log=print
) -> list[PageResult]:
    client = Client(port)
    client.login(user.username, password)
    results = []
    today = datetime.date.today()
    try:
        for name, path, kind, target in page_plan(user):
            first = client.get(path)  # the warm-up request, and what the page offers
            status, samples, queries, size = measure(client, path, repeat=repeat, warm=False)
            results.append(_result(name, user.username, path, kind, target, status, samples, queries, size))
            log(_line(results[-1]))
            if kind == "notebook" or first.status != 200:
                continue
            for label, query in variants(first.text, search=search, today=today, few=few):
                full = f"{path}?{urllib.parse.urlencode(query)}"
                status, samples, queries, size = measure(client, full, repeat=repeat, warm=not few)
                results.append(
                    _result(f"{name} {label}", user.username, full, kind, target, status, samples, queries, size)
                )
                log(_line(results[-1]))
    finally:
        client.close()
    return results


def _result(name, username, path, kind, target, status, samples, queries, size) -> PageResult:
    return PageResult(
        name=name,
        user=username,
        path=path,
        kind=kind,
        target_ms=target,
        status=status,
        p50_ms=round(statistics.median(samples), 1) if samples else None,
        p95_ms=round(percentile(samples, 0.95), 1) if samples else None,
        queries=queries,
        kb=round(size / 1024, 1),
        samples=[round(s, 1) for s in samples],
    )


def _line(r: PageResult) -> str:
    verdict = "pass" if r.passed else ("FAIL" if r.status == 200 else f"HTTP {r.status}")
    return f"  {r.user:<8} {r.name[:60]:<60} p50 {r.p50_ms}  p95 {r.p95_ms}  q {r.queries}  {verdict}"


# --- the load test --------------------------------------------------------------------------------


def load_test(port: int, username: str, password: str, paths: list[str], *, threads: int, seconds: float) -> dict:
    """`threads` clients, each logged in, requesting `paths` in turn for `seconds`: bounded in time,
    loopback only. Returns requests/s and errors (non-200 answers and failed connections)."""
    counts = {"requests": 0, "errors": 0}
    lock = threading.Lock()
    clients = []
    for _ in range(threads):
        client = Client(port, timeout=60)
        client.login(username, password)
        clients.append(client)
    stop_at = time.monotonic() + seconds

    def run(client: Client, offset: int):
        done = errors = 0
        index = offset
        while time.monotonic() < stop_at:
            try:
                ok = client.get(paths[index % len(paths)]).status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                client.conn = None
            done += 1
            errors += 0 if ok else 1
            index += 1
        with lock:
            counts["requests"] += done
            counts["errors"] += errors

    started = time.monotonic()
    workers = [threading.Thread(target=run, args=(c, i)) for i, c in enumerate(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    for client in clients:
        client.close()
    return {
        "paths": paths,
        "threads": threads,
        "seconds": round(elapsed, 1),
        "requests": counts["requests"],
        "errors": counts["errors"],
        "requests_per_s": round(counts["requests"] / elapsed, 1) if elapsed else 0,
        "target_rps": TARGET_LOAD_RPS,
        "passed": counts["errors"] == 0 and counts["requests"] / elapsed >= TARGET_LOAD_RPS,
    }


# --- the heavy parts, each in a child process -----------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_step(name: str, *args: str) -> dict:
    """Run `bench --step NAME` in a child process and return what it measured."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--step", name, *args]
    done = subprocess.run(  # noqa: S603 - our own interpreter, manage.py and fixed arguments
        command, cwd=settings.BASE_DIR, env=child_env(), capture_output=True, text=True
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr or done.stdout)[-2000:].strip() or f"exit {done.returncode}"}
    return json.loads(lines[-1])


def step_rescore() -> dict:
    """The full re-scoring, as `manage.py rescore` runs it."""
    from django.utils import timezone
    from django.utils.module_loading import import_string

    valuation_run = import_string("valuation.services.valuation_run")
    before = peak_mb()
    started = time.perf_counter()
    run = valuation_run(as_of=timezone.localdate())
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "customers": run.customers, "peak_mb": peak_mb(), "start_mb": before}


LOWER_BOUND_SQL = """
WITH days AS (
    SELECT customer_id, {day} AS day, SUM(amount) AS total
    FROM transactions_sale
    WHERE NOT is_void AND occurred_at < %(end)s
    GROUP BY customer_id, {day}
), ranked AS (
    SELECT customer_id, day, total, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY day) AS n FROM days
)
SELECT customer_id, COUNT(*) - 1,
       {first_age}, {last_age},
       COALESCE(SUM(CASE WHEN n > 1 THEN total END), 0)
FROM ranked GROUP BY customer_id ORDER BY customer_id
"""
T12M_SQL = """
SELECT customer_id, COUNT(*), SUM(amount), SUM(CASE WHEN cost_of_goods IS NOT NULL THEN amount END),
       SUM(cost_of_goods)
FROM transactions_sale
WHERE NOT is_void AND occurred_at >= %(start)s AND occurred_at < %(end)s
GROUP BY customer_id
"""
COSTS_SQL = """
SELECT customer_id, SUM(amount) FROM costing_costentry
WHERE date >= %(start_day)s AND date <= %(as_of)s GROUP BY customer_id
"""
# The risk step's receivables figures, for every customer at once: the aging from the stored open
# amounts; each T12M (or paid-in-T12M) sale's paid day for late share and payment timing; credit
# sales by month back to each customer's oldest open month for the countback DSO.
AGING_SQL = """
SELECT customer_id, SUM(open_to_date), MIN(occurred_at),
       SUM(CASE WHEN due_date >= %(as_of)s THEN open_to_date ELSE 0 END),
       SUM(CASE WHEN due_date < %(as_of)s AND due_date >= %(d30)s THEN open_to_date ELSE 0 END),
       SUM(CASE WHEN due_date < %(d30)s AND due_date >= %(d60)s THEN open_to_date ELSE 0 END),
       SUM(CASE WHEN due_date < %(d60)s AND due_date >= %(d90)s THEN open_to_date ELSE 0 END),
       SUM(CASE WHEN due_date < %(d90)s THEN open_to_date ELSE 0 END)
FROM transactions_sale WHERE NOT is_void AND open_to_date > 0 AND occurred_at < %(end)s GROUP BY customer_id
"""
HISTORY_SQL = """
WITH c AS (
    SELECT s.id, s.customer_id, {day} AS occurred_on, s.due_date, s.amount FROM transactions_sale s
    WHERE NOT s.is_void AND s.occurred_at < %(end)s AND (s.occurred_at >= %(start)s OR EXISTS (
        SELECT 1 FROM transactions_allocation a
        WHERE a.sale_id = s.id AND a.applied_on >= %(start_day)s AND a.applied_on <= %(as_of)s))
), p AS MATERIALIZED (
    SELECT c.*, (SELECT MIN(a.applied_on) FROM transactions_allocation a
                 WHERE a.sale_id = c.id AND a.applied_on <= %(as_of)s
                   AND (SELECT SUM(b.amount) FROM transactions_allocation b
                        WHERE b.sale_id = c.id AND b.applied_on <= a.applied_on) >= c.amount) AS paid_on
    FROM c
)
SELECT customer_id,
       SUM(CASE WHEN amount > 0 AND occurred_on >= %(start_day)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN amount > 0 AND occurred_on >= %(start_day)s AND ((paid_on IS NOT NULL AND paid_on > due_date)
                OR (paid_on IS NULL AND due_date < %(as_of)s)) THEN 1 ELSE 0 END),
       SUM(CASE WHEN occurred_on >= %(dso_day)s THEN amount ELSE 0 END),
       SUM(CASE WHEN amount > 0 AND paid_on >= %(start_day)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN amount > 0 AND paid_on >= %(start_day)s THEN amount ELSE 0 END),
       SUM(CASE WHEN amount > 0 AND paid_on >= %(start_day)s THEN amount * {to_pay} ELSE 0 END),
       SUM(CASE WHEN amount > 0 AND paid_on >= %(start_day)s THEN amount * {late} ELSE 0 END)
FROM p GROUP BY customer_id
"""
MONTHS_SQL = """
SELECT s.customer_id, {month}, SUM(s.amount) FROM transactions_sale s
JOIN (SELECT customer_id, MIN(occurred_at) AS oldest FROM transactions_sale
      WHERE NOT is_void AND open_to_date > 0 AND occurred_at < %(end)s GROUP BY customer_id) o
  ON o.customer_id = s.customer_id
WHERE NOT s.is_void AND s.occurred_at < %(end)s AND {month} >= {oldest_month}
GROUP BY s.customer_id, {month}
"""


def _risk_sql(params: dict) -> tuple[dict, dict, dict]:
    """AGING_SQL, HISTORY_SQL and MONTHS_SQL on this backend: rows by customer id."""
    if connection.vendor == "postgresql":
        zone = settings.TIME_ZONE

        def days(later, earlier):
            return f"GREATEST({later} - {earlier}, 0)"

        day = f"(s.occurred_at AT TIME ZONE '{zone}')::date"
        month = f"date_trunc('month', s.occurred_at AT TIME ZONE '{zone}')::date"
        oldest_month = f"date_trunc('month', o.oldest AT TIME ZONE '{zone}')::date"
    else:
        offset = int(params["end"].utcoffset().total_seconds())

        def days(later, earlier):
            return f"MAX(CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER), 0)"

        day = f"date(s.occurred_at, '{offset:+d} seconds')"
        month = f"date(s.occurred_at, '{offset:+d} seconds', 'start of month')"
        oldest_month = f"date(o.oldest, '{offset:+d} seconds', 'start of month')"
    history = HISTORY_SQL.format(day=day, to_pay=days("paid_on", "occurred_on"), late=days("paid_on", "due_date"))
    with connection.cursor() as cursor:
        cursor.execute(AGING_SQL, params)
        aging = {r[0]: r[1:] for r in cursor.fetchall()}
        cursor.execute(history, params)
        paid = {r[0]: r[1:] for r in cursor.fetchall()}
        cursor.execute(MONTHS_SQL.format(month=month, oldest_month=oldest_month), params)
        months: dict = {}
        for customer_id, first_day, total in cursor.fetchall():
            key = first_day if isinstance(first_day, datetime.date) else datetime.date.fromisoformat(first_day)
            months.setdefault(customer_id, {})[key] = total
    return aging, paid, months


def step_lower_bound() -> dict:
    """What re-scoring cannot go below: the same aggregates as raw SQL (purchase days → x, t_x, T and
    mean repeat value; T12M revenue, count and cost of goods; T12M costs; and the risk step's
    receivables: aging, payment history, monthly sales for the DSO), the two fits and the scoring in
    numpy, the receivables figures from those sums, and one bulk write of a snapshot row per
    customer into a temporary table. `valuation_s` is the same without the risk step's part (what
    this bound measured before 2026-12-04)."""
    import numpy as np
    from django.utils import timezone
    from django.utils.module_loading import import_string

    calc = import_string("valuation.calculations")
    as_of = timezone.localdate()
    zone = timezone.get_current_timezone()
    end = datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    start_day = as_of - datetime.timedelta(days=364)
    start = datetime.datetime.combine(start_day, datetime.time.min, tzinfo=zone)
    per_unit = calc.DAYS_PER_UNIT["weeks"]
    if connection.vendor == "postgresql":
        day = f"(occurred_at AT TIME ZONE '{settings.TIME_ZONE}')::date"
        first_age, last_age = "(%(as_of)s::date - MIN(day))", "(%(as_of)s::date - MAX(day))"
    else:  # SQLite keeps UTC text: shift by the zone's offset today (the smoke test's backend)
        offset = int(end.utcoffset().total_seconds())
        day = f"date(occurred_at, '{offset:+d} seconds')"
        first_age = "CAST(julianday(%(as_of)s) - julianday(MIN(day)) AS INTEGER)"
        last_age = "CAST(julianday(%(as_of)s) - julianday(MAX(day)) AS INTEGER)"
    params = {"end": end, "start": start, "as_of": as_of, "start_day": start_day}
    timings = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(LOWER_BOUND_SQL.format(day=day, first_age=first_age, last_age=last_age), params)
        rows = cursor.fetchall()
        cursor.execute(T12M_SQL, params)
        t12m = {r[0]: r[1:] for r in cursor.fetchall()}
        cursor.execute(COSTS_SQL, params)
        costs = {r[0]: r[1] for r in cursor.fetchall()}
    timings["sql_s"] = round(time.perf_counter() - started, 2)

    mark = time.perf_counter()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    x = np.array([r[1] for r in rows], dtype=float)
    T = np.array([r[2] for r in rows], dtype=float) / per_unit
    t_x = T - np.array([r[3] for r in rows], dtype=float) / per_unit
    mean_value = np.divide(np.array([float(r[4]) for r in rows]), x, out=np.zeros(len(rows)), where=x > 0)
    usable = T > 0
    alive = expected = values = np.full(len(rows), np.nan)
    fitted = False
    if usable.sum() >= calc.MIN_CUSTOMERS_BGNBD and (x[usable] > 0).any():
        bg, _ll = calc.fit_bgnbd(x[usable], t_x[usable], T[usable])
        alive = calc.p_alive(bg, x, t_x, T)
        expected = calc.expected_purchases(bg, calc.horizon_units("weeks"), x, t_x, T)
        repeaters = usable & (x > 0) & (mean_value > 0)
        if repeaters.sum() >= calc.MIN_CUSTOMERS_GG:
            gg, _ll = calc.fit_gamma_gamma(x[repeaters], mean_value[repeaters])
            values = calc.expected_average_value(gg, x, mean_value)
        fitted = True
    timings["fit_s"] = round(time.perf_counter() - mark, 2)

    mark = time.perf_counter()
    cuts = import_string("transactions.calculations.aging_cutoffs")(as_of)
    risk_params = {**params, **cuts, "dso_day": as_of - datetime.timedelta(days=89)}
    aging, paid, months = _risk_sql(risk_params)
    timings["risk_sql_s"] = round(time.perf_counter() - mark, 2)
    mark = time.perf_counter()
    ledger = import_string("transactions.calculations")
    from_fen = import_string("custnotes.money.from_fen")
    first_days = {int(r[0]): as_of - datetime.timedelta(days=int(r[2])) for r in rows}
    risk = {}
    for cid in ids.tolist():
        open_total = aging.get(cid, (0,))[0] or 0
        invoices, late, _credit, count, weight, to_pay, days_late = paid.get(cid, (0, 0, 0, 0, 0, 0, 0))
        timing = ledger.timing_of(count=int(count or 0), weight=weight or 0, to_pay=to_pay or 0, late=days_late or 0)
        monthly = {day: from_fen(total) for day, total in months.get(cid, {}).items()}
        dso = ledger.dso_countback(from_fen(open_total), monthly, as_of, first_days.get(cid))
        risk[cid] = (ledger.late_share_of(late=int(late or 0), invoices=int(invoices or 0)), timing.days_to_pay, dso)
    timings["risk_s"] = round(time.perf_counter() - mark, 2)

    mark = time.perf_counter()
    snapshot = [
        (
            int(cid),
            float(t12m.get(cid, (0, 0))[1] or 0),
            int(t12m.get(cid, (0,))[0]),
            float(costs.get(cid) or 0),
            None if np.isnan(alive[i]) else float(alive[i]),
            None if np.isnan(expected[i]) else float(expected[i]),
            None if np.isnan(values[i]) else float(values[i]),
            int(rows[i][3]),
            *(None if v is None else float(v) for v in risk[cid]),
        )
        for i, cid in enumerate(ids.tolist())
    ]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_snapshot")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_snapshot (customer_id bigint, current_value numeric, t12m_purchases int, "
            "costs numeric, p_alive double precision, expected_purchases double precision, "
            "expected_value numeric, recency_days int, late_share double precision, days_to_pay double precision, "
            "dso double precision)"
        )
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_snapshot FROM STDIN") as copy:
                for row in snapshot:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 11)
            cursor.executemany(f"INSERT INTO bench_snapshot VALUES ({marks})", snapshot)  # noqa: S608 - placeholders
        cursor.execute("DROP TABLE bench_snapshot")
    timings["write_s"] = round(time.perf_counter() - mark, 2)
    seconds = time.perf_counter() - started
    valuation = seconds - timings["risk_sql_s"] - timings["risk_s"]
    return {
        "seconds": round(seconds, 2),
        "valuation_s": round(valuation, 2),
        "customers": len(rows),
        "fitted": fitted,
        **timings,
        "peak_mb": peak_mb(),
    }


def sales_workbook(path: str, rows: int, *, tag: str) -> int:
    """A workbook in the import template's format (its sheet titles and bilingual headers): customers
    and `rows` sales of theirs, written with openpyxl write-only. Returns the customers' count."""
    from openpyxl import Workbook

    from custnotes.registry import registry

    sheets = {sheet.key: sheet for sheet in registry.import_sheets}
    customers_sheet, sales_sheet = sheets["customers"], sheets["sales"]
    n_customers = max(1, rows // 20)
    today = datetime.date.today()
    workbook = Workbook(write_only=True)

    def header(sheet):
        return [f"{c.zh} / {c.en}" + (" *" if c.required else "") for c in sheet.columns]

    ws = workbook.create_sheet(f"{customers_sheet.zh} {customers_sheet.en}")
    columns = [c.key for c in customers_sheet.columns]
    ws.append(header(customers_sheet))
    for i in range(n_customers):
        values = {"customer_ref": f"{tag}-C{i}", "name": f"基准客户 {tag} {i}", "payment_terms_days": 30}
        ws.append([values.get(key) for key in columns])
    ws = workbook.create_sheet(f"{sales_sheet.zh} {sales_sheet.en}")
    columns = [c.key for c in sales_sheet.columns]
    ws.append(header(sales_sheet))
    for i in range(rows):
        values = {
            "sale_id": f"{tag}-S{i}",
            "customer_ref": f"{tag}-C{i % n_customers}",
            "date": (today - datetime.timedelta(days=1 + i % 700)).isoformat(),
            "product": "年度维保服务",
            "amount": 100 + (i * 37) % 20000,
            "cost_of_goods": 60 + (i * 23) % 10000,
        }
        ws.append([values.get(key) for key in columns])
    workbook.save(path)
    return n_customers


def step_import(path: str, rows: int) -> dict:
    """Import the generated workbook as the first superuser, as a dry run: every row is checked and
    written through the services, then rolled back, so the bench leaves the books as it found them."""
    from django.contrib.auth import get_user_model
    from django.utils.module_loading import import_string

    run_import = import_string("custnotes.importing.run_import")
    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    started = time.perf_counter()
    result = run_import(path, user=user, dry_run=True, good_rows_only=False, confirmed=True)
    seconds = time.perf_counter() - started
    written = sum(c["created"] + c["updated"] for c in result.counts.values())
    return {
        "rows": rows,
        "records": written,
        "errors": result.error_count,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1) if seconds else None,
        "peak_mb": peak_mb(),
    }


def step_export() -> dict:
    """The customer summary sheet (客户汇总) of the notebook workbook for every customer, in the
    workbook's batches, saved to a temporary file."""
    from django.utils import timezone

    from custnotes import workbook
    from custnotes.excel import new_workbook
    from custnotes.registry import registry

    started = time.perf_counter()
    customers = registry.customers.everyone()
    book = new_workbook()
    # the export's own path: customers read in keyset batches, so memory stays flat
    workbook.write_summary_sheet(book, customers=customers, as_of=timezone.localdate())
    with tempfile.TemporaryFile() as handle:
        book.save(handle)
        size = handle.tell()
    seconds = time.perf_counter() - started
    count = customers.count()
    return {"customers": count, "seconds": round(seconds, 2), "kb": round(size / 1024), "peak_mb": peak_mb()}


STEPS = {"rescore": step_rescore, "lower_bound": step_lower_bound, "export": step_export}


# --- the table ------------------------------------------------------------------------------------


def table_rows(report: dict) -> list[tuple[str, str, str, str, str, str]]:
    """(name, p50, p95, queries, target, pass/fail) for every measurement of the report."""
    lines = []
    for page in report["pages"]:
        verdict = "pass" if page["passed"] else ("FAIL" if page["status"] == 200 else f"HTTP {page['status']}")
        lines.append(
            (
                f"{page['user']}: {page['name']}",
                _ms(page["p50_ms"]),
                _ms(page["p95_ms"]),
                "" if page["queries"] is None else str(page["queries"]),
                f"≤ {page['target_ms']} ms",
                verdict,
            )
        )

    def other(name, value, target, passed, error=None):
        lines.append((name, value, "", "", target, "ERROR" if error else ("pass" if passed else "FAIL")))

    rescore, bound = report.get("rescore") or {}, report.get("rescore_lower_bound") or {}
    if rescore:
        other(
            "rescore (wall)",
            f"{rescore.get('seconds')} s",
            f"≤ {TARGET_RESCORE_S} s",
            rescore.get("seconds", 1e9) <= TARGET_RESCORE_S,
            rescore.get("error"),
        )
        other(
            "rescore (peak memory)",
            f"{rescore.get('peak_mb')} MB",
            f"≤ {TARGET_RESCORE_MB} MB",
            rescore.get("peak_mb", 1e9) <= TARGET_RESCORE_MB,
            rescore.get("error"),
        )
    if bound:
        other("rescore lower bound", f"{bound.get('seconds')} s", "", True, bound.get("error"))
    if report.get("rescore_ratio") is not None:
        ratio = report["rescore_ratio"]
        other("rescore / lower bound", f"{ratio}×", f"≤ {TARGET_RESCORE_RATIO}×", ratio <= TARGET_RESCORE_RATIO)
    imported = report.get("import") or {}
    if imported:
        other(
            f"import {imported.get('rows', '?')} rows",
            f"{imported.get('rows_per_s')} rows/s",
            f"≥ {TARGET_IMPORT_ROWS_S} rows/s",
            (imported.get("rows_per_s") or 0) >= TARGET_IMPORT_ROWS_S and not imported.get("errors"),
            imported.get("error"),
        )
        other(
            "import (peak memory)",
            f"{imported.get('peak_mb')} MB",
            f"≤ {TARGET_IMPORT_MB} MB",
            imported.get("peak_mb", 1e9) <= TARGET_IMPORT_MB,
            imported.get("error"),
        )
    exported = report.get("export") or {}
    if exported:
        scaled = report["export"].get("seconds_per_100k")
        other(
            f"summary export {exported.get('customers', '?')} customers",
            f"{exported.get('seconds')} s",
            f"≤ {TARGET_EXPORT_S} s per 100k",
            scaled is not None and scaled <= TARGET_EXPORT_S,
            exported.get("error"),
        )
        other("summary export (peak memory)", f"{exported.get('peak_mb')} MB", "flat", True, exported.get("error"))
    for load in report.get("load") or []:
        other(
            f"load {load['threads']}×{load['seconds']} s {', '.join(load['paths'])}"[:70],
            f"{load['requests_per_s']} req/s, {load['errors']} errors",
            f"≥ {TARGET_LOAD_RPS} req/s, 0 errors",
            load["passed"],
        )
    return lines


def _ms(value) -> str:
    return "" if value is None else f"{value:.0f} ms"


def format_table(report: dict) -> str:
    header = ("name", "p50", "p95", "queries", "target", "result")
    lines = [header, *table_rows(report)]
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in lines)


def markdown_table(report: dict) -> str:
    header = ("name", "p50", "p95", "queries", "target", "result")
    lines = [header, ("---",) * len(header), *table_rows(report)]
    return "\n".join("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in lines)


def page_dict(result: PageResult) -> dict:
    return {**asdict(result), "passed": result.passed}
