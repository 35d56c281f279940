"""The customers sheet of the import (客户 Customers): checked row by row, written in batches."""

from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from custnotes.identity import RecordIndex
from custnotes.importing import ImportColumn, ImportSheet, ImportWriteError, name_choices, normalise_choice

from . import services
from .choices import CustomerType
from .models import Customer, Industry, Team

CREDIT_LIMIT_DEFAULT = Customer._meta.get_field("credit_limit").get_default()


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


def _industry_options():
    return list(Industry.objects.values_list("name", flat=True))


def _team_options():
    return list(Team.objects.values_list("name", flat=True))


# The file's own ID of a customer: the Customers sheet's key, and how the other sheets name it.
CUSTOMER_REF = ImportColumn(
    key="customer_ref", zh="客户编号", en="Customer ID", kind="text", required=True, max_length=64, example="示例-C001"
)

COLUMNS = (
    CUSTOMER_REF,
    ImportColumn(key="name", zh="名称", en="Name", kind="text", required=True, max_length=200, example="上海示例贸易"),
    ImportColumn(key="company", zh="公司", en="Company", kind="text", max_length=200, example="上海示例贸易有限公司"),
    ImportColumn(key="contact_person", zh="联系人", en="Contact", kind="text", max_length=100, example="王芳"),
    ImportColumn(key="phone", zh="电话", en="Phone", kind="text", max_length=40, example="021-6123 4567"),
    ImportColumn(key="email", zh="邮箱", en="Email", kind="text", max_length=254, example="wang@example.cn"),
    ImportColumn(key="address", zh="地址", en="Address", kind="text", max_length=300, example="上海市浦东新区 100 号"),
    ImportColumn(
        key="industry_id",
        zh="行业",
        en="Industry",
        kind="choice",
        choices=_industry_choices,
        example="零售",
        options=_industry_options,
    ),
    ImportColumn(
        key="customer_type",
        zh="类型",
        en="Type",
        kind="choice",
        choices=_type_choices,
        example="老客户",
        options=lambda: ["潜在客户", "新客户", "老客户"],
    ),
    ImportColumn(
        key="team",  # a name: optional (see _fill_team); an Admin's unknown name is a team to create
        zh="团队",
        en="Team",
        kind="text",
        max_length=100,
        example="华东销售组",
        options=_team_options,
    ),
    ImportColumn(key="owner", zh="负责人", en="Owner", kind="text", max_length=150, example="sales1"),
    ImportColumn(key="credit_limit", zh="信用额度", en="Credit limit", kind="amount", example=100000),
    ImportColumn(key="payment_terms_days", zh="账期（天）", en="Payment terms (days)", kind="int", example=30),
    ImportColumn(
        key="growth_rating",
        zh="成长潜力",
        en="Growth potential",
        kind="int",
        example=3,
        options=lambda: ["1", "2", "3", "4", "5"],
    ),
)


class _Current(NamedTuple):
    """An existing customer as the checks see it (what customer_write_problems reads)."""

    team_id: int
    credit_limit: object
    payment_terms_days: int


def prepare(ctx):
    """What checking needs at hand: existing customers by import ID and by name, the deployment's
    default team, the active users by username, and the user's write scope."""
    data = ctx.data.setdefault("customers", {})
    if data:
        return
    data["index"] = RecordIndex.of(Customer.objects.all())
    data["by_name"] = {}
    data["current"] = {}  # pk -> _Current, for the checks
    for pk, company, name, external_id, team_id, limit, terms in Customer.objects.values_list(
        "pk", "company", "name", "external_id", "team_id", "credit_limit", "payment_terms_days"
    ):
        data["by_name"][(company.lower(), name.lower())] = (pk, external_id)
        data["current"][pk] = _Current(team_id, limit, terms)
    data["scope"] = services.CustomerWriteScope.of(ctx.user)
    data["default_team"] = Team.objects.filter(is_default=True).values_list("pk", flat=True).first()
    data["teams"] = name_choices(Team.objects.all(), "name")  # normalised name -> pk
    data["may_add_team"] = ctx.user.has_perm("customers.add_team")
    data["new_teams"] = {}  # normalised name -> (name as written, first row): teams importing creates
    data["users"] = {u.username.lower(): u.pk for u in get_user_model().objects.filter(is_active=True)}
    data["names_in_file"] = set()


def resolve(row, ctx) -> None:
    """Fill in what a row refers to, from the lookups alone (no side effects): the existing customer
    (by import ID, or an earlier customer of the same name entered without one) and the owner."""
    data = ctx.data["customers"]
    entry = data["index"].get(row["customer_ref"])  # by import ID, or exported from this database
    existing_pk = entry[0] if entry else None
    if existing_pk is None:
        adopted = data["by_name"].get(((row.get("company") or "").lower(), row["name"].lower()))
        if adopted and adopted[1] is None:
            existing_pk = adopted[0]
    row["_pk"] = existing_pk
    row["owner_id"] = data["users"].get(row["owner"].lower()) if row.get("owner") else None
    row["_new_team"] = None
    if row.get("team"):
        row["team_id"] = data["teams"].get(normalise_choice(row["team"]))
        if row["team_id"] is None:
            row["_new_team"] = normalise_choice(row["team"])
    _fill_team(row, data)


def _fill_team(row, data) -> None:
    """A row that names no team (a company's own book has no such column, or leaves it empty): an
    existing customer keeps its team; a new one goes to the importer's team when they work in exactly
    one, else to the deployment's default team."""
    if row.get("team"):
        return
    row["_team_filled"] = True
    teams = data["scope"].teams
    if existing := row["_pk"]:
        row["team_id"] = data["current"][existing].team_id
    elif len(teams) == 1:
        (row["team_id"],) = teams
    else:
        row["team_id"] = data["default_team"]


# The service's field names where the sheet's columns are named otherwise.
_COLUMN_OF = {"external_id": "customer_ref", "owner_id": "owner", "team_id": "team"}


def check(row, ctx) -> list:
    """The row against the service's rules (customer_write_problems), and what only a file can get
    wrong: a name taken by another import ID, the same customer twice, an unknown owner."""
    data = ctx.data["customers"]
    resolve(row, ctx)
    existing_pk = row["_pk"]
    problems = []
    name_key = ((row.get("company") or "").lower(), row["name"].lower())
    if existing_pk is None:
        adopted = data["by_name"].get(name_key)
        if adopted and adopted[1] is not None and adopted[1] != row["customer_ref"]:  # someone else's
            problems.append(("name", _("a customer with this name already exists in this company")))
    if name_key in data["names_in_file"]:
        problems.append(("name", _("the same name and company appear twice in this sheet")))
    data["names_in_file"].add(name_key)
    if row.get("owner") and row["owner_id"] is None:
        problems.append(("owner", _("no active user with this username")))
    values = _values(row)
    if row["_new_team"]:
        if not data["may_add_team"]:
            return [*problems, ("team", _("not one of the names this column takes"))]
        values["team_id"] = NEW_TEAM  # judged as the team it will be: new, with no members yet
    current = data["current"].get(existing_pk)
    for key, message in services.customer_write_problems(data["scope"], current=current, values=values).items():
        if key == "team_id" and row.get("_team_filled") and existing_pk is None and row["team_id"] is not None:
            message = _("Name the customer's team: you work in several teams.")
        problems.append((_COLUMN_OF.get(key, key), message))
    return problems


NEW_TEAM = "new team"


def review(ctx) -> list:
    """The teams importing creates (an Admin named a team this database does not have): said in
    the dry run and held for confirmation, as a sale over a credit limit is."""
    return [
        (number, "team", _("There is no team “%(name)s”: importing creates it.") % {"name": name}, False)
        for name, number in ctx.data["customers"]["new_teams"].values()
    ]


def accept(row, ctx) -> None:
    """A good row: the team it creates; a new customer's name and credit limit, for the credit
    check of its sales in the file."""
    if row["_new_team"]:
        ctx.data["customers"]["new_teams"].setdefault(row["_new_team"], (row["team"], ctx.row_number))
    if row["_pk"] is None:
        limit = row.get("credit_limit") if row.get("credit_limit") is not None else CREDIT_LIMIT_DEFAULT
        ctx.data["customers"].setdefault("new_limits", {})[row["customer_ref"]] = (row["name"], limit)


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
    """The rows, through the service's batch write."""
    data = ctx.data["customers"]
    for row in rows:
        if row.get("team") and normalise_choice(row["team"]) not in data["teams"]:
            try:
                team = services.team_create(name=row["team"], user=ctx.user)
            except ValidationError as error:
                raise ImportWriteError("customers", row["customer_ref"], "", " ".join(error.messages)) from error
            data["teams"][normalise_choice(row["team"])] = team.pk
    batch = []
    for row in rows:
        resolve(row, ctx)
        batch.append(services.CustomerRow(external_id=row["customer_ref"], pk=row["_pk"], values=_values(row)))
    try:
        result = services.customer_write_many(rows=batch, user=ctx.user, scope=data["scope"])
    except ValidationError as error:
        raise ImportWriteError("customers", "", "", " ".join(error.messages)) from error
    ctx.count_batch("customers", result)
    for customer in result.written:
        data["index"].add(customer.external_id, (customer.pk,))
        data["current"][customer.pk] = _Current(customer.team_id, customer.credit_limit, customer.payment_terms_days)


SHEET = ImportSheet(
    key="customers",
    zh="客户",
    en="Customers",
    order=10,
    id_column="customer_ref",
    columns=COLUMNS,
    check=check,
    write=write,
    prepare=prepare,
    accept=accept,
    review=review,
)
