from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALIST = "potential_loyalist", _("Potential loyalist")
    NEW = "new", _("New")
    AT_RISK = "at_risk", _("Needs win-back")  # named apart from the churn risk (risk section)
    CANT_LOSE = "cant_lose", _("Can't lose")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class TimeUnit(models.TextChoices):
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class HistoryNote(models.TextChoices):
    """Why a customer has no model figures: never an invented number."""

    NONE = "", ""
    NO_PURCHASES = "no_purchases", _("Not enough history: no purchase yet")
    FIRST_PURCHASE_TODAY = "first_today", _("Not enough history: first purchase on the as-of date")
    # first purchase fewer than VALUATION_TOO_NEW_DAYS before the as-of date: tier from current value
    TOO_NEW = "too_new", _("Too new to predict")
    NO_MODEL = "no_model", _("Not enough history in the portfolio to fit the purchase model")
    NO_SPEND_MODEL = "no_spend", _("Not enough repeat purchases to estimate the value of a purchase")
    MODEL_UNIDENTIFIED = (
        "model_edge",
        _(
            "The portfolio's history does not identify the purchase model (a parameter ran to its bound, "
            "or the fit has no standard errors)"
        ),
    )
    SPEND_UNIDENTIFIED = (
        "spend_edge",
        _(
            "The portfolio's history does not identify the value of a purchase (a parameter ran to its bound, "
            "or the fit has no standard errors)"
        ),
    )


class RescoreOutcome(models.TextChoices):
    """What a background re-scoring pass found (services.valuation_rescore_pending)."""

    IDLE = "idle"  # nothing waiting
    DONE = "done"  # re-scored what was waiting
    NO_RUN = "no_run"  # no scoring for the day yet: score everyone first (with the latest fit)
    RUNNING = "running"  # the day's scoring is still running: come back when it has finished
    FAILED = "failed"  # the day's scoring failed: the requests wait for the next run
