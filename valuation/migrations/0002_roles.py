"""Give the roles their valuation permissions (custnotes/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from custnotes.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("valuation", "0001_initial"),
        ("costing", "0002_categories_and_roles"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
