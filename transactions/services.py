"""Writes of the ledger: recording sales, payments and refunds, voiding, allocating.

Every workflow runs in one transaction and first locks the customer's row, so two payments (or a
payment and a sale) recorded at the same moment for one customer are applied one after the other
and never allocate the same open amount twice (row locks on PostgreSQL; SQLite serialises writers
with BEGIN IMMEDIATE).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from custnotes.bulk import insert_objects
from custnotes.dates import date_problem
from custnotes.identity import BatchResult, apply_row
from custnotes.money import ZERO, MoneyField, money_sum, money_value, round_money
from custnotes.permissions import scope_queryset
from custnotes.registry import prepare_sale_checks, registry, sale_problems
from customers.choices import CustomerType
from customers.models import Customer
from customers.services import customer_type_change_many

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
    created = Allocation.objects.bulk_create(
        Allocation(
            payment=payment,
            sale_id=sale_id,
            amount=amount,
            applied_on=max(received, occurred.get(sale_id, received)),
        )
        for sale_id, amount in allocations.items()
    )
    sales_paid_refresh(sale_ids=allocations.keys())
    payments_figures_refresh(payment_ids=[payment.pk])
    return created


def sales_paid_refresh(*, sale_ids=None) -> int:
    """Bring the sales' running paid amount (Sale.paid_to_date; the open amount follows in the
    database) to the sum of their allocations: one UPDATE, in the writer's transaction. Every path
    that writes or removes allocations calls it; with sale_ids=None it recomputes every sale (the
    drift check's repair). Returns the number of sales written."""
    sales = Sale.objects.all() if sale_ids is None else Sale.objects.filter(pk__in=list(sale_ids))
    paid = (
        Allocation.objects.filter(sale=OuterRef("pk"))
        .values("sale")
        .annotate(total=money_sum("amount"))
        .values("total")
    )
    return sales.update(paid_to_date=Coalesce(Subquery(paid, output_field=MoneyField()), money_value(0)))


def payments_figures_refresh(*, payment_ids=None) -> int:
    """Bring the payments' running figures (Payment.allocated_to_date and refunded_to_date; what is
    left, unallocated_to_date, follows in the database) to the sums of their allocations and of the
    refunds paid out of them: one UPDATE, in the writer's transaction. Every path that writes or
    removes allocations or refunds calls it; with payment_ids=None it recomputes every payment (the
    drift check's repair). Returns the number of payments written."""
    payments = Payment.objects.all() if payment_ids is None else Payment.objects.filter(pk__in=list(payment_ids))
    allocated, refunded = selectors.payment_figures_sources()
    return payments.update(allocated_to_date=allocated, refunded_to_date=refunded)


@transaction.atomic
def ledger_figures_rebuild() -> int:
    """Recompute every sale's and every payment's running figures from the allocations and refunds
    (the drift check's repair); returns how many records were written."""
    return sales_paid_refresh() + payments_figures_refresh()


def _sale_days(sales) -> dict[int, list[datetime.date]]:
    """Each customer's non-void sale days (local dates), in one streamed query: what the
    customer-type rule reads."""
    days: dict[int, list[datetime.date]] = {}
    rows = sales.filter(is_void=False).values_list("customer_id", "occurred_at")
    for customer_id, moment in rows.iterator(chunk_size=5000):  # a file may hold millions
        days.setdefault(customer_id, []).append(calculations.local_date(moment))
    return days


# --- sales --------------------------------------------------------------------------------------


class SaleNeedsConfirmation(ValidationError):
    """The sale draws warnings (no refusal) from a later section, e.g. over the credit limit: the
    caller shows them and records the sale again with confirmed=True."""


def sale_input_problems(
    *,
    occurred_on: datetime.date | None,
    amount: Decimal | None,
    due_date: datetime.date | None = None,
    cost_of_goods: Decimal | None = None,
    product: str | None = None,
) -> dict[str, str]:
    """{field: message} for a sale's own values that break a rule; None means "not known" (a cell
    that did not parse) and is not judged. The one statement of these rules: the form, the import
    and the services ask it. A ¥0.00 sale is a sale (a free sample, a replacement): a purchase that
    brings no revenue."""
    problems = {}
    if amount is not None and amount < ZERO:
        problems["amount"] = _("The amount of a sale cannot be negative.")
    if occurred_on is not None and (problem := date_problem(occurred_on)):
        problems["occurred_at"] = problem
    if occurred_on is not None and due_date is not None and due_date < occurred_on:
        problems["due_date"] = _("The due date cannot be before the date of sale.")
    if cost_of_goods is not None and cost_of_goods < ZERO:
        problems["cost_of_goods"] = _("The cost of goods cannot be negative.")
    if product is not None and not product.strip():
        problems["product"] = _("Say what was sold.")
    return problems


def sale_change_problems(
    *, customer_id, current_customer_id, was_void: bool, paid: Decimal, amount: Decimal | None, void: bool
) -> dict[str, str]:
    """{field: message} for changing a recorded sale to these values: it stays with its customer, a
    void sale is never restored, and it never falls below what has been paid on it."""
    problems = {}
    if customer_id != current_customer_id:
        problems["customer"] = _("This sale belongs to another customer.")
    if was_void and not void:
        problems["void"] = _("A void sale cannot be restored.")
    if amount is not None and amount < paid:
        problems["amount"] = _("Less than what has already been paid on this sale.")
    return problems


def sale_permission_problems(*, user, voiding: bool) -> dict[str, str]:
    """{field: message} when this user may not record (or void) a sale."""
    problems = {}
    if not user.has_perm("transactions.add_sale"):
        problems["external_id"] = _("You may not record sales.")
    if voiding and not user.has_perm("transactions.void_sale"):
        problems["void"] = _("Only Finance and Admin void sales.")
    return problems


def sale_credit_problems(*, exposure: dict, new_customers: dict | None = None) -> dict:
    """What the later sections say (registry.sale_problems: the credit limit, high credit risk) about
    selling `exposure` more to each customer: {customer: amount newly owed} -> {customer:
    [(message, blocking)]}. Customers not yet in the database (an import's new rows) are given as
    `new_customers` {key: (name, credit limit)}. One path for a sale typed, imported or recorded by a job."""
    keys = [key for key, amount in exposure.items() if amount > ZERO]
    if not keys:
        return {}
    new_customers = new_customers or {}
    prepared = prepare_sale_checks(
        customer_ids=[key for key in keys if key not in new_customers], new_customers=new_customers
    )
    found = {key: sale_problems(customer_id=key, amount=exposure[key], prepared=prepared) for key in keys}
    return {key: problems for key, problems in found.items() if problems}


def sale_credit_enforce(*, exposure: dict, confirmed: bool) -> None:
    """Refuse (ValidationError) what sale_credit_problems blocks; ask (SaleNeedsConfirmation) what it
    warns of unless confirmed. `exposure`: {customer pk: amount newly owed}."""
    for problems in sale_credit_problems(exposure=exposure).values():
        _raise_credit_problems(problems, confirmed)


def _raise_credit_problems(problems: list, confirmed: bool) -> None:
    if blocking := [message for message, block in problems if block]:
        raise ValidationError(blocking, code="blocked")
    if problems and not confirmed:
        raise SaleNeedsConfirmation([message for message, _block in problems], code="confirm")


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

    The later sections' sale checks (sale_credit_problems) run here, for every caller: a blocking
    one refuses the sale; warnings raise SaleNeedsConfirmation unless the caller has confirmed them
    (a form asks first; jobs and commands pass confirmed=True)."""
    customer = _lock_customer(customer)
    amount = round_money(amount)
    cost_of_goods = round_money(cost_of_goods) if cost_of_goods is not None else None
    occurred_on = calculations.local_date(occurred_at)
    if due_date is None:
        due_date = calculations.default_due_date(occurred_on, customer.payment_terms_days)
    problems = sale_input_problems(
        occurred_on=occurred_on, amount=amount, due_date=due_date, cost_of_goods=cost_of_goods, product=product
    )
    if problems:
        raise ValidationError(problems)
    # The input is sound; now what the later sections say about selling this to the customer.
    _raise_credit_problems(sale_credit_problems(exposure={customer.pk: amount}).get(customer.pk, []), confirmed)
    sale = Sale.objects.create(
        customer=customer,
        occurred_at=occurred_at,
        product=product.strip(),
        amount=amount,
        cost_of_goods=cost_of_goods,
        due_date=due_date,
        created_by=user,
    )
    ledger_refresh(
        customer_ids=[customer.pk], apply_credit_to=[customer.pk], reason=_("sale #%(id)s recorded") % {"id": sale.pk}
    )
    return sale


@dataclass(frozen=True, kw_only=True)
class SaleRow:
    """One sale of a batch (the import): its import ID, the recorded sale it changes (pk, None for a
    new one), its customer and values. due_date None: the customer's payment terms."""

    external_id: str
    pk: int | None
    customer_id: int
    occurred_at: datetime.datetime
    product: str
    amount: Decimal
    cost_of_goods: Decimal | None = None
    due_date: datetime.date | None = None
    void: bool = False


VOID_IN_WORKBOOK = gettext_lazy("void in the imported workbook")


@transaction.atomic
def sale_record_many(
    *,
    rows: list[SaleRow],
    user,
    receipts: dict | None = None,
    confirmed: bool = True,
    check_credit: bool = True,
) -> tuple[BatchResult, set]:
    """Record or change many sales in a few queries, under the rules of one at a time: the user's
    permissions and scope, sale_input_problems, sale_change_problems, and the credit check
    (sale_credit_problems) on what each customer newly owes — the batch's new sales and increases,
    less `receipts` {customer pk: amount} the caller is about to record against them (an import's
    payments sheet). A broken rule refuses the whole batch (ValidationError naming the row). A caller
    that writes one file in many batches runs the credit check once for the whole file, before the
    first batch, with sale_credit_enforce() (the import does), and passes check_credit=False.
    Credit and customer types are brought up to date by ledger_refresh() once the caller is done.
    Returns what was written and the customers whose sales grew (their credit is to meet it)."""
    terms = dict(  # the customers in the user's scope, with their payment terms
        scope_queryset(Customer.objects.all(), user)
        .filter(pk__in={row.customer_id for row in rows})
        .values_list("pk", "payment_terms_days")
    )
    existing = Sale.objects.select_for_update().in_bulk([row.pk for row in rows if row.pk])
    paid = dict(
        Allocation.objects.filter(sale__in=existing.keys())
        .values("sale_id")
        .annotate(total=money_sum("amount"))
        .values_list("sale_id", "total")
    )
    exposure: dict[int, Decimal] = {}
    result, to_void, grown = BatchResult(), [], set()
    for row in rows:
        if row.customer_id not in terms:
            raise ValidationError(_("%(id)s: no such customer among yours.") % {"id": row.external_id})
        occurred_on = calculations.local_date(row.occurred_at)
        due = row.due_date or calculations.default_due_date(occurred_on, terms[row.customer_id])
        problems = sale_input_problems(
            occurred_on=occurred_on,
            amount=row.amount,
            due_date=due,
            cost_of_goods=row.cost_of_goods,
            product=row.product,
        )
        sale = existing.get(row.pk)
        voiding = row.void and (sale is None or not sale.is_void)
        problems |= sale_permission_problems(user=user, voiding=voiding)
        if sale is not None:
            problems |= sale_change_problems(
                customer_id=row.customer_id,
                current_customer_id=sale.customer_id,
                was_void=sale.is_void,
                paid=paid.get(sale.pk, ZERO),
                amount=row.amount,
                void=row.void,
            )
        if problems:
            raise ValidationError({key: f"{row.external_id}: {message}" for key, message in problems.items()})
        values = {
            "occurred_at": row.occurred_at,
            "product": row.product.strip(),
            "amount": row.amount,
            "cost_of_goods": row.cost_of_goods,
            "due_date": due,
        }
        if sale is None:
            sale = Sale(customer_id=row.customer_id, external_id=row.external_id, created_by=user, **values)
            if row.void:
                sale.is_void, sale.void_reason = True, str(VOID_IN_WORKBOOK)
                sale.voided_at, sale.voided_by = timezone.now(), user
            else:
                exposure[row.customer_id] = exposure.get(row.customer_id, ZERO) + row.amount
            result.created.append(sale)
            continue
        if row.amount > sale.amount and not sale.is_void:
            exposure[row.customer_id] = exposure.get(row.customer_id, ZERO) + row.amount - sale.amount
            grown.add(row.customer_id)  # an extra charge: the customer's credit meets it
        if sale.occurred_at.replace(microsecond=0) == row.occurred_at.replace(microsecond=0):
            values["occurred_at"] = sale.occurred_at  # a workbook holds whole seconds only
        status = apply_row(sale, values, row.external_id)
        if voiding:
            to_void.append(sale)
            status = "updated"
        if status:
            getattr(result, status).append(sale)
        else:
            result.unchanged += 1
    if check_credit:
        receipts = receipts or {}
        sale_credit_enforce(
            exposure={pk: amount - receipts.get(pk, ZERO) for pk, amount in exposure.items()}, confirmed=confirmed
        )
    insert_objects(Sale, result.created)
    if changed := [*result.updated, *result.stamped]:
        Sale.objects.bulk_update(
            changed, ["occurred_at", "product", "amount", "cost_of_goods", "due_date", "external_id"]
        )
    for sale in to_void:
        sale_void(sale=sale, reason=str(VOID_IN_WORKBOOK), user=user)
    return result, grown


def ledger_refresh(*, customer_ids, apply_credit_to=(), reason: str) -> None:
    """After a batch of ledger writes: the credit of the customers in `apply_credit_to` meets what
    they newly owe (as when one sale is recorded), and every customer's type follows the rule.
    Set-based: who has credit and every sale date are read in one query each, and only customers
    with credit to apply or a type to change are written."""
    apply_credit_to = set(apply_credit_to)
    ids = set(customer_ids) | apply_credit_to
    with_credit = selectors.customers_with_credit(customer_ids=apply_credit_to) if apply_credit_to else set()
    dates = _sale_days(Sale.objects.filter(customer_id__in=ids))
    today = timezone.localdate()
    changes = []
    for customer in Customer.objects.select_for_update().filter(pk__in=ids):
        if customer.pk in with_credit:
            _apply_credit(customer)
        new_type = calculations.customer_type_for(customer.customer_type, dates.get(customer.pk, []), today)
        changes.append((customer, new_type))
    customer_type_change_many(changes=changes, reason=reason)
    registry.customers_changed(ids)


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
    allocations = Allocation.objects.filter(sale=sale)
    receipts = set(allocations.values_list("payment_id", flat=True))
    allocations.delete()
    payments_figures_refresh(payment_ids=receipts)  # the money is theirs again: their credit
    sale.paid_to_date = ZERO
    sale.is_void = True
    sale.void_reason = reason[:300]
    sale.voided_at = timezone.now()
    sale.voided_by = user
    sale.save(update_fields=["is_void", "void_reason", "voided_at", "voided_by", "paid_to_date"])
    _apply_credit(customer)
    registry.customers_changed([customer.pk])
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
    registry.customers_changed([customer.pk])


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
    registry.customers_changed([customer.pk])
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
    refund = Payment.objects.create(
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
    payments_figures_refresh(payment_ids=[receipt.pk])
    registry.customers_changed([receipt.customer_id])
    return refund


# --- customer types over time -------------------------------------------------------------------


def customer_types_refresh(*, as_of: datetime.date | None = None) -> int:
    """Move every customer whose type the rule now changes (e.g. 12 months after the first sale).
    Returns how many moved. Reads the sale dates of the customers who can still move, in one query."""
    as_of = as_of or timezone.localdate()
    moving = [CustomerType.PROSPECT, CustomerType.NEW]  # an existing customer stays existing
    dates = _sale_days(Sale.objects.filter(customer__customer_type__in=moving))
    customers = Customer.objects.filter(pk__in=dates.keys(), customer_type__in=moving)
    changes = [(c, calculations.customer_type_for(c.customer_type, dates[c.pk], as_of)) for c in customers]
    with transaction.atomic():
        return customer_type_change_many(changes=changes, reason=_("12 months since the first sale"))
