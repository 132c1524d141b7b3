"""The research routes behind the console: what each screen reads, as a script gets it too."""

from datetime import timedelta

from savor.clock import utcnow
from savor.ema.models import Prompt
from savor.studies import service as studies_service
from tests.factories import (
    bearer,
    days_ago,
    make_participant,
    make_research_token,
    make_study,
    prompts_of,
)
from tests.research.test_route_access import BASE
from tests.studies.test_consent_versions import _put_protocol

PROTOCOL = studies_service.protocol_source_for(slug="pilot", name="Pilot study")


def _expire_all(session, participant, *, opened: bool = False) -> None:
    """Her prompts so far, all expired; opened ones got as far as the check-in."""
    now = utcnow()
    for prompt in prompts_of(session, participant):
        prompt.status, prompt.scheduled_at = "expired", now - timedelta(hours=2)
        prompt.expires_at, prompt.sent_at, prompt.pushed = now - timedelta(hours=1), now, 1
        prompt.opened_at = now if opened else None
        session.add(prompt)
    session.commit()


def test_today_flags_a_participant_with_no_device_and_no_checkin(client, session, settings):
    study = make_study(session)
    make_participant(client, session, settings, study=study, enrolled_at=days_ago(5))
    make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    today = client.get(f"{BASE}/studies/pilot/today", headers=bearer(token)).json()
    assert today["enrolled_total"] == 2
    codes = {f["pseudonym"]: [x["code"] for x in f["flags"]] for f in today["flagged"]}
    quiet_codes = [c for codes_ in codes.values() for c in codes_ if c == "no_checkin_3_days"]
    assert quiet_codes == ["no_checkin_3_days"]
    # Neither subscribed a phone: both are flagged for notifications, with the reason.
    assert all("notifications_failing" in c for c in codes.values())
    assert "no phone is signed up" in today["flagged"][0]["flags"][0]["reason"]


def test_the_roster_has_a_row_per_participant_with_its_columns(client, session, settings):
    study = make_study(session)
    make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    rows = client.get(f"{BASE}/studies/pilot/roster", headers=bearer(token)).json()
    assert len(rows) == 1
    assert set(rows[0]) >= {
        "pseudonym", "status", "stage", "program_week", "last_seen_at", "notifications",
        "completion_7d", "practice_minutes_7d", "next_wave", "flags",
    }  # fmt: skip
    assert rows[0]["next_wave"] is None  # no questionnaire waves yet


def test_a_participant_page_colors_each_prompt_by_how_far_it_got(client, session, settings):
    study = make_study(session)
    _, her = make_participant(client, session, settings, study=study)
    _expire_all(session, her, opened=True)
    token = make_research_token(session, study)
    name = client.get(f"{BASE}/studies/pilot/roster", headers=bearer(token)).json()[0]["pseudonym"]
    page = client.get(f"{BASE}/studies/pilot/participants/{name}", headers=bearer(token)).json()
    assert page["prompts"] and {p["fate"] for p in page["prompts"]} == {"opened"}
    assert page["notifications_reason"] == "no_device"


def test_an_unknown_pseudonym_is_a_404(client, session):
    token = make_research_token(session, make_study(session))
    response = client.get(f"{BASE}/studies/pilot/participants/PNOBODY", headers=bearer(token))
    assert response.status_code == 404


def test_study_compliance_counts_the_funnel_by_week_and_hour(client, session, settings):
    study = make_study(session)
    _, her = make_participant(client, session, settings, study=study)
    _expire_all(session, her, opened=True)
    token = make_research_token(session, study)
    trends = client.get(f"{BASE}/studies/pilot/compliance/trends", headers=bearer(token)).json()
    week = trends["weeks"][-1]
    assert week["scheduled"] == week["sent"] == week["opened"] > 0
    assert week["completed"] == 0
    assert len(trends["hours"]) == 24
    assert sum(h["due"] for h in trends["hours"]) == week["scheduled"]


def _check(client, token, source: str) -> dict:
    headers = bearer(token) | {"Content-Type": "application/yaml"}
    response = client.post(
        f"{BASE}/studies/pilot/protocol/check", content=source.encode(), headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_protocol_mistake_is_shown_on_its_line(client, session):
    token = make_research_token(session, make_study(session))
    broken = PROTOCOL.replace("per_day: 3", "per_day: 30")
    line = broken.splitlines().index("    per_day: 30") + 1
    check = _check(client, token, broken)
    assert not check["valid"]
    assert [(p["line"], p["place"]) for p in check["problems"]] == [
        (line, "schedules.0.per_day".replace(".0", "[0]"))
    ]


def test_a_yaml_syntax_mistake_names_its_line(client, session):
    token = make_research_token(session, make_study(session))
    check = _check(client, token, "study: pilot\nname: [unclosed\n")
    assert not check["valid"] and check["problems"][0]["line"] is not None


def test_a_good_protocol_says_what_changes_for_participants(client, session):
    token = make_research_token(session, make_study(session))
    check = _check(client, token, PROTOCOL.replace("per_day: 3", "per_day: 5"))
    assert check["valid"]
    assert check["changes"][0].startswith("2 more prompt(s) a day (4 → 6)")
    assert {"op": "+", "text": "    per_day: 5"} in check["diff"]
    assert {"op": "-", "text": "    per_day: 3"} in check["diff"]


def test_the_current_protocol_reads_as_applied(client, session):
    token = make_research_token(session, make_study(session))
    current = client.get(f"{BASE}/studies/pilot/protocol", headers=bearer(token)).json()
    assert current["version"] == 1 and current["source"] == PROTOCOL


def test_the_last_export_gives_its_next_since(client, session, settings):
    study = make_study(session)
    make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    export = client.get(f"{BASE}/studies/pilot/export/participants", headers=bearer(token))
    last = client.get(f"{BASE}/studies/pilot/exports/last", headers=bearer(token)).json()
    done = [(e["dataset"], str(e["next_since"])) for e in last if e["at"] is not None]
    assert done == [("participants", export.headers["Savor-Next-Since"])]
    assert {e["dataset"] for e in last} >= {"responses", "prompts", "participants"}


def test_a_feature_turned_on_says_who_keeps_it_off(client, session):
    token = make_research_token(session, make_study(session))
    check = _check(client, token, PROTOCOL.replace("staff_alerts: false", "staff_alerts: true"))
    assert check["changes"] == [
        "Feature 'staff_alerts': off → on (participants who joined earlier keep it off until "
        "they agree)."
    ]


def test_the_audit_is_filtered_by_actor_and_action(client, session):
    token = make_research_token(session, make_study(session), label="nightly")
    client.get(f"{BASE}/studies/pilot/roster", headers=bearer(token))
    client.get(f"{BASE}/studies/pilot/today", headers=bearer(token))
    found = client.get(
        f"{BASE}/studies/pilot/audit?actor=nightly&action=roster", headers=bearer(token)
    ).json()
    assert [(e["actor"], e["action"]) for e in found] == [("token:nightly", "roster.read")]
    nobody = client.get(f"{BASE}/studies/pilot/audit?actor=someone%25", headers=bearer(token))
    assert nobody.json() == []


def test_a_program_mistake_is_on_its_line_and_never_called_valid(client, session):
    token = make_research_token(session, make_study(session))
    broken = PROTOCOL.replace("hidden_practices: []", "hidden_practices: [P99]")
    line = broken.splitlines().index("  hidden_practices: [P99]") + 1
    check = _check(client, token, broken)
    assert [(p["line"], p["place"]) for p in check["problems"]] == [
        (line, "program.hidden_practices")
    ]
    headers = bearer(token) | {"Content-Type": "application/yaml"}
    applied = client.put(f"{BASE}/studies/pilot/protocol", content=broken.encode(), headers=headers)
    assert applied.status_code == 422  # what the check refuses, applying refuses too


def test_a_missed_wave_is_flagged_and_the_next_one_shown(client, session, settings):
    study = make_study(session)
    _, her = make_participant(client, session, settings, study=study)
    now = utcnow()
    for wave, status, days in (("baseline", "expired", -8), ("week4", "scheduled", 20)):
        opens = now + timedelta(days=days)
        session.add(
            Prompt(
                participant_id=her.id, schedule_id=wave, kind="wave", instrument_id="phq9",
                instrument_version="1", protocol_version=1, local_date=opens.date(),
                slot=0, status=status, scheduled_at=opens, expires_at=opens + timedelta(days=7),
            )
        )  # fmt: skip
    session.commit()
    token = make_research_token(session, study)
    row = client.get(f"{BASE}/studies/pilot/roster", headers=bearer(token)).json()[0]
    assert row["next_wave"] == (now + timedelta(days=20)).date().isoformat()
    assert "missed_wave" in [f["code"] for f in row["flags"]]


def test_a_participant_yet_to_agree_to_a_new_consent_is_flagged_until_she_does(
    client, session, settings
):
    study = make_study(session)
    headers, _ = make_participant(client, session, settings, study=study)
    token = make_research_token(session, study)
    _put_protocol(client, session, token, 2)

    def flags() -> list[str]:
        rows = client.get(f"{BASE}/studies/pilot/roster", headers=bearer(token)).json()
        return [f["code"] for f in rows[0]["flags"]]

    assert "not_reconsented" in flags()
    assert client.post("/api/v1/me/consent", headers=headers, json={"version": 2}).is_success
    assert "not_reconsented" not in flags()
