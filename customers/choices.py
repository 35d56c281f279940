from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerType(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    NEW = "new", _("New customer")
    EXISTING = "existing", _("Existing customer")


# Types only move forward: prospect -> new -> existing.
TYPE_ORDER = {CustomerType.PROSPECT: 0, CustomerType.NEW: 1, CustomerType.EXISTING: 2}


class Outlook(models.TextChoices):
    GROWING = "growing", _("Growing")
    STABLE = "stable", _("Stable")
    DECLINING = "declining", _("Declining")


class Competition(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class IndustryTemplate(models.TextChoices):
    """Which extra customer fields an industry adds (see customers.industry_templates)."""

    NONE = "", _("None")
    RETAIL = "retail", _("Retail")
    FINANCE = "finance", _("Finance")
    SERVICES = "services", _("Services")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    CUSTOM = "custom", _("Custom")


class GrowthRating(models.IntegerChoices):
    """Staff's judgement of a customer's growth potential."""

    VERY_LOW = 1, _("1 — very low")
    LOW = 2, _("2 — low")
    AVERAGE = 3, _("3 — average")
    HIGH = 4, _("4 — high")
    VERY_HIGH = 5, _("5 — very high")
