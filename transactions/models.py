from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from custnotes.fields import recorded_by_field
from custnotes.identity import import_id_field
from custnotes.money import MoneyField, money_field
from customers.models import Customer

from .choices import PaymentKind


class PaymentMethod(models.Model):
    """How a customer pays (cash, bank transfer, WeChat Pay, ...) and what it costs to be paid so."""

    name = models.CharField(_("name (Chinese)"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=50, blank=True)
    fee_rate = models.DecimalField(
        _("fee rate"),
        max_digits=7,
        decimal_places=5,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("A share of the amount, e.g. 0.006 for 0.6 %."),
    )
    fixed_fee = money_field(_("fixed fee"), default=0, validators=[MinValueValidator(0)])
    settlement_days = models.PositiveSmallIntegerField(
        _("settlement days"), default=0, validators=[MaxValueValidator(365)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_rate__gte=0, fee_rate__lte=1, fixed_fee__gte=0),
                name="payment_method_fees_sane",
            ),
        ]

    def __str__(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def get_absolute_url(self):
        return reverse("transactions:method-update", args=[self.pk])


# Sale.settlement, in the order the list sorts by status: unpaid, partly paid, paid, void.
SETTLEMENT_UNPAID, SETTLEMENT_PARTLY_PAID, SETTLEMENT_PAID, SETTLEMENT_VOID = 0, 1, 2, 3


class Sale(models.Model):
    """A sale (invoice). Its status comes from its allocations; a void sale counts nowhere."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sales", verbose_name=_("customer"))
    occurred_at = models.DateTimeField(_("date of sale"), db_index=True)
    product = models.CharField(_("product or service"), max_length=200)
    amount = money_field(_("amount"))
    cost_of_goods = money_field(_("cost of goods"), null=True, blank=True)
    due_date = models.DateField(_("due date"), db_index=True)
    external_id = import_id_field()
    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = recorded_by_field()
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # Running figures, kept in the same transaction as every allocation written or removed (the
    # services: sales_paid_refresh), so that lists sort and filter by them through an index instead
    # of summing allocations per sale; `manage.py check_figures` recomputes and reports drift.
    paid_to_date = money_field(_("paid"), default=0, db_default=0)
    open_to_date = models.GeneratedField(
        expression=models.Case(
            models.When(is_void=True, then=models.Value(0)),
            default=models.F("amount") - models.F("paid_to_date"),
        ),
        output_field=MoneyField(),
        db_persist=True,
        verbose_name=_("open"),
    )
    # How far the sale is settled, whatever the day: what the list's sort by status reads, with the
    # due date, through an index (the status itself depends on today: overdue is unsettled and past due).
    settlement = models.GeneratedField(
        expression=models.Case(
            models.When(is_void=True, then=models.Value(SETTLEMENT_VOID)),
            models.When(paid_to_date__gte=models.F("amount"), then=models.Value(SETTLEMENT_PAID)),
            models.When(paid_to_date__gt=0, then=models.Value(SETTLEMENT_PARTLY_PAID)),
            default=models.Value(SETTLEMENT_UNPAID),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name=_("settlement"),
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        permissions = [("void_sale", _("Can void sales"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="sale_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(cost_of_goods__isnull=True) | models.Q(cost_of_goods__gte=0),
                name="sale_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(is_void=False) | ~models.Q(void_reason=""),
                name="sale_void_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["amount"], name="sale_amount"),  # the list's sort by amount
            models.Index(fields=["open_to_date"], name="sale_open"),  # … by open amount
            models.Index(fields=["settlement", "due_date"], name="sale_settlement"),  # … by status
            # the open sales by due date: overdue filters, the aging, the week's receivables
            models.Index(fields=["due_date"], condition=models.Q(open_to_date__gt=0), name="sale_open_due"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.product}"

    def get_absolute_url(self):
        return reverse("transactions:sale-detail", args=[self.pk])


class Payment(models.Model):
    """Money received from (receipt) or paid back to (refund) a customer. Never edited once
    allocated: a mistake or a return is put right by a refund, its own reversing record."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="payments", verbose_name=_("customer")
    )
    Kind = PaymentKind  # the kinds, by name, for templates too (payment.Kind.RECEIPT)
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentKind.choices, default=PaymentKind.RECEIPT)
    received_at = models.DateTimeField(_("date"), db_index=True)
    amount = money_field(_("amount"))
    method = models.ForeignKey(PaymentMethod, on_delete=models.PROTECT, related_name="+", verbose_name=_("method"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    fee = money_field(_("fee"), default=0)
    settles_on = models.DateField(_("settles on"))
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    external_id = import_id_field()
    note = models.CharField(_("memo"), max_length=300, blank=True)
    created_by = recorded_by_field()
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # Running figures of a receipt, kept in the same transaction as every allocation or refund written
    # or removed (the services: payments_figures_refresh), as Sale.paid_to_date is: the list sorts by
    # what is left (customer credit) through an index, and the credit is found without summing
    # allocations and refunds per receipt; `manage.py check_figures` recomputes and reports drift.
    allocated_to_date = money_field(_("allocated"), default=0, db_default=0)
    refunded_to_date = money_field(_("refunded"), default=0, db_default=0)
    unallocated_to_date = models.GeneratedField(
        expression=models.Case(
            models.When(kind=PaymentKind.REFUND, then=models.Value(0)),
            default=models.F("amount") - models.F("allocated_to_date") - models.F("refunded_to_date"),
        ),
        output_field=MoneyField(),
        db_persist=True,
        verbose_name=_("credit left"),
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        permissions = [("add_refund", _("Can record refunds"))]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="payment_fee_not_negative"),
            # a receipt is never applied or paid back beyond its amount: the database refuses a
            # running figure (or a race) that would make the credit negative
            models.CheckConstraint(
                condition=models.Q(allocated_to_date__gte=0, refunded_to_date__gte=0)
                & models.Q(amount__gte=models.F("allocated_to_date") + models.F("refunded_to_date")),
                name="payment_applied_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "received_at"]),
            # the list's sorts (each an index to read the first page from, not a sort of every row)
            models.Index(fields=["amount"], name="payment_amount"),
            models.Index(fields=["unallocated_to_date"], name="payment_unallocated"),
            models.Index(fields=["kind"], name="payment_kind"),
            models.Index(fields=["fee"], name="payment_fee"),
            models.Index(fields=["reference"], name="payment_reference"),
            # the receipts with credit left, by customer: applying credit, the customers with credit
            models.Index(fields=["customer"], condition=models.Q(unallocated_to_date__gt=0), name="payment_credit"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Allocation(models.Model):
    """Part of a receipt applied to a sale. `applied_on` is when the money met the invoice: the later
    of the receipt's date and the sale's date (credit consumed by a later sale applies on that sale)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="allocations")
    amount = money_field(_("amount"))
    applied_on = models.DateField(_("applied on"), db_index=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_amount_positive"),
        ]
        # a sale's allocations up to (or since) a day, read from the index alone: the payment
        # history of the notebook and the scores, the aging as of a past date
        indexes = [models.Index(fields=["sale", "applied_on", "amount"], name="allocation_sale_applied")]

    def __str__(self):
        return f"{self.payment} → {self.sale}: {self.amount}"
