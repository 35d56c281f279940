"""The suite's fixed clock: every test runs on the same "today", whatever the calendar says.

The day is CUSTNOTES_TEST_TODAY (YYYY-MM-DD), by default a plain mid-month weekday; `.ci/run` runs
the date-sensitive tests again on a month end, a year end and 29 February. The clock starts at
07:00 in the deployment's time zone, when UTC still shows the day before, so that code which takes
the date from UTC instead of the local day fails here rather than in a customer's morning. It
ticks from there (time-outs and polling work), and no run of the suite lasts the 16 hours it would
take to reach the next day.

time-machine moves the clock of this process (datetime, date, time.time; not the monotonic clock);
a process the tests start (the Celery worker) runs under the same clock through `python -m
tests.clocked`.
"""

import datetime
import os
import zoneinfo

DEFAULT_TODAY = datetime.date(2026, 6, 17)  # a Wednesday in the middle of a month and a year
START_TIME = datetime.time(7, 0)
TODAY_VARIABLE = "CUSTNOTES_TEST_TODAY"
NOW_VARIABLE = "CUSTNOTES_TEST_NOW"  # the instant handed to a child process, ISO 8601


def suite_today() -> datetime.date:
    value = os.environ.get(TODAY_VARIABLE, "")
    return datetime.date.fromisoformat(value) if value else DEFAULT_TODAY


def suite_start() -> datetime.datetime:
    """The moment the suite starts at: START_TIME on suite_today() in the deployment's time zone."""
    zone = zoneinfo.ZoneInfo(os.environ.get("TIME_ZONE", "Asia/Shanghai"))
    return datetime.datetime.combine(suite_today(), START_TIME, tzinfo=zone)


def start():
    """Start the fixed clock in this process (from the parent's instant when there is one)."""
    import time_machine

    now = os.environ.get(NOW_VARIABLE)
    traveller = time_machine.travel(datetime.datetime.fromisoformat(now) if now else suite_start(), tick=True)
    traveller.start()
    return traveller
