"""The columns of every dataset, in order, each with what it means: the CSV header, the NDJSON
keys and the codebook's `datasets` section come from here."""

from typing import Any

Columns = list[tuple[str, str]]

TIME_NOTE = (
    "ISO 8601 with milliseconds; _utc ends in Z, _local is her wall-clock time with its UTC "
    "offset, in the time zone in force for her at the row's defining moment (see ZONE_RULE). "
    "Beside each _local: _local_wall, the same wall-clock time without offset (ISO, so one "
    "column parses whatever the offsets), and _utc_offset_min, its UTC offset in whole minutes "
    "(-300 for UTC-5; local = UTC + offset). The main moment of a dataset also has "
    "_local_hour, its wall-clock hour 0-23. With date shifting on, UTC and wall-clock times "
    "move back by her whole number of weeks; the offset stays the one she really had."
)
ZONE_RULE = (
    "Every record keeps the time zone in force for her when it happened, read from her "
    "history (the participant_states dataset): a move or a DST change never rewrites earlier "
    "rows. One row, one zone, taken at its defining moment: responses at submitted_at, "
    "prompts at scheduled_at, practice_sessions at started_at, participant_states at at; "
    "in participants, enrolled_at at enrollment (enrolled_timezone) and withdrawn_at at "
    "withdrawal. Each _local time is that zone's offset at its own instant (so a DST change "
    "between two times of one row shows)."
)


def _times(*names: str, main: str | None = None) -> Columns:
    """A dataset's time columns: every _utc, then each _local with its wall-clock time and
    UTC offset beside it, and the hour of the main moment. research/anonymize.py writes
    them (local_columns)."""
    utc = [(f"{n}_utc", f"when {n.removesuffix('_at').replace('_', ' ')}, UTC") for n in names]
    local: Columns = []
    for n in names:
        local += [
            (f"{n}_local", "the same in her local time, with its UTC offset"),
            (f"{n}_local_wall", "her wall-clock time without offset"),
            (f"{n}_utc_offset_min", "her UTC offset then, in minutes (integer)"),
        ]
        if n == main:
            local.append((f"{n}_local_hour", "the hour of her wall-clock time, 0-23 (integer)"))
    return utc + local


PARTICIPANTS: Columns = [
    ("pseudonym", "P + keyed hash of her id: stable in this study, unlinkable to any other"),
    ("status", "active or withdrawn"),
    *_times("enrolled_at", "withdrawn_at"),
    ("enrolled_timezone", "her IANA time zone when she enrolled, used for enrolled_at_local"),
    ("timezone", "her IANA time zone now (her last; used for withdrawn_at_local)"),
    ("stage", "pregnant, postpartum or other, as she says now (empty: not said)"),
    ("language", "en or es"),
]

PROMPTS: Columns = [
    ("pseudonym", "whose prompt"),
    ("prompt_ref", "Q + keyed hash: joins responses.prompt_ref"),
    ("schedule_id", "the protocol schedule that planned it"),
    ("prompt_kind", "random, fixed or end_of_day"),
    ("instrument_id", "the check-in asked"),
    ("instrument_version", "its version; see the codebook"),
    ("protocol_version", "the protocol version it was planned under"),
    ("local_date", "her calendar day it belongs to"),
    ("status", "scheduled, sending, sent, opened, completed, expired or cancelled"),
    ("answered_late", "answered after it expired"),
    *_times(
        "scheduled_at",
        "expires_at",
        "sent_at",
        "reminded_at",
        "opened_at",
        "completed_at",
        "expired_at",
        "cancelled_at",
        main="scheduled_at",
    ),
    ("timezone", "her time zone in force at scheduled_at, used for the _local columns"),
]

RESPONSE_BASE: Columns = [
    ("pseudonym", "who answered"),
    ("response_ref", "R + keyed hash: one answered check-in"),
    ("prompt_ref", "the prompt answered (empty when she began it herself)"),
    ("prompt_kind", "random, fixed, end_of_day, or self when she began it herself"),
    ("schedule_id", "the prompt's schedule (empty when self-initiated)"),
    ("instrument_id", "the check-in answered"),
    ("instrument_version", "the exact version she saw; see the codebook"),
    ("protocol_version", "the protocol version in force for it"),
    *_times(
        "scheduled_at",
        "sent_at",
        "opened_at",
        "started_at",
        "submitted_at",
        "received_at",
        main="submitted_at",
    ),
    ("timezone", "her time zone in force at submitted_at, used for the _local columns"),
    ("local_date", "her calendar day at submitted_at, in that zone"),
    ("late", "submitted after the prompt expired: stored and flagged, never dropped"),
]

RESPONSE_ITEM: Columns = [
    ("item_id", "the question; see the codebook"),
    ("item_position", "its place in the check-in as shown, from 0"),
    ("value", "her answer; choices of a multiple choice joined by ';' in CSV"),
    ("declined", "she chose 'prefer not to answer' (value is then empty)"),
]

WIDE_NOTE = (
    "wide shape: one row per answered check-in, the response columns, `declined` (the item "
    "ids she declined, space-separated) and one column per item id of the codebook"
)

PRACTICE_SESSIONS: Columns = [
    ("pseudonym", "who practised"),
    ("session_ref", "S + keyed hash: one practice session"),
    ("practice_id", "the practice, e.g. P03"),
    ("practice_version", "hash of the script she heard"),
    ("variant", "the variant (length)"),
    ("option", "the option she chose, if any"),
    ("trigger", "self, prompt or rule"),
    ("rule", "the rule that offered it, when trigger is rule"),
    ("prompt_ref", "the prompt that led to it, when trigger is prompt"),
    ("completed", "she reached the end"),
    ("seconds_practiced", "seconds of practice"),
    ("steps_completed", "steps she went through"),
    *_times("started_at", "ended_at", "received_at", main="started_at"),
    ("timezone", "her time zone in force at started_at, used for the _local columns"),
    ("local_date", "her calendar day at started_at, in that zone"),
    ("program_week", "her program week then"),
    ("protocol_version", "the protocol version in force"),
    ("pre_instrument", "the before-practice check-in, empty when skipped"),
    ("pre_instrument_version", "its version"),
    ("post_instrument", "the after-practice check-in, empty when skipped"),
    ("post_instrument_version", "its version"),
    ("pre_declined", "before-practice item ids she declined, space-separated"),
    ("post_declined", "after-practice item ids she declined, space-separated"),
]


PARTICIPANT_STATES: Columns = [
    ("pseudonym", "whose settings"),
    (
        "state_ref",
        "the row's key: T + keyed hash for a change of her settings, <pseudonym>-W<n> for "
        "the start of her program week n (derived; comes again when a later move changes it)",
    ),
    ("change", "enrolled, settings (a change of zone, stage or waking window) or program_week"),
    (
        "changed",
        "what changed, space-separated: timezone stage wake_time sleep_time, or program_week",
    ),
    *_times("at", main="at"),
    ("timezone", "her IANA time zone from this moment on"),
    ("stage", "pregnant, postpartum or other from this moment on (empty: not said)"),
    ("wake_time", "start of her waking window, HH:MM:SS local"),
    ("sleep_time", "end of her waking window, HH:MM:SS local (may be past midnight)"),
    (
        "program_week",
        "her program week from this moment on: week 1 from her enrollment day, a new one at her "
        "local midnight every 7 days, in the zone in force; rows for every week of the "
        "program, including weeks still to come and after she withdrew",
    ),
]


def names(columns: Columns) -> list[str]:
    return [name for name, _ in columns]


def rating_columns(prefix: str, item_ids: list[str]) -> Columns:
    return [(f"{prefix}_{i}", f"{prefix} rating of item {i}") for i in item_ids]


def documentation() -> dict[str, Any]:
    """The codebook's description of every dataset's columns."""

    def described(columns: Columns) -> list[dict[str, str]]:
        return [{"name": n, "description": d} for n, d in columns]

    return {
        "times": TIME_NOTE,
        "time_zones": ZONE_RULE,
        "participants": described(PARTICIPANTS),
        "participant_states": described(PARTICIPANT_STATES),
        "prompts": described(PROMPTS),
        "responses": described(RESPONSE_BASE + RESPONSE_ITEM),
        "responses_wide": WIDE_NOTE,
        "practice_sessions": [
            *described(PRACTICE_SESSIONS),
            {"name": "pre_<item>, post_<item>", "description": "ratings before and after"},
        ],
    }
