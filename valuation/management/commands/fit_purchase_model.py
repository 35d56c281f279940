import dataclasses
import datetime
import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from custnotes.dates import command_date
from valuation import calculations as calc
from valuation import services


class Command(BaseCommand):
    help = "Fit BG/NBD and Gamma-Gamma on the purchase history up to a date and print the parameters."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=command_date, required=True, help="YYYY-MM-DD")
        parser.add_argument("--unit", choices=["days", "weeks"], default="weeks")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--holdout-until",
            type=command_date,
            default=None,
            help="YYYY-MM-DD: fit up to --as-of, predict up to this date, compare with what happened",
        )

    def handle(self, *args, as_of: datetime.date, unit: str, json: bool = False, holdout_until=None, **options):
        fit = services.model_fit(as_of=as_of, unit=unit)
        if not fit["params"] and "bgnbd_unidentified" not in fit:
            raise CommandError(
                f"not enough purchase history up to {as_of} to fit the model ({fit['customers']} customers)"
            )
        out = {
            "as_of": as_of.isoformat(),
            "unit": unit,
            **{k: fit["params"].get(k) for k in ("r", "alpha", "a", "b", "p", "q", "v")},
            "bgnbd_log_likelihood": fit["bgnbd_ll"],
            "gamma_gamma_log_likelihood": fit["gg_ll"],
            "customers": fit["customers"],
            "gamma_gamma_customers": fit["gg_customers"],
            "se": fit["se"],  # standard errors of the printed parameters, by name
        }
        # A model whose fit ran to a bound prints no parameters (they are no estimate) but the reason.
        for model, key in (("bgnbd", "bgnbd_unidentified"), ("gamma_gamma", "gg_unidentified")):
            if key in fit:
                out[f"{model}_unidentified"] = fit[key]
        if holdout_until is not None:
            if holdout_until <= as_of:
                raise CommandError("--holdout-until must be after --as-of")
            holdout = services.holdout_check(calibration_end=as_of, holdout_end=holdout_until, unit=unit)
            out["holdout"] = {
                "unidentified": holdout.unidentified or None,
                "unidentified_reason": holdout.unidentified_reason or None,
                "calibration": [dataclasses.asdict(row) for row in holdout.calibration],
                "se": holdout.standard_errors,
                "periods": holdout.periods,
                "predicted": [round(v, 3) for v in holdout.predicted],
                "actual": holdout.actual,
                "error": holdout.error,
            }
        if json:
            self.stdout.write(_dumps(out))
            return
        for key, value in out.items():
            if key.endswith("_unidentified"):
                if value["reason"] == calc.BOUND:
                    why = f"{value['parameter']} ran to its bound ({value['value']:.3g})"
                else:
                    why = "its likelihood has no clear maximum (no standard errors)"
                self.stdout.write(f"{key}: the history does not identify this model: {why}; no figures")
            elif key in out["se"]:
                self.stdout.write(f"{key}: {value} (standard error {out['se'][key]:.4g})")
            elif key not in ("holdout", "se"):
                self.stdout.write(f"{key}: {value}")
        if "holdout" in out:
            self.stdout.write(f"holdout error (total): {out['holdout']['error']}")
            for t, p, a in zip(
                out["holdout"]["periods"], out["holdout"]["predicted"], out["holdout"]["actual"], strict=True
            ):
                self.stdout.write(f"  {unit[:-1]} {t}: predicted {p:.2f}, actual {a}")


def _dumps(data) -> str:
    return jsonlib.dumps(data, ensure_ascii=False, indent=2)
