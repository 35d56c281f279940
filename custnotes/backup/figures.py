"""What a backup promises about its database: every table's row count and money totals, and the
migrations applied. Computed with plain SQL over a DB-API cursor, so the same function reads the live
database, a consistent snapshot of it, a scratch copy or a schema being swapped in."""

from decimal import Decimal

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from custnotes.money import CENT, MoneyField


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_specs() -> dict[str, dict]:
    """{table: {column: {"kind": "money" | "decimal", "places": n}}} for every table of an installed model.

    Money is custnotes.money.MoneyField (integer fen in the database); any other DecimalField counts too.
    """
    specs: dict[str, dict] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        columns = specs.setdefault(meta.db_table, {})
        for field in meta.concrete_fields:
            if isinstance(field, MoneyField):
                columns[field.column] = {"kind": "money", "places": 2}
            elif isinstance(field, models.DecimalField):
                columns[field.column] = {"kind": "decimal", "places": field.decimal_places}
    return dict(sorted(specs.items()))


def _total(value, spec: dict) -> str:
    if spec["kind"] == "money":
        return str(Decimal(int(value or 0)).scaleb(-2).quantize(CENT))
    exponent = Decimal(1).scaleb(-int(spec["places"]))
    return str(Decimal(str(value if value is not None else 0)).quantize(exponent))


def table_figures(cursor, specs: dict[str, dict], *, schema: str | None = None) -> dict[str, dict]:
    """{table: {"rows": n, "money": {column: total}, "columns": spec}}: one query per table."""
    figures = {}
    for table, columns in specs.items():
        names = list(columns)
        selects = ", ".join(["COUNT(*)", *(f"SUM({quote(c)})" for c in names)])
        where = f"{quote(schema)}.{quote(table)}" if schema else quote(table)
        cursor.execute(f"SELECT {selects} FROM {where}")  # noqa: S608 - names come from the models, quoted
        row = cursor.fetchone()
        figures[table] = {
            "rows": int(row[0]),
            "money": {c: _total(v, columns[c]) for c, v in zip(names, row[1:], strict=True)},
            "columns": columns,
        }
    return figures


def specs_of(figures: dict[str, dict]) -> dict[str, dict]:
    """The table specs a manifest's figures were computed with (to recompute them the same way)."""
    return {table: dict(entry.get("columns", {})) for table, entry in figures.items()}


def figure_differences(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    """Human-readable differences between two sets of figures (empty: identical)."""
    problems = []
    for table, want in expected.items():
        have = actual.get(table)
        if have is None:
            problems.append(_("%(table)s: missing") % {"table": table})
            continue
        if have["rows"] != want["rows"]:
            problems.append(
                _("%(table)s: %(have)s rows instead of %(want)s")
                % {"table": table, "have": have["rows"], "want": want["rows"]}
            )
        for column, total in want.get("money", {}).items():
            if have["money"].get(column) != total:
                problems.append(
                    _("%(table)s.%(column)s: total %(have)s instead of %(want)s")
                    % {"table": table, "column": column, "have": have["money"].get(column), "want": total}
                )
    return problems


def applied_migrations(cursor) -> list[list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def newer_migrations(applied: list[list[str]]) -> list[str]:
    """Migrations the archive's database had that this code does not know: it was made by a newer version."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    return sorted(f"{app}.{name}" for app, name in applied if app in loader.migrated_apps and (app, name) not in known)
