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
    # in a schema of its own, not public: a restore moves public aside and back (custnotes.backup),
    # and an operator class living in public would move with it
    schema_editor.execute("CREATE SCHEMA IF NOT EXISTS extensions")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA extensions")
    with schema_editor.connection.cursor() as cursor:  # where it is (an older install may have it elsewhere)
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
        (schema,) = cursor.fetchone()
    for table, columns in SEARCHED.items():
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) "{schema}".gin_trgm_ops)'
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
