"""A customer picker for forms that choose customers (a campaign's targets): a search box that finds
customers as the list's search does and the chosen ones as ticked boxes — never every customer of
the books as an option (one per customer: 100,000 options at a large company's size)."""

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse


class CustomerPicker(forms.SelectMultiple):
    """Renders the chosen customers only; the field (a ModelMultipleChoiceField over the user's
    customers) still validates every submitted id against its queryset, in one query."""

    def chosen(self, value) -> list:
        ids = [int(pk) for pk in (value or []) if str(pk).isdigit()]
        if not ids:
            return []
        return list(self.choices.queryset.filter(pk__in=ids).select_related("team").order_by("name", "pk"))

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        return render_to_string(
            "customers/widgets/customer_picker.html",
            {
                "name": name,
                "id": attrs.get("id") or f"id_{name}",
                "chosen": self.chosen(value),
                "search_url": reverse("customers:pick"),
            },
        )
