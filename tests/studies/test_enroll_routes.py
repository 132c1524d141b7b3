"""POST /api/v1/enroll: codes that work, codes that don't, and guessing slowed down."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from savor.clock import utcnow
from savor.config import Settings
from savor.errors import AppError
from savor.studies import enrollment
from savor.studies.models import EnrollmentCode, EnrollRequest, Participant
from tests.factories import make_code, make_study


def _enroll(client: TestClient, code: str, **extra: str):
    body = {
        "code": code,
        "timezone": "America/Chicago",
        "language": "en",
        "consent_version": 1,
        **extra,
    }
    return client.post("/api/v1/enroll", json=body)


def test_good_code_enrolls_and_returns_a_token(client, session, settings):
    code = make_code(session, settings, make_study(session))
    response = _enroll(client, code)
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("svp_")
    assert body["participant"]["study"] == "pilot"
    assert body["participant"]["timezone"] == "America/Chicago"
    assert body["participant"]["status"] == "active"


def test_code_typed_loosely_still_works(client, session, settings):
    code = make_code(session, settings, make_study(session))
    typed = code.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    assert _enroll(client, typed).status_code == 201


def test_reused_code_is_refused(client, session, settings):
    code = make_code(session, settings, make_study(session))
    assert _enroll(client, code).status_code == 201
    response = _enroll(client, code)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "code_used"


def test_expired_code_is_refused(client, session, settings):
    code = make_code(session, settings, make_study(session), now=utcnow() - timedelta(days=8))
    response = _enroll(client, code)
    assert response.status_code == 410
    assert "expired" in response.json()["error"]["message"]


def test_malformed_code_names_the_expected_shape(client):
    response = _enroll(client, "hello!")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "malformed_code"
    assert error["fields"] == [{"field": "code", "message": "not an enrollment code"}]


def test_unknown_code_is_not_found(client, session):
    make_study(session)
    response = _enroll(client, "ABCD-EFGH")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_code"


def test_invalid_time_zone_is_refused_without_using_up_the_code(client, session, settings):
    code = make_code(session, settings, make_study(session))
    response = _enroll(client, code, timezone="Central Time")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_timezone"
    assert session.exec(select(EnrollmentCode)).one().used_on is None
    assert _enroll(client, code).status_code == 201


def test_abbreviations_are_not_iana_names(client, session, settings):
    code = make_code(session, settings, make_study(session))
    assert _enroll(client, code, timezone="CST6CDT ").status_code == 201  # a real IANA zone
    other = make_code(session, settings, make_study(session, slug="other"))
    assert _enroll(client, other, timezone="GMT+5:30").status_code == 422


def test_regional_language_tag_maps_to_its_language(client, session, settings):
    code = make_code(session, settings, make_study(session))
    assert _enroll(client, code, language="es-MX").json()["participant"]["language"] == "es"


def test_unsupported_language_is_refused(client, session, settings):
    code = make_code(session, settings, make_study(session))
    response = _enroll(client, code, language="fr")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unsupported_language"


def test_repeated_wrong_codes_are_refused_for_a_while(client, session, settings: Settings):
    good = make_code(session, settings, make_study(session))
    for _ in range(settings.enrollment_max_failures):
        assert _enroll(client, "ZZZZ-ZZZZ").status_code == 404
    response = _enroll(client, good)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "too_many_attempts"
    assert session.exec(select(EnrollmentCode)).one().used_on is None


def test_honest_mistakes_do_not_count_as_guessing(client, session, settings: Settings):
    good = make_code(session, settings, make_study(session))
    for _ in range(settings.enrollment_max_failures + 1):
        assert _enroll(client, good, timezone="Nowhere/Else").status_code == 422
    assert _enroll(client, good).status_code == 201


def test_participant_table_has_no_identifying_columns():
    columns = set(Participant.__table__.columns.keys())  # type: ignore[attr-defined]
    identifying = {"name", "email", "phone", "address", "birth_date", "dob", "ip"}
    assert not columns & identifying
    assert columns == {
        "id",
        "study_id",
        "timezone",
        "language",
        "wake_time",
        "sleep_time",
        "stage",
        "enrolled_at",
        "withdrawn_at",
        "agreed_features",  # the consent switches she agreed to (studies/consent.py)
        "agreed_protocol_version",
        "consent_version",  # the consent version she last agreed to (studies/agreements.py)
        "seq",  # change position for incremental exports (research/cursor.py)
        "plan_key",  # a digest of her zone, hours and protocol (ema/planning.py)
        "planned_through",
        "practice_reminder_time",  # her daily practice reminder, if she set one
    }


def test_enrollment_stores_only_her_settings(client, session: Session, settings):
    code = make_code(session, settings, make_study(session))
    _enroll(client, code, timezone="America/Los_Angeles")
    participant = session.exec(select(Participant)).one()
    assert participant.timezone == "America/Los_Angeles"
    assert participant.enrolled_at.tzinfo is not None


def test_a_used_code_keeps_only_the_day_not_the_moment_she_joined(client, session, settings):
    code = make_code(session, settings, make_study(session))
    joined = _enroll(client, code).json()["participant"]["enrolled_at"]
    session.expire_all()
    used = session.exec(select(EnrollmentCode)).one()
    assert used.used_on == datetime.fromisoformat(joined).astimezone(UTC).date()
    assert not {"used_at", "used"} & set(EnrollmentCode.__table__.columns.keys())  # type: ignore[attr-defined]


def test_of_two_phones_claiming_one_code_only_the_first_joins(engine, session, settings):
    code = make_code(session, settings, make_study(session))
    request = EnrollRequest(code=code, timezone="America/Chicago", consent_version=1)
    pepper = settings.pepper()
    with Session(engine, expire_on_commit=False) as late:
        seen = late.exec(select(EnrollmentCode)).one()
        late.commit()
        enrollment.enroll(session=session, request=request, pepper=pepper, now=utcnow())
        assert seen.used_on is None  # the late phone still sees the code unused
        with pytest.raises(AppError) as refused:
            enrollment.enroll(session=late, request=request, pepper=pepper, now=utcnow())
    assert refused.value.code == "code_used"
    assert len(session.exec(select(Participant)).all()) == 1
