"""The demo study behind `make run`: created once, then reused on every later run."""

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlmodel import Session

from savor.config import Settings
from savor.ema.study_instruments import checked_protocol
from savor.filemodes import make_private_dir
from savor.research import service as research_service
from savor.research.access import ALL_BUT_FREE_TEXT
from savor.studies import service as studies_service

DEMO_SLUG = "demo"
DEMO_NAME = "Savor demo study"
DEMO_FILE = "demo.json"
DEMO_CODES = 3
DEMO_CODE_DAYS = 30


@dataclass
class DemoInfo:
    study: str
    url: str
    enrollment_codes: list[str]
    research_token: str


def _load_saved(settings: Settings) -> dict:
    path = settings.data_dir / DEMO_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _save(settings: Settings, info: DemoInfo) -> None:
    # Plain-text demo secrets stay beside the demo database, readable by its owner only.
    path = settings.data_dir / DEMO_FILE
    make_private_dir(settings.data_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(info), handle, indent=2)


def ensure_demo(*, session: Session, settings: Settings, now: datetime) -> DemoInfo:
    """The demo study, unused codes and a live research token, creating only what is missing."""
    study = studies_service.get_study(session=session, slug=DEMO_SLUG)
    if study is None:
        checked_protocol(studies_service.protocol_source_for(slug=DEMO_SLUG, name=DEMO_NAME))
        study = studies_service.create_study(
            session=session, slug=DEMO_SLUG, name=DEMO_NAME, now=now
        )
    saved = _load_saved(settings)
    pepper = settings.pepper()
    usable = [
        code
        for code in saved.get("enrollment_codes", [])
        if studies_service.code_is_usable(session=session, code=code, pepper=pepper, now=now)
    ]
    if len(usable) < DEMO_CODES:
        usable += studies_service.create_enrollment_codes(
            session=session,
            study=study,
            count=DEMO_CODES - len(usable),
            expires_in_days=DEMO_CODE_DAYS,
            pepper=pepper,
            now=now,
        )
    token = saved.get("research_token", "")
    found = token and research_service.find_research_token(session=session, token_or_id=token)
    if not found or found.revoked_at is not None or found.study_id != study.id:
        # The operator's own demo: its token may do all a researcher's could ask for.
        token = research_service.create_research_token(
            session=session, study=study, scopes=ALL_BUT_FREE_TEXT, label="demo", now=now
        )
    info = DemoInfo(
        study=study.slug,
        url=f"{settings.public_url}/",
        enrollment_codes=usable,
        research_token=token,
    )
    _save(settings, info)
    return info
