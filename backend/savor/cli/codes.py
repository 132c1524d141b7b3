"""`savor codes`: single-use enrollment codes, shown once."""

import json
from typing import Annotated

import typer

from savor.cli.common import out, session_for, settings, study_by_slug
from savor.clock import utcnow
from savor.research import service as research_service
from savor.studies import service as studies_service

codes_app = typer.Typer(help="Enrollment codes.", no_args_is_help=True)


@codes_app.command("create")
def codes_create(
    study: str,
    count: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    days: Annotated[int | None, typer.Option(help="days until unused codes expire")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Create single-use enrollment codes; they are shown only this once."""
    found_settings = settings()
    now = utcnow()
    with session_for(found_settings) as session:
        found = study_by_slug(session, study)
        expiry = (
            days
            or studies_service.protocol_document(session=session, study=found).enrollment_code_days
        )
        created = studies_service.create_enrollment_codes(
            session=session,
            study=found,
            count=count,
            expires_in_days=expiry,
            pepper=found_settings.pepper(),
            now=now,
        )
        research_service.record(
            session=session,
            study=found,
            action="codes.create",
            now=now,
            detail={"count": len(created)},
        )
        session.commit()
    links = [f"{found_settings.public_url}/?code={code}" for code in created]
    if as_json:
        out.print_json(json.dumps({"study": study, "codes": created, "links": links}))
        return
    for code, link in zip(created, links, strict=True):
        out.print(f"{code}  {link}")
