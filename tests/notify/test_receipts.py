"""Her phone reports what became of each notification: delivered, shown, clicked, dismissed."""

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from savor.ema.models import Prompt
from savor.ema.prompts import Receipt, store_receipts
from savor.studies.models import Study
from tests.factories import bearer, make_participant, make_research_token, prompts_of

AT = "2026-03-02T08:00:05.250-06:00"


def read_back(session: Session, prompt: Prompt) -> Prompt:
    """The same prompt as stored now (by its id: her next prompt may have moved meanwhile)."""
    return session.get_one(Prompt, prompt.id, populate_existing=True)


def _receipt(client, headers, prompt_id, event: str, at: str = AT):
    body = {"event": event, "at": at}
    return client.post(f"/api/v1/prompts/{prompt_id}/receipts", headers=headers, json=body)


def test_each_receipt_is_stored_in_utc_on_her_prompt(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    for event in ("delivered", "shown", "clicked", "dismissed"):
        assert _receipt(client, headers, prompt.id, event).status_code == 201
    stored = read_back(session, prompt)
    expected = datetime(2026, 3, 2, 14, 0, 5, 250000, tzinfo=UTC)
    times = (stored.delivered_at, stored.shown_at, stored.clicked_at, stored.dismissed_at)
    assert times == (expected,) * 4


def test_a_repeated_receipt_is_200_and_keeps_the_first_time(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    assert _receipt(client, headers, prompt.id, "delivered").status_code == 201
    again = _receipt(client, headers, prompt.id, "delivered", at="2026-03-02T09:00:00-06:00")
    assert again.status_code == 200
    stored = read_back(session, prompt)
    assert stored.delivered_at == datetime(2026, 3, 2, 14, 0, 5, 250000, tzinfo=UTC)
    assert stored.shown_at is None


def test_another_mothers_prompt_is_unknown(client, session, settings):
    _, first = make_participant(client, session, settings)
    other_headers, _ = make_participant(client, session, settings)
    prompt = prompts_of(session, first)[0]
    response = _receipt(client, other_headers, prompt.id, "delivered")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_prompt"
    assert prompts_of(session, first)[0].delivered_at is None


def test_an_unknown_prompt_is_404(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    response = _receipt(client, headers, "6f1c8a52-55c4-4a5e-9a0e-6a4c1c0b9d11", "shown")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_prompt"


def test_after_she_withdraws_receipts_are_refused(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    participant.withdrawn_at = datetime.now(UTC)
    session.add(participant)
    session.commit()
    response = _receipt(client, headers, prompt.id, "delivered")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "withdrawn"


def test_a_time_without_its_offset_or_an_unknown_event_is_422(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    assert (
        _receipt(client, headers, prompt.id, "delivered", at="2026-03-02T08:00:05").status_code
        == 422
    )
    assert _receipt(client, headers, prompt.id, "read").status_code == 422
    assert (
        _receipt(client, headers, prompt.id, "shown", at="0001-01-01T00:00:00+14:00").status_code
        == 422
    )


def test_a_receipt_brings_her_prompt_again_in_the_next_incremental_pull(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    research = bearer(make_research_token(session, session.get_one(Study, participant.study_id)))
    export = "/api/research/v1/studies/pilot/export/prompts"
    first = client.get(export, params={"format": "ndjson"}, headers=research)
    since = first.headers["Savor-Next-Since"]
    assert _receipt(client, headers, prompt.id, "delivered").status_code == 201
    later = client.get(export, params={"format": "ndjson", "since": since}, headers=research)
    rows = [json.loads(line) for line in later.text.splitlines()]
    assert [r["delivered_at_utc"] for r in rows] == ["2026-03-02T14:00:05.250Z"]


def test_the_answer_tells_her_phone_an_open_prompt_is_still_open(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    answer = _receipt(client, headers, prompt.id, "delivered").json()
    assert (answer["prompt_open"], answer["prompt_status"]) == (True, prompt.status)


def test_a_push_reaching_her_after_she_answered_is_recorded_and_told_closed(
    client, session, settings
):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    prompt.status = "completed"
    session.add(prompt)
    session.commit()
    response = _receipt(client, headers, prompt.id, "delivered")
    assert response.status_code == 201
    assert (response.json()["prompt_open"], response.json()["prompt_status"]) == (
        False,
        "completed",
    )
    session.expire_all()
    assert read_back(session, prompt).delivered_at is not None


def test_a_push_reaching_her_after_the_prompt_closed_is_told_closed(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    prompt.expires_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    session.add(prompt)
    session.commit()
    assert _receipt(client, headers, prompt.id, "delivered").json()["prompt_open"] is False


def test_receipts_stored_together_count_once_each_and_only_on_her_own_prompts(
    client, session, settings
):
    # Phones' receipts reach the writer thread in groups, each group stored as one set.
    _, her = make_participant(client, session, settings)
    _, other = make_participant(client, session, settings)
    mine, theirs = prompts_of(session, her)[0], prompts_of(session, other)[0]
    first = datetime(2026, 3, 2, 14, 0, 5, tzinfo=UTC)
    later = first + timedelta(seconds=30)
    group = [
        Receipt(her.id, mine.id, "delivered", first),
        Receipt(her.id, mine.id, "delivered", later),  # her phone sent it again
        Receipt(her.id, mine.id, "shown", later),
        Receipt(her.id, theirs.id, "delivered", first),  # not her prompt
    ]
    assert store_receipts(session, group) == [True, False, True, False]
    session.commit()
    session.expire_all()
    assert (mine.delivered_at, mine.shown_at) == (first, later)
    assert theirs.delivered_at is None
    assert store_receipts(session, [Receipt(her.id, mine.id, "shown", first)]) == [False]


def _receipts(client, headers, prompt_id, events):
    body = {"events": events}
    return client.post(f"/api/v1/prompts/{prompt_id}/receipts", headers=headers, json=body)


def test_a_push_delivered_and_shown_are_stored_by_one_request(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    shown_at = "2026-03-02T08:00:06-06:00"
    pair = [{"event": "delivered", "at": AT}, {"event": "shown", "at": shown_at}]
    response = _receipts(client, headers, prompt.id, pair)
    assert response.status_code == 201
    assert response.json()["recorded"] == ["delivered", "shown"]
    assert response.json()["prompt_open"] is True
    stored = read_back(session, prompt)
    assert (stored.delivered_at, stored.shown_at) == (
        datetime(2026, 3, 2, 14, 0, 5, 250000, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 0, 6, tzinfo=UTC),
    )


def test_a_replayed_pair_changes_nothing_and_only_new_events_count(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    assert _receipt(client, headers, prompt.id, "delivered").status_code == 201
    later = "2026-03-02T09:00:00-06:00"
    pair = [{"event": "delivered", "at": later}, {"event": "shown", "at": later}]
    first = _receipts(client, headers, prompt.id, pair)
    assert (first.status_code, first.json()["recorded"]) == (201, ["shown"])
    again = _receipts(client, headers, prompt.id, pair)
    assert (again.status_code, again.json()["status"]) == (200, "already_recorded")
    stored = read_back(session, prompt)
    assert stored.delivered_at == datetime(2026, 3, 2, 14, 0, 5, 250000, tzinfo=UTC)
    assert stored.shown_at == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_shown_if_open_is_not_counted_for_a_prompt_she_already_answered(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    prompt.status = "completed"
    session.add(prompt)
    session.commit()
    pair = [{"event": "delivered", "at": AT}, {"event": "shown", "at": AT, "if_open": True}]
    response = _receipts(client, headers, prompt.id, pair)
    assert response.json()["recorded"] == ["delivered"]
    assert response.json()["prompt_open"] is False
    session.expire_all()
    stored = read_back(session, prompt)
    assert stored.delivered_at is not None and stored.shown_at is None


def test_shown_if_open_counts_while_the_prompt_is_open(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    prompt.expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    session.add(prompt)
    session.commit()
    pair = [{"event": "delivered", "at": AT}, {"event": "shown", "at": AT, "if_open": True}]
    assert _receipts(client, headers, prompt.id, pair).json()["recorded"] == ["delivered", "shown"]


def test_an_empty_oversized_repeated_or_unknown_list_is_422(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    each = [{"event": e, "at": AT} for e in ("delivered", "shown", "clicked", "dismissed")]
    wrong = [
        [],
        [*each, {"event": "delivered", "at": AT}],
        [{"event": "shown", "at": AT}, {"event": "shown", "at": AT}],
        [{"event": "read", "at": AT}],
    ]
    for events in wrong:
        response = _receipts(client, headers, prompt.id, events)
        assert response.status_code == 422, events
        assert response.json()["error"]["fields"][0]["field"].startswith("events")
    assert read_back(session, prompt).delivered_at is None


def test_one_event_and_a_list_together_or_neither_is_422(client, session, settings):
    headers, participant = make_participant(client, session, settings)
    prompt = prompts_of(session, participant)[0]
    url = f"/api/v1/prompts/{prompt.id}/receipts"
    both = {"event": "shown", "at": AT, "events": [{"event": "delivered", "at": AT}]}
    assert client.post(url, headers=headers, json=both).status_code == 422
    assert client.post(url, headers=headers, json={}).status_code == 422
    assert client.post(url, headers=headers, json={"event": "shown"}).status_code == 422
