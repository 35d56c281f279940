from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


LEVEL_ORDER = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", _("Overdue receivables")
    OVER_LIMIT = "over_limit", _("Over the credit limit")
    MARKET = "market", _("Market risk")
    CONCENTRATION = "concentration", _("Revenue concentration")
    CHURN = "churn", _("Churn risk")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
