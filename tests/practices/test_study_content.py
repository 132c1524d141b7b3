"""A study's protocol hides practices, adds its own, and attaches recorded audio."""

import pytest
import yaml

from savor.clock import utcnow
from savor.practices.catalog import checked_protocol
from savor.practices.shipped import default_catalog
from savor.studies import service as studies_service
from savor.studies.protocol import ProtocolError
from savor.studies.service import default_protocol_source
from tests.factories import make_participant, make_study


def _protocol(**program) -> str:
    data = yaml.safe_load(default_protocol_source())
    data["study"] = "pilot"
    data["program"].update(program)
    return yaml.safe_dump(data, allow_unicode=True)


def _own_practice() -> dict:
    p03 = default_catalog().practices["P03"].model_dump(mode="json", exclude={"version"})
    return p03 | {
        "id": "S01",
        "slug": "site-grounding",
        "title": {"en": "Feet on the Floor", "es": "Pies en el suelo"},
    }


def _apply(session, source: str) -> None:
    studies_service.apply_protocol(session=session, source=source, now=utcnow())


def test_hidden_practice_is_not_offered(client, session, settings):
    make_study(session)
    _apply(session, _protocol(hidden_practices=["P02"]))
    headers, _ = make_participant(client, session, settings)
    ids = {p["id"] for p in client.get("/api/v1/practices", headers=headers).json()}
    assert "P02" not in ids
    assert client.get("/api/v1/practices/P02", headers=headers).status_code == 404


def test_study_practice_appears_and_unlocks_in_its_week(client, session, settings):
    make_study(session)
    _apply(session, _protocol(extra_practices=[{"unlock_week": 1, "practice": _own_practice()}]))
    headers, _ = make_participant(client, session, settings)
    practices = client.get("/api/v1/practices", headers=headers).json()
    own = next(p for p in practices if p["id"] == "S01")
    assert (own["title"], own["unlocked"]) == ("Feet on the Floor", True)


def test_protocol_naming_a_missing_practice_is_refused():
    with pytest.raises(ProtocolError) as caught:
        checked_protocol(_protocol(hidden_practices=["P42"]))
    assert caught.value.problems == ["protocol: program.hidden_practices: no practice P42"]


def test_audio_for_an_unknown_variant_is_refused():
    audio = [{"practice": "P01", "variant": "7min", "language": "en", "file": "p01.mp3"}]
    with pytest.raises(ProtocolError) as caught:
        checked_protocol(_protocol(audio=audio))
    assert "P01 has no variant 7min" in caught.value.problems[0]


def test_study_practice_with_a_taken_id_is_refused():
    clash = _own_practice() | {"id": "P01"}
    with pytest.raises(ProtocolError) as caught:
        checked_protocol(_protocol(extra_practices=[{"unlock_week": 2, "practice": clash}]))
    assert "practice id P01 is already taken" in caught.value.problems[0]


def test_attached_audio_is_listed_and_served_with_ranges(client, session, settings):
    make_study(session)
    audio = [{"practice": "P03", "variant": "3min", "language": "en", "file": "p03-en.mp3"}]
    _apply(session, _protocol(audio=audio))
    folder = settings.data_dir / "audio" / "pilot"
    folder.mkdir(parents=True)
    (folder / "p03-en.mp3").write_bytes(bytes(range(256)) * 40)
    headers, _ = make_participant(client, session, settings)
    detail = client.get("/api/v1/practices/P03", headers=headers).json()
    default = next(v for v in detail["variants"] if v["default"])
    assert default["audio"] == [{"language": "en", "url": "/api/v1/audio/pilot/p03-en.mp3"}]
    whole = client.get(default["audio"][0]["url"])
    assert whole.status_code == 200
    assert "max-age" in whole.headers["cache-control"]
    part = client.get(default["audio"][0]["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == (bytes(range(256)) * 40)[100:200]


def test_audio_not_attached_to_the_study_is_not_served(client, session, settings):
    make_study(session)
    folder = settings.data_dir / "audio" / "pilot"
    folder.mkdir(parents=True)
    (folder / "secret.mp3").write_bytes(b"x")
    assert client.get("/api/v1/audio/pilot/secret.mp3").status_code == 404
    assert client.get("/api/v1/audio/pilot/..%2Fsavor.db").status_code == 404
