import datetime
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from custnotes import bench


class Command(BaseCommand):
    help = (
        "Measure the app on the configured database: p50/p95 server time and queries of every page over HTTP "
        "(gunicorn on loopback) as an Admin and a Sales user, the full re-scoring against its lower bound, an "
        "import, the summary export and a short load test. Prints a table; --json writes every figure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="json_path", help="write the results to this file")
        parser.add_argument("--repeat", type=int, default=None, help="timed requests per page (default 5; 2 quick)")
        parser.add_argument("--quick", action="store_true", help="few repeats, tiny heavy parts (for tests)")
        parser.add_argument("--admin", default="admin", help="the Admin user (default admin)")
        parser.add_argument("--sales", default="sales1", help="the Sales user (default sales1)")
        parser.add_argument("--password", default="custnotes-demo", help="their password (seed_demo's default)")
        parser.add_argument("--import-rows", type=int, default=None, help="sales rows to import (default 100000)")
        parser.add_argument("--load-seconds", type=float, default=None, help="load test duration (default 10)")
        parser.add_argument("--load-threads", type=int, default=None, help="concurrent clients (default 10)")
        parser.add_argument("--skip", action="append", default=[], help="pages|rescore|import|export|load")
        parser.add_argument("--step", help=None)  # internal: one heavy part, in a child process
        parser.add_argument("--path", help=None)  # internal: the step's file
        parser.add_argument("--rows", type=int, default=0, help=None)  # internal: the step's size

    def handle(self, *args, **options):
        if options["step"]:
            return self.step(options)
        quick = options["quick"]
        repeat = options["repeat"] or (2 if quick else 5)
        import_rows = options["import_rows"] or (200 if quick else 100_000)
        load_seconds = options["load_seconds"] or (2 if quick else 10)
        load_threads = options["load_threads"] or (2 if quick else 10)
        skip = set(options["skip"])
        User = get_user_model()
        users = []
        for username in (options["admin"], options["sales"]):
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {username}: seed the data first (manage.py seed_demo)")
            users.append(user)
        Sale = _model("transactions", "Sale")
        Customer = _model("customers", "Customer")
        report = {
            "meta": {
                "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "database": connection.vendor,
                "database_name": connection.settings_dict["NAME"],
                "settings": os.environ.get("DJANGO_SETTINGS_MODULE"),
                "quick": quick,
                "repeat": repeat,
                "customers": Customer.objects.count(),
                "sales": Sale.objects.count(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "machine": platform.platform(),
            },
            "pages": [],
            "rescore": None,
            "rescore_lower_bound": None,
            "rescore_ratio": None,
            "import": None,
            "export": None,
            "load": [],
        }
        log = self.stdout.write if options["verbosity"] > 0 else (lambda _line: None)
        if not ({"pages", "load"} <= skip):
            with bench.gunicorn() as port:
                if "pages" not in skip:
                    for user in users:
                        log(f"pages as {user.username} ({repeat} timed requests each, after a warm-up)")
                        results = bench.bench_pages(
                            port,
                            user,
                            options["password"],
                            repeat=repeat,
                            search=_search_word(Customer),
                            few=quick,
                            log=log,
                        )
                        report["pages"] += [bench.page_dict(r) for r in results]
                if "load" not in skip:
                    admin = users[0]
                    notebooks = bench.notebook_customers(admin)
                    targets = [("customer list", ["/customers/"])]
                    if notebooks:
                        typical = dict(notebooks)["typical"]
                        targets.insert(0, ("notebook", [f"/customers/{typical}/"]))
                    for label, paths in targets:
                        log(f"load test: {label}, {load_threads} clients for {load_seconds} s")
                        result = bench.load_test(
                            port, admin.username, options["password"], paths, threads=load_threads, seconds=load_seconds
                        )
                        report["load"].append({"name": label, **result})
        if "rescore" not in skip:
            log("re-scoring (child process)")
            report["rescore"] = bench.run_step("rescore")
            log("re-scoring's lower bound (child process)")
            report["rescore_lower_bound"] = bench.run_step("lower_bound")
            full, bound = report["rescore"].get("seconds"), report["rescore_lower_bound"].get("seconds")
            if full and bound:
                report["rescore_ratio"] = round(full / bound, 2)
        if "import" not in skip:
            log(f"import of a generated {import_rows}-row sales workbook (dry run, child process)")
            with tempfile.TemporaryDirectory() as folder:
                path = str(Path(folder) / "bench-sales.xlsx")
                bench.sales_workbook(path, import_rows, tag=f"BENCH{int(time.time())}")
                report["import"] = bench.run_step("import", "--path", path, "--rows", str(import_rows))
        if "export" not in skip:
            log("summary export of every customer (child process)")
            report["export"] = bench.run_step("export")
            if report["export"].get("customers"):
                report["export"]["seconds_per_100k"] = round(
                    report["export"]["seconds"] * 100_000 / report["export"]["customers"], 1
                )
        report["meta"]["finished"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        rows = bench.table_rows(report)
        report["summary"] = {
            "measurements": len(rows),
            "passed": sum(1 for row in rows if row[-1] == "pass"),
            "failed": sum(1 for row in rows if row[-1] != "pass"),
        }
        self.stdout.write("")
        self.stdout.write(bench.format_table(report))
        self.stdout.write(
            f"\n{report['summary']['passed']} of {report['summary']['measurements']} measurements at target"
        )
        if options["json_path"]:
            Path(options["json_path"]).write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
            self.stdout.write(f"written to {options['json_path']}")

    def step(self, options):
        name = options["step"]
        if name == "import":
            result = bench.step_import(options["path"], options["rows"])
        elif name in bench.STEPS:
            result = bench.STEPS[name]()
        else:
            raise CommandError(f"no step {name}")
        self.stdout.write(json.dumps(result, default=str))


def _model(app_label: str, name: str):
    from django.apps import apps

    return apps.get_model(app_label, name)


def _search_word(Customer) -> str:
    """A word users would search for: the first two characters of a customer's name."""
    name = Customer.objects.order_by("pk").values_list("name", flat=True).first() or "a"
    return name[:2]
