"""GET/PATCH /api/v1/me and POST /api/v1/me/withdraw."""

from fastapi.testclient import TestClient

from tests.factories import bearer, enroll, make_code, make_study


def _signed_in(client: TestClient, session, settings) -> dict[str, str]:
    return bearer(enroll(client, make_code(session, settings, make_study(session))))


def test_me_needs_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_token_is_refused(client):
    response = client.get("/api/v1/me", headers=bearer("svp_not-a-real-token"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_me_shows_her_settings(client, session, settings):
    body = client.get("/api/v1/me", headers=_signed_in(client, session, settings)).json()
    assert body["wake_time"] == "07:00:00"
    assert body["sleep_time"] == "22:00:00"
    assert body["language"] == "en"


def test_patch_changes_zone_language_and_waking_hours(client, session, settings):
    headers = _signed_in(client, session, settings)
    changes = {
        "timezone": "America/New_York",
        "language": "es",
        "wake_time": "06:30",
        "sleep_time": "21:30",
        "stage": "postpartum",
    }
    response = client.patch("/api/v1/me", headers=headers, json=changes)
    assert response.status_code == 200
    again = client.get("/api/v1/me", headers=headers).json()
    assert again["timezone"] == "America/New_York"
    assert again["language"] == "es"
    assert (again["wake_time"], again["sleep_time"]) == ("06:30:00", "21:30:00")
    assert again["stage"] == "postpartum"


def test_sleep_after_midnight_is_a_valid_waking_window(client, session, settings):
    headers = _signed_in(client, session, settings)
    body = {"wake_time": "10:00", "sleep_time": "01:00"}
    assert client.patch("/api/v1/me", headers=headers, json=body).status_code == 200


def test_too_short_waking_window_is_refused_and_nothing_changes(client, session, settings):
    headers = _signed_in(client, session, settings)
    body = {"timezone": "Europe/Madrid", "wake_time": "09:00", "sleep_time": "11:00"}
    response = client.patch("/api/v1/me", headers=headers, json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_waking_hours"
    assert client.get("/api/v1/me", headers=headers).json()["timezone"] == "America/Chicago"


def test_patch_refuses_unknown_time_zone(client, session, settings):
    headers = _signed_in(client, session, settings)
    response = client.patch("/api/v1/me", headers=headers, json={"timezone": "Moon/Base"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "timezone"


def test_patch_refuses_a_badly_typed_time(client, session, settings):
    headers = _signed_in(client, session, settings)
    response = client.patch("/api/v1/me", headers=headers, json={"wake_time": "seven"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "wake_time"


def test_withdraw_marks_her_withdrawn(client, session, settings):
    headers = _signed_in(client, session, settings)
    response = client.post("/api/v1/me/withdraw", headers=headers)
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert client.get("/api/v1/me", headers=headers).json()["status"] == "withdrawn"


def test_withdrawing_twice_keeps_the_first_time(client, session, settings):
    headers = _signed_in(client, session, settings)
    first = client.post("/api/v1/me/withdraw", headers=headers).json()["withdrawn_at"]
    second = client.post("/api/v1/me/withdraw", headers=headers).json()["withdrawn_at"]
    assert first == second


def test_after_withdrawal_settings_can_no_longer_change(client, session, settings):
    headers = _signed_in(client, session, settings)
    client.post("/api/v1/me/withdraw", headers=headers)
    response = client.patch("/api/v1/me", headers=headers, json={"language": "es"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "withdrawn"


def test_me_tells_the_app_what_the_study_watches(client, session, settings):
    body = client.get("/api/v1/me", headers=_signed_in(client, session, settings)).json()
    assert (body["staff_alerts"], body["high_rating_threshold"]) == (False, 7)
