"""Reads of the ledger, scoped to the user's customers, with the figures aggregated in the database."""

import datetime
from decimal import Decimal

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from custnotes.money import ZERO, MoneyField, money_sum
from custnotes.permissions import scope_queryset
from customers.models import Customer

from . import calculations
from .choices import AgingBucket, PaymentKind, SaleStatus
from .models import Allocation, Payment, PaymentMethod, Sale


def _paid_subquery(as_of: datetime.date | None):
    allocations = Allocation.objects.filter(sale=OuterRef("pk"))
    if as_of is not None:
        allocations = allocations.filter(applied_on__lte=as_of)
    summed = allocations.values("sale").annotate(total=money_sum("amount")).values("total")
    return Coalesce(Subquery(summed, output_field=MoneyField()), Value(0), output_field=MoneyField())


def sales_with_open_amounts(queryset: QuerySet[Sale], as_of: datetime.date | None = None) -> QuerySet[Sale]:
    """Annotate paid (allocations applied by as_of; all when None), open_amount and status."""
    today = as_of or timezone.localdate()  # the deployment's day, not the server's
    return queryset.annotate(
        paid=_paid_subquery(as_of),
        open_amount=Case(
            When(is_void=True, then=Value(0)),
            default=F("amount") - F("paid"),
            output_field=MoneyField(),
        ),
        status=Case(
            When(is_void=True, then=Value(SaleStatus.VOID)),
            When(paid__gte=F("amount"), then=Value(SaleStatus.PAID)),
            When(due_date__lt=today, then=Value(SaleStatus.OVERDUE)),
            When(paid__gt=0, then=Value(SaleStatus.PARTLY_PAID)),
            default=Value(SaleStatus.OPEN),
        ),
    )


def sale_list(*, user, as_of: datetime.date | None = None) -> QuerySet[Sale]:
    queryset = scope_queryset(Sale.objects.all(), user, "customer__").select_related("customer")
    return sales_with_open_amounts(queryset, as_of)


def sale_get(*, user, pk) -> Sale:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(sale_list(user=user), pk=pk)


def payments_with_unallocated(queryset: QuerySet[Payment]) -> QuerySet[Payment]:
    """Annotate a receipt's allocated and refunded sums and what is left of it (customer credit)."""
    allocated = (
        Allocation.objects.filter(payment=OuterRef("pk"))
        .values("payment")
        .annotate(total=money_sum("amount"))
        .values("total")
    )
    refunded = (
        Payment.objects.filter(refund_of=OuterRef("pk"), kind=PaymentKind.REFUND)
        .values("refund_of")
        .annotate(total=money_sum("amount"))
        .values("total")
    )
    return queryset.annotate(
        allocated=Coalesce(Subquery(allocated, output_field=MoneyField()), Value(0), output_field=MoneyField()),
        refunded=Coalesce(Subquery(refunded, output_field=MoneyField()), Value(0), output_field=MoneyField()),
        unallocated=Case(
            When(kind=PaymentKind.REFUND, then=Value(0)),
            default=F("amount") - F("allocated") - F("refunded"),
            output_field=MoneyField(),
        ),
    )


def payment_list(*, user) -> QuerySet[Payment]:
    queryset = scope_queryset(Payment.objects.all(), user, "customer__").select_related("customer", "method")
    return payments_with_unallocated(queryset)


def payment_get(*, user, pk) -> Payment:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(payment_list(user=user), pk=pk)


def payment_method_list(*, active_only: bool = False) -> QuerySet[PaymentMethod]:
    queryset = PaymentMethod.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def payment_method_get(*, pk) -> PaymentMethod:
    return get_object_or_404(PaymentMethod, pk=pk)


def open_items(*, customer: Customer) -> list[calculations.OpenItem]:
    """The customer's sales with money still open now (all allocations counted), oldest due first."""
    rows = (
        sales_with_open_amounts(Sale.objects.filter(customer=customer, is_void=False))
        .filter(open_amount__gt=0)
        .order_by("due_date", "occurred_at", "pk")
        .values_list("pk", "due_date", "occurred_at", "open_amount")
    )
    return [
        calculations.OpenItem(pk, due, calculations.local_date(occurred), open_amount)
        for pk, due, occurred, open_amount in rows
    ]


def receipts_with_credit(*, customer: Customer) -> list[Payment]:
    """The customer's receipts with money not yet applied to a sale, oldest first."""
    return list(
        payments_with_unallocated(Payment.objects.filter(customer=customer, kind=PaymentKind.RECEIPT))
        .filter(unallocated__gt=0)
        .order_by("received_at", "pk")
    )


def customers_with_credit(*, customer_ids) -> set[int]:
    """Which of these customers have a receipt with money not yet applied, in one query."""
    return set(
        payments_with_unallocated(Payment.objects.filter(customer_id__in=customer_ids, kind=PaymentKind.RECEIPT))
        .filter(unallocated__gt=0)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def customer_credit(*, customer: Customer) -> Decimal:
    """Money received from the customer and not yet applied to a sale (nor refunded)."""
    rows = receipts_with_credit(customer=customer)
    return sum((p.unallocated for p in rows), ZERO)


# --- the customer's ledger ----------------------------------------------------------------------


def customer_ledger(*, customer: Customer, as_of: datetime.date) -> dict:
    """Everything the notebook's ledger section shows, in three queries whatever the history:
    the statement with running balance, the open items, the aging, DSO and late share, as of D."""
    sales = list(
        Sale.objects.filter(customer=customer, is_void=False)
        .filter(occurred_at__date__lte=as_of)
        .order_by("occurred_at", "pk")
    )
    payments = list(
        Payment.objects.filter(customer=customer, received_at__date__lte=as_of)
        .select_related("method")
        .order_by("received_at", "pk")
    )
    allocations: dict[int, list[tuple[datetime.date, object]]] = {}
    for sale_id, applied_on, amount in Allocation.objects.filter(
        sale__customer=customer, sale__is_void=False, applied_on__lte=as_of
    ).values_list("sale_id", "applied_on", "amount"):
        allocations.setdefault(sale_id, []).append((applied_on, amount))

    entries = []
    open_rows = []
    histories = []
    dso_start = calculations.window_start(as_of, calculations.DSO_DAYS)
    credit_sales = ZERO
    for sale in sales:
        occurred = calculations.local_date(sale.occurred_at)
        paid = sum((a for _d, a in allocations.get(sale.pk, [])), ZERO)
        open_amount = sale.amount - paid
        entries.append((occurred, 0, "sale", f"#{sale.pk}", sale.product, sale.amount, ZERO, sale.pk))
        if open_amount > ZERO:
            open_rows.append(
                {
                    "sale": sale,
                    "paid": paid,
                    "open_amount": open_amount,
                    "days_past_due": calculations.days_past_due(sale.due_date, as_of),
                    "bucket": calculations.aging_bucket(sale.due_date, as_of),
                    "status": calculations.sale_status(
                        amount=sale.amount, paid=paid, due_date=sale.due_date, as_of=as_of
                    ),
                }
            )
        if history := calculations.invoice_history(occurred, sale.due_date, sale.amount, allocations.get(sale.pk, [])):
            histories.append(history)
        if occurred >= dso_start:
            credit_sales += sale.amount
    for payment in payments:
        day = calculations.local_date(payment.received_at)
        if payment.kind == PaymentKind.REFUND:
            entries.append((day, 1, "refund", payment.reference, str(payment.method), payment.amount, ZERO, payment.pk))
        else:
            entries.append(
                (day, 1, "receipt", payment.reference, str(payment.method), ZERO, payment.amount, payment.pk)
            )

    lines = calculations.statement(entries)
    buckets = calculations.aging(((r["sale"].due_date, r["open_amount"]) for r in open_rows), as_of)
    open_total = sum(buckets.values(), ZERO)
    balance = lines[-1].balance if lines else ZERO
    return {
        "lines": lines,
        "open_rows": open_rows,
        "aging": [(bucket, bucket.label, buckets[bucket]) for bucket in AgingBucket],
        "open_total": open_total,
        "overdue_total": open_total - buckets[AgingBucket.NOT_DUE],
        "balance": balance,
        "credit": open_total - balance,
        "dso": calculations.dso(open_total, credit_sales),
        "late_share": calculations.late_share(histories, as_of),
        "fees": sum((p.fee for p in payments), ZERO),
    }


# --- the receivables aging report ---------------------------------------------------------------


def receivables_aging(*, user, as_of: datetime.date, customers: QuerySet[Customer] | None = None) -> QuerySet:
    """One row per customer with money open at D, bucket columns, in one aggregate query.
    `user=None` is the system (scoring jobs): every customer."""
    cut = calculations.aging_cutoffs(as_of)
    sales = Sale.objects.filter(is_void=False, occurred_at__date__lte=as_of)
    if user is not None:
        sales = scope_queryset(sales, user, "customer__")
    base = sales_with_open_amounts(sales, as_of)
    if customers is not None:
        base = base.filter(customer__in=customers)

    def bucket(condition: Q):
        return money_sum(Case(When(condition, then=F("open_amount")), default=Value(0), output_field=MoneyField()))

    return (
        base.filter(open_amount__gt=0)
        .values("customer_id", "customer__name", "customer__team__name", "customer__credit_limit")
        .annotate(
            open_total=money_sum("open_amount"),
            not_due=bucket(Q(due_date__gte=as_of)),
            d1_30=bucket(Q(due_date__lt=as_of, due_date__gte=cut["d30"])),
            d31_60=bucket(Q(due_date__lt=cut["d30"], due_date__gte=cut["d60"])),
            d61_90=bucket(Q(due_date__lt=cut["d60"], due_date__gte=cut["d90"])),
            over_90=bucket(Q(due_date__lt=cut["d90"])),
        )
        .order_by("-open_total", "customer__name")
    )


def credit_history(*, as_of: datetime.date, customer_ids=None) -> dict[int, dict]:
    """Per customer: T12M late share and credit sales of the DSO window, from two queries
    (the T12M window's sales and their allocations up to D)."""
    t12m_start = calculations.window_start(as_of, calculations.T12M_DAYS)
    dso_start = calculations.window_start(as_of, calculations.DSO_DAYS)
    sales = Sale.objects.filter(is_void=False, occurred_at__date__gte=t12m_start, occurred_at__date__lte=as_of)
    if customer_ids is not None:
        sales = sales.filter(customer_id__in=customer_ids)
    rows = list(sales.values_list("pk", "customer_id", "occurred_at", "due_date", "amount"))
    applied: dict[int, list] = {}
    for sale_id, applied_on, amount in Allocation.objects.filter(sale__in=sales, applied_on__lte=as_of).values_list(
        "sale_id", "applied_on", "amount"
    ):
        applied.setdefault(sale_id, []).append((applied_on, amount))
    histories: dict[int, list] = {}
    credit_sales: dict[int, Decimal] = {}
    for sale_id, customer_id, occurred_at, due_date, amount in rows:
        occurred = calculations.local_date(occurred_at)
        if history := calculations.invoice_history(occurred, due_date, amount, applied.get(sale_id, [])):
            histories.setdefault(customer_id, []).append(history)
        if occurred >= dso_start:
            credit_sales[customer_id] = credit_sales.get(customer_id, ZERO) + amount
    return {
        customer_id: {
            "late_share": calculations.late_share(invoices, as_of),
            "credit_sales_90": credit_sales.get(customer_id, ZERO),
        }
        for customer_id, invoices in histories.items()
    }


def open_receivables(*, customer: Customer) -> Decimal:
    """What the customer owes now (all sales and allocations to date)."""
    return open_receivables_by_customer(customer_ids=[customer.pk]).get(customer.pk, ZERO)


def open_receivables_by_customer(*, customer_ids) -> dict[int, Decimal]:
    """What each of these customers owes now, in one grouped query; customers who owe nothing are left out."""
    rows = (
        sales_with_open_amounts(Sale.objects.filter(customer_id__in=customer_ids, is_void=False))
        .filter(open_amount__gt=0)
        .values("customer_id")
        .annotate(total=money_sum("open_amount"))
        .order_by()
    )
    return {row["customer_id"]: row["total"] for row in rows}


AGING_FIGURES = ("open_total", *AgingBucket.values)  # the figures of a receivables_aging() row


def aging_report(*, user, as_of: datetime.date, customers: QuerySet[Customer] | None = None) -> tuple[list, dict]:
    """The aging report's rows and its totals, which are the sums of the rows to the fen."""
    rows = list(receivables_aging(user=user, as_of=as_of, customers=customers))
    totals = {key: sum((row[key] for row in rows), ZERO) for key in AGING_FIGURES}
    return rows, totals
