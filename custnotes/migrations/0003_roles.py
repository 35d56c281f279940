"""Give the roles the import permission (custnotes/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from custnotes.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("custnotes", "0002_import_jobs"),
        ("risk", "0002_roles"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
