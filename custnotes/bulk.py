"""Set-based writes of many rows: COPY on PostgreSQL, bulk_create / bulk_update elsewhere.

Django's bulk_create sends one INSERT with a placeholder per value (2,000 snapshots of 20 columns:
40,000 parameters that the driver splits and binds one by one), and bulk_update a CASE per row and
column. COPY streams the rows instead, and an update goes through COPY into a temporary table and one
UPDATE … FROM it, in bounded batches. Values are prepared by each field (money as integer fen, JSON
as JSON), so what is stored is exactly what the ORM would have stored.

Django's bulk_update with a CASE per row and column is also what once kept PostgreSQL's JIT busy for
seven minutes at 7 GB on 89,912 alerts (issue 15): batches stay bounded, so no server setting has to
survive a statement. The scoring run (valuation, risk) writes through here.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models, transaction
from django.utils import timezone

from custnotes.money import MoneyField

BATCH = 10_000  # rows per UPDATE … FROM on PostgreSQL
OTHER_BATCH = 500  # rows per statement on other backends


# Fields whose Python values PostgreSQL takes as they are (get_db_prep_save returns them unchanged).
AS_THEY_ARE = (
    models.IntegerField,  # and the positive, small and big ones, and the automatic primary keys
    models.FloatField,
    models.DecimalField,
    models.CharField,
    models.BooleanField,
    models.DateField,  # and DateTimeField
)


def _converters(fields):
    """Per column, what turns a Python value into the value the column stores: money as integer fen
    (the field's own rule), JSON as its text, others as they are; a field of another kind by its
    get_db_prep_save."""

    def prepare(field):
        if isinstance(field, MoneyField):
            return field.get_prep_value
        if isinstance(field, models.JSONField):
            encoder = field.encoder
            return lambda value: None if value is None else json.dumps(value, cls=encoder)
        if isinstance(field, models.ForeignKey):
            return prepare(field.target_field)
        if isinstance(field, AS_THEY_ARE):
            return None
        return lambda value: field.get_db_prep_save(value, connection)

    return [prepare(field) for field in fields]


def _prepared(converters, row) -> list:
    return [value if convert is None else convert(value) for convert, value in zip(converters, row, strict=True)]


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (values in the order of `fields`, attribute names such as "customer_id") into
    `model`'s table; returns how many. The fields left out take their defaults (the time of the
    insert for auto_now and auto_now_add), as the ORM's inserts would."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        names = [column.attname for column in columns]
        objects = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=OTHER_BATCH)
        return len(objects)
    given = set(columns)
    now = timezone.now()
    rest = [
        field
        for field in meta.concrete_fields
        if field not in given
        and not field.generated  # computed by the database
        and not (field.primary_key and isinstance(field, models.AutoField))
    ]
    defaults = [
        now if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) else field.get_default()
        for field in rest
    ]
    return _copy(meta, [*columns, *rest], ([*row, *defaults] for row in rows))


def _copy(meta, columns, rows) -> int:
    """COPY `rows` (values in the order of `columns`, prepared by each field) into the table."""
    quote = connection.ops.quote_name
    converters = _converters(columns)
    count = 0
    with connection.cursor() as cursor:
        sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(c.column) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(_prepared(converters, row))
                count += 1
    return count


def insert_objects(model, objects: Iterable[models.Model]) -> list:
    """Insert new model instances as bulk_create would (each field's pre_save, so auto_now_add is
    the time of the insert; every instance gets its primary key) and return them. On PostgreSQL the
    keys are drawn from the table's sequence in one query and the rows go by COPY: the import's
    batches of 1,000 sales took a quarter of a second each through bulk_create's placeholders."""
    objects = list(objects)
    if not objects:
        return objects
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects, batch_size=OTHER_BATCH)
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.generated]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            setattr(obj, meta.pk.attname, pk)
    _copy(meta, fields, ([field.pre_save(obj, True) for field in fields] for obj in objects))
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias
    return objects


def update_rows(model, fields: Sequence[str], rows: Sequence[Sequence]) -> int:
    """Set `fields` of existing rows: each row is (primary key, *values in the order of `fields`).
    Returns how many rows were given."""
    if not rows:
        return 0
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        names = [column.attname for column in columns]
        objects = [model(pk=row[0], **dict(zip(names, row[1:], strict=True))) for row in rows]
        model.objects.bulk_update(objects, names, batch_size=OTHER_BATCH)
        return len(objects)
    quote = connection.ops.quote_name
    staging = quote(f"staging_{meta.db_table}")
    definitions = ", ".join(f"{quote(c.column)} {c.db_type(connection)}" for c in (pk, *columns))
    assignments = ", ".join(f"{quote(c.column)} = s.{quote(c.column)}" for c in columns)
    converters = _converters([pk, *columns])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ({definitions}) ON COMMIT DROP")
        for start in range(0, len(rows), BATCH):
            cursor.execute(f"TRUNCATE {staging}")
            with cursor.cursor.copy(f"COPY {staging} FROM STDIN") as copy:
                for row in rows[start : start + BATCH]:
                    copy.write_row(_prepared(converters, row))
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM {staging} AS s "  # noqa: S608 - quoted names
                f"WHERE t.{quote(pk.column)} = s.{quote(pk.column)}"
            )
        cursor.execute(f"DROP TABLE {staging}")
    return len(rows)
