"""Export contents against a known fixture study, cell by cell, in CSV and NDJSON."""

import json

from tests.research.expected import (
    answered_base,
    clock_columns,
    expected_long,
    get,
    key,
    names,
    read_csv,
)


def test_long_csv_has_every_value_of_the_fixture(client, study, token):
    rows = read_csv(get(client, token, "responses"))
    expected = expected_long(names(study))
    assert sorted(rows, key=key) == sorted(expected, key=key)


def test_long_csv_columns_come_in_the_documented_order(client, study, token):
    header = get(client, token, "responses").decode().splitlines()[0].split(",")
    assert header[:3] == ["pseudonym", "response_ref", "prompt_ref"]
    assert header[-4:] == ["item_id", "item_position", "value", "declined"]


def test_item_position_is_the_codebooks_place_whatever_she_skipped(client, study, token):
    # She answered S1, C1 and B1 of momentary: the phone sent B1 third, the codebook has it 7th.
    rows = read_csv(get(client, token, "responses"))
    b1 = next(r for r in rows if r["item_id"] == "B1")
    assert b1["item_position"] == "6"


def test_ndjson_has_the_same_rows_with_json_types(client, study, token):
    lines = get(client, token, "responses", format="ndjson").decode().splitlines()
    rows = {(r["response_ref"], r["item_id"]): r for r in map(json.loads, lines)}
    n = names(study)
    first = rows[(n["answered"], "S1")]
    assert (first["value"], first["declined"], first["late"], first["item_position"]) == (
        3,
        False,
        True,
        0,
    )
    assert rows[(n["answered"], "C1")]["value"] is None
    assert rows[(n["diary"], "E4")]["value"] is False
    assert rows[(n["diary"], "E1")]["started_at_utc"] is None
    as_text = {k: {c: _text(v) for c, v in r.items()} for k, r in rows.items()}
    assert sorted(as_text.values(), key=key) == sorted(expected_long(n), key=key)


def _text(value) -> str:
    if value is None:
        return ""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def test_wide_csv_has_one_row_per_check_in_and_a_column_per_item(client, study, token):
    rows = {r["response_ref"]: r for r in read_csv(get(client, token, "responses", shape="wide"))}
    n = names(study)
    answered = rows[n["answered"]]
    assert {k: answered[k] for k in answered_base(n)} == answered_base(n)
    assert (answered["S1"], answered["C1"], answered["B1"], answered["declined"]) == (
        "3",
        "",
        "",
        "C1",
    )
    assert answered["B1_alt"] == "true"  # so that B1 holds ratings only
    assert (rows[n["diary"]]["E3"], rows[n["diary"]]["E4"], rows[n["diary"]]["S1"]) == (
        "2",
        "false",
        "",
    )
    assert "J1" not in answered  # free text is not even a column without its scope
    assert len(rows) == 3


def test_prompts_export_shows_each_prompt_and_its_fate(client, study, token):
    [row] = read_csv(get(client, token, "prompts"))
    n = names(study)
    assert row == clock_columns(
        {
            "pseudonym": n["ana"],
            "prompt_ref": n["prompt"],
            "schedule_id": "random_checkin",
            "prompt_kind": "random",
            "instrument_id": "momentary",
            "instrument_version": "1",
            "protocol_version": "1",
            "local_date": "2026-03-02",
            "status": "completed",
            "answered_late": "true",
            "reminders_sent": "0",
            "scheduled_at_utc": "2026-03-02T14:00:00.000Z",
            "expires_at_utc": "2026-03-02T14:45:00.000Z",
            "sent_at_utc": "2026-03-02T14:00:05.000Z",
            "first_reminded_at_utc": "",
            "reminded_at_utc": "",
            "delivered_at_utc": "2026-03-02T14:00:07.000Z",
            "shown_at_utc": "2026-03-02T14:00:07.500Z",
            "clicked_at_utc": "2026-03-02T14:00:59.000Z",
            "dismissed_at_utc": "",
            "opened_at_utc": "2026-03-02T14:01:00.000Z",
            "completed_at_utc": "2026-03-02T14:50:00.000Z",
            "expired_at_utc": "",
            "cancelled_at_utc": "",
            "scheduled_at_local": "2026-03-02T08:00:00.000-06:00",
            "expires_at_local": "2026-03-02T08:45:00.000-06:00",
            "sent_at_local": "2026-03-02T08:00:05.000-06:00",
            "first_reminded_at_local": "",
            "reminded_at_local": "",
            "delivered_at_local": "2026-03-02T08:00:07.000-06:00",
            "shown_at_local": "2026-03-02T08:00:07.500-06:00",
            "clicked_at_local": "2026-03-02T08:00:59.000-06:00",
            "dismissed_at_local": "",
            "opened_at_local": "2026-03-02T08:01:00.000-06:00",
            "completed_at_local": "2026-03-02T08:50:00.000-06:00",
            "expired_at_local": "",
            "cancelled_at_local": "",
            "timezone": "America/Chicago",
        },
        "scheduled_at",
    )


def test_practice_sessions_export_has_ratings_before_and_after(client, study, token):
    [row] = read_csv(get(client, token, "practice_sessions"))
    n = names(study)
    ratings = {k: v for k, v in row.items() if k.startswith(("pre_", "post_")) and v}
    assert ratings == {
        "pre_instrument": "pre_practice",
        "pre_instrument_version": "1",
        "post_instrument": "post_practice",
        "post_instrument_version": "1",
        "pre_S1": "6",
        "post_S1": "2",
        "post_declined": "C1",
    }
    rest = {k: v for k, v in row.items() if not k.startswith(("pre_", "post_"))}
    assert rest == clock_columns(
        {
            "pseudonym": n["ana"],
            "session_ref": n["session"],
            "practice_id": "P03",
            "practice_version": "a1b2c3d4e5f6",
            "variant": "3min",
            "option": "",
            "trigger": "self",
            "rule": "",
            "prompt_ref": "",
            "offer_ref": "",
            "response_ref": "",
            "completed": "true",
            "seconds_practiced": "180",
            "steps_completed": "4",
            "started_at_utc": "2026-03-02T20:00:00.000Z",
            "ended_at_utc": "2026-03-02T20:03:10.000Z",
            "received_at_utc": "2026-03-02T20:03:11.000Z",
            "started_at_local": "2026-03-02T14:00:00.000-06:00",
            "ended_at_local": "2026-03-02T14:03:10.000-06:00",
            "received_at_local": "2026-03-02T14:03:11.000-06:00",
            "timezone": "America/Chicago",
            "local_date": "2026-03-02",
            "program_week": "1",
            "locked_at_time": "false",
            "protocol_version": "1",
        },
        "started_at",
    )


def test_participants_export_holds_nothing_else(client, study, token):
    rows = sorted(read_csv(get(client, token, "participants")), key=lambda r: r["language"])
    n = names(study)
    assert rows == [
        clock_columns(
            {
                "pseudonym": n["ana"],
                "status": "active",
                "enrolled_at_utc": "2026-03-01T15:00:00.000Z",
                "withdrawn_at_utc": "",
                "enrolled_at_local": "2026-03-01T09:00:00.000-06:00",
                "withdrawn_at_local": "",
                "enrolled_timezone": "America/Chicago",
                "timezone": "America/Chicago",
                "stage": "postpartum",
                "language": "en",
            },
            "",
        ),
        clock_columns(
            {
                "pseudonym": n["bea"],
                "status": "withdrawn",
                "enrolled_at_utc": "2026-03-01T16:30:00.000Z",
                "withdrawn_at_utc": "2026-03-05T12:00:00.000Z",
                "enrolled_at_local": "2026-03-01T10:30:00.000-06:00",
                "withdrawn_at_local": "2026-03-05T06:00:00.000-06:00",
                "enrolled_timezone": "America/Mexico_City",
                "timezone": "America/Mexico_City",
                "stage": "",
                "language": "es",
            },
            "",
        ),
    ]
