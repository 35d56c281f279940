"""Writes of the ledger: recording sales, payments and refunds, voiding, allocating.

Every workflow runs in one transaction and first locks the customer's row, so two payments (or a
payment and a sale) recorded at the same moment for one customer are applied one after the other
and never allocate the same open amount twice (row locks on PostgreSQL; SQLite serialises writers
with BEGIN IMMEDIATE).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.dates import date_problem
from custnotes.money import ZERO, round_money
from custnotes.registry import sale_problems
from customers.models import Customer
from customers.services import customer_type_change

from . import calculations, selectors
from .choices import PaymentKind
from .models import Allocation, Payment, PaymentMethod, Sale

DELETE_WINDOW = datetime.timedelta(days=1)


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _check_date(value: datetime.datetime, field: str) -> None:
    if problem := date_problem(calculations.local_date(value)):
        raise ValidationError({field: problem})


def _check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    amount = round_money(amount)
    if amount <= ZERO:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    return amount


def _apply_credit(customer: Customer) -> list[Allocation]:
    """Apply the customer's unapplied receipts to its open sales, oldest receipt to oldest due sale."""
    receipts = selectors.receipts_with_credit(customer=customer)
    if not receipts:
        return []
    items = selectors.open_items(customer=customer)
    created = []
    for receipt in receipts:
        allocations, _rest = calculations.allocate_oldest_first(receipt.unallocated, items)
        if not allocations:
            break
        created += _create_allocations(receipt, allocations, items)
        items = [
            calculations.OpenItem(
                i.sale_id, i.due_date, i.occurred_on, i.open_amount - allocations.get(i.sale_id, ZERO)
            )
            for i in items
        ]
    return created


def _create_allocations(payment: Payment, allocations: dict[int, Decimal], items) -> list[Allocation]:
    occurred = {item.sale_id: item.occurred_on for item in items}
    received = calculations.local_date(payment.received_at)
    return Allocation.objects.bulk_create(
        Allocation(
            payment=payment,
            sale_id=sale_id,
            amount=amount,
            applied_on=max(received, occurred.get(sale_id, received)),
        )
        for sale_id, amount in allocations.items()
    )


def _refresh_customer_type(customer: Customer, reason: str) -> None:
    dates = [
        calculations.local_date(moment)
        for moment in Sale.objects.filter(customer=customer, is_void=False).values_list("occurred_at", flat=True)
    ]
    new_type = calculations.customer_type_for(customer.customer_type, dates, timezone.localdate())
    customer_type_change(customer=customer, new_type=new_type, reason=reason)


# --- sales --------------------------------------------------------------------------------------


class SaleNeedsConfirmation(ValidationError):
    """The sale draws warnings (no refusal) from a later section, e.g. over the credit limit: the
    caller shows them and records the sale again with confirmed=True."""


@transaction.atomic
def sale_record(
    *,
    customer: Customer,
    occurred_at: datetime.datetime,
    product: str,
    amount: Decimal,
    cost_of_goods: Decimal | None = None,
    due_date: datetime.date | None = None,
    user=None,
    confirmed: bool = True,
) -> Sale:
    """Record a sale; its due date defaults to the sale date + the customer's payment terms.
    Credit the customer already has is applied to it at once.

    The later sections' sale checks (registry.sale_problems: the credit limit, high credit risk)
    run here, for every caller: a blocking one refuses the sale; warnings raise SaleNeedsConfirmation
    unless the caller has confirmed them (a form asks first; jobs and commands pass confirmed=True)."""
    customer = _lock_customer(customer)
    amount = _check_amount(amount)
    _check_date(occurred_at, "occurred_at")
    occurred_on = calculations.local_date(occurred_at)
    if due_date is None:
        due_date = calculations.default_due_date(occurred_on, customer.payment_terms_days)
    if due_date < occurred_on:
        raise ValidationError({"due_date": _("The due date cannot be before the date of sale.")})
    if cost_of_goods is not None and round_money(cost_of_goods) < ZERO:
        raise ValidationError({"cost_of_goods": _("The cost of goods cannot be negative.")})
    if not product.strip():
        raise ValidationError({"product": _("Say what was sold.")})
    # The input is sound; now what the later sections say about selling this to the customer.
    problems = sale_problems(customer_id=customer.pk, amount=amount)
    if blocking := [message for message, block in problems if block]:
        raise ValidationError(blocking, code="blocked")
    if problems and not confirmed:
        raise SaleNeedsConfirmation([message for message, _block in problems], code="confirm")
    sale = Sale.objects.create(
        customer=customer,
        occurred_at=occurred_at,
        product=product.strip(),
        amount=amount,
        cost_of_goods=cost_of_goods,
        due_date=due_date,
        created_by=user,
    )
    _apply_credit(customer)
    _refresh_customer_type(customer, _("sale #%(id)s recorded") % {"id": sale.pk})
    return sale


@transaction.atomic
def sale_void(*, sale: Sale, reason: str, user=None) -> Sale:
    """Void a sale: it counts nowhere from now on. Money applied to it goes back to the customer's
    credit and is applied to its other open sales."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for voiding the sale.")})
    customer = _lock_customer(sale.customer)
    sale = Sale.objects.select_for_update().get(pk=sale.pk)
    if sale.is_void:
        raise ValidationError(_("This sale is already void."))
    Allocation.objects.filter(sale=sale).delete()
    sale.is_void = True
    sale.void_reason = reason[:300]
    sale.voided_at = timezone.now()
    sale.voided_by = user
    sale.save(update_fields=["is_void", "void_reason", "voided_at", "voided_by"])
    _apply_credit(customer)
    return sale


@transaction.atomic
def sale_delete(*, sale: Sale) -> None:
    """Delete a sale entered by mistake: only within a day of recording and with no payments."""
    if Allocation.objects.filter(sale=sale).exists():
        raise ValidationError(_("This sale has payments applied; void it with a reason instead."))
    if timezone.now() - sale.created_at > DELETE_WINDOW:
        raise ValidationError(_("Sales older than a day are never deleted; void it with a reason instead."))
    customer = sale.customer
    sale.delete()
    _apply_credit(customer)


# --- payments and refunds -----------------------------------------------------------------------


def payment_preview(
    *,
    customer: Customer,
    amount: Decimal,
    method: PaymentMethod,
    allocations: dict[int, Decimal] | None = None,
) -> dict:
    """What recording this payment would do, without writing: fee, allocation, remaining credit."""
    amount = _check_amount(amount)
    items = selectors.open_items(customer=customer)
    if allocations is None:
        applied, remainder = calculations.allocate_oldest_first(amount, items)
    else:
        applied = {sale_id: round_money(value) for sale_id, value in allocations.items()}
        remainder = _check_manual(amount, items, applied)
    return {
        "fee": calculations.payment_fee(amount, method.fee_rate, method.fixed_fee),
        "allocations": [(item, applied[item.sale_id]) for item in items if item.sale_id in applied],
        "credit": remainder,
        "items": items,
    }


def _check_manual(amount, items, allocations) -> Decimal:
    try:
        return calculations.check_manual_allocation(amount, items, allocations)
    except calculations.AllocationError as error:
        messages = []
        for sale_id, code in error.problems:
            if code == "exceeds_payment":
                messages.append(_("The allocations add up to more than the payment."))
            elif code == "exceeds_open":
                messages.append(_("Sale #%(id)s: more than its open amount.") % {"id": sale_id})
            elif code == "not_open":
                messages.append(_("Sale #%(id)s is not an open sale of this customer.") % {"id": sale_id})
            else:
                messages.append(_("Sale #%(id)s: the amount must be greater than zero.") % {"id": sale_id})
        raise ValidationError(messages) from error


@transaction.atomic
def payment_record(
    *,
    customer: Customer,
    received_at: datetime.datetime,
    amount: Decimal,
    method: PaymentMethod,
    reference: str = "",
    allocations: dict[int, Decimal] | None = None,
    note: str = "",
    user=None,
) -> Payment:
    """Record a receipt. It is applied to the customer's open sales oldest-due first, or as given by
    hand in `allocations` ({sale id: amount}); what is left is the customer's credit."""
    customer = _lock_customer(customer)
    amount = _check_amount(amount)
    _check_date(received_at, "received_at")
    if not method.is_active:
        raise ValidationError({"method": _("This payment method is no longer in use.")})
    items = selectors.open_items(customer=customer)  # read under the lock: nobody else allocates now
    if allocations is None:
        applied, _credit = calculations.allocate_oldest_first(amount, items)
    else:
        applied = {sale_id: round_money(value) for sale_id, value in allocations.items()}
        _check_manual(amount, items, applied)
    payment = Payment.objects.create(
        customer=customer,
        kind=PaymentKind.RECEIPT,
        received_at=received_at,
        amount=amount,
        method=method,
        reference=reference.strip(),
        fee=calculations.payment_fee(amount, method.fee_rate, method.fixed_fee),
        settles_on=calculations.settlement_date(calculations.local_date(received_at), method.settlement_days),
        note=note.strip(),
        created_by=user,
    )
    _create_allocations(payment, applied, items)
    return payment


@transaction.atomic
def refund_record(
    *,
    receipt: Payment,
    paid_at: datetime.datetime,
    amount: Decimal,
    method: PaymentMethod,
    reference: str = "",
    note: str = "",
    user=None,
) -> Payment:
    """Pay money back to the customer out of a receipt's unapplied part (its credit). To refund
    money applied to a sale (goods returned), void the sale first: that frees the money."""
    _lock_customer(receipt.customer)
    amount = _check_amount(amount)
    _check_date(paid_at, "received_at")
    if receipt.kind != PaymentKind.RECEIPT:
        raise ValidationError(_("Only a receipt can be refunded."))
    current = selectors.payments_with_unallocated(Payment.objects.filter(pk=receipt.pk)).get()
    if amount > current.unallocated:
        raise ValidationError(
            {
                "amount": _("At most %(amount)s of this receipt is unapplied and can be refunded.")
                % {"amount": current.unallocated}
            }
        )
    if calculations.local_date(paid_at) < calculations.local_date(receipt.received_at):
        raise ValidationError({"received_at": _("A refund cannot be dated before the receipt it refunds.")})
    return Payment.objects.create(
        customer=receipt.customer,
        kind=PaymentKind.REFUND,
        received_at=paid_at,
        amount=amount,
        method=method,
        reference=reference.strip(),
        fee=ZERO,
        settles_on=calculations.local_date(paid_at),
        refund_of=receipt,
        note=note.strip(),
        created_by=user,
    )


# --- customer types over time -------------------------------------------------------------------


def customer_types_refresh(*, as_of: datetime.date | None = None) -> int:
    """Move every customer whose type the rule now changes (e.g. 12 months after the first sale).
    Returns how many moved. Reads all sale dates in one query."""
    as_of = as_of or timezone.localdate()
    dates: dict[int, list[datetime.date]] = {}
    for customer_id, moment in Sale.objects.filter(is_void=False).values_list("customer_id", "occurred_at"):
        dates.setdefault(customer_id, []).append(calculations.local_date(moment))
    moved = 0
    for customer in Customer.objects.filter(pk__in=dates.keys()).exclude(customer_type="existing"):
        new_type = calculations.customer_type_for(customer.customer_type, dates[customer.pk], as_of)
        if new_type != customer.customer_type:
            with transaction.atomic():
                customer_type_change(customer=customer, new_type=new_type, reason=_("12 months since the first sale"))
            moved += 1
    return moved
