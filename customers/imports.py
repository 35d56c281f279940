"""The customers sheet of the import (客户 Customers): checked row by row, written in batches."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.identity import RecordIndex
from custnotes.importing import ImportColumn, ImportSheet, apply_values, name_choices, normalise_choice
from custnotes.permissions import can_change_credit_terms, sees_all_customers

from .choices import TYPE_ORDER, CustomerType
from .models import Customer, Industry, Team
from .validators import credit_terms_problems, validate_phone

FIELDS = (
    "name",
    "company",
    "contact_person",
    "phone",
    "email",
    "address",
    "industry_id",
    "customer_type",
    "team_id",
    "owner_id",
    "credit_limit",
    "payment_terms_days",
    "growth_rating",
)


def _type_choices():
    options = {}
    for value, label in CustomerType.choices:
        options[normalise_choice(value)] = value
        options[normalise_choice(label)] = value
    options.update(
        {
            "潜在客户": "prospect",
            "新客户": "new",
            "老客户": "existing",
            "new customer": "new",
            "existing customer": "existing",
        }
    )
    return options


def _industry_choices():
    return name_choices(Industry.objects.all(), "name", "name_en")


def _team_choices():
    return name_choices(Team.objects.all(), "name")


def _industry_options():
    return list(Industry.objects.values_list("name", flat=True))


def _team_options():
    return list(Team.objects.values_list("name", flat=True))


COLUMNS = (
    ImportColumn("customer_id", "客户编号", "Customer ID", "text", required=True, max_length=64, example="示例-C001"),
    ImportColumn("name", "名称", "Name", "text", required=True, max_length=200, example="上海示例贸易"),
    ImportColumn("company", "公司", "Company", "text", max_length=200, example="上海示例贸易有限公司"),
    ImportColumn("contact_person", "联系人", "Contact", "text", max_length=100, example="王芳"),
    ImportColumn("phone", "电话", "Phone", "text", max_length=40, example="021-6123 4567"),
    ImportColumn("email", "邮箱", "Email", "text", max_length=254, example="wang@example.cn"),
    ImportColumn("address", "地址", "Address", "text", max_length=300, example="上海市浦东新区 100 号"),
    ImportColumn(
        "industry_id",
        "行业",
        "Industry",
        "choice",
        choices=_industry_choices,
        example="零售",
        options=_industry_options,
    ),
    ImportColumn(
        "customer_type",
        "类型",
        "Type",
        "choice",
        choices=_type_choices,
        example="老客户",
        options=lambda: ["潜在客户", "新客户", "老客户"],
    ),
    ImportColumn(
        "team_id",
        "团队",
        "Team",
        "choice",
        choices=_team_choices,  # optional: see _fill_team
        example="华东销售组",
        options=_team_options,
    ),
    ImportColumn("owner", "负责人", "Owner", "text", max_length=150, example="sales1"),
    ImportColumn("credit_limit", "信用额度", "Credit limit", "amount", example=100000),
    ImportColumn("payment_terms_days", "账期（天）", "Payment terms (days)", "int", example=30),
    ImportColumn(
        "growth_rating", "成长潜力", "Growth potential", "int", example=3, options=lambda: ["1", "2", "3", "4", "5"]
    ),
)


def prepare(ctx):
    """What checking needs at hand: existing customers by import ID and by name, the user's teams,
    the users who may own customers and their teams."""
    data = ctx.data.setdefault("customers", {})
    if data:
        return
    data["index"] = RecordIndex.of(Customer.objects.all())
    data["by_name"] = {}
    data["current"] = {}  # pk -> (team, credit limit, payment terms), for the checks
    for pk, company, name, external_id, team_id, limit, terms in Customer.objects.values_list(
        "pk", "company", "name", "external_id", "team_id", "credit_limit", "payment_terms_days"
    ):
        data["by_name"][(company.lower(), name.lower())] = (pk, external_id)
        data["current"][pk] = (team_id, limit, terms)
    user = ctx.user
    data["all_teams"] = sees_all_customers(user)
    data["my_teams"] = set(user.teams.values_list("pk", flat=True)) if user.is_authenticated else set()
    data["default_team"] = Team.objects.filter(is_default=True).values_list("pk", flat=True).first()
    users = get_user_model().objects.filter(is_active=True)
    data["users"] = {u.username.lower(): u.pk for u in users}
    memberships: dict[int, set[int]] = {}
    for user_id, team_id in Team.members.through.objects.values_list("user_id", "team_id"):
        memberships.setdefault(user_id, set()).add(team_id)
    data["memberships"] = memberships
    data["names_in_file"] = set()
    data["may_credit"] = can_change_credit_terms(user)
    data["may_add"] = user.has_perm("customers.add_customer")
    data["may_change"] = user.has_perm("customers.change_customer")


def _in_scope(data, team_id) -> bool:
    return data["all_teams"] or team_id in data["my_teams"]


def resolve(row, ctx) -> None:
    """Fill in what a row refers to, from the lookups alone (no side effects): the existing customer
    (by import ID, or an earlier customer of the same name entered without one) and the owner."""
    data = ctx.data["customers"]
    entry = data["index"].get(row["customer_id"])  # by import ID, or exported from this database
    existing_pk = entry[0] if entry else None
    if existing_pk is None:
        adopted = data["by_name"].get(((row.get("company") or "").lower(), row["name"].lower()))
        if adopted and adopted[1] is None:
            existing_pk = adopted[0]
    row["_pk"] = existing_pk
    row["owner_id"] = data["users"].get(row["owner"].lower()) if row.get("owner") else None
    _fill_team(row, data)


def _fill_team(row, data) -> None:
    """A row that names no team (a company's own book has no such column, or leaves it empty): an
    existing customer keeps its team; a new one goes to the importer's team when they work in exactly
    one, else to the deployment's default team."""
    if row.get("team_id") is not None and not row.get("_team_filled"):
        return
    row["_team_filled"] = True
    if existing := row["_pk"]:
        row["team_id"] = data["current"][existing][0]
    elif len(data["my_teams"]) == 1:
        (row["team_id"],) = data["my_teams"]
    else:
        row["team_id"] = data["default_team"]


def check(row, ctx) -> list:
    data = ctx.data["customers"]
    problems = []
    resolve(row, ctx)
    existing_pk = row["_pk"]
    if existing_pk is None:
        adopted = data["by_name"].get(((row.get("company") or "").lower(), row["name"].lower()))
        if adopted and adopted[1] is not None and adopted[1] != row["customer_id"]:  # someone else's
            problems.append(("name", _("a customer with this name already exists in this company")))
    if existing_pk is None and not data["may_add"]:
        problems.append(("customer_id", _("you may not create customers")))
    if existing_pk is not None:
        if not data["may_change"]:
            problems.append(("customer_id", _("you may not change customers")))
        elif not _in_scope(data, data["current"][existing_pk][0]):
            problems.append(("customer_id", _("this customer belongs to a team you do not work in")))
    if row["team_id"] is None:
        problems.append(("team_id", _("name the customer's team: this database has no default team")))
    elif not _in_scope(data, row["team_id"]):
        if row.get("_team_filled"):
            problems.append(("team_id", _("name the customer's team: you work in several teams")))
        else:
            problems.append(("team_id", _("you may only import customers of your own teams")))
    name_key = ((row.get("company") or "").lower(), row["name"].lower())
    if name_key in data["names_in_file"]:
        problems.append(("name", _("the same name and company appear twice in this sheet")))
    data["names_in_file"].add(name_key)
    if row.get("owner"):
        if row["owner_id"] is None:
            problems.append(("owner", _("no active user with this username")))
        elif row["team_id"] not in data["memberships"].get(row["owner_id"], set()):
            problems.append(("owner", _("the owner must be a member of the customer's team")))
    if row.get("email"):
        try:
            validate_email(row["email"])
        except ValidationError:
            problems.append(("email", _("not a valid email address")))
    if row.get("phone"):
        try:
            validate_phone(row["phone"])
        except ValidationError:
            problems.append(("phone", _("not a valid phone number")))
    problems += credit_terms_problems(
        credit_limit=row.get("credit_limit"), payment_terms_days=row.get("payment_terms_days")
    ).items()
    if row.get("growth_rating") is not None and not 1 <= row["growth_rating"] <= 5:
        problems.append(("growth_rating", _("from 1 to 5")))
    sets_credit = row.get("credit_limit") is not None or row.get("payment_terms_days") is not None
    if not data["may_credit"] and sets_credit and (existing_pk is None or _credit_changes(data, existing_pk, row)):
        problems.append(("credit_limit", _("only Finance and Admin set credit limits and payment terms")))
    return problems


def _credit_changes(data, pk, row) -> bool:
    _team, limit, terms = data["current"][pk]
    return (row.get("credit_limit") is not None and row["credit_limit"] != limit) or (
        row.get("payment_terms_days") is not None and row["payment_terms_days"] != terms
    )


def _values(row) -> dict:
    values = {
        "name": row["name"],
        "company": row.get("company") or "",
        "contact_person": row.get("contact_person") or "",
        "phone": row.get("phone") or "",
        "email": row.get("email") or "",
        "address": row.get("address") or "",
        "industry_id": row.get("industry_id"),
        "team_id": row["team_id"],
        "owner_id": row.get("owner_id"),
    }
    for key in ("customer_type", "credit_limit", "payment_terms_days", "growth_rating"):
        if row.get(key) is not None:
            values[key] = row[key]
    return values


def write(rows, ctx):
    data = ctx.data["customers"]
    for row in rows:
        resolve(row, ctx)
    existing = Customer.objects.in_bulk([r["_pk"] for r in rows if r.get("_pk")])
    new, changed = [], []
    for row in rows:
        values = _values(row)
        customer = existing.get(row.get("_pk"))
        if customer is None:
            customer = Customer(external_id=row["customer_id"], **values)
            new.append(customer)
            continue
        values["external_id"] = row["customer_id"]
        if TYPE_ORDER.get(values.get("customer_type"), 0) < TYPE_ORDER.get(customer.customer_type, 0):
            values["customer_type"] = customer.customer_type  # the rule moved it on; types never move back
        status = apply_values(customer, values)
        if status:
            changed.append(customer)
        ctx.count("customers", "updated" if status == "updated" else "unchanged")
    Customer.objects.bulk_create(new)
    if changed:
        now = timezone.now()
        for customer in changed:
            customer.updated_at = now
        Customer.objects.bulk_update(changed, [*FIELDS, "external_id", "updated_at"])
    ctx.count("customers", "created", len(new))
    for customer in [*new, *changed]:
        data["index"].add(customer.external_id, (customer.pk,))
        data["current"][customer.pk] = (customer.team_id, customer.credit_limit, customer.payment_terms_days)


def exists(row, ctx) -> bool:
    resolve(row, ctx)
    return row["_pk"] is not None


SHEET = ImportSheet(
    key="customers",
    zh="客户",
    en="Customers",
    order=10,
    id_column="customer_id",
    columns=COLUMNS,
    check=check,
    write=write,
    prepare=prepare,
    exists=exists,
)
