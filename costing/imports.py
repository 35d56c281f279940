"""The costs sheet (成本 Costs) of the import."""

from django.utils.translation import gettext as _

from custnotes.dates import date_problem
from custnotes.identity import RecordIndex
from custnotes.importing import ImportColumn, ImportSheet, apply_values, name_choices
from transactions.imports import _customer_known, _customer_pk, _customers, _unknown_customer

from .models import CostCategory, CostEntry
from .services import category_problem


def _category_choices():
    return name_choices(CostCategory.objects.all(), "name", "name_en")


def _category_options():
    return list(CostCategory.objects.filter(is_active=True).values_list("name", flat=True))


COLUMNS = (
    ImportColumn("cost_id", "成本编号", "Cost ID", "text", required=True, max_length=64, example="示例-K001"),
    ImportColumn("customer_id", "客户编号", "Customer ID", "text", required=True, max_length=64, example="示例-C001"),
    ImportColumn("date", "日期", "Date", "date", required=True, example="2024-01-20"),
    ImportColumn(
        "category_id",
        "科目",
        "Category",
        "choice",
        required=True,
        choices=_category_choices,
        example="维修",
        options=_category_options,
    ),
    ImportColumn("amount", "金额", "Amount", "amount", required=True, example=500),
    ImportColumn("note", "备注", "Note", "text", max_length=300, example="上门维修一次"),
)


def prepare(ctx):
    data = _customers(ctx)
    data["costs"] = RecordIndex.of(CostEntry.objects.all())
    data["categories"] = {c.pk: c for c in CostCategory.objects.all()}
    data["may_cost"] = ctx.user.has_perm("costing.add_costentry")


def check(row, ctx) -> list:
    data = ctx.data["ledger"]
    problems = []
    if not data["may_cost"]:
        problems.append(("cost_id", _("you may not record costs")))
    if not _customer_known(data, row["customer_id"]):
        problems.append(("customer_id", _unknown_customer(ctx, row["customer_id"])))
    if row.get("amount") is not None and row["amount"] <= 0:
        problems.append(("amount", _("must be greater than zero")))
    if row.get("date") and (problem := date_problem(row["date"])):
        problems.append(("date", problem))
    category = data["categories"].get(row["category_id"])
    if category is not None and (problem := category_problem(category, ctx.user)):
        problems.append(("category_id", problem))
    return problems


def _cost_pk(data, identifier):
    entry = data["costs"].get(identifier)
    return entry[0] if entry else None


def write(rows, ctx):
    data = ctx.data["ledger"]
    pks = {r["cost_id"]: _cost_pk(data, r["cost_id"]) for r in rows}
    existing = CostEntry.objects.in_bulk([pk for pk in pks.values() if pk])
    new, changed = [], []
    for row in rows:
        values = {
            "customer_id": _customer_pk(ctx, data, row["customer_id"]),
            "date": row["date"],
            "category_id": row["category_id"],
            "amount": row["amount"],
            "note": row.get("note") or "",
        }
        entry = existing.get(pks[row["cost_id"]])
        if entry is None:
            new.append(CostEntry(external_id=row["cost_id"], author=ctx.user, **values))
            continue
        status = apply_values(entry, {**values, "external_id": row["cost_id"]})
        if status:
            changed.append(entry)
        ctx.count("costs", "updated" if status == "updated" else "unchanged")
    CostEntry.objects.bulk_create(new)
    if changed:
        CostEntry.objects.bulk_update(changed, ["customer_id", "date", "category_id", "amount", "note", "external_id"])
    ctx.count("costs", "created", len(new))
    for entry in new:
        data["costs"].add(entry.external_id, (entry.pk,))


def exists(row, ctx) -> bool:
    return _cost_pk(ctx.data["ledger"], row["cost_id"]) is not None


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
    exists=exists,
)
