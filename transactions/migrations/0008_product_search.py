"""The sales list's search of products: a trigram index on PostgreSQL (see customers 0007)."""

from django.db import migrations

# The lists' `q` box is `UPPER(col) LIKE UPPER('%word%')` (icontains) over these columns: on
# PostgreSQL a trigram index on the same expression serves it. Other backends have no such index.
SEARCHED = {
    "transactions_sale": ("product",),
}


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_{column}_trgm"')


class Migration(migrations.Migration):

    dependencies = [
        ("transactions", "0007_running_open_amounts"),
    ]

    operations = [
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
