"""Pseudonymous keys and date shifting, as pure functions, and date shifting in an export."""

import csv
import hmac
import io
import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from savor.clock import utcnow
from savor.research.anonymize import (
    Anonymizer,
    _Keyed,
    date_text,
    local_text,
    record_ref,
    shift_weeks,
    utc_text,
)
from savor.studies import service as studies_service
from savor.studies.pseudonym import pseudonym
from tests.factories import bearer, make_research_token
from tests.research import fixture

ID = uuid.UUID("5b0f8a4e-1111-4000-8000-000000000001")


def test_record_ref_is_stable_in_a_study_and_differs_across_studies():
    first = record_ref(study_secret="a" * 64, kind="R", record_id=ID)
    assert first == record_ref(study_secret="a" * 64, kind="R", record_id=ID)
    assert first != record_ref(study_secret="b" * 64, kind="R", record_id=ID)
    assert first.startswith("R") and ID.hex not in first.lower()


def test_record_ref_of_a_prompt_differs_from_that_of_a_response_with_the_same_id():
    response = record_ref(study_secret="a" * 64, kind="R", record_id=ID)
    prompt = record_ref(study_secret="a" * 64, kind="Q", record_id=ID)
    assert response[1:] != prompt[1:]


@settings(max_examples=200, deadline=None)
@given(key=st.binary(max_size=200), message=st.binary(max_size=100))
def test_keyed_digest_is_hmac_sha256(key: bytes, message: bytes):
    # Keys shorter than, as long as and longer than SHA-256's 64-byte block.
    assert _Keyed(key).digest(message) == hmac.digest(key, message, "sha256")


@settings(max_examples=100, deadline=None)
@given(secret=st.text(min_size=1, max_size=100), record=st.uuids(), kind=st.sampled_from("RQS"))
def test_an_exports_refs_are_record_refs(secret: str, record: uuid.UUID, kind: str):
    anonymizer = Anonymizer(study_secret=secret, shift_dates=False)
    expected = record_ref(study_secret=secret, kind=kind, record_id=record)
    assert anonymizer.ref(kind, record) == anonymizer.ref(kind, record.bytes) == expected


def test_shift_is_whole_weeks_between_one_and_fifty_two():
    weeks = {shift_weeks(study_secret="s" * 64, participant_id=uuid.uuid4()) for _ in range(300)}
    assert weeks <= set(range(1, 53))
    assert len(weeks) > 30  # spread out, not one shift for everyone


def test_shift_keeps_weekday_and_time_of_day():
    moment = datetime(2026, 3, 2, 14, 50, 0, 250_000, tzinfo=UTC)
    shifted = datetime.fromisoformat(utc_text(moment, 5).replace("Z", "+00:00"))
    assert moment - shifted == timedelta(weeks=5)
    assert (shifted.weekday(), shifted.time()) == (moment.weekday(), moment.time())


def test_local_time_keeps_her_real_offset_across_a_dst_change():
    # 2026-03-09 is after the US change to daylight time; five weeks earlier was standard time.
    moment = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert local_text(moment, "America/Chicago") == "2026-03-09T09:00:00.000-05:00"
    assert local_text(moment, "America/Chicago", 5) == "2026-02-02T09:00:00.000-05:00"


def test_utc_and_date_text_formats():
    assert utc_text(datetime(2026, 3, 2, 14, 0, tzinfo=UTC)) == "2026-03-02T14:00:00.000Z"
    assert utc_text(None) is None
    assert date_text(date(2026, 3, 2), 1) == "2026-02-23"


def test_anonymizer_shifts_only_when_asked():
    assert Anonymizer(study_secret="s" * 64, shift_dates=False).person(ID)[1] == 0
    name, weeks = Anonymizer(study_secret="s" * 64, shift_dates=True).person(ID)
    assert name == pseudonym(study_secret="s" * 64, participant_id=ID)
    assert weeks == shift_weeks(study_secret="s" * 64, participant_id=ID)


def test_export_shifts_her_dates_when_the_protocol_says_so(client, session):
    f = fixture.build(session)
    source = studies_service.protocol_source_for(slug="pilot", name="Pilot study")
    source = source.replace("date_shift_exports: false", "date_shift_exports: true")
    studies_service.apply_protocol(session=session, source=source, now=utcnow())
    token = make_research_token(session, f.study)
    body = client.get(
        "/api/research/v1/studies/pilot/export/participants", headers=bearer(token)
    ).text
    ana = next(r for r in csv.DictReader(io.StringIO(body)) if r["language"] == "en")
    weeks = shift_weeks(study_secret=f.study.secret, participant_id=f.ana.id)
    enrolled = datetime(2026, 3, 1, 15, 0, tzinfo=UTC) - timedelta(weeks=weeks)
    assert ana["pseudonym"] == pseudonym(study_secret=f.study.secret, participant_id=f.ana.id)
    assert ana["enrolled_at_utc"] == utc_text(enrolled)
    assert ana["enrolled_at_local"].endswith("T09:00:00.000-06:00")
    assert datetime.fromisoformat(ana["enrolled_at_local"]).weekday() == 6  # a Sunday, as then


def test_export_keeps_shifting_her_dates_when_she_joined_under_shifting(client, session):
    f = fixture.build(session)  # the study's protocol has date shifting off now
    f.ana.agreed_features = {"date_shift_exports": True}
    session.add(f.ana)
    session.commit()
    token = make_research_token(session, f.study)
    body = client.get(
        "/api/research/v1/studies/pilot/export/participants", headers=bearer(token)
    ).text
    rows = {r["language"]: r for r in csv.DictReader(io.StringIO(body))}
    weeks = shift_weeks(study_secret=f.study.secret, participant_id=f.ana.id)
    enrolled = datetime(2026, 3, 1, 15, 0, tzinfo=UTC) - timedelta(weeks=weeks)
    assert rows["en"]["enrolled_at_utc"] == utc_text(enrolled)
    assert rows["es"]["enrolled_at_utc"] == utc_text(f.bea.enrolled_at)  # she joined without


def test_the_anonymizer_shifts_those_it_is_told_of_even_with_the_study_switch_off():
    anonymizer = Anonymizer(study_secret="s" * 64, shift_dates=False, shifted=frozenset({ID}))
    assert anonymizer.person(ID)[1] == shift_weeks(study_secret="s" * 64, participant_id=ID)
    assert anonymizer.person(uuid.uuid4())[1] == 0
