"""Check-ins are drafted from in-memory snapshots, yet what is stored is exact at that moment.

Each test first sends a check-in so her snapshot is cached, then changes the database the way
another server process (or the research API) would, without the app being told.
"""

import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from savor.clock import utcnow
from savor.db import make_writer_engine
from savor.ema import checkin_store, checkins
from savor.ema.alerts import StaffAlert
from savor.ema.drafts import Draft
from savor.ema.instruments import default_instruments
from savor.ema.models import Response, ResponseCreate
from savor.ema.snapshots import SignedIn
from savor.storing.thread import WriteQueue
from savor.studies import service as studies_service
from savor.studies.models import Participant, ParticipantToken
from savor.studies.service import default_protocol_source
from savor.tokens import hash_token
from tests.factories import make_participant, run_coroutine


def _body(**values) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "instrument_id": "momentary",
        "instrument_version": "1",
        "submitted_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "answers": [{"item_id": k, "value": v, "declined": False} for k, v in values.items()],
    }


def _post(client, headers, body):
    return client.post("/api/v1/responses", headers=headers, json=body)


def _cached(client, headers) -> None:
    assert _post(client, headers, _body(S1=3)).status_code == 201


def _change(engine, model, row_id, **values) -> None:
    with Session(engine) as other:
        row = other.get_one(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        other.add(row)
        other.commit()


def _stored(session: Session, participant: Participant) -> list[Response]:
    session.expire_all()
    return list(session.exec(select(Response).where(Response.participant_id == participant.id)))


def test_a_token_revoked_elsewhere_stores_nothing_more(client, session, settings, engine):
    headers, participant = make_participant(client, session, settings)
    _cached(client, headers)
    token = session.exec(select(ParticipantToken)).one()
    _change(engine, ParticipantToken, token.id, revoked_at=utcnow())
    refused = _post(client, headers, _body(S1=4))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    assert len(_stored(session, participant)) == 1


def test_withdrawing_elsewhere_stores_nothing_more(client, session, settings, engine):
    headers, participant = make_participant(client, session, settings)
    _cached(client, headers)
    _change(engine, Participant, participant.id, withdrawn_at=utcnow())
    refused = _post(client, headers, _body(S1=4))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "withdrawn"
    assert len(_stored(session, participant)) == 1


def _dates_apart(old_zone: ZoneInfo, new_zone: ZoneInfo) -> datetime:
    """A recent moment on one date in the old zone and another in the new."""
    now = utcnow().replace(microsecond=0) - timedelta(minutes=1)
    for hours_back in range(24):
        moment = now - timedelta(hours=hours_back)
        if moment.astimezone(old_zone).date() != moment.astimezone(new_zone).date():
            return moment
    raise AssertionError("the two zones share every date")


def test_her_new_time_zone_dates_the_next_answer(client, session, settings, engine):
    headers, participant = make_participant(client, session, settings, timezone="America/Chicago")
    _cached(client, headers)
    _change(engine, Participant, participant.id, timezone="Pacific/Kiritimati")
    kiritimati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: a day ahead of Chicago most hours
    moment = _dates_apart(ZoneInfo("America/Chicago"), kiritimati)
    body = _body(S1=4) | {"submitted_at": moment.isoformat()}
    assert _post(client, headers, body).status_code == 201
    latest = max(_stored(session, participant), key=lambda r: r.received_at)
    assert latest.timezone == "Pacific/Kiritimati"
    assert latest.local_date == moment.astimezone(kiritimati).date()


def test_her_new_stage_is_asked_about_without_a_refusal(client, session, settings, engine):
    headers, participant = make_participant(client, session, settings, stage="postpartum")
    _cached(client, headers)
    _change(engine, Participant, participant.id, stage="pregnant")
    response = _post(client, headers, _body(S1=4, B1p=6))
    assert response.status_code == 201, response.json()


def test_a_new_protocol_applies_to_the_next_answer(client, session, settings):
    watched = default_protocol_source().replace("study: demo", "study: pilot")
    watched = watched.replace("staff_alerts: false", "staff_alerts: true")
    studies_service.apply_protocol(session=session, source=watched, now=utcnow())
    headers, participant = make_participant(client, session, settings)
    _cached(client, headers)
    unwatched = watched.replace("staff_alerts: true", "staff_alerts: false")
    studies_service.apply_protocol(session=session, source=unwatched, now=utcnow())
    assert _post(client, headers, _body(S1=9)).status_code == 201
    assert session.exec(select(StaffAlert)).all() == []  # turned off: no alert, at once
    latest = max(_stored(session, participant), key=lambda r: r.received_at)
    assert latest.protocol_version == 2


def test_no_alert_for_her_when_her_row_says_she_never_agreed_to_it(
    client, session, settings, engine
):
    watched = default_protocol_source().replace("study: demo", "study: pilot")
    watched = watched.replace("staff_alerts: false", "staff_alerts: true")
    studies_service.apply_protocol(session=session, source=watched, now=utcnow())
    headers, participant = make_participant(client, session, settings)
    _cached(client, headers)  # her snapshot still says she agreed
    _change(engine, Participant, participant.id, agreed_features={"staff_alerts": False})
    assert _post(client, headers, _body(S1=9)).json()["crisis"] is True
    assert session.exec(select(StaffAlert)).all() == []


def _draft(app, token_hash: str, signed_in_as: str, sent: dict | None = None) -> Draft:
    snapshots = app.state.snapshots
    participant = run_coroutine(snapshots.participant(token_hash))
    study = run_coroutine(snapshots.study(participant.study_id))
    body = ResponseCreate.model_validate(sent or _body(S1=2))
    instrument = default_instruments()["momentary"]
    signed_in = SignedIn(token_hash=signed_in_as, participant=participant)
    return checkins.draft(signed_in, participant, study, body, instrument, utcnow())


def test_one_refused_draft_leaves_the_rest_of_its_set_stored(client, app, session, settings):
    headers, participant = make_participant(client, session, settings)
    token_hash = hash_token(headers["Authorization"].removeprefix("Bearer "))
    good, stranger = _draft(app, token_hash, token_hash), _draft(app, token_hash, "0" * 64)
    with Session(app.state.writer.engine) as own:
        outcomes = checkin_store.store_drafts(own, [good, stranger, good])
        own.commit()
    assert outcomes[0][1] is True
    assert outcomes[1].code == "invalid_token"
    assert outcomes[2] == (outcomes[0][0], False)  # the same record twice in a set is one
    assert len(_stored(session, participant)) == 1


def test_answers_from_many_phones_at_once_are_each_stored_once(client, session, settings):
    phones = [make_participant(client, session, settings)[0] for _ in range(6)]
    bodies = [(headers, _body(S1=i % 10)) for i in range(4) for headers in phones]
    statuses: list[int] = []
    start = threading.Barrier(len(bodies))

    def deliver(headers, body) -> None:
        start.wait()
        statuses.append(_post(client, headers, body).status_code)
        statuses.append(_post(client, headers, body).status_code)  # the outbox retries

    threads = [threading.Thread(target=deliver, args=pair) for pair in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * len(bodies) + [201] * len(bodies)
    session.expire_all()
    assert len(session.exec(select(Response)).all()) == len(bodies)


def test_the_same_record_stored_by_two_processes_at_once_is_stored_once(
    client, app, session, settings
):
    headers, participant = make_participant(client, session, settings)
    token_hash = hash_token(headers["Authorization"].removeprefix("Bearer "))
    sent = _body(S1=2)
    # Two writers on one database, as two server processes would have, each with its draft.
    records = [_draft(app, token_hash, token_hash, sent) for _ in range(2)]
    writers = [app.state.writer, WriteQueue(make_writer_engine(settings.resolved_database_url))]
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def deliver(writer: WriteQueue, record: Draft) -> None:
        start.wait()
        outcomes.append(writer.submit_item(checkin_store.store_drafts, record))

    threads = [
        threading.Thread(target=deliver, args=pair) for pair in zip(writers, records, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writers[1].close()
    writers[1].engine.dispose()
    assert sorted(created for _, created in outcomes) == [False, True]
    assert outcomes[0][0] == outcomes[1][0]
    assert len(_stored(session, participant)) == 1
