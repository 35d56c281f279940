"""Reads of the ledger, scoped to the user's customers, with the figures aggregated in the database."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.dates import local_days
from custnotes.memo import per_request
from custnotes.money import ZERO, MoneyField, format_money, from_fen, money_sum
from custnotes.permissions import scope_queryset
from custnotes.registry import FiguresDrift
from custnotes.rows import SqlRows
from customers.models import Customer, Team

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
    """Annotate paid (allocations applied by as_of; all when None), open_amount and status.

    As of today (or None) these are the sale's running figures (paid_to_date, open_to_date: stored,
    indexed, kept by the services); as of a past date, the allocations applied by then are summed."""
    today = as_of or timezone.localdate()  # the deployment's day, not the server's
    if as_of is None or as_of >= timezone.localdate():
        # no allocation is applied after today (receipts are never dated in the future)
        paid, open_amount = F("paid_to_date"), F("open_to_date")
    else:
        paid = _paid_subquery(as_of)
        open_amount = Case(
            When(is_void=True, then=Value(0)), default=F("amount") - F("paid"), output_field=MoneyField()
        )
    return queryset.annotate(
        paid=paid,
        open_amount=open_amount,
        status=Case(
            When(is_void=True, then=Value(SaleStatus.VOID)),
            When(paid__gte=F("amount"), then=Value(SaleStatus.PAID)),
            When(due_date__lt=today, then=Value(SaleStatus.OVERDUE)),
            When(paid__gt=0, then=Value(SaleStatus.PARTLY_PAID)),
            default=Value(SaleStatus.OPEN),
        ),
    )


def sales_paid_drift() -> QuerySet[Sale]:
    """The sales whose running paid amount (paid_to_date) differs from the sum of their allocations:
    what the services keep in step, checked against the source. Annotated with `allocated`."""
    return Sale.objects.annotate(allocated=_paid_subquery(None)).exclude(paid_to_date=F("allocated")).order_by("pk")


def sale_drift_text(sale: Sale) -> str:
    """A sale of sales_paid_drift() in words: what is stored, what the allocations say."""
    return _("sale #%(id)s: paid %(stored)s recorded, %(source)s allocated") % {
        "id": sale.pk,
        "stored": format_money(sale.paid_to_date),
        "source": format_money(sale.allocated),
    }


def payment_drift_text(payment: Payment) -> str:
    """A payment of payments_figures_drift() in words."""
    return _(
        "payment #%(id)s: allocated %(allocated)s and refunded %(refunded)s recorded, "
        "%(allocated_source)s allocated and %(refunded_source)s refunded"
    ) % {
        "id": payment.pk,
        "allocated": format_money(payment.allocated_to_date),
        "refunded": format_money(payment.refunded_to_date),
        "allocated_source": format_money(payment.allocated),
        "refunded_source": format_money(payment.refunded),
    }


def ledger_figures_drift(*, shown: int = 20) -> FiguresDrift:
    """The ledger's running figures (sales' paid, receipts' allocated and refunded) that differ from
    the allocations and refunds: what `manage.py check_figures` asks of this section."""
    sales, payments = sales_paid_drift(), payments_figures_drift()
    examples = [sale_drift_text(sale) for sale in sales[:shown]]
    examples += [payment_drift_text(payment) for payment in payments[: max(0, shown - len(examples))]]
    return FiguresDrift(count=sales.count() + payments.count(), examples=examples)


def sale_list(*, user, as_of: datetime.date | None = None) -> QuerySet[Sale]:
    queryset = scope_queryset(Sale.objects.all(), user, "customer__").select_related("customer")
    return sales_with_open_amounts(queryset, as_of)


def sale_get(*, user, pk) -> Sale:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(sale_list(user=user), pk=pk)


def payments_with_unallocated(queryset: QuerySet[Payment]) -> QuerySet[Payment]:
    """Annotate a receipt's allocated and refunded sums and what is left of it (customer credit; 0 for
    a refund): its running figures (allocated_to_date, refunded_to_date, unallocated_to_date: stored,
    the last indexed, kept by the services), so that the list sorts and the credit is found without
    a sum per receipt."""
    return queryset.annotate(
        allocated=F("allocated_to_date"), refunded=F("refunded_to_date"), unallocated=F("unallocated_to_date")
    )


def payment_figures_sources() -> tuple[Coalesce, Coalesce]:
    """What a payment's running figures come from, as expressions over the outer payment (OuterRef
    "pk"): the sum of its allocations and the sum of the refunds paid out of it. The services write
    them (payments_figures_refresh); the drift check compares them."""
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
    return (
        Coalesce(Subquery(allocated, output_field=MoneyField()), Value(0), output_field=MoneyField()),
        Coalesce(Subquery(refunded, output_field=MoneyField()), Value(0), output_field=MoneyField()),
    )


def payments_figures_drift() -> QuerySet[Payment]:
    """The payments whose running figures (allocated_to_date, refunded_to_date) differ from the sums
    of their allocations and refunds: what the services keep in step, checked against the source.
    Annotated with `allocated` and `refunded` (the sources)."""
    allocated, refunded = payment_figures_sources()
    return (
        Payment.objects.annotate(allocated=allocated, refunded=refunded)
        .filter(~Q(allocated_to_date=F("allocated")) | ~Q(refunded_to_date=F("refunded")))
        .order_by("pk")
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


STATEMENT_RECENT = 50  # statement lines the notebook shows at least (the whole day of the oldest)
OPEN_ROWS_SHOWN = 100  # open items the notebook lists; the rest are a link away (the sales list)


def customer_statement(*, customer: Customer, as_of: datetime.date, recent: int | None = None) -> dict:
    """The customer's statement of account as of D with its running balance: every sale, receipt and
    refund, or with `recent`, those from the local day of the recent-th latest entry on (that day
    whole) after an opening balance summed in the database. {lines, opening_balance, statement_since
    (None when the statement is whole), earlier_sales, earlier_payments}. A fixed number of queries."""
    sales = Sale.objects.filter(local_days("occurred_at", last=as_of), customer=customer, is_void=False)
    payments = Payment.objects.filter(local_days("received_at", last=as_of), customer=customer)
    since = None
    if recent is not None:
        latest = sorted(
            [
                *sales.order_by("-occurred_at", "-pk").values_list("occurred_at", flat=True)[:recent],
                *payments.order_by("-received_at", "-pk").values_list("received_at", flat=True)[:recent],
            ],
            reverse=True,
        )[:recent]
        # the oldest of them (the whole history when it is shorter): the same queries either way
        since = calculations.local_date(latest[-1]) if latest else as_of
    opening, earlier_sales, earlier_payments = ZERO, 0, 0
    if since is not None:
        day_before = since - datetime.timedelta(days=1)
        sold = sales.filter(local_days("occurred_at", last=day_before)).aggregate(
            total=money_sum("amount"), n=Count("pk")
        )
        paid = payments.filter(local_days("received_at", last=day_before)).aggregate(
            receipts=money_sum(
                Case(When(kind=PaymentKind.RECEIPT, then=F("amount")), default=Value(0), output_field=MoneyField())
            ),
            refunds=money_sum(
                Case(When(kind=PaymentKind.REFUND, then=F("amount")), default=Value(0), output_field=MoneyField())
            ),
            n=Count("pk"),
        )
        opening = sold["total"] - paid["receipts"] + paid["refunds"]
        earlier_sales, earlier_payments = sold["n"], paid["n"]
        sales = sales.filter(local_days("occurred_at", since))
        payments = payments.filter(local_days("received_at", since))
    entries = []
    for sale in sales:
        occurred = calculations.local_date(sale.occurred_at)
        entries.append((occurred, 0, "sale", f"#{sale.pk}", sale.product, sale.amount, ZERO, sale.pk))
    for payment in payments.select_related("method"):
        day = calculations.local_date(payment.received_at)
        if payment.kind == PaymentKind.REFUND:
            entries.append((day, 1, "refund", payment.reference, str(payment.method), payment.amount, ZERO, payment.pk))
        else:
            entries.append(
                (day, 1, "receipt", payment.reference, str(payment.method), ZERO, payment.amount, payment.pk)
            )
    return {
        "lines": calculations.statement(entries, opening_balance=opening),
        "opening_balance": opening,
        "statement_since": since if earlier_sales or earlier_payments else None,
        "earlier_sales": earlier_sales,
        "earlier_payments": earlier_payments,
    }


def customer_ledger(*, customer: Customer, as_of: datetime.date) -> dict:
    """Everything the notebook's ledger section shows, as of D: the recent statement with running
    balance and the open items (the customer's own rows, bounded: a customer with thousands of sales
    shows its recent activity, the rest is in the lists and the .xlsx statement), and the figures —
    aging, open total, overdue, DSO, late share, days to pay — from receivable_figures, the one source
    every page reads them from. A fixed number of queries whatever the history."""
    sales = Sale.objects.filter(local_days("occurred_at", last=as_of), customer=customer, is_void=False)
    open_sales = sales_with_open_amounts(sales, as_of).filter(open_amount__gt=0).order_by("due_date", "pk")
    open_count = open_sales.count()
    open_rows = [
        {
            "sale": sale,
            "paid": sale.paid,
            "open_amount": sale.open_amount,
            "days_past_due": calculations.days_past_due(sale.due_date, as_of),
            "bucket": calculations.aging_bucket(sale.due_date, as_of),
            "status": calculations.sale_status(amount=sale.amount, paid=sale.paid, due_date=sale.due_date, as_of=as_of),
        }
        for sale in open_sales[:OPEN_ROWS_SHOWN]
    ]

    statement = customer_statement(customer=customer, as_of=as_of, recent=STATEMENT_RECENT)
    lines, opening = statement["lines"], statement["opening_balance"]
    figures = receivable_figures(customer_ids=[customer.pk], as_of=as_of)[customer.pk]
    buckets = figures.buckets()
    balance = lines[-1].balance if lines else opening
    return {
        **statement,
        "open_rows": open_rows,
        "open_count": open_count,
        "figures": figures,
        "aging": [(bucket, bucket.label, buckets[bucket]) for bucket in AgingBucket],
        "open_total": figures.open_total,
        "overdue_total": figures.overdue,
        "balance": balance,
        "credit": figures.open_total - balance,
        "dso": figures.dso,
        "late_share": figures.late_share,
        "days_to_pay": figures.days_to_pay,
        "days_late": figures.days_late,
    }


# --- the receivables aging report ---------------------------------------------------------------


def receivables_aging(*, user, as_of: datetime.date, customers=None) -> "AgingRows":
    """One row per customer with money open at D, bucket columns: one grouped query, sorted and
    paginated in the database (AgingRows). `user=None` is the system (scoring jobs): every customer;
    `customers` (a Customer queryset or ids) narrows it.

    The sales that can be open at D are those open now (the stored open_to_date, through the partial
    index sale_open_due) and those paid since D (an allocation applied after D, through the index on
    applied_on); any other sale was paid in full by D. As of today their open amounts are the stored
    ones; as of a past date each candidate's is what is open now plus what was applied to it after D
    (= its amount less its allocations applied by D, as paid_to_date is the sum of its allocations:
    the drift check's invariant), one grouped join of those later allocations — not a subquery per
    sale, and work in proportion to what is open and what was paid since D, not to the ledger."""
    sales = Sale.objects.filter(local_days("occurred_at", last=as_of), is_void=False)
    if user is not None:
        sales = scope_queryset(sales, user, "customer__")
    if customers is not None:
        sales = sales.filter(customer__in=customers)
    columns = {"sale_customer": F("customer_id"), "sale_due": F("due_date"), "sale_occurred": F("occurred_at")}
    if as_of >= timezone.localdate():  # no allocation is applied after today
        per_sale = sales.filter(open_to_date__gt=0).values(**columns, sale_open=F("open_to_date"))
    else:
        paid_since = Allocation.objects.filter(applied_on__gt=as_of).values("sale_id")
        candidates = Sale.objects.filter(open_to_date__gt=0).order_by().values("pk").union(paid_since)
        per_sale = (
            sales.filter(pk__in=candidates)
            .annotate(paid_since=FilteredRelation("allocations", condition=Q(allocations__applied_on__gt=as_of)))
            .values(sale_pk=F("pk"), **columns)
            .annotate(
                sale_open=ExpressionWrapper(
                    F("open_to_date") + Coalesce(Sum("paid_since__amount"), Value(0), output_field=MoneyField()),
                    output_field=MoneyField(),
                )
            )
        )
    return AgingRows(per_sale.order_by(), as_of)


AGING_MONEY = ("customer__credit_limit", "open_total", *AgingBucket.values)


class AgingRows(SqlRows):
    """The aging report's rows (custnotes.rows) over one grouped query: the candidate sales' open
    amounts at D (an ORM queryset, per sale) grouped by customer and joined to the customer and
    team. totals() is one more aggregate over the same grouping."""

    COLUMNS = {  # what the aging rows sort by: their columns
        name: name
        for name in (
            "customer_id",
            "customer__name",
            "customer__team__name",
            "customer__credit_limit",
            "open_total",
            "oldest_open",
            *AgingBucket.values,
        )
    }
    DEFAULT_ORDER = ("-open_total", "customer__name")
    TIEBREAK = ("customer_id",)  # the customer last: a stable order across pages

    def __init__(self, per_sale: QuerySet, as_of: datetime.date):
        super().__init__()
        self.per_sale = per_sale
        self.using = per_sale.db
        self.as_of = as_of

    # --- the SQL -----------------------------------------------------------------------------------

    def _per_customer(self) -> tuple[str, str, list]:
        """(the buckets' SELECT list, the candidate sales' FROM … WHERE, params): what the rows
        group by customer and the totals sum."""
        connection = connections[self.using]
        inner, params = self.per_sale.query.sql_with_params()
        cut = calculations.aging_cutoffs(self.as_of)
        as_of, d30, d60, d90 = (
            connection.ops.adapt_datefield_value(d) for d in (self.as_of, cut["d30"], cut["d60"], cut["d90"])
        )

        def bucket(condition: str) -> str:
            return f"SUM(CASE WHEN {condition} THEN s.sale_open ELSE 0 END)"

        # the names and the bucket limits are this module's own; every value is a parameter
        figures = (
            "SUM(s.sale_open) AS open_total, MIN(s.sale_occurred) AS oldest_open,"
            f" {bucket('s.sale_due >= %s')} AS not_due,"
            f" {bucket('s.sale_due < %s AND s.sale_due >= %s')} AS d1_30,"
            f" {bucket('s.sale_due < %s AND s.sale_due >= %s')} AS d31_60,"
            f" {bucket('s.sale_due < %s AND s.sale_due >= %s')} AS d61_90,"
            f" {bucket('s.sale_due < %s')} AS over_90"
        )
        source = f"FROM ({inner}) s WHERE s.sale_open > 0"
        # in the order of the placeholders: the buckets', then the inner query's
        return figures, source, [as_of, as_of, d30, d30, d60, d60, d90, d90, *params]

    def _grouped(self) -> tuple[str, list]:
        """One row per customer: the candidate sales grouped by customer first, then joined to the
        customer and its team (a few thousand rows joined, not every open sale)."""
        quote = connections[self.using].ops.quote_name
        figures, source, params = self._per_customer()
        customer, team = quote(Customer._meta.db_table), quote(Team._meta.db_table)
        sql = (
            "SELECT g.customer_id, c.name AS customer__name, t.name AS customer__team__name,"  # noqa: S608
            " c.credit_limit AS customer__credit_limit, g.open_total, g.oldest_open,"
            f" {', '.join(f'g.{bucket}' for bucket in AgingBucket.values)}"
            f" FROM (SELECT s.sale_customer AS customer_id, {figures} {source} GROUP BY s.sale_customer) g"
            f" INNER JOIN {customer} c ON c.id = g.customer_id LEFT OUTER JOIN {team} t ON t.id = c.team_id"
        )
        return sql, params

    def _rows(self, start, stop, chunked):
        grouped, params = self._grouped()
        sql = f"SELECT * FROM ({grouped}) g ORDER BY {self.order_sql()}"  # noqa: S608 - names from COLUMNS
        for row in self.fetch(self.page_sql(sql, start, stop), params, chunked):
            for key in AGING_MONEY:
                row[key] = from_fen(row[key])
            row["oldest_open"] = _moment(row["oldest_open"])
            yield row

    def _count_rows(self) -> int:
        grouped, params = self._grouped()
        return self.fetch_one(f"SELECT COUNT(*) FROM ({grouped}) g", params)[0]  # noqa: S608

    def totals(self) -> dict[str, Decimal]:
        """The sums of every row's figures (not only the page's), to the fen, and the number of rows:
        one aggregate query."""
        figures, source, params = self._per_customer()  # summed over the sales: no grouping, no join
        row = self.fetch_one(f"SELECT COUNT(DISTINCT s.sale_customer), {figures} {source}", params)
        self._count = row[0]
        values = dict(zip(("open_total", "oldest_open", *AgingBucket.values), row[1:], strict=True))
        return {key: from_fen(values[key]) for key in AGING_FIGURES}


def _moment(value):
    """A timestamp from the raw cursor: aware (SQLite gives the UTC text Django stored)."""
    if value is None or (isinstance(value, datetime.datetime) and timezone.is_aware(value)):
        return value
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value


@dataclass(frozen=True)
class Receivables:
    """A customer's receivables figures as of D, each computed once (receivable_figures) for every page,
    export, alert and verdict that shows it."""

    open_total: Decimal = ZERO
    not_due: Decimal = ZERO
    d1_30: Decimal = ZERO
    d31_60: Decimal = ZERO
    d61_90: Decimal = ZERO
    over_90: Decimal = ZERO
    credit_sales_90: Decimal = ZERO
    dso: Decimal | None = None  # countback method; None: too little history
    late_share: Decimal | None = None  # share of the T12M invoices paid late; None: no T12M invoice
    days_to_pay: Decimal | None = None  # amount-weighted, invoices paid in T12M
    days_late: Decimal | None = None

    @property
    def overdue(self) -> Decimal:
        return self.open_total - self.not_due

    def buckets(self) -> dict[AgingBucket, Decimal]:
        return {bucket: getattr(self, bucket.value) for bucket in AgingBucket}


@per_request
def receivable_figures(*, customer_ids, as_of: datetime.date) -> dict[int, Receivables]:
    """Every customer's receivables figures as of D: the aging (one grouped query), the T12M payment
    history (late share, days to pay and late) and the countback DSO, in five queries whatever the
    number of customers. Customers with no sales at all get the empty figures. Once per page: the
    notebook's header and its ledger section ask the same (custnotes.memo)."""
    ids = list(customer_ids)
    aging = {row["customer_id"]: row for row in receivables_aging(user=None, as_of=as_of, customers=ids).fetch_all()}
    history = _payment_history(customer_ids=ids, as_of=as_of)
    first_sales = _first_sales(ids, as_of)
    dso = _countback_dso(aging=aging, as_of=as_of, first_sales=first_sales)
    result = {}
    for customer_id in ids:
        row = aging.get(customer_id, {})
        past = history.get(customer_id, {})
        timing = past.get("timing") or calculations.PaymentTiming(None, None, 0)
        result[customer_id] = Receivables(
            **{key: row.get(key, ZERO) for key in AGING_FIGURES},
            credit_sales_90=past.get("credit_sales_90", ZERO),
            # nothing open: 0 days, if the customer has history enough to say
            dso=dso[customer_id]
            if customer_id in dso
            else calculations.dso_countback(ZERO, {}, as_of, first_sales.get(customer_id)),
            late_share=past.get("late_share"),
            days_to_pay=timing.days_to_pay,
            days_late=timing.days_late,
        )
    return result


def _first_sales(ids, as_of) -> dict[int, datetime.date]:
    rows = (
        Sale.objects.filter(local_days("occurred_at", last=as_of), customer_id__in=ids, is_void=False)
        .values("customer_id")
        .annotate(first=Min("occurred_at"))
        .order_by()
        .values_list("customer_id", "first")
    )
    return {customer_id: calculations.local_date(first) for customer_id, first in rows}


def _countback_dso(*, aging: dict, as_of: datetime.date, first_sales: dict) -> dict[int, Decimal | None]:
    """The countback DSO of the customers with money open, from their sales by month back to each
    one's oldest open sale's month (the walk always ends there: those months' sales hold what is
    open) — each customer's own months, read on the (customer, occurred_at) index, not every
    customer's back to the oldest month of any."""
    owing = [cid for cid, row in aging.items() if row["open_total"] > 0]
    if not owing:
        return {}
    since: dict[datetime.date, list[int]] = {}
    for cid in owing:
        since.setdefault(calculations.local_date(aging[cid]["oldest_open"]).replace(day=1), []).append(cid)
    months = Q()
    for first, ids in since.items():
        months |= Q(local_days("occurred_at", first, as_of), customer_id__in=ids)
    monthly: dict[int, dict[datetime.date, Decimal]] = {}
    for row in (
        Sale.objects.filter(months, is_void=False)
        .annotate(month=TruncMonth("occurred_at", output_field=DateField()))  # a local date: no datetime per row
        .values("customer_id", "month")
        .annotate(total=money_sum("amount"))
        .order_by()
        .values_list("customer_id", "month", "total")
    ):
        customer_id, month, total = row
        monthly.setdefault(customer_id, {})[month] = total
    return {
        cid: calculations.dso_countback(aging[cid]["open_total"], monthly.get(cid, {}), as_of, first_sales.get(cid))
        for cid in owing
    }


def _payment_history(*, customer_ids, as_of: datetime.date) -> dict[int, dict]:
    """Per customer: T12M late share, credit sales of the DSO window and the payment timing of the
    invoices paid in T12M (calculations.late_share and payment_timing, worked out set-based): one
    grouped statement over the candidate sales, each with the day it became fully paid (the first
    day by which its allocations up to D reach its amount, as calculations.paid_on)."""
    ids = list(customer_ids)
    if not ids:
        return {}
    t12m_start = calculations.window_start(as_of, calculations.T12M_DAYS)
    dso_start = calculations.window_start(as_of, calculations.DSO_DAYS)
    # the sales of T12M, and the older ones money was applied to in T12M. A scalar subquery, on
    # purpose: PostgreSQL turns an EXISTS (or an OR with the first) into a hash of every allocation
    # of the year, 1.2 million of them at 2 million sales, for one customer's notebook.
    sales = Sale.objects.filter(customer_id__in=ids, is_void=False).annotate(occurred_on=TruncDate("occurred_at"))
    fields = ("pk", "customer_id", "occurred_on", "due_date", "amount")
    paid_in_window = Allocation.objects.filter(sale=OuterRef("pk"), applied_on__gte=t12m_start, applied_on__lte=as_of)
    recent = sales.filter(local_days("occurred_at", t12m_start, as_of)).order_by().values_list(*fields)
    older = (
        sales.filter(local_days("occurred_at", last=t12m_start - datetime.timedelta(days=1)))
        .annotate(paid_in_window=Subquery(paid_in_window.values("applied_on")[:1]))
        .filter(paid_in_window__isnull=False)
        .order_by()
        .values_list(*fields)
    )
    candidates, params = recent.union(older, all=True).query.sql_with_params()
    connection = connections[sales.db]
    quote = connection.ops.quote_name
    day = connection.ops.adapt_datefield_value
    t12m, dso, until = day(t12m_start), day(dso_start), day(as_of)

    def days(later: str, earlier: str) -> str:
        """Whole days from `earlier` to `later`, 0 if before."""
        if connection.vendor == "sqlite":
            between = f"CAST(ROUND(julianday({later}) - julianday({earlier})) AS INTEGER)"
        else:
            between = f"({later} - {earlier})"
        return f"CASE WHEN {between} > 0 THEN {between} ELSE 0 END"

    paid = "p.amount > 0 AND p.paid_on IS NOT NULL AND p.paid_on >= %s"
    late = "((p.paid_on IS NOT NULL AND p.paid_on > p.due_date) OR (p.paid_on IS NULL AND p.due_date < %s))"
    allocation = quote(Allocation._meta.db_table)
    # the day each candidate became fully paid: its first allocation date (up to D) by which the
    # allocations of that date and before cover the amount — two probes of allocation_sale_applied
    # per allocation of the sale, never a scan of the allocations
    paid_on = (
        f"SELECT MIN(a.applied_on) FROM {allocation} a WHERE a.sale_id = c.id AND a.applied_on <= %s"  # noqa: S608 - our names
        f" AND (SELECT SUM(b.amount) FROM {allocation} b WHERE b.sale_id = c.id AND b.applied_on <= a.applied_on)"
        " >= c.amount"
    )
    sql = (
        f"WITH c (id, customer_id, occurred_on, due_date, amount) AS ({candidates}), "  # noqa: S608 - our names; every value a parameter
        # materialised: each sale's paid day worked out once, not once for each of the sums below
        f"p AS MATERIALIZED (SELECT c.*, ({paid_on}) AS paid_on FROM c) "
        "SELECT p.customer_id,"
        " SUM(CASE WHEN p.amount > 0 AND p.occurred_on >= %s THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN p.amount > 0 AND p.occurred_on >= %s AND {late} THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN p.occurred_on >= %s THEN p.amount ELSE 0 END),"
        f" SUM(CASE WHEN {paid} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {paid} THEN p.amount ELSE 0 END),"
        f" SUM(CASE WHEN {paid} THEN p.amount * {days('p.paid_on', 'p.occurred_on')} ELSE 0 END),"
        f" SUM(CASE WHEN {paid} THEN p.amount * {days('p.paid_on', 'p.due_date')} ELSE 0 END)"
        " FROM p GROUP BY p.customer_id"
    )
    params = [*params, until, t12m, t12m, until, dso, t12m, t12m, t12m, t12m]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        customer_id: {
            "late_share": calculations.late_share_of(late=int(late_count), invoices=int(invoices)),
            "credit_sales_90": from_fen(credit_sales),
            "timing": calculations.timing_of(count=int(paid_count), weight=weight, to_pay=to_pay, late=late_days),
        }
        for customer_id, invoices, late_count, credit_sales, paid_count, weight, to_pay, late_days in rows
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


def aging_report(*, user, as_of: datetime.date, customers=None) -> tuple["AgingRows", dict]:
    """The aging report's rows (lazy: sorted and paginated in the database) and its totals, which are
    the sums of all the rows to the fen (one aggregate query)."""
    rows = receivables_aging(user=user, as_of=as_of, customers=customers)
    return rows, rows.totals()
