"""Which backups the retention rule keeps: a pure function over dates."""

import datetime
from collections.abc import Mapping


def retention_keep(
    created: Mapping[str, datetime.date | datetime.datetime], *, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> set[str]:
    """The names to keep of {name: creation day or local time}.

    The newest backup of each of the `daily` most recent days that have a backup, of each of the
    `weekly` most recent ISO weeks (Monday to Sunday) and of each of the `monthly` most recent calendar
    months; a backup kept by several rules counts once. Everything else goes.
    """
    newest_first = sorted(created.items(), key=lambda item: (item[1], item[0]), reverse=True)

    def day(value) -> datetime.date:
        return value.date() if isinstance(value, datetime.datetime) else value

    rules = (
        (daily, lambda d: d),
        (weekly, lambda d: tuple(d.isocalendar())[:2]),
        (monthly, lambda d: (d.year, d.month)),
    )
    keep: set[str] = set()
    for count, bucket in rules:
        seen: set = set()
        for name, when in newest_first:
            key = bucket(day(when))
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.add(key)
            keep.add(name)
    return keep
