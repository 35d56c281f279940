from django.db import models
from django.utils.translation import gettext_lazy as _


class CostFamily(models.TextChoices):
    """Marketing costs win a customer; service costs keep one served (DESIGN.md: Costs)."""

    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service")


class AllocationRule(models.TextChoices):
    EQUAL = "equal", _("Equally")
    REVENUE = "revenue", _("By revenue in the campaign period")


class Period(models.TextChoices):
    MONTH = "month", _("This month")
    QUARTER = "quarter", _("This quarter")
    T12M = "t12m", _("Last 12 months")
    CUSTOM = "custom", _("Custom")
