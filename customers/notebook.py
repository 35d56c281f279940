"""The customers app's sections of the notebook page: who the customer is, and the notes."""

from . import industry_templates
from .forms import NoteForm
from .selectors import note_list

NOTES_SHOWN = 50
TYPE_CHANGES_SHOWN = 10


def info_context(*, customer, user, as_of, params=None):
    extra = customer.extra or {}
    extra_values = [
        (field.label, industry_templates.from_json(field, extra.get(field.key)))
        for field in industry_templates.extra_fields_for(customer.industry)
    ]
    return {
        "customer": customer,
        "extra_values": extra_values,
        "type_changes": list(customer.type_changes.all()[:TYPE_CHANGES_SHOWN]),
    }


def notes_context(*, customer, user, as_of, params=None):
    notes = list(note_list(customer=customer, limit=NOTES_SHOWN + 1))
    return {
        "customer": customer,
        "notes": notes[:NOTES_SHOWN],
        "more_notes": len(notes) > NOTES_SHOWN,
        "note_form": NoteForm() if user.has_perm("customers.add_note") else None,
    }
