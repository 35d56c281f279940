from django.db import models
from django.utils.translation import gettext_lazy as _


class SaleStatus(models.TextChoices):
    """Derived from payments as of a date; never stored by hand."""

    OPEN = "open", _("Open")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    VOID = "void", _("Void")


class PaymentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    REFUND = "refund", _("Refund")


class AgingBucket(models.TextChoices):
    NOT_DUE = "not_due", _("Not yet due")
    D1_30 = "d1_30", _("1–30 days")
    D31_60 = "d31_60", _("31–60 days")
    D61_90 = "d61_90", _("61–90 days")
    OVER_90 = "over_90", _("Over 90 days")
