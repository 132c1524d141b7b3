"""The columns of every dataset, in order, each with what it means, its type, unit, value
labels and what an empty cell means: the CSV header, the NDJSON keys, the codebook's
`datasets` section and the Data Package's Table Schemas come from here (see `dictionary`)."""

from dataclasses import dataclass
from typing import Any

from savor.ema.items import CONTEXT_FLAGS

# The types of the dictionary. A list is ';'-joined in CSV and a JSON array in NDJSON.
TYPES = ("integer", "number", "boolean", "string", "datetime", "date", "list")


@dataclass(frozen=True)
class Column:
    """One column: its name, what it means, and how to read it."""

    name: str
    description: str
    type: str = "string"
    unit: str | None = None
    # Value → what it means, for a closed set of values.
    labels: dict[str, str] | None = None
    # What an empty cell (NDJSON null) means; None: not given, or never empty.
    missing: str | None = None

    def document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "unit": self.unit,
            "labels": self.labels,
            "missing": self.missing,
            "description": self.description,
        }


# A column as (name, description) is read by its name: the time columns' shape (see _times).
Columns = list[Column | tuple[str, str]]

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
    "prompts at scheduled_at, practice_sessions at started_at, offers at offered_at, "
    "participant_states at at; in participants, enrolled_at at enrollment (enrolled_timezone) "
    "and withdrawn_at at withdrawal. Each _local time is that zone's offset at its own instant "
    "(so a DST change between two times of one row shows)."
)


# Receipts her phone sends about each notification: the phone's own clock, so a phone set
# wrong shows here; empty when no receipt came (an older app, the phone off, or never).
RECEIPTS = {
    "delivered_at": "when the push reached her phone (its first receipt), UTC",
    "shown_at": "when her phone showed the notification, UTC",
    "clicked_at": "when she tapped the notification, UTC",
    "dismissed_at": "when she swiped the notification away, UTC",
}


# A prompt may be reminded more than once (a wave's day 2 and day 5): the first and the last.
REMINDERS = {
    "first_reminded_at": "when its first reminder went out, UTC",
    "reminded_at": "when its last reminder went out, UTC (the first too when only one did)",
}


def _time_meaning(name: str) -> str:
    found = RECEIPTS.get(name) or REMINDERS.get(name)
    return found or f"when {name.removesuffix('_at').replace('_', ' ')}, UTC"


def _times(*names: str, main: str | None = None) -> Columns:
    """A dataset's time columns: every _utc, then each _local with its wall-clock time and
    UTC offset beside it, and the hour of the main moment. research/anonymize.py writes
    them (local_columns); their types come from their endings (TIME_SUFFIXES)."""
    utc = [(f"{n}_utc", _time_meaning(n)) for n in names]
    local: Columns = []
    for n in names:
        local += [
            (f"{n}_local", "the same in her local time, with its UTC offset"),
            (f"{n}_local_wall", "her wall-clock time without offset"),
            (f"{n}_utc_offset_min", "her UTC offset then, in minutes"),
        ]
        if n == main:
            local.append((f"{n}_local_hour", "the hour of her wall-clock time, 0-23"))
    return utc + local


C = Column
STATUS_EMPTY = "not yet, or never"
KINDS = {
    "random": "at a random time in her waking window",
    "fixed": "at a fixed time",
    "end_of_day": "the end-of-day diary",
    "follow_up": "a decision point's follow-up, in its proximal window (decisions dataset)",
    "wave": "a questionnaire wave (baseline, week 4...): expired means missed",
    "probe": "a trial's random-time probe or practice reminder, never shown: cancelled once "
    "it drew no offer (decisions dataset)",
    "offer": "a trial's offer at a probe or practice reminder: its notification, no check-in",
}

PARTICIPANTS: Columns = [
    C("pseudonym", "P + keyed hash of her id: stable in this study, unlinkable to any other"),
    C("status", "whether she is still in the study", labels={"active": "", "withdrawn": ""}),
    *_times("enrolled_at", "withdrawn_at"),
    C("enrolled_timezone", "her IANA time zone when she enrolled, used for enrolled_at_local"),
    C("timezone", "her IANA time zone now (her last; used for withdrawn_at_local)"),
    C("language", "the language she reads", labels={"en": "English", "es": "Spanish"}),
    C(
        "stage",
        "her stage now, as she said it; a change brings her row again in the next pull",
        labels={"pregnant": "", "postpartum": "", "other": ""},
        missing="she has not said",
    ),
]

PROMPTS: Columns = [
    C("pseudonym", "whose prompt"),
    C("prompt_ref", "Q + keyed hash: joins responses.prompt_ref"),
    C("schedule_id", "the protocol schedule that planned it"),
    C("prompt_kind", "what planned it", labels=KINDS),
    C("instrument_id", "the check-in asked"),
    C("instrument_version", "its version, as text (1 or 1.2.0); see the codebook"),
    C("protocol_version", "the protocol version it was planned under", "integer"),
    C("local_date", "her calendar day it belongs to", "date"),
    C(
        "status",
        "its fate so far",
        labels={
            "scheduled": "planned, not yet due",
            "sending": "being sent",
            "sent": "sent, not opened",
            "opened": "opened, not answered",
            "completed": "answered",
            "expired": "not answered in time",
            "cancelled": "withdrawn before it was due",
        },
    ),
    C("answered_late", "answered after it expired", "boolean"),
    C(
        "reminders_sent",
        "how many reminders went out for it (a wave reminds on each of its reminder days)",
        "integer",
    ),
    *_times(
        "scheduled_at",
        "expires_at",
        "sent_at",
        "first_reminded_at",
        "reminded_at",
        "delivered_at",
        "shown_at",
        "clicked_at",
        "dismissed_at",
        "opened_at",
        "completed_at",
        "expired_at",
        "cancelled_at",
        main="scheduled_at",
    ),
    C("timezone", "her time zone in force at scheduled_at, used for the _local columns"),
]

# The facts about her day a phone sends with a check-in (what an item's show_if may ask).
CONTEXT_FLAGS_ORDER = sorted(CONTEXT_FLAGS)
CONTEXT_COLUMNS: Columns = [
    C(
        f"context_{flag}",
        f"her phone's '{flag}' fact when she answered, which an item's show_if may ask: an "
        "item it hid is not shown rather than skipped",
        "boolean",
        missing="the phone did not send it",
    )
    for flag in CONTEXT_FLAGS_ORDER
]

RESPONSE_BASE: Columns = [
    C("pseudonym", "who answered"),
    C("response_ref", "R + keyed hash: one answered check-in"),
    C("prompt_ref", "the prompt answered", missing="she began it herself"),
    C("prompt_kind", "what led to it", labels={**KINDS, "self": "she began it herself"}),
    C("schedule_id", "the prompt's schedule", missing="she began it herself"),
    C("instrument_id", "the check-in answered"),
    C("instrument_version", "the exact version she saw, as text (1 or 1.2.0); see the codebook"),
    C("protocol_version", "the protocol version in force for it", "integer"),
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
        main="submitted_at",
    ),
    C("timezone", "her time zone in force at submitted_at, used for the _local columns"),
    C("local_date", "her calendar day at submitted_at, in that zone", "date"),
    C("late", "submitted after the prompt expired: stored and flagged, never dropped", "boolean"),
    *CONTEXT_COLUMNS,
]

RESPONSE_ITEM: Columns = [
    C("item_id", "the question; see the codebook"),
    C(
        "item_position",
        "the codebook's fixed place of the item in its instrument, from 0",
        "integer",
        missing="an item the codebook does not know",
    ),
    C(
        "value",
        "her answer, of the item's type in the codebook (a rating is a whole number, an "
        "alternative answer its key, a multiple choice a list: ';'-joined in CSV)",
        missing="she declined it",
    ),
    C("declined", "she chose 'prefer not to answer' (value is then empty)", "boolean"),
]

ALT_SUFFIX = "_alt"
WIDE_DECLINED: Columns = [
    C(
        "declined",
        "the item ids she declined ('prefer not to answer')",
        "list",
        missing="she declined none",
    ),
]

WIDE_NOTE = (
    "wide shape: one row per answered check-in, the response columns, `declined` (the item "
    "ids she declined) and one column per item of the instruments in the export, each typed "
    "as its item (an item with an alternative answer also has an `<item>_alt` column); an "
    "empty item column: not asked, hidden by a condition, skipped or declined"
)

PRACTICE_SESSIONS: Columns = [
    C("pseudonym", "who practised"),
    C("session_ref", "S + keyed hash: one practice session"),
    C("practice_id", "the practice, e.g. P03; see the catalog route for its title"),
    C("practice_version", "hash of the script she heard"),
    C("variant", "the variant (length)"),
    C("option", "the option she chose", missing="the practice has none"),
    C(
        "trigger",
        "what led her to it",
        labels={
            "self": "she chose it",
            "prompt": "a prompt",
            "rule": "an offer a rule made on her answers",
        },
    ),
    C("rule", "the rule that offered it", missing="trigger is not rule"),
    C("prompt_ref", "the prompt that led to it", missing="trigger is not prompt"),
    C(
        "offer_ref",
        "the offer that led to it; joins offers.offer_ref",
        missing="trigger is not rule, or no offer of its rule came before",
    ),
    C(
        "response_ref",
        "the check-in whose answers fired that offer; joins responses.response_ref",
        missing="trigger is not rule, or no offer of its rule came before",
    ),
    C("completed", "she reached the end", "boolean"),
    C("seconds_practiced", "time she spent practising", "integer", unit="seconds"),
    C("steps_completed", "steps she went through", "integer", unit="steps"),
    *_times("started_at", "ended_at", "received_at", main="started_at"),
    C("timezone", "her time zone in force at started_at, used for the _local columns"),
    C("local_date", "her calendar day at started_at, in that zone", "date"),
    C("program_week", "her program week when she started, from 1", "integer", unit="weeks"),
    C(
        "locked_at_time",
        "the practice was not yet unlocked for her that week (accepted, not refused: an offline "
        "phone or a skewed clock must not lose a session)",
        "boolean",
        missing="the protocol version is unknown",
    ),
    C("protocol_version", "the protocol version in force", "integer"),
    C("pre_instrument", "the before-practice check-in", missing="she skipped it"),
    C("pre_instrument_version", "its version, as text", missing="she skipped it"),
    C("post_instrument", "the after-practice check-in", missing="she skipped it"),
    C("post_instrument_version", "its version, as text", missing="she skipped it"),
    C(
        "pre_declined",
        "before-practice item ids she declined",
        "list",
        missing="she skipped the check-in (declined none: an empty list in NDJSON)",
    ),
    C(
        "post_declined",
        "after-practice item ids she declined",
        "list",
        missing="she skipped the check-in (declined none: an empty list in NDJSON)",
    ),
]

OFFERS: Columns = [
    C("pseudonym", "to whom it was offered"),
    C("offer_ref", "O + keyed hash: one offer"),
    C("response_ref", "the check-in whose answers fired the rule; joins responses.response_ref"),
    C(
        "rule",
        "the rule that fired; mrt_<rule>: the draw of a decisions rule (decisions dataset)",
        labels={
            "offer_breathing": "a craving or stress rating at or above the threshold",
            "crisis_help": "an answer at or above an item's crisis threshold: help was shown",
        },
    ),
    C(
        "threshold",
        "the high-rating threshold in force for offer_breathing",
        "integer",
        unit="0-10 rating",
        missing="crisis_help: its thresholds are the items' crisis_threshold in the codebook",
    ),
    C("practice_id", "the practice offered", missing="crisis_help offers none"),
    C(
        "outcome",
        "what she did with it",
        labels={"offered": "no answer yet", "accepted": "", "declined": ""},
    ),
    *_times("offered_at", "decided_at", main="offered_at"),
    C("timezone", "her time zone in force at offered_at, used for the _local columns"),
    C("protocol_version", "the protocol version in force for the check-in", "integer"),
    C(
        "session_ref",
        "the practice session (trigger rule) it led to, as known when the offer was read; a "
        "later session names its offer itself (practice_sessions.offer_ref)",
        missing="none followed (yet)",
    ),
]

PARTICIPANT_STATES: Columns = [
    C("pseudonym", "whose settings"),
    C(
        "state_ref",
        "the row's key: T + keyed hash for a change of her settings, <pseudonym>-W<n> for "
        "the start of her program week n (derived; comes again when a later move changes it)",
    ),
    C(
        "change",
        "what this row marks",
        labels={
            "enrolled": "she joined",
            "settings": "a change of zone, stage or waking window",
            "program_week": "a new program week began",
        },
    ),
    C(
        "changed",
        "what changed: timezone, stage, wake_time, sleep_time, or program_week",
        "list",
        missing="nothing (her enrollment row)",
    ),
    *_times("at", main="at"),
    C("timezone", "her IANA time zone from this moment on"),
    C(
        "stage",
        "her stage from this moment on",
        labels={"pregnant": "", "postpartum": "", "other": ""},
        missing="she has not said",
    ),
    C("wake_time", "start of her waking window, HH:MM:SS local"),
    C("sleep_time", "end of her waking window, HH:MM:SS local (may be past midnight)"),
    C(
        "program_week",
        "her program week from this moment on: week 1 from her enrollment day, a new one at her "
        "local midnight every 7 days, in the zone in force; rows for every week of the "
        "program, including weeks still to come and after she withdrew",
        "integer",
        unit="weeks",
    ),
]

CONSENTS: Columns = [
    C("pseudonym", "who agreed"),
    C("consent_ref", "K + keyed hash: one agreement; a later agreement is a new row"),
    C("version", "the consent version she read and agreed to", "integer"),
    C("protocol_version", "the protocol version in force when she agreed", "integer"),
    *_times("agreed_at", "withdrawn_at", main="agreed_at"),
    C("timezone", "her time zone in force at agreed_at, used for the _local columns"),
    C(
        "features",
        "the switches this agreement turned on for her: staff_alerts, sensitive_use_item, "
        "medication_item, free_text_to_server, date_shift_exports",
        "list",
        missing="none",
    ),
    C(
        "on_deletion",
        "what a deletion at her request removes under this agreement",
        labels={
            "everything": "all her rows",
            "keep_until_withdrawal": "her sign-in; what was collected until she left stays",
        },
    ),
]

DELETIONS: Columns = [
    C("pseudonym", "deleted at her request: remove every row under this pseudonym from copies"),
    C(
        "deleted_at",
        "when, UTC",
        "datetime",
        missing="the study shifts dates: the moment is not given",
    ),
]

SCORES: Columns = [
    C("pseudonym", "whose answers were scored"),
    C("response_ref", "R + keyed hash: joins responses.response_ref"),
    C("prompt_ref", "the wave's prompt: joins prompts.prompt_ref", missing="she began it herself"),
    C("wave", "the protocol's wave, e.g. baseline or week4", missing="not answered in a wave"),
    C("instrument_id", "the questionnaire, e.g. phq9; its source and scoring are in the codebook"),
    C("instrument_version", "the exact version she saw, as text; see the codebook"),
    C("scoring_version", "the version of the questionnaire's scoring rules used", "integer"),
    C("scale", "the scale scored: total, or a subscale such as phq2; see the codebook"),
    C(
        "score",
        "the sum of the scale's item values, reversed items reversed; prorated when prorated",
        "integer",
        missing="too many items unanswered to score",
    ),
    C("band", "the severity band the score falls in", missing="no score, or no bands"),
    C("items_answered", "the scale's items she answered", "integer"),
    C("items_declined", "the scale's items she chose 'prefer not to answer' for", "integer"),
    C("items_missing", "the scale's items she skipped or was not shown", "integer"),
    C(
        "prorated",
        "the score was prorated: mean of the answered items times the scale's item count, "
        "rounded half up",
        "boolean",
    ),
    *_times("submitted_at", main="submitted_at"),
    C("timezone", "her time zone in force at submitted_at, used for the _local columns"),
]

# Every dataset's own columns (the long shape; item and rating columns are added by the
# export from the codebook, and described by `dictionary`). A new dataset is added here.
UNAVAILABLE = {
    "withdrawn": "she had left the study",
    "crisis": "this check-in reached a crisis threshold: crisis help shown, never randomized",
    "crisis_screen": "crisis help was shown within the protocol's crisis_minutes",
    "late": "the check-in reached the server too late for an offer in the moment",
    "practising": "she was in a practice",
    "recent_offer": "an offer was made within min_minutes_between_offers",
    "daily_limit": "max_offers_per_day offers were already made on her day",
}
NOT_RANDOMIZED = "the decision point was not available (see unavailable_reason)"
DECISIONS: Columns = [
    C("pseudonym", "whose decision point"),
    C("decision_ref", "D + keyed hash: one decision point"),
    C("rule", "the protocol's decision rule that made it (decisions.rules)"),
    C(
        "point_kind",
        "what made it",
        labels={
            "checkin": "a check-in rating at the threshold",
            "probe": "a random time inside her waking hours",
            "reminder": "the daily practice reminder time she set (a practice_reminder rule)",
        },
    ),
    *_times("decided_at", main="decided_at"),
    C("timezone", "her time zone in force at decided_at, used for the _local columns"),
    C("local_date", "her calendar day at decided_at", "date"),
    C(
        "day_in_study",
        "her day in the study at decided_at, from 1 on the day she joined",
        "integer",
        unit="days",
    ),
    C("protocol_version", "the protocol version in force", "integer"),
    C(
        "rating",
        "the highest rating of the rule's items that made it",
        "integer",
        unit="0-10 rating",
        missing="a random-time probe has no rating",
    ),
    C("stratum", "the stratum whose probabilities applied", missing="the rule has no strata"),
    C("available", "randomized: no availability condition held", "boolean"),
    C(
        "unavailable_reason",
        "why it was not randomized",
        labels=UNAVAILABLE,
        missing="it was available",
    ),
    C(
        "p_offer",
        "the declared probability that a practice is offered (every option but "
        "the empty one): the treatment probability of the offer-vs-none contrast",
        "number",
        unit="probability",
    ),
    C(
        "draw",
        "the seeded uniform draw in [0, 1) (HMAC of the study secret and the point)",
        "number",
        missing=NOT_RANDOMIZED,
    ),
    C("option", "the option drawn (decisions.options)", missing=NOT_RANDOMIZED),
    C(
        "offered",
        "a practice was offered (the option is not the empty one)",
        "boolean",
        missing=NOT_RANDOMIZED,
    ),
    C("practice_id", "the practice offered", missing="none was offered"),
    C(
        "offer_ref",
        "the offer made; joins offers.offer_ref (a probe's offer is its notification: "
        "joins prompts.prompt_ref)",
        missing="none was offered",
    ),
    C(
        "offer_outcome",
        "what she did with the offer (a probe's: what her phone reported of its notification)",
        labels={
            "offered": "shown, no answer yet",
            "accepted": "",
            "declined": "",
            "shown": "a probe's notification was shown, not yet tapped",
            "expired": "a probe's notification closed unopened",
        },
        missing="none was offered",
    ),
    C(
        "practice_started",
        "a session of the offered practice, begun from the offer, started before the window closed",
        "boolean",
        missing="none was offered",
    ),
    C("practice_completed", "that session reached its end", "boolean", missing="none was offered"),
    C(
        "session_ref",
        "that session; joins practice_sessions.session_ref",
        missing="no session followed the offer in the window",
    ),
    C(
        "window_start_min",
        "the declared proximal window's start, minutes after decided_at",
        "integer",
        unit="minutes",
    ),
    C(
        "window_end_min",
        "the declared proximal window's end, minutes after decided_at",
        "integer",
        unit="minutes",
    ),
    *_times("window_start", "window_end"),
    C(
        "follow_up_prompt_ref",
        "the follow-up prompt in the window, sent at its first moment in her waking hours; "
        "joins prompts.prompt_ref",
        missing=NOT_RANDOMIZED + ", or she slept through the whole window (none is sent then)",
    ),
    C(
        "outcome_response_ref",
        "the check-in that measured the proximal outcome: the follow-up "
        "prompt's answer, else the first other check-in in the window answering an outcome "
        "item; joins responses.response_ref",
        missing="no check-in in the window (yet)",
    ),
    C(
        "outcome_source",
        "which check-in measured it",
        labels={"follow_up": "the follow-up prompt", "other": "another check-in in the window"},
        missing="no check-in in the window (yet)",
    ),
    *_times("outcome_at"),
]


DATASETS: dict[str, Columns] = {
    "responses": RESPONSE_BASE + RESPONSE_ITEM,
    "prompts": PROMPTS,
    "practice_sessions": PRACTICE_SESSIONS,
    "participants": PARTICIPANTS,
    "offers": OFFERS,
    "participant_states": PARTICIPANT_STATES,
    "consents": CONSENTS,
    "deletions": DELETIONS,
    "decisions": DECISIONS,
    "scores": SCORES,
}
WIDE: dict[str, Columns] = {"responses": RESPONSE_BASE + WIDE_DECLINED}


def as_column(column: Column | tuple[str, str]) -> Column:
    """A column in full; a (name, description) pair is typed by its name's ending."""
    if isinstance(column, Column):
        return column
    name, description = column
    return Column(name, description, *TIME_SUFFIXES.get(_suffix(name), ("string", None)))


# Time columns by their ending: the type and unit of each.
TIME_SUFFIXES: dict[str, tuple[str, str | None]] = {
    "_utc": ("datetime", None),
    "_local": ("datetime", None),
    "_local_wall": ("datetime", None),
    "_utc_offset_min": ("integer", "minutes"),
    "_local_hour": ("integer", "hour of the day, 0-23"),
    "_date": ("date", None),
}


def _suffix(name: str) -> str:
    found = [s for s in TIME_SUFFIXES if name.endswith(s)]
    return max(found, key=len) if found else ""


def wide_columns(items: list[str], alternatives: dict[str, frozenset[str]]) -> Columns:
    """The wide shape: the check-in's columns, `declined`, then a column per item, each item
    with an alternative answer followed by its `_alt` column."""
    found: Columns = [*WIDE["responses"]]
    for item in items:
        found.append(C(item, f"her answer to {item}; see the codebook"))
        if item in alternatives:
            keys = ", ".join(sorted(alternatives[item]))
            found.append(alt_column(item, keys))
    return found


def alt_column(item: str, keys: str) -> Column:
    return C(
        f"{item}{ALT_SUFFIX}",
        f"true when she gave {item}'s alternative answer ({keys}) instead of a rating",
        "boolean",
        missing="she gave a rating, declined, or was not asked",
    )


def names(columns: Columns) -> list[str]:
    return [as_column(c).name for c in columns]


def rating_columns(prefix: str, item_ids: list[str]) -> Columns:
    return [C(f"{prefix}_{i}", f"{prefix} rating of item {i}") for i in item_ids]


def decision_columns(options: list[str], items: list[str]) -> Columns:
    """The decisions dataset with a probability column per declared option and an outcome
    column per proximal outcome item."""
    probabilities = [
        C(f"p_{o}", f"the declared probability of option {o}", "number", unit="probability")
        for o in options
    ]
    outcomes = [C(f"outcome_{i}", f"proximal outcome: her answer to {i}") for i in items]
    return [*DECISIONS, *probabilities, *outcomes]
