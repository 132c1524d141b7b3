"""`savor token`: research tokens, created, listed and revoked."""

from typing import Annotated

import typer
from rich.table import Table

from savor.cli.common import fail, out, session_for, settings, study_by_slug
from savor.clock import utcnow
from savor.research import service as research_service
from savor.research.access import DEFAULT_SCOPES, parse_scopes

token_app = typer.Typer(help="Research tokens.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    study: Annotated[str, typer.Option(help="study slug")],
    scopes: Annotated[
        list[str] | None,
        typer.Option(
            help="scope names; default: read-only (studies:read participants:read export:read "
            "audit:read); name protocol:write, codes:write, participants:delete, alerts:manage "
            "or export:free_text to grant them"
        ),
    ] = None,
    label: Annotated[str, typer.Option(help="who or what uses it")] = "",
) -> None:
    """Create a research token; it is shown only this once."""
    try:
        chosen = parse_scopes(scopes) if scopes else DEFAULT_SCOPES
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    with session_for(settings()) as session:
        token = research_service.create_research_token(
            session=session,
            study=study_by_slug(session, study),
            scopes=chosen,
            label=label,
            now=utcnow(),
        )
    out.print(f"Research token: {token}", soft_wrap=True)


@token_app.command("revoke")
def token_revoke(token_or_id: str) -> None:
    """Revoke a research token, given the token itself or its id from 'savor token list'."""
    with session_for(settings()) as session:
        token = research_service.find_research_token(session=session, token_or_id=token_or_id)
        if token is None:
            raise fail("No such research token.")
        research_service.revoke_research_token(session=session, token=token, now=utcnow())
    out.print("Token revoked.")


@token_app.command("list")
def token_list(study: Annotated[str, typer.Option(help="study slug")]) -> None:
    """List a study's research tokens (never the secrets themselves)."""
    with session_for(settings()) as session:
        table = Table("id", "label", "scopes", "created", "revoked")
        for token in research_service.list_research_tokens(
            session=session, study=study_by_slug(session, study)
        ):
            table.add_row(
                str(token.id),
                token.label,
                token.scopes.replace(" ", ", "),
                f"{token.created_at:%Y-%m-%d %H:%M}",
                f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "",
            )
        out.print(table)
