"""A live server (uvicorn in a thread, on SQLite and PostgreSQL) and a study to mirror."""

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from savor import mirror
from savor.clock import utcnow
from savor.config import Settings
from savor.ema.models import Prompt
from savor.main import create_app
from savor.studies import service as studies_service
from savor.studies.models import Participant
from tests.factories import make_code, make_research_token, make_study
from tests.mirror.phones import Phone
from tests.servers import free_port

STARTUP_SECONDS = 30


@dataclass
class Live:
    url: str
    settings: Settings
    engine: Engine
    token_file: Path
    phones: list[Phone] = field(default_factory=list)

    def phone(self, timezone: str = "America/Chicago", *, days_ago: int = 0) -> Phone:
        """A phone enrolled with a fresh code of the study 'pilot' (`days_ago` days back)."""
        phone = Phone(self.url, self.code(), timezone)
        self.phones.append(phone)
        if days_ago:
            with Session(self.engine) as session:
                her = session.get_one(Participant, newest_participant(self.engine))
                her.enrolled_at = utcnow() - timedelta(days=days_ago)
                session.add(her)
                session.commit()
        return phone

    def pull(self, directory: Path, transport: Any = None) -> mirror.PullReport:
        """`savor pull` of the study 'pilot' into `directory`, as its command runs it."""
        return mirror.pull(
            url=self.url,
            token=self.token_file.read_text().strip(),
            study="pilot",
            directory=directory,
            now=utcnow(),
            transport=transport,
        )

    def code(self) -> str:
        """A fresh enrollment code for the study 'pilot'."""
        with Session(self.engine) as session:
            study = studies_service.get_study(session=session, slug="pilot")
            assert study is not None
            return make_code(session, self.settings, study)


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[Live]:
    """The app served on a loopback port, with the study 'pilot' and a research token."""
    port = free_port()
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    engine: Engine = app.state.engine
    with Session(engine) as session:
        token = make_research_token(session, make_study(session))
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    live = Live(f"http://127.0.0.1:{port}", settings, engine, token_file)
    try:
        yield live
    finally:
        for phone in live.phones:
            phone.close()
        server.should_exit = True
        thread.join(timeout=30)


def newest_participant(engine: Engine) -> uuid.UUID:
    with Session(engine) as session:
        found = session.exec(select(Participant).order_by(col(Participant.enrolled_at).desc()))
        return found.first().id  # type: ignore[union-attr]


def planned_checkin(engine: Engine, participant_id: uuid.UUID) -> str:
    """One of her check-ins the planner made when she enrolled, still to come."""
    with Session(engine) as session:
        prompt = session.exec(
            select(Prompt)
            .where(Prompt.participant_id == participant_id)
            .where(Prompt.instrument_id == "momentary")
            .where(Prompt.status == "scheduled")
            .order_by(col(Prompt.scheduled_at))
        ).first()
        assert prompt is not None, "no check-in planned"
        return str(prompt.id)
