"""Template filters for presentation only: money formatting and query strings. No business logic."""

from django import template

from custnotes.money import format_money

register = template.Library()


@register.filter
def money(value):
    """{{ amount|money }} -> ¥12,345.60"""
    return format_money(value)
