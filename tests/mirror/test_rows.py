"""The mirror's pure helpers: cells as the server writes them, field types, rows merged by key."""

from savor.mirror import rows

KEY = ("prompt_ref",)


def test_cells_follow_the_servers_csv():
    assert [rows.cell(v) for v in (True, False, None, 3, 2.5, ["a", "b"], "x,y")] == [
        "true",
        "false",
        "",
        "3",
        "2.5",
        "a;b",
        "x,y",
    ]


def test_kinds_tell_dates_and_times_from_text():
    values = ["2026-03-02", "2026-03-02T14:00:00.000Z", "2026-03-02T08:00:00.000-06:00", "P01"]
    assert [rows.kind(v) for v in values] == ["date", "datetime", "datetime", "string"]
    assert [rows.kind(v) for v in (None, True, 1, 1.5, [1])] == [
        None,
        "boolean",
        "integer",
        "number",
        "list",
    ]


def test_a_column_of_several_kinds_is_typed_loosely_enough_for_all():
    assert rows.field("x", {"integer", "number"})["type"] == "number"
    assert rows.field("x", {"date", "string"})["type"] == "string"
    assert rows.field("value", {"integer", "boolean", "list"})["type"] == "any"
    assert rows.field("never_set", set())["type"] == "any"
    assert rows.field("choices", {"list"}) == {"name": "choices", "type": "list", "delimiter": ";"}


def _merge(old, new, deleted=(), replaced=True):
    header = rows.union(old[0], new[0].keys() if new else [])
    keys = {rows.key_of(n, KEY) for n in new} if replaced else None
    return [
        header,
        *rows.merged(
            header=header,
            old_header=old[0],
            old_rows=old[1:],
            new_rows=new,
            replaced=keys,
            key=KEY,
            deleted=set(deleted),
        ),
    ]


def test_a_row_that_comes_again_replaces_the_earlier_one():
    old = [["pseudonym", "prompt_ref", "status"], ["P1", "Q1", "sent"], ["P1", "Q2", "sent"]]
    new = [{"pseudonym": "P1", "prompt_ref": "Q1", "status": "completed"}]
    assert _merge(old, new) == [
        ["pseudonym", "prompt_ref", "status"],
        ["P1", "Q2", "sent"],
        ["P1", "Q1", "completed"],
    ]


def test_a_new_column_is_added_after_the_old_ones_and_left_empty_in_old_rows():
    old = [["pseudonym", "prompt_ref"], ["P1", "Q1"]]
    new = [{"pseudonym": "P2", "prompt_ref": "Q2", "late": False}]
    assert _merge(old, new) == [
        ["pseudonym", "prompt_ref", "late"],
        ["P1", "Q1", ""],
        ["P2", "Q2", "false"],
    ]


def test_a_deleted_participant_leaves_old_and_new_rows():
    old = [["pseudonym", "prompt_ref"], ["P1", "Q1"], ["P2", "Q2"]]
    new = [{"pseudonym": "P1", "prompt_ref": "Q3"}, {"pseudonym": "P3", "prompt_ref": "Q4"}]
    assert _merge(old, new, deleted={"P1"}) == [
        ["pseudonym", "prompt_ref"],
        ["P2", "Q2"],
        ["P3", "Q4"],
    ]


def test_a_dataset_without_a_key_is_replaced_whole():
    old = [["name"], ["a"], ["b"]]
    new = [{"name": "c"}]
    assert _merge(old, new, replaced=False) == [["name"], ["c"]]
