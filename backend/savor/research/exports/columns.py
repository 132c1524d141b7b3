"""The columns of every dataset, in order, each with what it means: the CSV header, the NDJSON
keys and the codebook's `datasets` section come from here."""

from typing import Any

from savor.ema.items import CONTEXT_FLAGS

Columns = list[tuple[str, str]]

TIME_NOTE = (
    "ISO 8601 with milliseconds; _utc ends in Z, _local is her wall-clock time with its UTC "
    "offset. With date shifting on, both move back by her whole number of weeks."
)


def _times(*names: str) -> Columns:
    utc = [(f"{n}_utc", f"when {n.removesuffix('_at').replace('_', ' ')}, UTC") for n in names]
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
        "opened_at",
        "completed_at",
        "expired_at",
        "cancelled_at",
    ),
    ("timezone", "her time zone now, used for the _local columns"),
]

# The facts about her day a phone sends with a check-in (what an item's show_if may ask).
CONTEXT_FLAGS_ORDER = sorted(CONTEXT_FLAGS)
CONTEXT_COLUMNS: Columns = [
    (
        f"context_{flag}",
        f"her phone's '{flag}' fact when she answered, which an item's show_if may ask: an "
        "item it hid is not shown rather than skipped; empty when the phone did not send it",
    )
    for flag in CONTEXT_FLAGS_ORDER
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
    *_times("scheduled_at", "sent_at", "opened_at", "started_at", "submitted_at", "received_at"),
    ("timezone", "her time zone when she answered, used for the _local columns"),
    ("local_date", "her calendar day when she answered"),
    ("late", "submitted after the prompt expired: stored and flagged, never dropped"),
    *CONTEXT_COLUMNS,
]

RESPONSE_ITEM: Columns = [
    ("item_id", "the question; see the codebook"),
    ("item_position", "its place in the check-in as shown, from 0"),
    ("value", "her answer; choices of a multiple choice joined by ';' in CSV"),
    ("declined", "she chose 'prefer not to answer' (value is then empty)"),
]

ALT_SUFFIX = "_alt"
WIDE_DECLINED: Columns = [
    ("declined", "the item ids she declined ('prefer not to answer'); ';'-joined in CSV"),
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
    ("offer_ref", "the offer that led to it, when trigger is rule; joins offers.offer_ref"),
    ("response_ref", "the check-in whose answers fired that offer, when trigger is rule"),
    ("completed", "she reached the end"),
    ("seconds_practiced", "seconds of practice"),
    ("steps_completed", "steps she went through"),
    *_times("started_at", "ended_at", "received_at"),
    ("timezone", "her time zone now, used for the _local columns"),
    ("local_date", "her calendar day when she started"),
    ("program_week", "her program week then"),
    (
        "locked_at_time",
        "the practice was not yet unlocked for her that week (accepted, not refused: an offline "
        "phone or a skewed clock must not lose a session); empty when the protocol is unknown",
    ),
    ("protocol_version", "the protocol version in force"),
    ("pre_instrument", "the before-practice check-in, empty when skipped"),
    ("pre_instrument_version", "its version"),
    ("post_instrument", "the after-practice check-in, empty when skipped"),
    ("post_instrument_version", "its version"),
    ("pre_declined", "before-practice item ids she declined; ';'-joined in CSV"),
    ("post_declined", "after-practice item ids she declined; ';'-joined in CSV"),
]


OFFERS: Columns = [
    ("pseudonym", "to whom it was offered"),
    ("offer_ref", "O + keyed hash: one offer"),
    ("response_ref", "the check-in whose answers fired the rule; joins responses.response_ref"),
    ("rule", "offer_breathing (a high rating) or crisis_help (an item's crisis threshold)"),
    (
        "threshold",
        "the high-rating threshold in force for offer_breathing (0-10); empty for crisis_help, "
        "whose thresholds are the items' crisis_threshold in the codebook",
    ),
    ("practice_id", "the practice offered; empty for crisis_help"),
    ("outcome", "offered (no answer yet), accepted or declined"),
    *_times("offered_at", "decided_at"),
    ("timezone", "her time zone, used for the _local columns"),
    ("protocol_version", "the protocol version in force for the check-in"),
    (
        "session_ref",
        "the practice session it led to (trigger rule), as known when the offer was read; "
        "a later session names its offer itself",
    ),
]


def wide_columns(items: list[str], alternatives: dict[str, frozenset[str]]) -> Columns:
    """The wide shape: the check-in's columns, `declined`, then a column per item, each item
    with an alternative answer followed by its `_alt` column."""
    found: Columns = [*RESPONSE_BASE, *WIDE_DECLINED]
    for item in items:
        found.append((item, f"her answer to {item}; see the codebook"))
        if item in alternatives:
            keys = ", ".join(sorted(alternatives[item]))
            found.append(
                (f"{item}{ALT_SUFFIX}", f"true when she gave the alternative answer ({keys})")
            )
    return found


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
