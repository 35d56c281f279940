"""Speed and memory of the heavy paths, measured here rather than in timed tests.

Each scenario runs in its own process (so that peak memory is the scenario's own) against the
configured database, inside a transaction that is rolled back: nothing it creates is kept.

    python manage.py benchmark                 # every scenario
    python manage.py benchmark --scenario fit --size 100000
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

SCENARIOS = {
    "fit": 100_000,  # customers in one BG/NBD + Gamma-Gamma fit
    "import": 100_000,  # sales rows in one workbook import
    "export": 5_000,  # customers in one workbook export (with 10 sales each)
}


class Rollback(Exception):
    pass


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Measure the time and peak memory of the purchase-model fit, a large import and a large export."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=None)
        parser.add_argument("--size", type=int, default=None)

    def handle(self, *args, scenario=None, size=None, **options):
        if scenario is None:
            results = []
            for name in SCENARIOS:
                command = [sys.executable, "manage.py", "benchmark", "--scenario", name]
                if size:
                    command += ["--size", str(size)]
                done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())  # noqa: S603
                if done.returncode:
                    raise CommandError(done.stderr[-2000:])
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            for r in results:
                line = f"{r['scenario']:<7} size {r['size']:>7}  {r['seconds']:>8.2f} s  peak {r['peak_mb']:>7.1f} MB"
                self.stdout.write(f"{line}  {r['note']}")
            return
        size = size or SCENARIOS[scenario]
        started = time.perf_counter()
        note = getattr(self, f"run_{scenario}")(size)
        result = {
            "scenario": scenario,
            "size": size,
            "seconds": round(time.perf_counter() - started, 2),
            "peak_mb": round(_peak_mb(), 1),
            "note": note,
        }
        self.stdout.write(json.dumps(result))

    # --- scenarios ----------------------------------------------------------------------------

    def run_fit(self, size: int) -> str:
        import numpy as np

        from valuation import calculations as calc

        rng = np.random.default_rng(7)
        lam = rng.gamma(0.8, 1 / 6.0, size)
        p = rng.beta(1.2, 3.5, size)
        T = rng.uniform(10, 80, size)
        x = np.zeros(size)
        t_x = np.zeros(size)
        for i in range(size):
            t, alive = 0.0, True
            while alive:
                t += rng.exponential(1 / lam[i])
                if t > T[i]:
                    break
                x[i] += 1
                t_x[i] = t
                alive = rng.random() > p[i]
        fit_started = time.perf_counter()
        params, _ll = calc.fit_bgnbd(x, t_x, T)
        fit_seconds = time.perf_counter() - fit_started
        return (
            f"fit {fit_seconds:.2f} s (the rest simulates the data): r={params.r:.3f} alpha={params.alpha:.3f} "
            f"a={params.a:.3f} b={params.b:.3f} (simulated from 0.8, 6, 1.2, 3.5)"
        )

    def run_import(self, size: int) -> str:
        from django.contrib.auth import get_user_model
        from openpyxl import Workbook

        from custnotes.importing import run_import
        from customers.models import Team

        folder = Path(tempfile.mkdtemp())
        path = folder / "benchmark.xlsx"
        book = Workbook(write_only=True)
        customers = book.create_sheet("客户 Customers")
        customers.append(["Customer ID", "Name", "Team"])
        team = Team.objects.order_by("pk").first()
        if team is None:
            raise CommandError("no team: load the demo data or create a team first")
        n_customers = max(1, size // 20)
        for i in range(n_customers):
            customers.append([f"BENCH-C{i}", f"基准客户{i}", team.name])
        sales = book.create_sheet("交易 Sales")
        sales.append(["Sale ID", "Customer ID", "Date", "Product or service", "Amount"])
        for i in range(size):
            sales.append(
                [
                    f"BENCH-S{i}",
                    f"BENCH-C{i % n_customers}",
                    f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "基准商品",
                    str(Decimal(1000 + i % 997) + Decimal("0.35")),
                ]
            )
        book.save(path)
        try:
            with transaction.atomic():
                # an Admin imports; on a database without one, a temporary one (rolled back with the rest)
                User = get_user_model()
                user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("benchmark")
                result = run_import(path, user=user)
                raise Rollback(result)
        except Rollback as done:
            result = done.args[0]
        counts = {k: v["created"] for k, v in result.counts.items()}
        return f"{path.stat().st_size // 1024} KB file; created {counts}; errors {result.error_count}; rolled back"

    def run_export(self, size: int) -> str:
        import datetime

        from django.utils import timezone

        from custnotes.workbook import write_workbook
        from customers.models import Customer, Team
        from transactions.models import Sale

        team = Team.objects.order_by("pk").first()
        if team is None:
            raise CommandError("no team: load the demo data or create a team first")
        path = Path(tempfile.mkdtemp()) / "export.xlsx"
        try:
            with transaction.atomic():
                made = Customer.objects.bulk_create(
                    Customer(name=f"基准导出{i}", company="benchmark", team=team) for i in range(size)
                )
                now = timezone.now()
                Sale.objects.bulk_create(
                    Sale(
                        customer=c,
                        occurred_at=now - datetime.timedelta(days=j * 30),
                        product="基准",
                        amount=Decimal("100.00"),
                        due_date=(now - datetime.timedelta(days=j * 30)).date(),
                    )
                    for c in made
                    for j in range(10)
                )
                write_workbook(customers=Customer.objects.filter(company="benchmark"), as_of=timezone.localdate()).save(
                    path
                )
                raise Rollback
        except Rollback:
            pass
        return f"{path.stat().st_size // 1024} KB workbook; rolled back"
