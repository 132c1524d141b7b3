"""A trial's outcome measures end to end: baseline, week-4 and week-8 PHQ-9 waves open in her
zone, remind and close; what she answers is scored once and exported with its band."""

from datetime import date, datetime, timedelta

from sqlmodel import select

from savor.clock import utcnow
from savor.ema import prompts as ema_prompts
from savor.notify import dispatch
from savor.studies import service as studies_service
from savor.studies.models import Study
from tests.ema.test_questionnaire_answers import phq9_body, post
from tests.ema.test_waves import (
    JOINED,
    LA,
    joined_back_then,
    local,
    on_her_clock,
    plan,
    waves_of,
    waves_protocol,
)
from tests.factories import make_research_token
from tests.research.expected import get, read_csv


def test_three_waves_run_from_opening_to_the_scores_export(client, session, settings, sender):
    studies_service.apply_protocol(session=session, source=waves_protocol(), now=utcnow())
    headers, her = joined_back_then(client, session, settings)

    # Baseline opens as she joins (past 10:00 on her clock), reminds on days 2 and 5.
    plan(session, JOINED + timedelta(minutes=1))
    baseline = waves_of(session, her)["baseline"]
    sent = dispatch.dispatch_due(session=session, worker="w", send=sender, now=JOINED)
    assert sent.claimed == 1
    day2 = on_her_clock(date(2026, 2, 22))
    assert dispatch.send_reminders(session=session, worker="w", send=sender, now=day2) == 1
    plan(session, day2 + timedelta(minutes=10))
    assert local(waves_of(session, her)["baseline"].remind_at) == datetime(
        2026, 2, 25, 10, tzinfo=LA
    )

    # She answers it on day 3 (9:30 her time): 2+2+2+2+1+1+1+1+0 = 12, moderate.
    answered_at = datetime(2026, 2, 23, 9, 30, tzinfo=LA)
    values = {1: 2, 2: 2, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0}
    body = phq9_body(values, prompt_id=str(baseline.id))
    body |= {"started_at": answered_at.isoformat(), "submitted_at": answered_at.isoformat()}
    assert post(client, headers, body).status_code == 201
    assert post(client, headers, body).status_code == 200  # her outbox sent it again

    # Week 4 opens at 10:00 on her clock (PDT by then), reminds, and closes unanswered.
    plan(session, on_her_clock(date(2026, 3, 19), 12))
    week4 = waves_of(session, her)["week4"]
    assert local(week4.scheduled_at) == datetime(2026, 3, 20, 10, tzinfo=LA)
    dispatch.dispatch_due(session=session, worker="w", send=sender, now=week4.scheduled_at)
    ema_prompts.expire_due(session=session, now=week4.expires_at)

    # Week 8 (the first day of program week 9) opens on day 56.
    plan(session, on_her_clock(date(2026, 4, 16), 12))
    week8 = waves_of(session, her)["week8"]
    assert local(week8.scheduled_at) == datetime(2026, 4, 17, 10, tzinfo=LA)

    token = make_research_token(session, session.exec(select(Study)).one())
    waves = {
        r["schedule_id"]: r["status"]
        for r in read_csv(get(client, token, "prompts"))
        if r["prompt_kind"] == "wave"
    }
    # The bonding questionnaire (she is postpartum) opened with week 4 and was missed too.
    assert waves == {
        "baseline": "completed",
        "week4": "expired",
        "bonding": "expired",
        "week8": "scheduled",
    }
    scores = read_csv(get(client, token, "scores"))
    assert [(r["wave"], r["scale"], r["score"], r["band"]) for r in scores] == [
        ("baseline", "total", "12", "moderate"),
        ("baseline", "phq2", "4", "positive"),
    ]
    assert scores[0]["submitted_at_local"] == "2026-02-23T09:30:00.000-08:00"
