"""The costs sheet (成本 Costs) of the import."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from custnotes.identity import RecordIndex
from custnotes.importing import ImportColumn, ImportSheet, ImportWriteError, name_choices
from customers.imports import CUSTOMER_REF
from transactions.imports import _customer_known, _customer_pk, _customers, _unknown_customer

from . import services
from .models import CostCategory, CostEntry


def _category_choices():
    return name_choices(CostCategory.objects.all(), "name", "name_en")


def _category_options():
    return list(CostCategory.objects.filter(is_active=True).values_list("name", flat=True))


COLUMNS = (
    ImportColumn(
        key="cost_id", zh="成本编号", en="Cost ID", kind="text", required=True, max_length=64, example="示例-K001"
    ),
    CUSTOMER_REF,
    ImportColumn(key="date", zh="日期", en="Date", kind="date", required=True, example="2024-01-20"),
    ImportColumn(
        key="category_id",
        zh="科目",
        en="Category",
        kind="choice",
        required=True,
        choices=_category_choices,
        example="维修",
        options=_category_options,
    ),
    ImportColumn(key="amount", zh="金额", en="Amount", kind="amount", required=True, example=500),
    ImportColumn(key="note", zh="备注", en="Note", kind="text", max_length=300, example="上门维修一次"),
)


def prepare(ctx):
    data = _customers(ctx)
    data["costs"] = RecordIndex([])  # the entries the file names, read block by block (lookup)
    data["categories"] = {c.pk: c for c in CostCategory.objects.all()}


def lookup(rows, ctx):
    ctx.data["ledger"]["costs"].load(CostEntry.objects.all(), [row.get("cost_id") for row in rows], "customer_id")


# The service's field names where the sheet's columns are named otherwise.
_COLUMN_OF = {"category": "category_id", "customer": "customer_ref", "external_id": "cost_id"}


def check(row, ctx) -> list:
    """The row against the service's rules (cost_entry_problems), and what only a file can get
    wrong: a customer it does not know, an entry of a customer the user does not see."""
    data = ctx.data["ledger"]
    problems = []
    problems += [("cost_id", message) for message in services.cost_entry_permission_problems(user=ctx.user).values()]
    if not _customer_known(data, row["customer_ref"]):
        problems.append(("customer_ref", _unknown_customer(ctx, row["customer_ref"])))
    existing = data["costs"].get(row["cost_id"])
    if existing and existing[1] not in data["visible"]:
        problems.append(("cost_id", _("this cost entry belongs to a customer you do not see")))
    found = services.cost_entry_problems(
        amount=row.get("amount"),
        date=row.get("date"),
        category=data["categories"].get(row.get("category_id")),
        user=ctx.user,
    )
    problems += [(_COLUMN_OF.get(key, key), message) for key, message in found.items()]
    return problems


def write(rows, ctx):
    """The rows, through the service's batch write."""
    data = ctx.data["ledger"]
    batch = []
    for row in rows:
        entry = data["costs"].get(row["cost_id"])
        batch.append(
            services.CostRow(
                external_id=row["cost_id"],
                pk=entry[0] if entry else None,
                customer_id=_customer_pk(ctx, data, row["customer_ref"]),
                category_id=row["category_id"],
                amount=row["amount"],
                date=row["date"],
                note=row.get("note") or "",
            )
        )
    try:
        result = services.cost_entry_record_many(rows=batch, user=ctx.user)
    except ValidationError as error:
        raise ImportWriteError("costs", "", "", " ".join(error.messages)) from error
    ctx.count_batch("costs", result)
    for entry in result.written:
        data["costs"].add(entry.external_id, (entry.pk, entry.customer_id))


SHEET = ImportSheet(
    key="costs",
    zh="成本",
    en="Costs",
    order=40,
    id_column="cost_id",
    columns=COLUMNS,
    check=check,
    write=write,
    prepare=prepare,
    lookup=lookup,
)
