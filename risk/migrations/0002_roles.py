"""Give the roles their risk permissions (custnotes/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from custnotes.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("valuation", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
