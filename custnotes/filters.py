"""Filters shared by every app's FilterSets, and the filters a page applied, said in words."""

import datetime
from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SearchFilter(django_filters.CharFilter):
    """The `q` box of every list: each word must appear in at least one of `search_fields`."""

    def __init__(self, *args, search_fields: tuple[str, ...], **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("method", self.search)
        super().__init__(*args, **kwargs)
        self.search_fields = search_fields

    def search(self, queryset, name, value):
        return word_search(queryset, value, self.search_fields)


def word_search(queryset, value: str, fields: tuple[str, ...]):
    """The rows where each word of `value` (the first eight) appears in at least one of `fields`."""
    for word in (value or "").split()[:8]:
        queryset = queryset.filter(reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)))
    return queryset


def chosen_filters(*filter_forms, skip: tuple[str, ...] = ("as_of",)) -> list[tuple[str, str]]:
    """The filters chosen on a page's forms (a filterset's form, a window form) as (label, value)
    pairs in the words of the form: its labels, and the labels of the chosen choices. A field left
    empty (or a checkbox left unticked) is no filter; an invalid one is not applied, so not named."""
    chosen = []
    for form in filter_forms:
        if form is None or not form.is_bound:
            continue
        form.errors  # noqa: B018 - validates the form once (cached), so cleaned_data is there
        cleaned = getattr(form, "cleaned_data", {})
        for bound_field in form:
            name = bound_field.name
            raw = form.data.get(bound_field.html_name)
            if name in skip or name not in cleaned or raw in (None, ""):
                continue
            text = _filter_text(bound_field.field, raw, cleaned[name])
            if text:
                chosen.append((str(bound_field.label), text))
    return chosen


def _filter_text(field, raw, value) -> str:
    if isinstance(field, forms.ModelChoiceField):  # the chosen object, not a query of every choice
        if isinstance(field, forms.ModelMultipleChoiceField):
            return ", ".join(str(item) for item in value or ())
        return "" if value is None else str(value)
    choices = getattr(field, "choices", None) or getattr(field.widget, "choices", None)
    if choices:
        labels = {str(key): label for key, label in _flat_choices(choices)}
        if isinstance(value, list | tuple):  # a multiple choice
            return ", ".join(str(labels.get(str(item), item)) for item in value)
        if str(raw) in labels:
            return str(labels[str(raw)])
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value in (None, "", [], ()):
        return ""
    return str(value)


def _flat_choices(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            yield from label
        else:
            yield key, label
