"""GET /practices, /practices/{id} and /program: her language, her audience, her week."""

from datetime import timedelta

from savor.clock import utcnow
from savor.practices.shipped import default_catalog
from tests.factories import make_participant


def _ids(response) -> set[str]:
    return {p["id"] for p in response.json()}


def test_catalog_lists_practices_with_week_one_unlocked(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    practices = client.get("/api/v1/practices", headers=headers).json()
    unlocked = {p["id"] for p in practices if p["unlocked"]}
    assert unlocked == {"P01", "P02", "P03", "T01"}
    p01 = next(p for p in practices if p["id"] == "P01")
    assert p01["title"] == "Mindful Breathing"
    assert p01["version"] == default_catalog().practices["P01"].version


def test_catalog_speaks_her_language(client, session, settings):
    headers, _ = make_participant(client, session, settings, language="es")
    p03 = client.get("/api/v1/practices/P03", headers=headers).json()
    assert p03["language"] == "es"
    assert p03["title"] == default_catalog().practices["P03"].title.es
    assert p03["variants"][0]["steps"][0]["text"].strip()


def test_postpartum_mother_sees_baby_savoring_not_pregnancy(client, session, settings):
    headers, _ = make_participant(client, session, settings, stage="postpartum")
    ids = _ids(client.get("/api/v1/practices", headers=headers))
    assert "P09" in ids
    assert "P10" not in ids
    assert client.get("/api/v1/practices/P10", headers=headers).status_code == 404


def test_pregnant_mother_sees_pregnancy_savoring_not_baby(client, session, settings):
    headers, _ = make_participant(client, session, settings, stage="pregnant")
    ids = _ids(client.get("/api/v1/practices", headers=headers))
    assert "P10" in ids
    assert "P09" not in ids


def test_unknown_stage_sees_both(client, session, settings):
    headers, _ = make_participant(client, session, settings, stage=None)
    assert {"P09", "P10"} <= _ids(client.get("/api/v1/practices", headers=headers))


def test_week_four_unlocks_savoring(client, session, settings):
    headers, _ = make_participant(
        client, session, settings, enrolled_at=utcnow() - timedelta(days=22)
    )
    practices = client.get("/api/v1/practices", headers=headers).json()
    unlocked = {p["id"] for p in practices if p["unlocked"]}
    assert {"P08", "P09"} <= unlocked
    assert "P04" not in unlocked  # week 5


def test_detail_has_every_variant_with_steps_that_add_up(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    detail = client.get("/api/v1/practices/P01", headers=headers).json()
    assert {v["key"] for v in detail["variants"]} == {"3min", "5min", "10min", "15min"}
    for variant in detail["variants"]:
        assert sum(s["seconds"] for s in variant["steps"]) == variant["duration_s"]
    assert detail["anchors"] == ["breath", "sounds", "hands", "feet"]


def test_baby_savoring_offers_the_apart_option(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    detail = client.get("/api/v1/practices/P09", headers=headers).json()
    assert "apart" in {o["key"] for o in detail["options"]}
    assert "apart" in detail["variants"][0]["steps"][0]["alt"]


def test_unknown_practice_is_404(client, session, settings):
    headers, _ = make_participant(client, session, settings)
    response = client.get("/api/v1/practices/P99", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_practice"


def test_program_shows_this_week_and_its_goal(client, session, settings):
    headers, _ = make_participant(
        client, session, settings, enrolled_at=utcnow() - timedelta(days=8)
    )
    program = client.get("/api/v1/program", headers=headers).json()
    assert program["week"] == 2
    assert program["program_day"] == 9
    assert program["this_week"]["number"] == 2
    assert program["this_week"]["practice_days_goal"] > 0
    assert program["progress"] == {"practice_days": 0, "minutes": 0}
    assert [w["reached"] for w in program["weeks"][:3]] == [True, True, False]
    assert "P05" in program["unlocked"]


def test_after_the_eighth_week_comes_maintenance(client, session, settings):
    # The middle of her eleventh week (days 70-76): her weeks are counted in her own dates, which
    # a change of clocks since she joined can move by a day at some hours of the day.
    headers, _ = make_participant(
        client, session, settings, enrolled_at=utcnow() - timedelta(days=73)
    )
    program = client.get("/api/v1/program", headers=headers).json()
    assert program["week"] == 11
    assert program["this_week"]["maintenance"] is True


def test_catalog_needs_a_participant_token(client):
    assert client.get("/api/v1/practices").status_code == 401
