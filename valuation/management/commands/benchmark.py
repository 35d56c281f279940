"""Speed and memory of the heavy paths, measured here rather than in timed tests.

Each scenario runs in its own process (so that peak memory is the scenario's own) against the
configured database, inside a transaction that is rolled back: nothing it creates is kept.

    python manage.py benchmark                 # every scenario
    python manage.py benchmark --scenario fit --size 100000 --repeat 3

The fit scenario times our BG/NBD and Gamma-Gamma fits against lifetimes' on the same simulated
customers in the same process, with the ratio ours/lifetimes (lifetimes is a development
dependency, imported by this command only).
"""

import contextlib
import importlib.util
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

SCENARIOS = {
    "fit": 1_000_000,  # customers in one BG/NBD fit (and their repeat buyers in one Gamma-Gamma fit)
    "import": 100_000,  # sales rows in one workbook import
    "export": 5_000,  # customers in one workbook export (with 10 sales each)
}


class Rollback(Exception):
    pass


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the fit scenario: ours and lifetimes' on the same customers ------------------------------------

SIMULATED = {"r": 0.8, "alpha": 6.0, "a": 1.2, "b": 3.5, "p": 6.0, "q": 4.0, "v": 150.0}


def _simulate_customers(size: int, seed: int = 7):
    """(x, t_x, T, mean repeat value) of `size` customers drawn from BG/NBD and Gamma-Gamma with the
    SIMULATED parameters (weeks; T uniform over 10..80), all customers a step at a time."""
    import numpy as np

    truth, rng = SIMULATED, np.random.default_rng(seed)
    rate = rng.gamma(truth["r"], 1 / truth["alpha"], size)
    dropout = rng.beta(truth["a"], truth["b"], size)
    T = rng.uniform(10, 80, size)
    x, t_x, t = np.zeros(size), np.zeros(size), np.zeros(size)
    active = np.arange(size)
    while len(active):
        t[active] += rng.exponential(1 / rate[active])
        active = active[t[active] <= T[active]]
        x[active] += 1
        t_x[active] = t[active]
        active = active[rng.random(len(active)) >= dropout[active]]
    # the mean of x spends Gamma(p, rate ν) is Gamma(p x, rate ν x), with ν ~ Gamma(q, rate v)
    nu = rng.gamma(truth["q"], 1 / truth["v"], size)
    mean_value = np.zeros(size)
    repeat = x > 0
    mean_value[repeat] = rng.gamma(truth["p"] * x[repeat], 1 / (nu[repeat] * x[repeat]))
    return x, t_x, T, mean_value


def _traced_peak_mb(fit, *data) -> float:
    """The most memory (numpy arrays and Python objects) allocated at once during the fit."""
    tracemalloc.start()
    try:
        fit(*data)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _ours(fit, check, names, *data) -> dict:
    stats: dict = {}
    started = time.perf_counter()
    params, _ll = fit(*data, stats=stats)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    verdict = check(params, *data)
    shown = " ".join(f"{name}={getattr(params, name):.4g}" for name in names)
    if verdict.unidentified:
        shown += f" (no estimate: {verdict.unidentified})"
    return {
        "seconds": seconds,
        "check_seconds": time.perf_counter() - started,
        "evaluations": stats["evaluations"],
        "params": shown + (" [fell back to the simplex]" if stats["fallback"] else ""),
    }


def _ours_bgnbd(x, t_x, T) -> dict:
    from valuation import calculations as calc

    return _ours(calc.fit_bgnbd, calc.bgnbd_check, ("r", "alpha", "a", "b"), x, t_x, T)


def _ours_gamma_gamma(x, mean_value) -> dict:
    from valuation import calculations as calc

    return _ours(calc.fit_gamma_gamma, calc.gamma_gamma_check, ("p", "q", "v"), x, mean_value)


@contextlib.contextmanager
def _lifetimes_minimize_calls():
    """Every scipy.optimize.minimize result inside lifetimes' fitters, for their evaluation counts."""
    from lifetimes import fitters

    original, results = fitters.minimize, []

    def counted(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    fitters.minimize = counted
    try:
        yield results
    finally:
        fitters.minimize = original


def _lifetimes(fitter, names, *data) -> dict:
    """lifetimes' fit, timed whole (its minimisation and the Hessian it computes for its standard
    errors); its warnings and the diagnostics it prints on failure are kept off our output."""
    with _lifetimes_minimize_calls() as calls, warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        try:
            fitter.fit(*data)
            shown = " ".join(f"{name}={float(fitter.params_[name]):.4g}" for name in names)
        except Exception as error:  # lifetimes raises its ConvergenceError, or numpy's errors on NaN
            shown = f"failed: {type(error).__name__}: {str(error).strip()[:80]}"
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "evaluations": sum(int(r.nfev) for r in calls), "params": shown}


def _lifetimes_bgnbd(x, t_x, T) -> dict:
    from lifetimes import BetaGeoFitter

    return _lifetimes(BetaGeoFitter(), ("r", "alpha", "a", "b"), x, t_x, T)


def _lifetimes_gamma_gamma(x, mean_value) -> dict:
    from lifetimes import GammaGammaFitter

    return _lifetimes(GammaGammaFitter(), ("p", "q", "v"), x, mean_value)


class Command(BaseCommand):
    help = "Measure the time and peak memory of the purchase-model fit, a large import and a large export."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=None)
        parser.add_argument("--size", type=int, default=None)
        parser.add_argument("--repeat", type=int, default=1, help="fit: time each fit this many times (best kept)")

    def handle(self, *args, scenario=None, size=None, repeat=1, **options):
        self.repeat, self.details = max(1, repeat), []
        if scenario is None:
            results = []
            for name in SCENARIOS:
                command = [sys.executable, "manage.py", "benchmark", "--scenario", name, "--repeat", str(self.repeat)]
                if size:
                    command += ["--size", str(size)]
                done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())  # noqa: S603
                if done.returncode:
                    raise CommandError(done.stderr[-2000:])
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            for r in results:
                line = f"{r['scenario']:<7} size {r['size']:>7}  {r['seconds']:>8.2f} s  peak {r['peak_mb']:>7.1f} MB"
                self.stdout.write(f"{line}  {r['note']}")
                for detail in r.get("details", []):
                    self.stdout.write(f"    {detail}")
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
            "details": self.details,
        }
        for detail in self.details:
            self.stdout.write(detail)
        self.stdout.write(json.dumps(result))

    # --- scenarios ----------------------------------------------------------------------------

    def run_fit(self, size: int) -> str:
        """BG/NBD on `size` simulated customers and Gamma-Gamma on their repeat buyers, fitted by ours
        and by lifetimes (a development dependency, imported here only) on the same arrays, in turn in
        this one process (ours first, then lifetimes; with --repeat, the order alternates)."""
        x, t_x, T, mean_value = _simulate_customers(size)
        repeaters = x > 0
        fits = {"bgnbd": {"ours": _ours_bgnbd}, "gamma_gamma": {"ours": _ours_gamma_gamma}}
        if importlib.util.find_spec("lifetimes") is None:
            self.details.append(
                "lifetimes is not installed, so only our fits are timed: it is a development dependency "
                "of this benchmark (`make install` installs requirements/dev.txt)"
            )
        else:
            fits["bgnbd"]["lifetimes"], fits["gamma_gamma"]["lifetimes"] = _lifetimes_bgnbd, _lifetimes_gamma_gamma
        data = {"bgnbd": (x, t_x, T), "gamma_gamma": (x[repeaters], mean_value[repeaters])}
        runs: dict[tuple[str, str], list[dict]] = {}
        for model, contenders in fits.items():
            for round_ in range(self.repeat):
                for who in list(contenders)[:: -1 if round_ % 2 else 1]:
                    runs.setdefault((model, who), []).append(contenders[who](*data[model]))
        # peak memory of each fit, measured once more under tracemalloc (which slows what it watches, so
        # not while timed): the numpy arrays and Python objects the fit allocates beyond its input
        peaks = {(model, who): _traced_peak_mb(fit, *data[model]) for model in fits for who, fit in fits[model].items()}

        self.details += [
            f"simulated {size:,} customers, {int(repeaters.sum()):,} of them repeat buyers; best of {self.repeat}",
            f"{'model':<12} {'fit':<10} {'customers':>10} {'seconds':>8} {'evals':>6} {'peak MB':>8}  parameters",
        ]
        summary = []
        for model, contenders in fits.items():
            best = {who: min(runs[(model, who)], key=lambda run: run["seconds"]) for who in contenders}
            for who, run in best.items():
                self.details.append(
                    f"{model:<12} {who:<10} {len(data[model][0]):>10,} {run['seconds']:>8.3f} {run['evaluations']:>6} "
                    f"{peaks[(model, who)]:>8.1f}  {run['params']}"
                )
            ours = best["ours"]
            if "lifetimes" not in best:
                summary.append(f"{model} {ours['seconds']:.2f} s")
                continue
            theirs = best["lifetimes"]["seconds"]
            ratio = ours["seconds"] / theirs
            # lifetimes' fit includes the Hessian behind its standard errors; ours are computed apart
            with_errors = (ours["seconds"] + ours["check_seconds"]) / theirs
            self.details.append(
                f"{model:<12} ratio ours/lifetimes {ratio:.2f} (with our standard errors, "
                f"{ours['check_seconds']:.2f} s more: {with_errors:.2f}); evaluations {ours['evaluations']} vs "
                f"{best['lifetimes']['evaluations']}; peak memory {peaks[(model, 'ours')]:.0f} MB vs "
                f"{peaks[(model, 'lifetimes')]:.0f} MB"
            )
            summary.append(f"{model} {ours['seconds']:.2f} s vs lifetimes {theirs:.2f} s, ratio {ratio:.2f}")
        return "; ".join(summary)

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
