"""Phones on a live server's participant API, and what a fresh full export holds."""

import csv
import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from savor.clock import utcnow
from savor.mirror.rows import KEYS
from tests.factories import bearer, practice_body

Table = dict[tuple[str, ...], dict[str, str]]


class Phone:
    """One mother's phone: enrolled with a code, then answering as she would."""

    def __init__(self, url: str, code: str, timezone: str = "America/Chicago") -> None:
        self.http = httpx.Client(base_url=f"{url}/api/v1", timeout=30)
        body = {"code": code, "timezone": timezone, "language": "en", "consent_version": 1}
        enrolled = self.http.post("/enroll", json=body)
        assert enrolled.status_code == 201, enrolled.text
        self.http.headers.update(bearer(enrolled.json()["token"]))

    def checkin(
        self,
        *,
        stress: int,
        craving: int,
        at: datetime | None = None,
        prompt_id: str | None = None,
        triggers: list[str] | None = None,
    ) -> None:
        """A check-in of her own (hard_moment), or her answer to a prompt (momentary)."""
        at = at or utcnow() - timedelta(minutes=1)
        answers = [{"item_id": "S1", "value": stress}, {"item_id": "C1", "value": craving}]
        if triggers:
            answers.append({"item_id": "TRG", "value": triggers})
        body = {
            "client_id": str(uuid.uuid4()),
            "prompt_id": prompt_id,
            "instrument_id": "momentary" if prompt_id else "hard_moment",
            "instrument_version": "1",
            "started_at": (at - timedelta(minutes=2)).isoformat(),
            "submitted_at": at.isoformat(),
            "answers": [a | {"declined": False} for a in answers],
        }
        answered = self.http.post("/responses", json=body)
        assert answered.status_code == 201, answered.text

    def practice(self, *, pre: int, post: int, at: datetime | None = None) -> None:
        """A 10-minute P01 with her stress and craving before and after."""
        started = (at or utcnow()) - timedelta(minutes=12)
        body = practice_body(
            started,
            pre=[{"item_id": "S1", "value": pre}, {"item_id": "C1", "value": pre}],
            post=[{"item_id": "S1", "value": post}, {"item_id": "C1", "value": post}],
        )
        stored = self.http.post("/practice-sessions", json=body)
        assert stored.status_code == 201, stored.text

    def open(self, prompt_id: str) -> None:
        assert self.http.post(f"/prompts/{prompt_id}/opened").status_code == 200

    def withdraw(self) -> None:
        assert self.http.post("/me/withdraw").status_code == 200

    def delete(self) -> str:
        """She asks for her data to be deleted; returns her pseudonym."""
        name = self.http.get("/me/export").json()["pseudonym"]
        assert self.http.post("/me/deletion").status_code == 200
        return name

    def close(self) -> None:
        self.http.close()


def keyed(text: str, dataset: str) -> Table:
    rows = csv.DictReader(io.StringIO(text))
    table = {tuple(row[k] for k in KEYS[dataset]): row for row in rows}
    return table


def fresh_export(url: str, token: str, dataset: str) -> Table:
    """The whole dataset as the server exports it now, keyed."""
    answer = httpx.get(
        f"{url}/api/research/v1/studies/pilot/export/{dataset}", headers=bearer(token), timeout=60
    )
    assert answer.status_code == 200, answer.text
    return keyed(answer.text, dataset)


def mirrored(directory: Path, dataset: str) -> Table:
    text = (directory / f"{dataset}.csv").read_text(encoding="utf-8")
    assert len(keyed(text, dataset)) == text.count("\n") - 1, "a row is there twice"
    return keyed(text, dataset)
