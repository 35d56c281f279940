"""Writes and workflows on customers. Views validate with forms, then call these."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from custnotes.identity import BatchResult, apply_row
from custnotes.permissions import can_change_credit_terms, sees_all_customers
from custnotes.registry import registry

from .choices import TYPE_ORDER
from .models import Customer, CustomerTypeChange, Note, Team


@transaction.atomic
def customer_create(*, data: dict, tags=(), extra: dict | None = None) -> Customer:
    customer = Customer(**data, extra=extra or {})
    customer.full_clean()
    customer.save()
    customer.tags.set(tags)
    registry.customers_changed([customer.pk])  # a new customer has a verdict within a minute
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, data: dict, tags=None, extra: dict | None = None) -> Customer:
    for field, value in data.items():
        setattr(customer, field, value)
    if extra is not None:
        customer.extra = extra
    customer.full_clean()
    customer.save()
    if tags is not None:
        customer.tags.set(tags)
    registry.customers_changed([customer.pk])  # credit terms, industry, growth: the scores move
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    """Delete a customer with no financial records; those with records are archived instead.

    Financial records (sales, payments, costs, ...) reference the customer with PROTECT, so the
    database itself refuses; the refusal becomes a message the user can act on.
    """
    try:
        with transaction.atomic():
            customer.delete()
    except ProtectedError as exc:
        raise ValidationError(
            _(
                "%(name)s has financial records (%(count)d) and cannot be deleted. "
                "Archive the customer instead: the records stay and the customer leaves the lists."
            )
            % {"name": customer.name, "count": len(exc.protected_objects)},
            code="has_financial_records",
        ) from exc


@transaction.atomic
def customer_set_archived(*, customer: Customer, archived: bool) -> Customer:
    customer.is_archived = archived
    customer.save(update_fields=["is_archived", "updated_at"])
    return customer


@transaction.atomic
def customer_mark_reviewed(*, customer: Customer, on=None) -> Customer:
    customer.last_reviewed_on = on or timezone.localdate()
    customer.save(update_fields=["last_reviewed_on", "updated_at"])
    return customer


@transaction.atomic
def team_create(*, name: str, user) -> Team:
    """A new team (Admin only); its members are added in the admin."""
    if not user.has_perm("customers.add_team"):
        raise ValidationError(_("Only Admin creates teams."))
    team = Team(name=name.strip())
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def note_create(*, customer: Customer, author, text: str) -> Note:
    note = Note(customer=customer, author=author, text=text.strip())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def customer_type_change(*, customer: Customer, new_type: str, reason: str = "") -> Customer:
    """Move the customer to `new_type` and record the move in its history (no-op when unchanged)."""
    customer_type_change_many(changes=[(customer, new_type)], reason=reason)
    return customer


def customer_type_change_many(*, changes, reason: str = "") -> int:
    """customer_type_change for many customers ((customer, new type) pairs) in a fixed number of
    queries: the history rows in one insert, the customers in one update per new type. Returns how
    many customers moved."""
    moved = [(customer, new_type) for customer, new_type in changes if customer.customer_type != new_type]
    if not moved:
        return 0
    CustomerTypeChange.objects.bulk_create(
        CustomerTypeChange(customer=customer, old_type=customer.customer_type, new_type=new_type, reason=reason[:200])
        for customer, new_type in moved
    )
    now = timezone.now()
    by_type: dict[str, list[int]] = {}
    for customer, new_type in moved:
        by_type.setdefault(new_type, []).append(customer.pk)
        customer.customer_type, customer.updated_at = new_type, now
    for new_type, ids in by_type.items():
        Customer.objects.filter(pk__in=ids).update(customer_type=new_type, updated_at=now)
    return len(moved)


# --- many at once (the import) ------------------------------------------------------------------

# The fields a batch writes; the others (tags, industry fields, archive, review) stay the page's.
BATCH_FIELDS = (
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
CREDIT_FIELDS = ("credit_limit", "payment_terms_days")


def customer_field_problems(values: dict) -> dict[str, str]:
    """{field: message} for the given values that break a field rule of the model (its validators:
    email, phone, credit limit, payment terms, growth rating, lengths). The same validators run in
    full_clean() when a customer is saved here, so this is the rule, not a copy of it."""
    problems = {}
    for name, value in values.items():
        if name.endswith("_id") or value in (None, ""):
            continue
        try:
            Customer._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            problems[name] = " ".join(error.messages)
    return problems


@dataclass(frozen=True)
class CustomerWriteScope:
    """What deciding a user's writes to customers needs, read once for a batch: the teams they may
    write in, whether they may add, change and set credit terms, and who belongs to which team."""

    all_teams: bool
    teams: frozenset
    may_add: bool
    may_change: bool
    may_credit: bool
    memberships: dict

    @classmethod
    def of(cls, user) -> "CustomerWriteScope":
        memberships: dict[int, set[int]] = {}
        for user_id, team_id in Team.members.through.objects.values_list("user_id", "team_id"):
            memberships.setdefault(user_id, set()).add(team_id)
        return cls(
            all_teams=sees_all_customers(user),
            teams=frozenset(user.teams.values_list("pk", flat=True)) if user.is_authenticated else frozenset(),
            may_add=user.has_perm("customers.add_customer"),
            may_change=user.has_perm("customers.change_customer"),
            may_credit=can_change_credit_terms(user),
            memberships=memberships,
        )

    def covers(self, team_id) -> bool:
        return self.all_teams or team_id in self.teams


def customer_write_problems(scope: CustomerWriteScope, *, current: Customer | None, values: dict) -> dict[str, str]:
    """{field: message} why this user may not write these values to this customer (`current`, or a
    new one): permission, team scope (the customer's and the new team), the owner's team, credit
    terms (Finance and Admin only, when they change), and the model's field rules."""
    problems = customer_field_problems(values)
    if current is None and not scope.may_add:
        problems["external_id"] = _("You may not create customers.")
    if current is not None:
        if not scope.may_change:
            problems["external_id"] = _("You may not change customers.")
        elif not scope.covers(current.team_id):
            problems["external_id"] = _("This customer belongs to a team you do not work in.")
    team_id = values.get("team_id")
    if team_id is None:
        problems["team_id"] = _("Name the customer's team: this database has no default team.")
    elif not scope.covers(team_id):
        problems["team_id"] = _("You may only write customers of your own teams.")
    owner_id = values.get("owner_id")
    if owner_id is not None and team_id not in scope.memberships.get(owner_id, set()):
        problems["owner_id"] = _("The owner must be a member of the customer's team.")
    if not scope.may_credit and any(
        values.get(name) is not None and (current is None or values[name] != getattr(current, name))
        for name in CREDIT_FIELDS
    ):
        problems["credit_limit"] = _("Only Finance and Admin set credit limits and payment terms.")
    return problems


@dataclass(frozen=True, kw_only=True)
class CustomerRow:
    """One customer of a batch: its import ID, the existing customer it updates (pk, None for a new
    one) and the values of BATCH_FIELDS it gives (a missing key keeps the current value or the
    default)."""

    external_id: str
    pk: int | None
    values: dict


@transaction.atomic
def customer_write_many(*, rows: list[CustomerRow], user, scope: CustomerWriteScope | None = None) -> BatchResult:
    """Create or update many customers in a few queries, under the same rules as one at a time
    (customer_write_problems; a type only moves forward). Refuses the whole batch with a
    ValidationError naming the row when one breaks a rule."""
    scope = scope or CustomerWriteScope.of(user)
    existing = Customer.objects.select_for_update().in_bulk([row.pk for row in rows if row.pk])
    result = BatchResult()
    for row in rows:
        current = existing.get(row.pk)
        if problems := customer_write_problems(scope, current=current, values=row.values):
            raise ValidationError({key: f"{row.external_id}: {message}" for key, message in problems.items()})
        values = dict(row.values)
        if current is None:
            result.created.append(Customer(external_id=row.external_id, **values))
            continue
        if TYPE_ORDER.get(values.get("customer_type"), 0) < TYPE_ORDER.get(current.customer_type, 0):
            values["customer_type"] = current.customer_type  # the rule moved it on; types never move back
        if status := apply_row(current, values, row.external_id):
            getattr(result, status).append(current)
        else:
            result.unchanged += 1
    Customer.objects.bulk_create(result.created)
    if changed := [*result.updated, *result.stamped]:
        now = timezone.now()
        for customer in changed:
            customer.updated_at = now
        Customer.objects.bulk_update(changed, [*BATCH_FIELDS, "external_id", "updated_at"])
    registry.customers_changed([c.pk for c in [*result.created, *result.updated, *result.stamped]])
    return result
