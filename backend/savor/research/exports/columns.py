"""The columns of every dataset, in order, each with what it means: the CSV header, the NDJSON
keys and the codebook's `datasets` section come from here."""

from typing import Any

Columns = list[tuple[str, str]]

TIME_NOTE = (
    "ISO 8601 with milliseconds; _utc ends in Z, _local is her wall-clock time with its UTC "
    "offset. With date shifting on, both move back by her whole number of weeks."
)


# Receipts her phone sends about each notification: the phone's own clock, so a phone set
# wrong shows here; empty when no receipt came (an older app, the phone off, or never).
RECEIPTS = {
    "delivered_at": "when the push reached her phone (its first receipt), UTC",
    "shown_at": "when her phone showed the notification, UTC",
    "clicked_at": "when she tapped the notification, UTC",
    "dismissed_at": "when she swiped the notification away, UTC",
}


def _time_meaning(name: str) -> str:
    return RECEIPTS.get(name, f"when {name.removesuffix('_at').replace('_', ' ')}, UTC")


def _times(*names: str) -> Columns:
    utc = [(f"{n}_utc", _time_meaning(n)) for n in names]
    local = [(f"{n}_local", "the same in her local time") for n in names]
    return utc + local


PARTICIPANTS: Columns = [
    ("pseudonym", "P + keyed hash of her id: stable in this study, unlinkable to any other"),
    ("status", "active or withdrawn"),
    *_times("enrolled_at", "withdrawn_at"),
    ("timezone", "her IANA time zone now"),
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
        "delivered_at",
        "shown_at",
        "clicked_at",
        "dismissed_at",
        "opened_at",
        "completed_at",
        "expired_at",
        "cancelled_at",
    ),
    ("timezone", "her time zone now, used for the _local columns"),
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
        "delivered_at",
        "shown_at",
        "clicked_at",
        "dismissed_at",
        "opened_at",
        "started_at",
        "submitted_at",
        "received_at",
    ),
    ("timezone", "her time zone when she answered, used for the _local columns"),
    ("local_date", "her calendar day when she answered"),
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
    *_times("started_at", "ended_at", "received_at"),
    ("timezone", "her time zone now, used for the _local columns"),
    ("local_date", "her calendar day when she started"),
    ("program_week", "her program week then"),
    ("protocol_version", "the protocol version in force"),
    ("pre_instrument", "the before-practice check-in, empty when skipped"),
    ("pre_instrument_version", "its version"),
    ("post_instrument", "the after-practice check-in, empty when skipped"),
    ("post_instrument_version", "its version"),
    ("pre_declined", "before-practice item ids she declined, space-separated"),
    ("post_declined", "after-practice item ids she declined, space-separated"),
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
        "participants": described(PARTICIPANTS),
        "prompts": described(PROMPTS),
        "responses": described(RESPONSE_BASE + RESPONSE_ITEM),
        "responses_wide": WIDE_NOTE,
        "practice_sessions": [
            *described(PRACTICE_SESSIONS),
            {"name": "pre_<item>, post_<item>", "description": "ratings before and after"},
        ],
    }
