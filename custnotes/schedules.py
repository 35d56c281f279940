"""Periodic jobs: the defaults each app registers become django-celery-beat entries, editable after."""

import json

from django.db import transaction

from custnotes.registry import registry


@transaction.atomic
def schedules_ensure() -> list[str]:
    """Create every registered schedule that is missing; never overwrite one an admin has edited.

    Returns the names of the schedules created.
    """
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created = []
    for schedule in registry.schedules:
        if PeriodicTask.objects.filter(name=schedule.name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=schedule.crontab.get("minute", "0"),
            hour=schedule.crontab.get("hour", "*"),
            day_of_week=schedule.crontab.get("day_of_week", "*"),
            day_of_month=schedule.crontab.get("day_of_month", "*"),
            month_of_year=schedule.crontab.get("month_of_year", "*"),
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.create(
            name=schedule.name,
            task=schedule.task,
            crontab=crontab,
            kwargs=json.dumps({}),
            description=str(schedule.description),
        )
        created.append(schedule.name)
    return created
