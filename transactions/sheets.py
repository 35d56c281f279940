"""The ledger's part of the workbook: summary columns (T12M purchases, receivables, aging, DSO) and
the sales and payments sheets."""

from django.db.models import Count
from django.utils.translation import gettext as _
from openpyxl import Workbook

from custnotes.dates import local_days
from custnotes.excel import SheetWriter, new_workbook
from custnotes.identity import exported_id
from custnotes.money import ZERO
from custnotes.registry import SheetSpec, SummaryColumn, SummaryProvider
from custnotes.workbook import batch_range
from customers.models import Customer

from . import calculations, selectors
from .choices import PaymentKind
from .models import Allocation, Payment, Sale

COLUMNS = (
    SummaryColumn(key="t12m_purchases", header_zh="近12个月购买次数", header_en="T12M purchases", order=21, kind="int"),
    SummaryColumn(key="open_total", header_zh="应收余额", header_en="Open receivables", order=30, kind="money"),
    SummaryColumn(key="not_due", header_zh="未到期", header_en="Not yet due", order=31, kind="money"),
    SummaryColumn(key="d1_30", header_zh="逾期1-30天", header_en="1-30 days", order=32, kind="money"),
    SummaryColumn(key="d31_60", header_zh="逾期31-60天", header_en="31-60 days", order=33, kind="money"),
    SummaryColumn(key="d61_90", header_zh="逾期61-90天", header_en="61-90 days", order=34, kind="money"),
    SummaryColumn(key="over_90", header_zh="逾期90天以上", header_en="Over 90 days", order=35, kind="money"),
    SummaryColumn(key="dso", header_zh="应收账款周转天数", header_en="DSO", order=36, kind="days"),
    SummaryColumn(
        key="late_share", header_zh="近12个月逾期付款比例", header_en="Paid late (T12M)", order=38, kind="ratio"
    ),
    SummaryColumn(key="days_to_pay", header_zh="平均付款天数", header_en="Average days to pay", order=39, kind="days"),
    SummaryColumn(key="days_late", header_zh="平均逾期天数", header_en="Average days late", order=40, kind="days"),
    SummaryColumn(key="overdue", header_zh="逾期金额", header_en="Overdue", order=37, kind="money", export=False),
)


def summary(*, customers, as_of):
    ids = [c.pk for c in customers]
    start = calculations.window_start(as_of, calculations.T12M_DAYS)
    counts = dict(
        Sale.objects.filter(
            local_days("occurred_at", start, as_of), batch_range(ids), customer_id__in=ids, is_void=False
        )
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("customer_id", "n")
    )
    result = {}
    for customer_id, figures in selectors.receivable_figures(customer_ids=ids, as_of=as_of).items():
        values = {key: getattr(figures, key) for key in FIGURES}
        values["t12m_purchases"] = counts.get(customer_id, 0)
        values["overdue"] = figures.overdue
        result[customer_id] = values
    return result


# The summary's receivables columns, named as selectors.Receivables names them.
FIGURES = (*selectors.AGING_FIGURES, "dso", "late_share", "days_to_pay", "days_late")


SALES_HEADERS = (
    "销售编号 / Sale ID",
    "客户编号 / Customer ID",
    "日期 / Date",
    "产品或服务 / Product or service",
    "金额 / Amount",
    "销售成本 / Cost of goods",
    "到期日 / Due date",
    "作废 / Void",
)


def customer_ids(customers) -> dict[int, str]:
    """{pk: the customer's ID in the workbook}."""
    return {c.pk: exported_id(c.external_id, c.pk) for c in customers}


def sales_rows(*, customers, as_of):
    names = customer_ids(customers)
    sales = (
        Sale.objects.filter(local_days("occurred_at", last=as_of), batch_range(names), customer_id__in=names)
        .order_by("occurred_at", "pk")
        .values_list(
            "pk",
            "external_id",
            "customer_id",
            "occurred_at",
            "product",
            "amount",
            "cost_of_goods",
            "due_date",
            "is_void",
        )
    )
    for pk, external_id, customer_id, occurred_at, product, amount, cogs, due, void in sales.iterator(chunk_size=2000):
        yield (
            exported_id(external_id, pk),
            names[customer_id],
            occurred_at,
            product,
            amount,
            cogs,
            due,
            "是 yes" if void else "",
        )


PAYMENTS_HEADERS = (
    "收款编号 / Payment ID",
    "客户编号 / Customer ID",
    "日期 / Date",
    "金额 / Amount",
    "支付方式 / Method",
    "核销销售 / Applies to",
    "类型 / Kind",
    "手续费 / Fee",
    "参考号 / Reference",
)


def payments_rows(*, customers, as_of):
    names = customer_ids(customers)
    applies: dict[int, list[str]] = {}
    for payment_id, sale_pk, sale_external, amount in (
        Allocation.objects.filter(batch_range(names, "payment__customer_id"), payment__customer_id__in=names)
        .values_list("payment_id", "sale_id", "sale__external_id", "amount")
        .order_by("payment_id", "sale_id")
    ):
        # "Sale ID:amount": the import applies exactly these amounts back
        applies.setdefault(payment_id, []).append(f"{exported_id(sale_external, sale_pk)}:{amount}")
    payments = (
        Payment.objects.filter(local_days("received_at", last=as_of), batch_range(names), customer_id__in=names)
        .select_related("method", "refund_of")
        .order_by("received_at", "pk")
    )
    for p in payments.iterator(chunk_size=2000):
        if p.kind == PaymentKind.REFUND and p.refund_of is not None:
            target = exported_id(p.refund_of.external_id, p.refund_of.pk)  # a refund names its receipt
        else:
            target = ",".join(applies.get(p.pk, []))
        yield (
            exported_id(p.external_id, p.pk),
            names[p.customer_id],
            p.received_at,
            p.amount,
            p.method.name,
            target,
            str(p.get_kind_display()),
            p.fee,
            p.reference,
        )


PROVIDER = SummaryProvider(name="transactions", columns=COLUMNS, compute=summary, order=20)
SALES_SHEET = SheetSpec(name="sales", title="交易 Sales", headers=SALES_HEADERS, rows=sales_rows, order=20)
PAYMENTS_SHEET = SheetSpec(
    name="payments", title="收款 Payments", headers=PAYMENTS_HEADERS, rows=payments_rows, order=21
)


def statement_workbook(*, customer: Customer, as_of) -> Workbook:
    """The customer's statement of account as of a date: every sale, receipt and refund with the
    running balance (selectors.customer_statement, whole; the notebook shows its recent part), then
    the closing balance."""
    ledger = selectors.customer_statement(customer=customer, as_of=as_of)
    workbook = new_workbook()
    headers = [_("date"), _("kind"), _("reference"), _("description"), _("debit"), _("credit"), _("balance")]
    sheet = SheetWriter(
        workbook, str(_("Statement of account")), [str(h) for h in headers], widths=[12, 10, 14, 30, 14, 14, 14]
    )
    kinds = {"sale": _("Sale"), **{kind.value: kind.label for kind in PaymentKind}}
    for line in ledger["lines"]:
        kind = str(kinds[line.kind])
        sheet.append(
            [line.date, kind, line.reference, line.description, line.debit or None, line.credit or None, line.balance]
        )
    closing = ledger["lines"][-1].balance if ledger["lines"] else ZERO
    sheet.append([as_of, "", "", str(_("Balance")), None, None, closing])
    return workbook
