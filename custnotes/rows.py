"""Report rows worked out in SQL, read the way django-tables2 reads a queryset: `count()`,
`order_by(*keys)` (a new, re-ordered set), slices (one LIMIT/OFFSET statement: only the page's rows
are fetched) and iteration (streamed in chunks: an export of every row keeps memory flat)."""

import copy
from collections.abc import Iterator

from django.db import connections


class SqlRows:
    """The protocol; a report's rows subclass it with `_rows(start, stop, chunked)` (dicts from
    `start` to `stop`, None for the end, in `self.order`) and `_count_rows()`.

    `COLUMNS` maps each key the rows sort by to the column of the statement that orders it (keys not
    in it are ignored, as a queryset's table ignores a column it does not have); `NULLABLE` columns
    sort their missing values last both ways, as a spreadsheet does; `TIEBREAK` ends every ordering
    so that pages never overlap."""

    model = None  # django-tables2 names the rows by the model's verbose name when there is one
    COLUMNS: dict[str, str] = {}
    NULLABLE: frozenset[str] = frozenset()
    DEFAULT_ORDER: tuple[str, ...] = ()
    TIEBREAK: tuple[str, ...] = ("pk",)
    CHUNK = 2000  # rows fetched at a time when iterating
    using = "default"

    def __init__(self):
        self.order: tuple[str, ...] = self.DEFAULT_ORDER
        self._count: int | None = None

    # --- what django-tables2 and the callers ask ---------------------------------------------------

    def count(self) -> int:
        if self._count is None:
            self._count = self._count_rows()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def order_by(self, *keys) -> "SqlRows":
        """The same rows (and their known count) in another order."""
        ordered = copy.copy(self)
        ordered.order = tuple(key for key in keys if key.lstrip("-") in self.COLUMNS) or self.DEFAULT_ORDER
        return ordered

    def __getitem__(self, key):
        if isinstance(key, int):
            if key < 0:
                return list(self)[key]
            page = self[key : key + 1]
            if not page:
                raise IndexError(key)
            return page[0]
        if key.step is not None or (key.start or 0) < 0 or (key.stop is not None and key.stop < 0):
            return list(self)[key]
        start = int(key.start or 0)
        return list(self._rows(start, None if key.stop is None else int(key.stop), chunked=False))

    def __iter__(self) -> Iterator[dict]:
        """Every row, streamed (a server-side cursor on PostgreSQL: an export of every customer)."""
        return iter(self._rows(0, None, chunked=True))

    def fetch_all(self) -> list[dict]:
        """Every row of a set known to be small (a chunk's customers), in one plain statement: no
        server-side cursor to declare and hold."""
        return list(self._rows(0, None, chunked=False))

    # --- for the subclasses ------------------------------------------------------------------------

    def _rows(self, start: int, stop: int | None, chunked: bool) -> Iterator[dict]:
        raise NotImplementedError

    def _count_rows(self) -> int:
        raise NotImplementedError

    def order_sql(self) -> str:
        """The ORDER BY list of `self.order` and the tie-break, by the statement's column names."""
        terms = []
        for key in (*self.order, *self.TIEBREAK):
            column = self.COLUMNS[key.lstrip("-")]
            if column in self.NULLABLE:
                terms.append(f"({column} IS NULL)")
            terms.append(f"{column} {'DESC' if key.startswith('-') else 'ASC'}")
        return ", ".join(terms)

    def page_sql(self, sql: str, start: int, stop: int | None) -> str:
        """`sql` limited to the rows from `start` to `stop` (None: to the end)."""
        connection = connections[self.using]
        if stop is not None:
            sql += f" LIMIT {max(0, stop - start)}"
        elif start and connection.vendor == "sqlite":
            sql += " LIMIT -1"  # SQLite takes no OFFSET without a LIMIT
        if start:
            sql += f" OFFSET {int(start)}"
        return sql

    def fetch(self, sql: str, params: list, chunked: bool = False) -> Iterator[dict]:
        """The statement's rows as dicts by column name, fetched CHUNK at a time (`chunked`: on a
        server-side cursor where the database has one)."""
        connection = connections[self.using]
        with connection.chunked_cursor() if chunked else connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            while batch := cursor.fetchmany(self.CHUNK):
                for record in batch:
                    yield dict(zip(names, record, strict=True))

    def fetch_one(self, sql: str, params: list) -> tuple:
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
