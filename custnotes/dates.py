"""The one date rule for every dated record (sales, payments, costs; typed or imported) and for the
pages' as-of dates: not after tomorrow (a clerk may book tonight what is dated tomorrow morning),
not before the deployment's earliest date (settings.EARLIEST_RECORD_DATE, 1990-01-01 unless set:
far enough back for a company's whole history, close enough to catch a typo in the year)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _


def earliest_date() -> datetime.date:
    return settings.EARLIEST_RECORD_DATE


def date_out_of_range(day: datetime.date, *, today: datetime.date, earliest: datetime.date) -> str | None:
    """ "future" (after tomorrow), "past" (before earliest) or None when the day is fine."""
    if day > today + datetime.timedelta(days=1):
        return "future"
    if day < earliest:
        return "past"
    return None


def too_early_message(earliest: datetime.date | None = None) -> str:
    return _("The date cannot be before %(earliest)s.") % {"earliest": (earliest or earliest_date()).isoformat()}


def date_problem(day: datetime.date) -> str | None:
    """Why a record may not carry this date, in words; None if fine. Every write of a dated record
    asks this."""
    earliest = earliest_date()
    reason = date_out_of_range(day, today=timezone.localdate(), earliest=earliest)
    if reason == "future":
        return _("The date cannot be later than tomorrow.")
    if reason == "past":
        return too_early_message(earliest)
    return None


def command_date(value: str) -> datetime.date:
    """A command-line date argument (YYYY-MM-DD), for argparse's type=; a clear error otherwise."""
    from django.core.management.base import CommandError

    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


# --- local days as timestamp ranges ---------------------------------------------------------------
#
# A filter on `occurred_at__date` compares (occurred_at AT TIME ZONE 'Asia/Shanghai')::date: an
# expression no index on occurred_at serves, so PostgreSQL scans the whole table. The same local days
# as a half-open range of instants [start of the first day, start of the day after the last) use the
# index, and mean the same on every backend.


def day_start(day: datetime.date) -> datetime.datetime:
    """The instant the local day begins, in the deployment's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def local_days(field: str, first: datetime.date | None = None, last: datetime.date | None = None):
    """Q: the timestamp `field` falls on a local day from `first` to `last` (both included; either
    open when None)."""
    from django.db.models import Q

    condition = Q()
    if first is not None:
        condition &= Q(**{f"{field}__gte": day_start(first)})
    if last is not None:
        condition &= Q(**{f"{field}__lt": day_start(last + datetime.timedelta(days=1))})
    return condition
