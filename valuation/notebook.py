"""The value section of the notebook: the latest snapshot, what changed since the one before, and
the trend over the stored snapshots."""

from django.utils.translation import gettext as _

from . import calculations
from .choices import HistoryNote, Segment
from .selectors import customer_history


def _segment_label(value):
    return str(Segment(value).label) if value else _("no segment")


def change_sentences(previous, current) -> list[str]:
    """Word the changes between two snapshots, e.g. "Champions → At risk: no purchase for 210 days"."""
    if previous is None or current is None:
        return []
    sentences = []
    fields = ("segment", "tier", "recency_days")
    for kind, values in calculations.changes_between(
        {f: getattr(previous, f) for f in fields}, {f: getattr(current, f) for f in fields}
    ):
        if kind == "segment":
            text = f"{_segment_label(values['from'])} → {_segment_label(values['to'])}"
            if values["days"] is not None:
                text += _(": no purchase for %(days)s days") % {"days": values["days"]}
            sentences.append(text)
        else:
            sentences.append(_("Tier %(old)s → %(new)s") % {"old": values["from"] or "—", "new": values["to"]})
    return sentences


def value_context(*, customer, user, as_of, params=None):
    history = customer_history(customer=customer, as_of=as_of)
    current = history[0] if history else None
    previous = history[1] if len(history) > 1 else None
    trend = list(reversed(history[:12]))
    return {
        "customer": customer,
        "current": current,
        "previous": previous,
        "changes": change_sentences(previous, current),
        # what stands in place of a model figure the snapshot has not: the note for a customer too
        # new to predict (the figures would be the portfolio's average, not theirs), else a dash
        "no_figure": current.get_history_note_display()
        if current is not None and current.history_note == HistoryNote.TOO_NEW
        else "—",
        "trend": trend,
        "chart": {
            "type": "line",
            "labels": [s.as_of.isoformat() for s in trend],
            "series": [
                {
                    "label": str(_("current value")),
                    "data": [str(s.current_value) for s in trend],
                    "color": "#0d6efd",
                },
                {
                    "label": str(_("potential value")),
                    "data": [str(s.potential_value or 0) for s in trend],
                    "color": "#198754",
                },
            ],
        },
        "can_rescore": user.has_perm("valuation.run_valuation"),
    }
