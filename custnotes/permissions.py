"""Object access: which customers (and so which of their records) a user may see and change.

The rule lives here once and every selector applies it:
- users with customers.view_all_customers (Finance, Manager, Admin) see every customer;
- everyone else (Sales) sees the customers of the teams they belong to;
- changing a customer needs the model permission *and* the customer in scope;
- credit limits and payment terms need customers.change_credit_terms (Finance, Admin).
A customer outside a user's scope does not exist for them: lookups answer 404, not 403.
"""

from django.db.models import Q, QuerySet

VIEW_ALL_CUSTOMERS = "customers.view_all_customers"
CHANGE_CREDIT_TERMS = "customers.change_credit_terms"


def sees_all_customers(user) -> bool:
    return user.is_active and user.has_perm(VIEW_ALL_CUSTOMERS)


def customer_scope_q(user, path: str = "") -> Q:
    """A Q that keeps the rows whose customer (reached by `path`, e.g. "customer__") `user` may see."""
    if not user.is_authenticated or not user.is_active or not user.has_perm("customers.view_customer"):
        return Q(pk__in=[])
    if sees_all_customers(user):
        return Q()
    # the user's teams read once (a handful of ids), so that no list joins teams and their members
    return Q(**{f"{path}team_id__in": team_ids(user)})


def team_ids(user) -> list[int]:
    """The ids of the teams `user` belongs to, read once per user object (once a request)."""
    ids = getattr(user, "_custnotes_team_ids", None)
    if ids is None:
        ids = list(user.teams.values_list("pk", flat=True))
        user._custnotes_team_ids = ids
    return ids


def scope_queryset(queryset: QuerySet, user, path: str = "") -> QuerySet:
    """Filter any queryset of customers, or of records that hang off a customer, to `user`'s scope."""
    return queryset.filter(customer_scope_q(user, path))


def in_scope(user, customer) -> bool:
    """Whether `customer` is in `user`'s scope, without a query when the user sees all."""
    if sees_all_customers(user):
        return True
    return customer.team_id is not None and user.teams.filter(pk=customer.team_id).exists()


def can_change_customer(user, customer) -> bool:
    return user.has_perm("customers.change_customer") and in_scope(user, customer)


def can_delete_customer(user, customer) -> bool:
    return user.has_perm("customers.delete_customer") and in_scope(user, customer)


def can_change_credit_terms(user) -> bool:
    return user.has_perm(CHANGE_CREDIT_TERMS)
