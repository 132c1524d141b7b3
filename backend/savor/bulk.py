"""Many rows into one table at once: COPY on PostgreSQL, multi-row INSERTs elsewhere.

One way in, for check-ins and planning alike: a `BulkInsert` names a table, the columns it
fills, and the dialect, and takes rows in either of two shapes.

- Rows as mappings, turned into driver-ready tuples by `encode` and stored by `insert`: one
  COPY on PostgreSQL, elsewhere as few multi-row INSERTs as SQLite's limits allow (one round
  trip, one step of the database each). The conversions are the column types' own, so a row
  stored this way reads back exactly as one stored through the ORM.
- On PostgreSQL only, COPY text already built by the caller, streamed by `copy_lines` while
  it is still being made (planning writes hundreds of thousands of prompts; the server stores
  the first while the next are worked out). Values go through `copy_text`.

Either way a failure is raised as SQLAlchemy raises it for any other statement (a duplicate is
an IntegrityError, a lost server an OperationalError), so callers catch one kind.
"""

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None
# Well under SQLite's limit of 32,766 bound values per statement.
MAX_VALUES_PER_STATEMENT = 8_000


class BulkInsert:
    """Rows of `table`'s `columns`, encoded for `dialect` and inserted many at a time."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        dialect: Dialect,
        *,
        repeated: Collection[str] = (),
    ) -> None:
        """`repeated` names columns whose few distinct values recur across the rows (a time
        on the minute, a day, an owner): each value is converted once per encoder. Values
        Python counts as equal must convert alike (true of one instant in two zones, which
        UTCDateTime stores as UTC)."""
        self.table = table
        self.columns = tuple(columns)
        self.dialect = dialect
        preparer = dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in self.columns)
        self._copy_sql = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
        self._processors: list[Processor] = [
            _remembered(process) if name in repeated and process is not None else process
            for name, process in (
                (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in columns
            )
        ]

    def encode(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """A row given as a mapping of column name to value, as the driver takes it."""
        # Processors see None too: a JSON column stores it as JSON null, as the ORM does.
        return tuple(
            value if process is None else process(value)
            for value, process in zip(
                (row[name] for name in self.columns), self._processors, strict=True
            )
        )

    def insert(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert already encoded rows, as few statements as the driver allows."""
        if self.dialect.name == "postgresql":
            # A multi-row INSERT's text changes with its row count, so psycopg parsed every
            # one afresh: most of the writer's time. COPY has one short text, and is cheaper
            # per row.
            with self._copy(connection) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        per_statement = max(1, MAX_VALUES_PER_STATEMENT // len(self.columns))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = _insert_sql(self.table, self.columns, self.dialect, len(chunk))
            connection.exec_driver_sql(sql, tuple(value for row in chunk for value in row))

    def copy_lines(self, connection: Connection, chunks: Iterable[str]) -> None:
        """PostgreSQL only: stream COPY text, each chunk one or more whole lines.

        A line holds the columns in order, tab-separated, each value through `copy_text`
        (`\\N` for NULL), and ends with a newline. `chunks` may be a generator, drawn while
        the COPY is open: it must not use the connection's session.
        """
        with self._copy(connection) as copy:
            for chunk in chunks:
                copy.write(chunk)

    @contextmanager
    def _copy(self, connection: Connection) -> Iterator[psycopg.Copy]:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor, cursor.copy(self._copy_sql) as copy:
                yield copy
        except psycopg.Error as error:
            raise DBAPIError.instance(self._copy_sql, None, error, psycopg.Error) from error


def copy_text(value: str) -> str:
    """A value as COPY's text format reads it back unchanged."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _remembered(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    converted: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if (found := converted.get(value, _MISSING)) is _MISSING:
            found = converted[value] = process(value)
        return found

    return convert


_MISSING = object()


@lru_cache(maxsize=512)
def _insert_sql(table: Table, columns: tuple[str, ...], dialect: Dialect, rows: int) -> str:
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    one_row = "(" + ", ".join([marker] * len(columns)) + ")"
    names = ", ".join(quote(name) for name in columns)
    return (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
        f"VALUES {', '.join([one_row] * rows)}"
    )
