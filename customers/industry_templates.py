"""The extra customer fields an industry template adds (DESIGN.md: Industry -> industry template).

Values are stored in Customer.extra under each field's key; the customer form shows the fields of
the customer's industry, and the notebook shows their values.
"""

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import IndustryTemplate


@dataclass(frozen=True)
class ExtraField:
    key: str
    label: object
    kind: str = "text"  # text | integer | date


TEMPLATE_FIELDS: dict[str, tuple[ExtraField, ...]] = {
    IndustryTemplate.RETAIL: (
        ExtraField("store_count", _("Number of stores"), "integer"),
        ExtraField("main_channel", _("Main sales channel")),
    ),
    IndustryTemplate.FINANCE: (
        ExtraField("licence_number", _("Licence number")),
        ExtraField("regulator", _("Regulator")),
    ),
    IndustryTemplate.SERVICES: (
        ExtraField("contract_type", _("Service contract type")),
        ExtraField("contract_end", _("Contract ends on"), "date"),
    ),
    IndustryTemplate.MANUFACTURING: (
        ExtraField("main_products", _("Main products")),
        ExtraField("annual_capacity", _("Annual capacity")),
    ),
}


def extra_fields_for(industry) -> tuple[ExtraField, ...]:
    """The extra fields customers of `industry` carry (none without an industry)."""
    if industry is None:
        return ()
    if industry.template == IndustryTemplate.CUSTOM:
        labels = [line.strip() for line in industry.custom_fields.splitlines() if line.strip()]
        return tuple(ExtraField(f"custom:{label}", label) for label in labels)
    return TEMPLATE_FIELDS.get(industry.template, ())


def form_field(field: ExtraField) -> forms.Field:
    if field.kind == "integer":
        return forms.IntegerField(label=field.label, required=False, min_value=0)
    if field.kind == "date":
        return forms.DateField(label=field.label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
    return forms.CharField(label=field.label, required=False, max_length=200)


def to_json(field: ExtraField, value):
    """The JSON form of a cleaned value (dates as ISO text)."""
    if value in (None, ""):
        return None
    if field.kind == "date":
        return value.isoformat()
    return value


def from_json(field: ExtraField, value):
    if value in (None, ""):
        return None
    if field.kind == "date":
        import datetime

        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    return value
