"""Filters shared by every app's FilterSets."""

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SearchFilter(django_filters.CharFilter):
    """The `q` box of every list: each word must appear in at least one of `search_fields`."""

    def __init__(self, *args, search_fields: tuple[str, ...], **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("method", self.search)
        super().__init__(*args, **kwargs)
        self.search_fields = search_fields

    def search(self, queryset, name, value):
        for word in value.split()[:8]:
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{field}__icontains": word}) for field in self.search_fields))
            )
        return queryset
