"""A wave's reminders in the `prompts` export: every one counted, the first and the last time,
as the codebook describes them."""

from datetime import date, timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.notify import dispatch
from savor.studies import service as studies_service
from savor.studies.models import Study
from tests.ema.test_waves import JOINED, joined_study, on_her_clock, plan, waves_protocol
from tests.factories import bearer, make_research_token
from tests.research.expected import get, read_csv


def test_the_prompts_export_shows_both_reminders_of_a_wave(client, session, settings, sender):
    joined_study(client, session, settings)
    plan(session, JOINED + timedelta(minutes=1))
    dispatch.dispatch_due(session=session, worker="w", send=sender, now=JOINED)
    for day in (date(2026, 2, 22), date(2026, 2, 25)):  # days 2 and 5
        dispatch.send_reminders(session=session, worker="w", send=sender, now=on_her_clock(day))
        plan(session, on_her_clock(day) + timedelta(minutes=10))
    token = make_research_token(session, session.exec(select(Study)).one())

    [baseline] = [
        r for r in read_csv(get(client, token, "prompts")) if r["schedule_id"] == "baseline"
    ]

    assert baseline["reminders_sent"] == "2"
    assert baseline["first_reminded_at_local"] == "2026-02-22T10:00:00.000-08:00"
    assert baseline["reminded_at_local"] == "2026-02-25T10:00:00.000-08:00"


def test_the_codebook_describes_the_reminder_columns(client, session):
    studies_service.apply_protocol(session=session, source=waves_protocol(), now=utcnow())
    token = make_research_token(session, session.exec(select(Study)).one())

    book = client.get("/api/research/v1/studies/pilot/codebook", headers=bearer(token)).json()

    prompts = {c["name"]: c for c in book["datasets"]["prompts"]}
    assert prompts["reminders_sent"]["type"] == "integer"
    assert "first reminder" in prompts["first_reminded_at_utc"]["description"]
    assert "last reminder" in prompts["reminded_at_utc"]["description"]
