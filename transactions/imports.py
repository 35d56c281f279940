"""The sales (交易 Sales) and payments (收款 Payments) sheets of the import."""

import contextlib
import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.dates import date_problem
from custnotes.identity import RecordIndex
from custnotes.importing import (
    ImportColumn,
    ImportSheet,
    ImportWriteError,
    ParseError,
    name_choices,
    normalise_choice,
    parse_amount,
)
from custnotes.money import ZERO
from custnotes.permissions import scope_queryset
from customers.imports import CUSTOMER_REF
from customers.models import Customer

from . import calculations, selectors, services
from .choices import PaymentKind
from .models import Payment, PaymentMethod, Sale


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _customers(ctx) -> dict:
    """What the ledger's sheets share: the customers rows may refer to (in the user's scope, or
    valid in this file), the sales and their paid amounts, the payments — each read once."""
    data = ctx.data.setdefault("ledger", {})
    if "customers" not in data:
        customers = scope_queryset(Customer.objects.all(), ctx.user)
        data["customers"] = RecordIndex.of(customers)
        data["visible"] = set(customers.values_list("pk", flat=True))
        data["file_customers"] = ctx.ids.get("customers", set())
        data["touched"] = set()
    return data


SALE_ENTRY = ("customer_id", "is_void", "amount", "paid_to_date")  # a sale's entry: (pk, *these)


def _sales(data) -> RecordIndex:
    """The sales the file names (sale rows, receipts' targets), read block by block (sales_lookup)."""
    if "sales" not in data:
        data["sales"] = RecordIndex([])
    return data["sales"]


def _sales_load(data, identifiers) -> None:
    _sales(data).load(Sale.objects.all(), identifiers, *SALE_ENTRY)


def sales_lookup(rows, ctx) -> None:
    _sales_load(ctx.data["ledger"], [row.get("sale_id") for row in rows])


def _customer_known(data, ref) -> bool:
    return ref in data["file_customers"] or ref in data["customers"]


def _unknown_customer(ctx, ref) -> str:
    if ref in ctx.bad_ids.get("customers", set()):
        return _("this customer's row in the Customers sheet has errors")
    return _("no such customer (in this file or among yours)")


def _customer_pk(ctx, data, ref):
    """The customer's pk: in the user's scope in the database, or written by this file's Customers sheet."""
    entry = data["customers"].get(ref)
    if entry is None and "customers" in ctx.data:
        entry = ctx.data["customers"]["index"].get(ref)
    return entry[0] if entry else None


# --- sales --------------------------------------------------------------------------------------


SALE_COLUMNS = (
    ImportColumn(
        key="sale_id", zh="销售编号", en="Sale ID", kind="text", required=True, max_length=64, example="示例-S001"
    ),
    CUSTOMER_REF,
    ImportColumn(key="date", zh="日期", en="Date", kind="datetime", required=True, example="2024-01-05"),
    ImportColumn(
        key="product",
        zh="产品或服务",
        en="Product or service",
        kind="text",
        required=True,
        max_length=200,
        example="年度维保服务",
    ),
    ImportColumn(key="amount", zh="金额", en="Amount", kind="amount", required=True, example=12000),
    ImportColumn(key="cost_of_goods", zh="销售成本", en="Cost of goods", kind="amount", example=8000),
    ImportColumn(key="due_date", zh="到期日", en="Due date", kind="date", example="2024-02-04"),
    ImportColumn(key="void", zh="作废", en="Void", kind="bool", example="否", options=lambda: ["是", "否"]),
)


def sales_prepare(ctx):
    data = _customers(ctx)
    _sales(data)
    data["exposure"] = {}  # the file's customer ID (ref) -> [what its new sales add, the row of its last one]


# The service's field names where the sheet's columns are named otherwise.
_SALE_COLUMN_OF = {"occurred_at": "date", "customer": "customer_ref", "external_id": "sale_id"}


def sales_check(row, ctx) -> list:
    """The row against the service's rules (sale_permission_problems, sale_input_problems,
    sale_change_problems), and what only a file can get wrong: a customer it does not know."""
    data = ctx.data["ledger"]
    problems = []
    if not _customer_known(data, row["customer_ref"]):
        problems.append(("customer_ref", _unknown_customer(ctx, row["customer_ref"])))
    day = row["date"].date() if row.get("date") else None
    found = services.sale_input_problems(
        occurred_on=day,
        amount=row.get("amount"),
        due_date=row.get("due_date"),
        cost_of_goods=row.get("cost_of_goods"),
        product=row.get("product"),
    )
    existing = data["sales"].get(row["sale_id"])
    voiding = bool(row.get("void")) and not (existing and existing[2])
    found |= services.sale_permission_problems(user=ctx.user, voiding=voiding)
    if existing:
        _pk, customer_pk, was_void, _amount, paid = existing
        found |= services.sale_change_problems(
            customer_id=_customer_pk(ctx, data, row["customer_ref"]),
            current_customer_id=customer_pk,
            was_void=was_void,
            paid=paid,
            amount=row.get("amount"),
            void=bool(row.get("void")),
        )
    problems += [(_SALE_COLUMN_OF.get(key, key), message) for key, message in found.items()]
    return problems


def sales_accept(row, ctx) -> None:
    """A good sale row: what it adds to its customer's open amount, for the credit check."""
    data = ctx.data["ledger"]
    existing = data["sales"].get(row["sale_id"])
    added = row["amount"]
    if existing:
        _pk, _customer_pk, was_void, amount, _paid = existing
        added = ZERO if was_void else max(added - amount, ZERO)
    if not row.get("void") and added > ZERO:
        entry = data["exposure"].setdefault(row["customer_ref"], [ZERO, None])
        entry[0] += added
        entry[1] = ctx.row_number


def _file_exposure(ctx, data) -> tuple[dict, dict, dict]:
    """What each customer newly owes once the file is in — its new sales and increases, less the
    receipts (and plus the refunds) the file records — keyed by customer pk, or by the file's ID for a
    customer the file creates; with those new customers' (name, credit limit) and each key's last
    sale row. Before the write some customers are still the file's; during it every key is a pk."""
    file_limits = ctx.data.get("customers", {}).get("new_limits", {})
    exposure, new_customers, rows = {}, {}, {}

    def key_of(ref):
        pk = _customer_pk(ctx, data, ref)
        if pk is None:  # new in this file: its limit is the file's
            new_customers[ref] = file_limits.get(ref, (ref, ZERO))
        return ref if pk is None else pk

    for ref, (added, row_number) in data["exposure"].items():
        key = key_of(ref)
        exposure[key] = exposure.get(key, ZERO) + added
        rows[key] = max(rows.get(key, 0), row_number)
    for ref, received in data.get("receipts", {}).items():
        key = key_of(ref)
        if key in exposure:
            exposure[key] -= received
    return exposure, new_customers, rows


def sales_review(ctx) -> list:
    """The credit check of the file's sales (sale_credit_problems, as for a sale typed on the page),
    on what each customer newly owes once the file is in. [(row, column, message, blocking)], on
    each customer's last sale row."""
    exposure, new_customers, rows = _file_exposure(ctx, ctx.data["ledger"])
    found = services.sale_credit_problems(exposure=exposure, new_customers=new_customers)
    return [(rows[key], "amount", message, block) for key, problems in found.items() for message, block in problems]


def sales_write(rows, ctx):
    """The rows, through the service's batch write. The credit check runs once for the file, in the
    write's transaction before the first sale: it finds what the review found (the engine writes only
    once those warnings are confirmed), and refuses what is blocked."""
    data = ctx.data["ledger"]
    batch = []
    for row in rows:
        entry = data["sales"].get(row["sale_id"])
        batch.append(
            services.SaleRow(
                external_id=row["sale_id"],
                pk=entry[0] if entry else None,
                customer_id=_customer_pk(ctx, data, row["customer_ref"]),
                occurred_at=_aware(row["date"]),
                product=row["product"],
                amount=row["amount"],
                cost_of_goods=row.get("cost_of_goods"),
                due_date=row.get("due_date"),
                void=bool(row.get("void")),
            )
        )
    try:
        if not data.get("credit_enforced"):  # once, for the whole file, before its first sale is written
            exposure, _new, _rows = _file_exposure(ctx, data)  # the customers are written: every key a pk
            services.sale_credit_enforce(exposure=exposure, confirmed=True)
            data["credit_enforced"] = True
        result, grown = services.sale_record_many(rows=batch, user=ctx.user, check_credit=False)
    except ValidationError as error:
        raise ImportWriteError("sales", "", "", " ".join(error.messages)) from error
    ctx.count_batch("sales", result)
    data.setdefault("grown", set()).update(grown)
    for sale in result.written:
        data["sales"].add(sale.external_id, tuple(getattr(sale, name) for name in ("pk", *SALE_ENTRY)))
        data["touched"].add(sale.customer_id)


# --- payments -----------------------------------------------------------------------------------


def _method_choices():
    return name_choices(PaymentMethod.objects.all(), "name", "name_en")


def _method_options():
    return list(PaymentMethod.objects.filter(is_active=True).values_list("name", flat=True))


def _kind_choices():
    return {
        "receipt": PaymentKind.RECEIPT,
        "收款": PaymentKind.RECEIPT,
        normalise_choice(PaymentKind.RECEIPT.label): "receipt",
        "refund": PaymentKind.REFUND,
        "退款": PaymentKind.REFUND,
        normalise_choice(PaymentKind.REFUND.label): "refund",
    }


PAYMENT_COLUMNS = (
    ImportColumn(
        key="payment_id", zh="收款编号", en="Payment ID", kind="text", required=True, max_length=64, example="示例-P001"
    ),
    CUSTOMER_REF,
    ImportColumn(key="date", zh="日期", en="Date", kind="datetime", required=True, example="2024-01-10"),
    ImportColumn(key="amount", zh="金额", en="Amount", kind="amount", required=True, example=12000),
    ImportColumn(
        key="method_id",
        zh="支付方式",
        en="Method",
        kind="choice",
        required=True,
        choices=_method_choices,
        example="银行转账",
        options=_method_options,
    ),
    ImportColumn(key="applies_to", zh="核销销售", en="Applies to", kind="ids", example="示例-S001"),
    ImportColumn(
        key="kind",
        zh="类型",
        en="Kind",
        kind="choice",
        choices=_kind_choices,
        example="收款",
        options=lambda: ["收款", "退款"],
    ),
    ImportColumn(key="reference", zh="参考号", en="Reference", kind="text", max_length=100, example="BANK-20240110"),
)


def payments_prepare(ctx):
    data = _customers(ctx)
    _sales(data)
    data["file_sales"] = ctx.ids.get("sales", set())
    data["payments"] = RecordIndex([])
    data["active_methods"] = set(PaymentMethod.objects.filter(is_active=True).values_list("pk", flat=True))
    data["file_payments"] = set()
    data["may_pay"] = ctx.user.has_perm("transactions.add_payment")
    data["may_refund"] = ctx.user.has_perm("transactions.add_refund")


PAYMENT_FIELDS = ("pk", "external_id", "customer_id", "received_at", "amount", "method_id", "kind", "reference")


def payments_lookup(rows, ctx) -> None:
    """The payments the block names (its own and, for refunds, their receipts) and the sales its
    receipts apply to."""
    data = ctx.data["ledger"]
    payment_ids, sale_ids = [], []
    for row in rows:
        payment_ids.append(row.get("payment_id"))
        targets = row.get("applies_to") or []
        if (row.get("kind") or PaymentKind.RECEIPT) == PaymentKind.REFUND:
            payment_ids += targets[:1]
        else:
            with contextlib.suppress(ValueError):  # the row's check says what is wrong
                sale_ids += split_targets(targets)
    data["payments"].load_objects(Payment.objects.only(*PAYMENT_FIELDS), payment_ids)
    _sales_load(data, sale_ids)


def payments_check(row, ctx) -> list:
    data = ctx.data["ledger"]
    problems = []
    kind = row.get("kind") or PaymentKind.RECEIPT
    if kind == PaymentKind.RECEIPT and not data["may_pay"]:
        problems.append(("payment_id", _("only Finance and Admin record payments")))
    if kind == PaymentKind.REFUND and not data["may_refund"]:
        problems.append(("kind", _("only Finance and Admin record refunds")))
    if not _customer_known(data, row["customer_ref"]):
        problems.append(("customer_ref", _unknown_customer(ctx, row["customer_ref"])))
    if row.get("amount") is not None and row["amount"] <= 0:
        problems.append(("amount", _("must be greater than zero")))
    if row.get("date") and (problem := date_problem(row["date"].date())):
        problems.append(("date", problem))
    if row.get("method_id") is not None and row["method_id"] not in data["active_methods"]:
        problems.append(("method_id", _("this payment method is no longer in use")))
    targets = row.get("applies_to") or []
    if kind == PaymentKind.REFUND:
        if len(targets) != 1 or not (targets[0] in data["file_payments"] or data["payments"].get(targets[0])):
            problems.append(("applies_to", _("a refund applies to exactly one receipt's Payment ID")))
    else:
        try:
            applied = split_targets(targets)
        except ValueError as error:
            problems.append(("applies_to", str(error)))
            applied = {}
        for sale_id in applied:
            if sale_id not in data["file_sales"] and not data["sales"].get(sale_id):
                problems.append(("applies_to", _("no sale with ID %(id)s") % {"id": sale_id}))
        amounts = [a for a in applied.values() if a is not None]
        if amounts and sum(amounts) > row["amount"]:
            problems.append(("applies_to", _("the amounts applied add up to more than the payment")))
    existing = data["payments"].get(row["payment_id"])
    if existing is not None and not _same_payment(existing, row, kind, ctx, data):
        problems.append(
            ("payment_id", _("payments are never changed once recorded: record a refund, or use a new Payment ID"))
        )
    data["file_payments"].add(row["payment_id"])
    return problems


def payments_accept(row, ctx) -> None:
    """A good new receipt (or refund): what the credit check of the file's sales nets."""
    data = ctx.data["ledger"]
    if data["payments"].get(row["payment_id"]) is None:
        receipts = data.setdefault("receipts", {})
        signed = row["amount"] if (row.get("kind") or PaymentKind.RECEIPT) == PaymentKind.RECEIPT else -row["amount"]
        receipts[row["customer_ref"]] = receipts.get(row["customer_ref"], ZERO) + signed


def _same_payment(payment, row, kind, ctx, data) -> bool:
    return (
        payment.customer_id == _customer_pk(ctx, data, row["customer_ref"])
        and payment.amount == row["amount"]
        and payment.method_id == row["method_id"]
        and payment.kind == kind
        and calculations.local_date(payment.received_at) == row["date"].date()
    )


def payments_write(rows, ctx):
    data = ctx.data["ledger"]
    methods = PaymentMethod.objects.in_bulk([row["method_id"] for row in rows])
    for row in sorted(rows, key=lambda r: r["date"]):
        known = data["payments"].get(row["payment_id"])
        if known is not None:
            if known.external_id != row["payment_id"]:
                Payment.objects.filter(pk=known.pk).update(external_id=row["payment_id"])
                known.external_id = row["payment_id"]
                data["payments"].add(row["payment_id"], known)
            ctx.count("payments", "unchanged")
            continue
        customer = Customer.objects.get(pk=_customer_pk(ctx, data, row["customer_ref"]))
        kind = row.get("kind") or PaymentKind.RECEIPT
        try:
            if kind == PaymentKind.REFUND:
                receipt = data["payments"].get(row["applies_to"][0])
                payment = services.refund_record(
                    receipt=receipt,
                    paid_at=_aware(row["date"]),
                    amount=row["amount"],
                    method=methods[row["method_id"]],
                    reference=row.get("reference") or "",
                    user=ctx.user,
                )
            else:
                payment = services.payment_record(
                    customer=customer,
                    received_at=_aware(row["date"]),
                    amount=row["amount"],
                    method=methods[row["method_id"]],
                    reference=row.get("reference") or "",
                    allocations=_allocations(customer, row, data),
                    user=ctx.user,
                )
        except ValidationError as error:
            raise ImportWriteError("payments", row["payment_id"], "", " ".join(error.messages)) from error
        Payment.objects.filter(pk=payment.pk).update(external_id=row["payment_id"])
        payment.external_id = row["payment_id"]
        data["payments"].add(row["payment_id"], payment)
        data["touched"].add(customer.pk)
        ctx.count("payments", "created")


def split_targets(targets: list[str]) -> dict[str, Decimal | None]:
    """ "Applies to" as {sale ID: amount or None}: each entry a Sale ID, or "Sale ID:amount" (what
    the export writes, so that a receipt applied by hand in part comes back the same). Amounts are
    given for every sale or for none."""
    applied: dict[str, Decimal | None] = {}
    for target in targets:
        sale_id, _sep, amount = target.replace("：", ":").partition(":")
        try:
            applied[sale_id.strip()] = parse_amount(amount) if amount.strip() else None
        except ParseError as error:
            raise ValueError(_("%(id)s: %(error)s") % {"id": sale_id.strip(), "error": error}) from error
    given = [a for a in applied.values() if a is not None]
    if given and len(given) != len(applied):
        raise ValueError(_("give an amount for every sale listed, or for none"))
    if any(a is not None and a <= 0 for a in applied.values()):
        raise ValueError(_("the amounts applied must be greater than zero"))
    return applied


def _allocations(customer, row, data):
    """The receipt's allocation when it names its sales: the amounts given, or oldest due first
    among those sales up to their open amounts; None when it names none (the ledger's own
    oldest-due-first over every open sale)."""
    applied = split_targets(row.get("applies_to") or [])
    if not applied:
        return None
    pks = {sale_id: data["sales"].get(sale_id)[0] for sale_id in applied}
    if all(amount is not None for amount in applied.values()):
        return {pks[sale_id]: amount for sale_id, amount in applied.items()}
    items = [item for item in selectors.open_items(customer=customer) if item.sale_id in set(pks.values())]
    allocation, _rest = calculations.allocate_oldest_first(row["amount"], items)
    return allocation


def sales_finish(ctx):
    """After the sales: the credit customers already had meets what they newly owe (as when a sale
    is recorded here) — their new sales when the file has no payments, and any sale whose amount
    grew; with a payments sheet the file says where the money went, and its receipts are applied
    as given. The customer types follow the rule."""
    data = ctx.data.get("ledger", {})
    touched = data.get("touched", set())
    with_payments = "payments" in ctx.data.get("sheets_in_file", set())
    credit = data.get("grown", set()) | (set() if with_payments else touched)
    services.ledger_refresh(customer_ids=touched, apply_credit_to=credit, reason=_("imported sales"))


def payments_finish(ctx):
    services.ledger_refresh(customer_ids=ctx.data.get("ledger", {}).get("touched", set()), reason=_("imported sales"))


SALES_SHEET = ImportSheet(
    key="sales",
    zh="交易",
    en="Sales",
    order=20,
    id_column="sale_id",
    columns=SALE_COLUMNS,
    check=sales_check,
    write=sales_write,
    prepare=sales_prepare,
    lookup=sales_lookup,
    finish=sales_finish,
    review=sales_review,
    accept=sales_accept,
)
PAYMENTS_SHEET = ImportSheet(
    key="payments",
    zh="收款",
    en="Payments",
    order=30,
    id_column="payment_id",
    columns=PAYMENT_COLUMNS,
    check=payments_check,
    write=payments_write,
    prepare=payments_prepare,
    lookup=payments_lookup,
    finish=payments_finish,
    accept=payments_accept,
)
