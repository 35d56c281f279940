"""The ledger's formulas (DESIGN.md "Transactions" and "Definitions"), pure: plain values in, plain
values out, no database. Every figure takes an as-of date D.

Windows: T12M is the 365 days ending on D; the DSO window is the 90 days ending on D; both include D.
"""

import calendar
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from custnotes.money import ZERO, round_money
from customers.choices import TYPE_ORDER

from .choices import AgingBucket, SaleStatus

T12M_DAYS = 365
DSO_DAYS = 90


def local_date(moment: datetime.datetime) -> datetime.date:
    """The calendar day of a moment in the deployment's time zone (naive moments are taken as local)."""
    from django.utils import timezone

    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def window_start(as_of: datetime.date, days: int) -> datetime.date:
    """First day of the `days`-day window ending on (and including) as_of."""
    return as_of - datetime.timedelta(days=days - 1)


def month_starts(as_of: datetime.date, months: int) -> list[datetime.date]:
    """The first days of the `months` calendar months ending with as_of's month, oldest first."""
    starts = []
    year, month = as_of.year, as_of.month
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return starts[::-1]


def month_end(start: datetime.date) -> datetime.date:
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


# --- fees and settlement ------------------------------------------------------------------------


def payment_fee(amount: Decimal, fee_rate: Decimal, fixed_fee: Decimal) -> Decimal:
    """fee = round_half_up(amount × fee rate + fixed fee, 0.01)."""
    return round_money(amount * fee_rate + fixed_fee)


def settlement_date(received_on: datetime.date, settlement_days: int) -> datetime.date:
    return received_on + datetime.timedelta(days=settlement_days)


def default_due_date(occurred_on: datetime.date, payment_terms_days: int) -> datetime.date:
    return occurred_on + datetime.timedelta(days=payment_terms_days)


# --- allocation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenItem:
    """A sale with money still owed on it."""

    sale_id: int
    due_date: datetime.date
    occurred_on: datetime.date
    open_amount: Decimal


def allocate_oldest_first(amount: Decimal, items: Iterable[OpenItem]) -> tuple[dict[int, Decimal], Decimal]:
    """Apply `amount` to the open items, oldest due date first (then oldest sale, then lowest id).

    Returns ({sale_id: allocated}, remainder); the remainder is the customer's credit.
    """
    remaining = round_money(amount)
    allocations: dict[int, Decimal] = {}
    for item in sorted(items, key=lambda i: (i.due_date, i.occurred_on, i.sale_id)):
        if remaining <= ZERO:
            break
        if item.open_amount <= ZERO:
            continue
        applied = min(remaining, item.open_amount)
        allocations[item.sale_id] = applied
        remaining -= applied
    return allocations, remaining


class AllocationError(ValueError):
    """A hand-made allocation that cannot be applied; `problems` lists (sale_id or None, code)."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        super().__init__(problems)
        self.problems = problems


def check_manual_allocation(amount: Decimal, items: Iterable[OpenItem], requested: Mapping[int, Decimal]) -> Decimal:
    """Validate a hand-made allocation; return the remainder (customer credit).

    Each requested amount must be positive, on an open sale of the customer, and at most its open
    amount; together they must not exceed the payment.
    """
    open_by_id = {item.sale_id: item.open_amount for item in items}
    problems: list[tuple[int | None, str]] = []
    total = ZERO
    for sale_id, value in requested.items():
        if value <= ZERO:
            problems.append((sale_id, "not_positive"))
        elif sale_id not in open_by_id:
            problems.append((sale_id, "not_open"))
        elif value > open_by_id[sale_id]:
            problems.append((sale_id, "exceeds_open"))
        total += value
    if total > amount:
        problems.append((None, "exceeds_payment"))
    if problems:
        raise AllocationError(problems)
    return amount - total


# --- status and aging ---------------------------------------------------------------------------


def sale_status(
    *, amount: Decimal, paid: Decimal, due_date: datetime.date, as_of: datetime.date, is_void: bool = False
) -> SaleStatus:
    """Void; paid when nothing is open; overdue when money is open after the due date; partly paid
    when some is paid; else open."""
    if is_void:
        return SaleStatus.VOID
    if paid >= amount:
        return SaleStatus.PAID
    if due_date < as_of:
        return SaleStatus.OVERDUE
    if paid > ZERO:
        return SaleStatus.PARTLY_PAID
    return SaleStatus.OPEN


def days_past_due(due_date: datetime.date, as_of: datetime.date) -> int:
    return (as_of - due_date).days


def aging_bucket(due_date: datetime.date, as_of: datetime.date) -> AgingBucket:
    days = days_past_due(due_date, as_of)
    if days <= 0:
        return AgingBucket.NOT_DUE
    if days <= 30:
        return AgingBucket.D1_30
    if days <= 60:
        return AgingBucket.D31_60
    if days <= 90:
        return AgingBucket.D61_90
    return AgingBucket.OVER_90


def aging(items: Iterable[tuple[datetime.date, Decimal]], as_of: datetime.date) -> dict[AgingBucket, Decimal]:
    """Open amounts by bucket; items are (due date, open amount). Every bucket is present."""
    buckets = dict.fromkeys(AgingBucket, ZERO)
    for due_date, open_amount in items:
        if open_amount > ZERO:
            buckets[aging_bucket(due_date, as_of)] += open_amount
    return buckets


def aging_cutoffs(as_of: datetime.date) -> dict[str, datetime.date]:
    """Due-date limits of the buckets, for aggregate queries that bucket in the database:
    not due: due >= as_of; 1–30: due >= d30; 31–60: due >= d60; 61–90: due >= d90; else over 90."""
    return {
        "d30": as_of - datetime.timedelta(days=30),
        "d60": as_of - datetime.timedelta(days=60),
        "d90": as_of - datetime.timedelta(days=90),
    }


# --- DSO and late payment -----------------------------------------------------------------------


def dso(open_receivables: Decimal, credit_sales: Decimal, days: int = DSO_DAYS) -> Decimal | None:
    """Days sales outstanding = open receivables at D / credit sales in the `days` days to D × days,
    to 0.1 day; None when there were no credit sales in the window (not computable)."""
    if credit_sales <= ZERO:
        return None
    # Multiply before dividing: 1300 × 90 / 12000 is exactly 9.75 (→ 9.8); the other order gives 9.7499…
    return (open_receivables * days / credit_sales).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# A customer whose first sale is fewer days before D than this has too little history for a DSO.
COUNTBACK_MIN_DAYS = 30


def countback_periods(as_of: datetime.date, earliest: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The countback's periods, newest first: D's month up to D, then each calendar month before it,
    back to the month holding `earliest`."""
    periods = []
    end = as_of
    while end >= earliest:
        start = end.replace(day=1)
        periods.append((start, end))
        end = start - datetime.timedelta(days=1)
    return periods


def dso_countback(
    open_receivables: Decimal,
    monthly_sales: Mapping[datetime.date, Decimal],
    as_of: datetime.date,
    first_sale: datetime.date | None,
) -> Decimal | None:
    """A customer's DSO by the countback (exhaustion) method, to 0.1 day: walk back from D month by
    month (D's month up to D first), subtracting each month's credit sales from the open receivables
    and adding the month's days, the last month pro rata. monthly_sales: {first day of the month:
    sales}. None ("—") when the customer is too new (first sale fewer than COUNTBACK_MIN_DAYS days
    before D) or its sales do not cover what is open."""
    if first_sale is None or (as_of - first_sale).days < COUNTBACK_MIN_DAYS:
        return None
    remaining = open_receivables
    if remaining <= ZERO:
        return Decimal("0.0")
    days = Decimal(0)
    for start, end in countback_periods(as_of, first_sale):
        length = Decimal((end - start).days + 1)
        sales = monthly_sales.get(start, ZERO)
        if remaining > sales:
            remaining -= sales
            days += length
            continue
        # The last month pro rata; multiply before dividing, as dso() does.
        days += length * remaining / sales
        return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return None


@dataclass(frozen=True)
class PaymentTiming:
    """Amount-weighted average days from sale to full payment and days past the due date (0 when
    on time), over the invoices fully paid in T12M; None when none was."""

    days_to_pay: Decimal | None
    days_late: Decimal | None
    invoices: int


def payment_timing(paid: Iterable[tuple[Decimal, "InvoiceHistory"]], as_of: datetime.date) -> PaymentTiming:
    """paid: (amount, invoice) pairs; the invoices fully paid within the T12M window count."""
    start = window_start(as_of, T12M_DAYS)
    weight = to_pay = late = Decimal(0)
    count = 0
    for amount, invoice in paid:
        if invoice.paid_on is None or not start <= invoice.paid_on <= as_of or amount <= ZERO:
            continue
        count += 1
        weight += amount
        to_pay += amount * max((invoice.paid_on - invoice.occurred_on).days, 0)
        late += amount * max((invoice.paid_on - invoice.due_date).days, 0)
    return timing_of(count=count, weight=weight, to_pay=to_pay, late=late)


def timing_of(*, count: int, weight, to_pay, late) -> PaymentTiming:
    """The timing from its sums over the invoices paid in T12M: Σ amount, Σ amount × days to pay and
    Σ amount × days late (in any one unit of money: yuan here, fen from the database's sums)."""
    if not count:
        return PaymentTiming(None, None, 0)
    tenth = Decimal("0.1")
    weight = Decimal(weight)
    return PaymentTiming(
        (Decimal(to_pay) / weight).quantize(tenth, rounding=ROUND_HALF_UP),
        (Decimal(late) / weight).quantize(tenth, rounding=ROUND_HALF_UP),
        count,
    )


@dataclass(frozen=True)
class InvoiceHistory:
    """One non-void invoice: when it was due, and when it was fully paid (None if not by D)."""

    occurred_on: datetime.date
    due_date: datetime.date
    paid_on: datetime.date | None


def is_paid_late(invoice: InvoiceHistory, as_of: datetime.date) -> bool:
    """Paid after its due date, or still unpaid after its due date."""
    if invoice.paid_on is not None:
        return invoice.paid_on > invoice.due_date
    return invoice.due_date < as_of


# Fewer T12M invoices than this say too little about how a customer pays: one invoice paid a day
# late is not "100 % paid late, stop credit". The late share is then "—" (None) and the credit rule
# does not count it; the aging still counts every open amount.
LATE_SHARE_MIN_INVOICES = 3


def late_share(invoices: Iterable[InvoiceHistory], as_of: datetime.date) -> Decimal | None:
    """Share (0..1, four places) of the T12M invoices paid late; None with fewer than
    LATE_SHARE_MIN_INVOICES of them (too few to say)."""
    start = window_start(as_of, T12M_DAYS)
    in_window = [i for i in invoices if start <= i.occurred_on <= as_of]
    return late_share_of(late=sum(1 for i in in_window if is_paid_late(i, as_of)), invoices=len(in_window))


def late_share_of(*, late: int, invoices: int) -> Decimal | None:
    """`late` of `invoices` T12M invoices as a share; None with too few invoices to say."""
    if invoices < LATE_SHARE_MIN_INVOICES:
        return None
    return (Decimal(late) / Decimal(invoices)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def invoice_history(
    occurred_on: datetime.date, due_date: datetime.date, amount: Decimal, allocations
) -> InvoiceHistory | None:
    """A sale as the late share sees it; None for a ¥0.00 sale (a free sample), which asked nothing
    to be paid and so is neither paid on time nor late."""
    if amount <= ZERO:
        return None
    return InvoiceHistory(occurred_on, due_date, paid_on(amount, allocations))


def paid_on(amount: Decimal, allocations: Iterable[tuple[datetime.date, Decimal]]) -> datetime.date | None:
    """The day an invoice became fully paid: when its allocations, in date order, reach its amount."""
    total = ZERO
    for applied_on, value in sorted(allocations):
        total += value
        if total >= amount:
            return applied_on
    return None


# --- statement of account -----------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    date: datetime.date
    kind: str  # "sale" | "receipt" | "refund"
    reference: str
    description: str
    debit: Decimal  # what the customer owes more: sales, refunds paid out
    credit: Decimal  # what the customer paid
    balance: Decimal  # running: positive = the customer owes, negative = the customer has credit
    record_id: int


def statement(entries: Iterable[tuple], opening_balance: Decimal = ZERO) -> list[StatementLine]:
    """Running balance over entries (date, order, kind, reference, description, debit, credit, id),
    sorted by date then order (sales before payments on the same day)."""
    lines = []
    balance = opening_balance
    for date, _order, kind, reference, description, debit, credit, record_id in sorted(
        entries, key=lambda e: (e[0], e[1], e[7])
    ):
        balance += debit - credit
        lines.append(StatementLine(date, kind, reference, description, debit, credit, balance, record_id))
    return lines


# --- customer type ------------------------------------------------------------------------------


def customer_type_for(current: str, sale_dates: Iterable[datetime.date], as_of: datetime.date) -> str:
    """The type the rule gives (DESIGN.md): a prospect becomes new at its first sale; new becomes
    existing after its second sale in a different month, or 12 months after the first sale.
    The rule only moves a customer forward; a type set higher by hand is kept."""
    dates = sorted(d for d in sale_dates if d <= as_of)
    if not dates:
        ruled = "prospect"
    else:
        first = dates[0]
        months = {(d.year, d.month) for d in dates}
        anniversary = _add_months(first, 12)
        ruled = "existing" if len(months) >= 2 or as_of >= anniversary else "new"
    return ruled if TYPE_ORDER[ruled] > TYPE_ORDER.get(current, 0) else current


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    import calendar

    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
