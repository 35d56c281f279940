"""Template filters for presentation only: money formatting and query strings. No business logic."""

from django import template

from custnotes.money import format_money
from custnotes.tables import format_percent, format_person

register = template.Library()


@register.filter
def money(value):
    """{{ amount|money }} -> ¥12,345.60"""
    return format_money(value)


@register.filter
def percent(value):
    """{{ ratio|percent }} -> 12.3 % (a ratio of 0.1234); — when there is no figure."""
    return format_percent(value)


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }}: a dict lookup by a variable key."""
    return mapping.get(key) if mapping else None


@register.filter
def person(user):
    """{{ user|person }}: the full name, else the username; — for nobody (a deleted user)."""
    return format_person(user)
