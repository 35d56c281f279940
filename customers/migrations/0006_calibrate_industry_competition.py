"""Calibrate the seeded industries' competition so that a "high" market risk means something.

The first seeds put seven of the fourteen industries at high competition, and market risk is high for
a declining industry or high competition (DESIGN): half of all business, whoever the customer, came
out "market risk high", so the level told a clerk nothing about the customer in front of them. High
competition stays where margins and failures show it (food service, construction, real estate);
retail, wholesale and IT move to medium, finance to low. Only rows still at their first seed values
are touched: an industry an admin has rated keeps its rating.
"""

from django.db import migrations

CALIBRATED = [
    # name, seeded (outlook, competition), calibrated competition
    ("零售", ("stable", "high"), "medium"),
    ("批发", ("stable", "high"), "medium"),
    ("金融", ("stable", "high"), "low"),
    ("信息技术", ("growing", "high"), "medium"),
]


def calibrate(apps, schema_editor):
    Industry = apps.get_model("customers", "Industry")
    for name, (outlook, competition), calibrated in CALIBRATED:
        Industry.objects.filter(name=name, outlook=outlook, competition=competition).update(competition=calibrated)


def uncalibrate(apps, schema_editor):
    Industry = apps.get_model("customers", "Industry")
    for name, (outlook, competition), calibrated in CALIBRATED:
        Industry.objects.filter(name=name, outlook=outlook, competition=calibrated).update(competition=competition)


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_default_team")]

    operations = [migrations.RunPython(calibrate, uncalibrate)]
