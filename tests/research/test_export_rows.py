"""The responses export reads its query rows by name: each name sits at its column's place."""

from sqlalchemy.dialects import postgresql, sqlite

from savor.research.exports import columns as cols
from savor.research.exports.answer_rows import (
    CHECK_IN,
    ITEM,
    TIMES,
    Answer,
    CheckInRow,
    ItemRow,
    check_in_query,
    item_query,
)
from savor.research.exports.sources import ExportWindow


def _window() -> ExportWindow:
    return ExportWindow(
        study_id=None,
        since=0,
        until=1,
        people={},
        anonymizer=None,  # type: ignore[arg-type]
        free_text=False,
        item_types={},
    )


def _named_for(field: str, column: object) -> bool:
    key, table = column.key, column.table.name  # type: ignore[attr-defined]
    return field in (key, f"{table}_{key}")


def test_each_check_in_field_names_the_column_at_its_place() -> None:
    assert len(CheckInRow._fields) == len(CHECK_IN)
    assert all(map(_named_for, CheckInRow._fields, CHECK_IN))


def test_each_item_field_names_the_column_at_its_place() -> None:
    assert len(ItemRow._fields) == len(ITEM)
    assert all(map(_named_for, ItemRow._fields, ITEM))


def test_the_queries_select_the_named_columns_in_order_on_both_databases() -> None:
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert tuple(check_in_query(_window(), dialect).selected_columns.keys()) == (
            CheckInRow._fields
        )
        assert tuple(item_query(_window(), dialect).selected_columns.keys()) == ItemRow._fields


def test_the_times_are_the_time_columns_in_the_datasets_order() -> None:
    names = cols.names(cols.RESPONSE_BASE)
    utc = [n.removesuffix("_utc") for n in names if n.endswith("_utc")]
    assert list(TIMES) == utc


def test_an_answer_holds_the_long_shapes_item_columns_in_order() -> None:
    assert list(Answer._fields) == cols.names(cols.RESPONSE_ITEM)
