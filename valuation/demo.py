"""Demo scoring: two runs a month apart, so the notebook shows a trend, the dashboard changed
verdicts, and the risk pages their alerts and proposals."""

import datetime

from django.utils import timezone

from . import services


def load(*, stdout=None):
    today = timezone.localdate()
    for as_of in (today - datetime.timedelta(days=31), today):
        run = services.valuation_run(as_of=as_of)
        if stdout:
            stdout.write(f"demo: scored {run.customers} customers as of {as_of}")
