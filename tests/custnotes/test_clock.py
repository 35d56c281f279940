"""The suite's clock is set: every test sees the same day, whatever the calendar says (tests/clock.py)."""

import datetime
import time

from django.utils import timezone

from tests import clock


def test_today_is_the_suites_day_in_the_deployments_time_zone():
    assert timezone.localdate() == clock.suite_today()
    assert datetime.datetime.now().date() == clock.suite_today()  # the plain library calls see it too
    # 07:00 in Shanghai (UTC+8): UTC still shows the day before, so code that dates by UTC fails here
    if timezone.localtime().utcoffset() >= datetime.timedelta(hours=8):
        assert timezone.now().astimezone(datetime.UTC).date() == clock.suite_today() - datetime.timedelta(days=1)


def test_the_clock_ticks():
    first = timezone.now()
    time.sleep(0.01)
    assert timezone.now() > first
