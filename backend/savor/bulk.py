"""Rows turned into driver-ready values, and inserted many at a time.

The writer is the one place every phone's record passes through, one after another, so it
sends finished rows: on PostgreSQL as one COPY per table, elsewhere as multi-row INSERTs (one
round trip, one step of the database). The conversions are the column types' own, so a row
stored this way reads back exactly as one stored through the ORM.
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None
# Well under SQLite's limit of 32,766 bound values per statement.
MAX_VALUES_PER_STATEMENT = 8_000


class RowEncoder:
    """Encodes rows of `table` (given as mappings of column name to value) for one dialect."""

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
        self._processors: list[Processor] = [
            _remembered(process) if name in repeated and process is not None else process
            for name, process in (
                (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in columns
            )
        ]

    def encode(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
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
            self._copy(connection, rows)
            return
        per_statement = max(1, MAX_VALUES_PER_STATEMENT // len(self.columns))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = _insert_sql(self.table, self.columns, self.dialect, len(chunk))
            connection.exec_driver_sql(sql, tuple(value for row in chunk for value in row))

    def _copy(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        # A multi-row INSERT's text changes with its row count, so psycopg parsed every one
        # afresh: most of the writer's time. COPY has one short text, and is cheaper per row.
        preparer = self.dialect.identifier_preparer
        names = ", ".join(preparer.quote(name) for name in self.columns)
        sql = f"COPY {preparer.format_table(self.table)} ({names}) FROM STDIN"
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as error:
            # Raised as SQLAlchemy raises for any other statement (a lost server is an
            # OperationalError, a duplicate an IntegrityError), so callers catch one kind.
            raise DBAPIError.instance(sql, None, error, psycopg.Error) from error


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
