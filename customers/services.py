"""Writes and workflows on customers. Views validate with forms, then call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Customer, CustomerTypeChange, Note


@transaction.atomic
def customer_create(*, data: dict, tags=(), extra: dict | None = None) -> Customer:
    customer = Customer(**data, extra=extra or {})
    customer.full_clean()
    customer.save()
    customer.tags.set(tags)
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
def note_create(*, customer: Customer, author, text: str) -> Note:
    note = Note(customer=customer, author=author, text=text.strip())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def customer_type_change(*, customer: Customer, new_type: str, reason: str = "") -> Customer:
    """Move the customer to `new_type` and record the move in its history (no-op when unchanged)."""
    if customer.customer_type == new_type:
        return customer
    CustomerTypeChange.objects.create(
        customer=customer, old_type=customer.customer_type, new_type=new_type, reason=reason[:200]
    )
    customer.customer_type = new_type
    customer.save(update_fields=["customer_type", "updated_at"])
    return customer
