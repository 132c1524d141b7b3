"""A study's worth of participants for the console: prompts of every fate, check-ins with
stress, craving and positive affect, practice sessions and phones, written in bulk.

Used by the console benchmark (1,000 participants) and its browser tests (a dozen).
"""

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from savor.clock import utcnow
from savor.ema import registry
from savor.ema.models import Prompt, Response, ResponseItem
from savor.notify.models import PushSubscription
from savor.practices.models import PracticeSession
from savor.studies.models import Participant, Study

SLOTS = (9, 13, 17, 21)  # UTC hours of the four prompts a day


def _fate(rng: random.Random, when: datetime, now: datetime) -> dict[str, Any]:
    """A prompt's columns for one fate, at the odds a real study sees them."""
    base: dict[str, Any] = {"status": "expired", "sent_at": when, "pushed": 1}
    if when > now:
        return {"status": "scheduled", "sent_at": None, "pushed": 0}
    roll = rng.random()
    if roll < 0.55:
        done = min(when + timedelta(minutes=rng.randint(2, 40)), now)
        return base | {
            "status": "completed",
            "completed_at": done,
            "delivered_at": when,
            "opened_at": done,
        }
    if roll < 0.62:
        done = min(when + timedelta(minutes=70), now)
        return base | {
            "status": "completed",
            "completed_at": done,
            "answered_late": True,
            "delivered_at": when,
        }
    if roll < 0.70:
        return base | {"delivered_at": when, "opened_at": when + timedelta(minutes=5)}
    if roll < 0.80:
        return base | {"delivered_at": when}
    if roll < 0.92:
        return base
    return base | {"sent_at": None, "pushed": 0}


PROMPT_DEFAULTS = {
    "sent_at": None,
    "pushed": 0,
    "completed_at": None,
    "answered_late": False,
    "delivered_at": None,
    "opened_at": None,
    "send_attempts": 0,
}


def seed(
    engine: Engine, study: Study, *, participants: int, days: int, seed: int = 7
) -> list[uuid.UUID]:
    """`participants` women who joined up to `days` days ago; the first has no phone (her
    notifications fail), the rest one phone each. Returns their ids, first to last."""
    rng = random.Random(seed)
    now = utcnow()
    instrument = registry.current("momentary")
    people, prompts, phones, responses, items, sessions = [], [], [], [], [], []
    for n in range(participants):
        pid = uuid.uuid4()
        joined = now - timedelta(days=rng.randint(1, days), hours=rng.randint(0, 12))
        people.append(
            {
                "id": pid,
                "study_id": study.id,
                "timezone": "UTC",
                "language": "en",
                "stage": rng.choice(["pregnant", "postpartum", "other"]),
                "enrolled_at": joined,
            }
        )
        if n:
            phones.append(
                {
                    "id": uuid.uuid4(),
                    "participant_id": pid,
                    "endpoint": f"https://fcm.googleapis.com/fcm/send/{pid}",
                    "p256dh": "k",
                    "auth": "a",
                    "platform": "fcm",
                    "installed": True,
                    "permission": "granted",
                    "app_version": "1",
                    "last_seen_at": now - timedelta(hours=rng.randint(1, 90)),
                    "last_success_at": now - timedelta(hours=2),
                }
            )
        day = joined.date()
        slot = 0
        while day <= now.date():
            for hour in SLOTS:
                when = datetime(day.year, day.month, day.day, hour, tzinfo=now.tzinfo)
                if when < joined:
                    continue
                fate = (
                    _fate(rng, when, now)
                    if n
                    else {"status": "expired", "sent_at": None, "pushed": 0}
                )
                prompt_id = uuid.uuid4()
                prompts.append(
                    {
                        "id": prompt_id,
                        "participant_id": pid,
                        "schedule_id": "random_checkin",
                        "kind": "random",
                        "instrument_id": "momentary",
                        "instrument_version": str(instrument.version),
                        "protocol_version": 1,
                        "local_date": day,
                        "slot": slot,
                        "scheduled_at": when,
                        "expires_at": when + timedelta(minutes=45),
                    }
                    | PROMPT_DEFAULTS
                    | {"status": fate["status"]}
                    | {k: v for k, v in fate.items() if k != "status"}
                )
                slot += 1
                if fate["status"] == "completed":
                    rid = uuid.uuid4()
                    responses.append(
                        {
                            "id": rid,
                            "participant_id": pid,
                            "client_id": uuid.uuid4(),
                            "prompt_id": prompt_id,
                            "kind": "random",
                            "instrument_id": "momentary",
                            "instrument_version": str(instrument.version),
                            "instrument_fingerprint": instrument.fingerprint,
                            "protocol_version": 1,
                            "submitted_at": fate["completed_at"],
                            "received_at": fate["completed_at"],
                            "timezone": "UTC",
                            "local_date": day,
                            "late": fate.get("answered_late", False),
                            "context": {},
                            "body_hash": "0" * 64,
                        }
                    )
                    for position, item in enumerate(("S1", "C1", "A1")):
                        items.append(
                            {
                                "id": uuid.uuid4(),
                                "response_id": rid,
                                "item_id": item,
                                "position": position,
                                "value": rng.randint(0, 10),
                                "declined": False,
                                "sensitive": False,
                            }
                        )
            if rng.random() < 0.4:
                started = datetime(day.year, day.month, day.day, 19, tzinfo=now.tzinfo)
                if joined < started < now:
                    sessions.append(
                        {
                            "id": uuid.uuid4(),
                            "participant_id": pid,
                            "client_id": uuid.uuid4(),
                            "practice_id": "P01",
                            "practice_version": "0" * 12,
                            "variant": "10min",
                            "completed": True,
                            "seconds_practiced": rng.randint(180, 900),
                            "steps_completed": 5,
                            "trigger": "self",
                            "started_at": started,
                            "local_date": day,
                            "program_week": (day - joined.date()).days // 7 + 1,
                            "protocol_version": 1,
                            "body_hash": "0" * 64,
                            "received_at": started,
                        }
                    )
            day += timedelta(days=1)
    with engine.begin() as connection:
        for model, rows in (
            (Participant, people),
            (Prompt, prompts),
            (PushSubscription, phones),
            (Response, responses),
            (ResponseItem, items),
            (PracticeSession, sessions),
        ):
            for start in range(0, len(rows), 2000):
                connection.execute(insert(model), rows[start : start + 2000])
    return [p["id"] for p in people]
