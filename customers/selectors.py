"""Reads of customers, always scoped to what the user may see (custnotes.permissions)."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from custnotes.filters import word_search
from custnotes.permissions import scope_queryset, sees_all_customers

from .models import Customer, Industry, Note, Team


def customer_list(*, user, include_archived: bool = True) -> QuerySet[Customer]:
    """Every customer `user` may see, with what the list and the notebook show joined in."""
    queryset = scope_queryset(Customer.objects.all(), user).select_related("industry", "team", "owner")
    if not include_archived:
        queryset = queryset.filter(is_archived=False)
    return queryset.prefetch_related("tags")


SEARCH_FIELDS = ("name", "company", "contact_person", "phone", "email")  # what the search box looks in
PICK_LIMIT = 20  # matches a customer picker shows at a time


def customer_pick(*, user, q: str, exclude=()) -> tuple[list[Customer], bool]:
    """The first active customers in `user`'s scope matching the words of `q` as the list's search
    box does, by name, leaving out `exclude` (pks already chosen); and whether there are more."""
    if not (q or "").strip():
        return [], False
    matches = word_search(customer_list(user=user, include_archived=False).prefetch_related(None), q, SEARCH_FIELDS)
    found = list(matches.exclude(pk__in=list(exclude)).order_by("name", "pk")[: PICK_LIMIT + 1])
    return found[:PICK_LIMIT], len(found) > PICK_LIMIT


def customer_get(*, user, pk) -> Customer:
    """One customer in `user`'s scope, or 404: a customer outside the scope does not exist for them."""
    return get_object_or_404(customer_list(user=user), pk=pk)


def note_list(*, customer: Customer, limit: int | None = None) -> QuerySet[Note]:
    queryset = customer.notes.select_related("author")
    return queryset[:limit] if limit else queryset


def team_choices(*, user) -> QuerySet[Team]:
    """The teams a user may put customers in: all of them, or the user's own."""
    if sees_all_customers(user):
        return Team.objects.all()
    return Team.objects.filter(members=user)


def owner_choices(*, user) -> QuerySet:
    """Users who may own customers the user edits: members of the teams the user may use."""
    teams = team_choices(user=user)
    return get_user_model().objects.filter(is_active=True, teams__in=teams).distinct().order_by("username")


def industry_list() -> QuerySet[Industry]:
    return Industry.objects.all()


def industry_get(*, pk) -> Industry:
    return get_object_or_404(industry_list(), pk=pk)
