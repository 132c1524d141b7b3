"""Nothing in any export identifies her: no ids, tokens or secrets; free text only by scope."""

import uuid

import pytest

from savor.research.access import DEFAULT_SCOPES, TokenScope
from savor.studies.models import Participant, ParticipantState
from savor.studies.pseudonym import pseudonym
from tests.factories import make_research_token, make_study
from tests.research import fixture
from tests.research.expected import get, read_csv


def test_free_text_needs_its_own_scope(client, session, study, token):
    assert fixture.FREE_TEXT.encode() not in get(client, token, "responses")
    allowed = make_research_token(
        session, study.study, [*DEFAULT_SCOPES, TokenScope.EXPORT_FREE_TEXT]
    )
    rows = read_csv(get(client, allowed, "responses"))
    [j1] = [r for r in rows if r["item_id"] == "J1"]
    assert (j1["value"], j1["item_position"]) == (fixture.FREE_TEXT, "0")


EVERY_EXPORT = [
    ("responses", {}),
    ("responses", {"shape": "wide"}),
    ("responses", {"format": "ndjson"}),
    ("responses", {"format": "ndjson", "shape": "wide"}),
    ("responses", {"format": "fhir"}),
    ("prompts", {}),
    ("prompts", {"format": "ndjson"}),
    ("practice_sessions", {}),
    ("practice_sessions", {"format": "ndjson"}),
    ("participants", {}),
    ("participants", {"format": "ndjson"}),
    ("participant_states", {}),
    ("participant_states", {"format": "ndjson"}),
]


@pytest.mark.parametrize(("dataset", "params"), EVERY_EXPORT)
def test_no_internal_id_token_or_secret_in_any_byte(client, session, study, dataset, params):
    allowed = make_research_token(
        session, study.study, [*DEFAULT_SCOPES, TokenScope.EXPORT_FREE_TEXT]
    )
    body = get(client, allowed, dataset, **params)
    forbidden = [str(i) for i in study.internal_ids()] + [i.hex for i in study.internal_ids()]
    forbidden += [allowed, study.study.secret]
    assert len(body) > 200
    assert [f for f in forbidden if f.encode() in body or f.upper().encode() in body] == []


@pytest.mark.parametrize(
    "dataset",
    ["responses", "prompts", "practice_sessions", "participants", "participant_states"],
)
def test_an_export_holds_only_its_own_studys_rows(client, session, study, token, dataset):
    other_study = make_study(session, slug="other-site")
    other = Participant(study_id=other_study.id, timezone="America/Chicago", language="en")
    session.add(other)
    session.commit()
    state = ParticipantState(
        participant_id=other.id,
        at=study.ana.enrolled_at,
        timezone="America/Chicago",
        wake_time=other.wake_time,
        sleep_time=other.sleep_time,
    )
    session.add(state)
    session.commit()
    for row in (study.prompt, study.answered, study.practice):
        copy = row.model_copy(update={"id": uuid.uuid4(), "participant_id": other.id})
        session.add(copy)
    session.commit()
    body = get(client, token, dataset, format="ndjson").decode()
    theirs = pseudonym(study_secret=other_study.secret, participant_id=other.id)
    assert theirs not in body
    assert pseudonym(study_secret=study.study.secret, participant_id=study.ana.id) in body
