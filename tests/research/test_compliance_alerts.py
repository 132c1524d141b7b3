"""Compliance and staff alerts through the research API, under pseudonyms only."""

import csv
import io
from datetime import timedelta

from savor.clock import utcnow
from savor.ema import service as ema_service
from savor.research.access import TokenScope
from savor.studies import service as studies_service
from savor.studies.service import default_protocol_source
from tests.factories import bearer, make_participant, make_research_token, prompts_of


def _settle(session, participant, fates: list[tuple[str, bool]]) -> None:
    """Give her first prompts these fates, as if days had passed."""
    for prompt, (status, late) in zip(prompts_of(session, participant), fates, strict=False):
        prompt.scheduled_at = utcnow() - timedelta(hours=5)
        prompt.sent_at = prompt.scheduled_at + timedelta(seconds=5)
        prompt.status, prompt.answered_late = status, late
        if status == "completed":
            prompt.completed_at = prompt.sent_at + timedelta(minutes=10 if not late else 90)
        session.add(prompt)
    session.commit()


def test_compliance_counts_each_fate(client, session, settings):
    _, participant = make_participant(client, session, settings)
    _settle(session, participant, [("completed", False), ("completed", True), ("expired", False)])
    study = studies_service.get_study(session=session, slug="pilot")
    _, [(_, result)] = ema_service.compliance_overview(session=session, study=study, now=utcnow())
    assert (result.due, result.completed, result.late, result.expired) == (3, 1, 1, 1)
    assert (result.rate, result.rate_with_late) == (0.3333, 0.6667)
    assert result.median_delay_seconds == 3000.0


def test_compliance_route_shows_pseudonyms_not_ids(client, session, settings):
    _, participant = make_participant(client, session, settings)
    _settle(session, participant, [("completed", False)])
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    report = client.get("/api/research/v1/studies/pilot/compliance", headers=bearer(token)).json()
    [row] = report["participants"]
    assert row["pseudonym"].startswith("P")
    assert str(participant.id) not in str(report)
    assert report["overall"]["completed"] == 1


COMPLIANCE = "/api/research/v1/studies/pilot/compliance"


def test_compliance_csv_has_a_row_per_participant_and_overall(client, session, settings):
    _, participant = make_participant(client, session, settings, stage="pregnant")
    _settle(session, participant, [("completed", False), ("expired", False)])
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    response = client.get(COMPLIANCE, params={"format": "csv"}, headers=bearer(token))
    assert response.headers["content-type"].startswith("text/csv")
    [row, overall] = list(csv.DictReader(io.StringIO(response.text)))
    assert (row["stage"], row["completed"], row["expired"], row["rate"]) == (
        "pregnant",
        "1",
        "1",
        "0.5",
    )
    assert (overall["pseudonym"], overall["due"]) == ("overall", row["due"])


def test_compliance_in_another_format_is_refused_not_json(client, session, settings):
    make_participant(client, session, settings)
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    response = client.get(COMPLIANCE, params={"format": "xlsx"}, headers=bearer(token))
    assert response.status_code == 422


def test_an_open_prompt_counts_in_no_rate_and_the_api_says_so(client, session, settings):
    _, participant = make_participant(client, session, settings)
    _settle(session, participant, [("completed", False), ("sent", False)])
    token = make_research_token(session, studies_service.get_study(session=session, slug="pilot"))
    [row] = client.get(COMPLIANCE, headers=bearer(token)).json()["participants"]
    assert (row["compliance"]["open"], row["compliance"]["rate"]) == (1, 1.0)
    schema = client.app.openapi()["components"]["schemas"]["Compliance"]["properties"]
    assert "still open is not counted" in schema["rate"]["description"]


def test_alerts_are_listed_and_acknowledged_once(client, session, settings):
    source = default_protocol_source().replace("study: demo", "study: pilot")
    source = source.replace("staff_alerts: false", "staff_alerts: true")
    studies_service.apply_protocol(session=session, source=source, now=utcnow())
    headers, _ = make_participant(client, session, settings)
    answer = {"item_id": "C1", "value": 10, "declined": False}
    client.post(
        "/api/v1/responses",
        headers=headers,
        json={
            "client_id": "5b0f8a4e-0000-4000-8000-000000000001",
            "instrument_id": "hard_moment",
            "instrument_version": "1",
            "submitted_at": utcnow().isoformat(),
            "answers": [answer],
        },
    )
    token = make_research_token(
        session, studies_service.get_study(session=session, slug="pilot"), label="coordinator"
    )
    [alert] = client.get("/api/research/v1/studies/pilot/alerts", headers=bearer(token)).json()
    assert alert["items"] == ["C1"]
    done = client.post(
        f"/api/research/v1/studies/pilot/alerts/{alert['id']}/acknowledge", headers=bearer(token)
    ).json()
    assert done["acknowledged_by"] == "coordinator"
    assert client.get("/api/research/v1/studies/pilot/alerts", headers=bearer(token)).json() == []


def test_alerts_need_their_own_scope(client, session, settings):
    make_participant(client, session, settings)
    study = studies_service.get_study(session=session, slug="pilot")
    token = make_research_token(session, study, scopes=[TokenScope.STUDIES_READ])
    response = client.get("/api/research/v1/studies/pilot/alerts", headers=bearer(token))
    assert response.status_code == 403
