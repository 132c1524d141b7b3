"""The `savor` command: serve, migrate, back up, and manage studies, codes and tokens."""

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, get_args

import typer
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import Session

from savor import filemodes, migrate, proxies
from savor.auth import DEFAULT_SCOPES, parse_scopes
from savor.clock import utcnow
from savor.config import Settings
from savor.db import make_engine
from savor.demo import ensure_demo
from savor.errors import AppError
from savor.notify.vapid import VapidKeys
from savor.research import service as research_service
from savor.research.exports import run as export_run
from savor.research.exports import service as export_service
from savor.research.staff import service as staff_service
from savor.research.staff.roles import StaffRole
from savor.studies import service as studies_service
from savor.studies.models import Study
from savor.studies.protocol import ProtocolError

# Tracebacks never print local variables: they can hold tokens and codes.
app = typer.Typer(
    help="Savor: practice companion and research platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema and backups.", no_args_is_help=True)
study_app = typer.Typer(help="Studies and their protocols.", no_args_is_help=True)
codes_app = typer.Typer(help="Enrollment codes.", no_args_is_help=True)
token_app = typer.Typer(help="Research tokens.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts of study teams.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(study_app, name="study")
app.add_typer(codes_app, name="codes")
app.add_typer(token_app, name="token")
app.add_typer(staff_app, name="staff")
push_app = typer.Typer(help="Web Push signing keys.", no_args_is_help=True)
app.add_typer(push_app, name="push")

# soft_wrap: tokens, codes and paths must never be broken across lines.
SHUTDOWN_GRACE_SECONDS = 8  # within Docker's 10 s between its stop signal and its kill
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@app.callback()
def _owner_only_files(ctx: typer.Context) -> None:
    # The database and keys hold the study secrets that key every pseudonym: whatever a
    # command creates is the owner's alone. Restored on exit for callers such as tests.
    previous = filemodes.private_umask()
    ctx.call_on_close(lambda: os.umask(previous))


def _settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            err.print(f"[red]Setting {'.'.join(map(str, error['loc']))}: {error['msg']}[/red]")
        raise typer.Exit(2) from exc
    database = settings.resolved_database_url.removeprefix("sqlite:///")
    for warning in filemodes.loose_permissions(
        settings.data_dir, Path(database) if settings.is_sqlite else None
    ):
        err.print(f"[yellow]Warning: {warning}[/yellow]")
    return settings


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(code)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session:
            yield session
    except AppError as error:
        raise _fail(error.message) from error
    finally:
        engine.dispose()


def _study(session: Session, slug: str) -> Study:
    study = studies_service.get_study(session=session, slug=slug)
    if study is None:
        raise _fail(f"No study '{slug}'. 'savor study list' shows the studies there are.")
    return study


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    trust_any_proxy: Annotated[
        bool,
        typer.Option(
            help="accept FORWARDED_ALLOW_IPS=*: only when nothing but your proxy reaches the port"
        ),
    ] = False,
) -> None:
    """Bring the schema to head (unless SAVOR_MIGRATE_ON_START=false) and serve the API and app."""
    settings = _settings()
    try:
        trust = proxies.proxy_trust(os.environ.get(proxies.ENV_NAME), allow_any=trust_any_proxy)
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc
    if host or port:
        settings = settings.model_copy(
            update={"host": host or settings.host, "port": port or settings.port}
        )
    if settings.migrate_on_start:
        migrate.upgrade(settings.resolved_database_url)
    from savor.main import create_app

    out.print(f"Serving Savor at {settings.public_url}/")
    out.print(trust.describe())
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        # A request still waiting then gets its answer cut off, and the phone sends it again:
        # a stop (a deploy, `docker stop`) never hangs on one.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        **trust.uvicorn_options(),
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = _settings()
    migrate.upgrade(settings.resolved_database_url, revision)
    out.print(f"Database is at {revision}.")


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration and whether it is the newest."""
    engine = make_engine(_settings().resolved_database_url)
    current = migrate.current_revision(engine)
    engine.dispose()
    head = migrate.head_revision()
    state = "up to date" if current == head else f"behind; newest is {head}"
    out.print(f"{current or 'empty'} ({state})")


@db_app.command("backup")
def db_backup(
    to: Annotated[Path | None, typer.Option(help="file to write; default data/backups/…")] = None,
) -> None:
    """Copy the SQLite database consistently while the server keeps running."""
    settings = _settings()
    if not settings.is_sqlite:
        raise _fail("On PostgreSQL, back up with pg_dump (see README, Operations).")
    source = settings.resolved_database_url.removeprefix("sqlite:///")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = to or settings.data_dir / "backups" / f"savor-{stamp}.db"
    filemodes.make_private_dir(target.parent)
    target.touch(mode=0o600)
    target.chmod(0o600)  # a copy of every study secret, even where --to names an old file
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)  # SQLite's online backup: a consistent copy beside live writers
    out.print(f"Backup written to {target}")


@study_app.command("create")
def study_create(
    slug: str, name: Annotated[str, typer.Option(help="the study's display name")]
) -> None:
    """Create a study with the default protocol."""
    settings = _settings()
    with _session(settings) as session:
        try:
            study = studies_service.create_study(
                session=session, slug=slug, name=name, now=utcnow()
            )
        except ProtocolError as exc:
            raise _fail(f"Cannot create '{slug}': {exc}") from exc
        out.print(f"Created study [bold]{study.slug}[/bold] with protocol version 1.")


@study_app.command("list")
def study_list() -> None:
    """List studies with their protocol versions and participants."""
    with _session(_settings()) as session:
        table = Table("slug", "name", "protocol", "participants", "active")
        for study in studies_service.list_studies(session=session):
            info = research_service.study_public(session=session, study=study)
            table.add_row(
                info.slug,
                info.name,
                str(info.protocol_version),
                str(info.participants),
                str(info.active_participants),
            )
        out.print(table)


@study_app.command("apply")
def study_apply(protocol: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Store PROTOCOL.yaml as its study's next protocol version (creating the study if new)."""
    with _session(_settings()) as session:
        try:
            study, changed = studies_service.apply_protocol(
                session=session, source=protocol.read_text("utf-8"), now=utcnow()
            )
        except ProtocolError as exc:
            err.print(f"[red]{protocol} has {len(exc.problems)} problem(s):[/red]")
            for problem in exc.problems:
                err.print(f"  - {problem}")
            raise typer.Exit(1) from exc
        verb = "now at" if changed else "unchanged, still at"
        out.print(f"Study {study.slug}: {verb} protocol version {study.active_protocol_version}.")


@codes_app.command("create")
def codes_create(
    study: str,
    count: Annotated[int, typer.Option(min=1, max=1000)] = 10,
    days: Annotated[int | None, typer.Option(help="days until unused codes expire")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Create single-use enrollment codes; they are shown only this once."""
    settings = _settings()
    now = utcnow()
    with _session(settings) as session:
        found = _study(session, study)
        expiry = (
            days
            or studies_service.protocol_document(session=session, study=found).enrollment_code_days
        )
        created = studies_service.create_enrollment_codes(
            session=session,
            study=found,
            count=count,
            expires_in_days=expiry,
            pepper=settings.pepper(),
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
    links = [f"{settings.public_url}/?code={code}" for code in created]
    if as_json:
        out.print_json(json.dumps({"study": study, "codes": created, "links": links}))
        return
    for code, link in zip(created, links, strict=True):
        out.print(f"{code}  {link}")


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
        raise _fail(str(exc), 2) from exc
    with _session(_settings()) as session:
        token = research_service.create_research_token(
            session=session, study=_study(session, study), scopes=chosen, label=label, now=utcnow()
        )
    out.print(f"Research token: {token}", soft_wrap=True)


@token_app.command("revoke")
def token_revoke(token_or_id: str) -> None:
    """Revoke a research token, given the token itself or its id from 'savor token list'."""
    with _session(_settings()) as session:
        token = research_service.find_research_token(session=session, token_or_id=token_or_id)
        if token is None:
            raise _fail("No such research token.")
        research_service.revoke_research_token(session=session, token=token, now=utcnow())
    out.print("Token revoked.")


@token_app.command("list")
def token_list(study: Annotated[str, typer.Option(help="study slug")]) -> None:
    """List a study's research tokens (never the secrets themselves)."""
    with _session(_settings()) as session:
        table = Table("id", "label", "scopes", "created", "revoked")
        for token in research_service.list_research_tokens(
            session=session, study=_study(session, study)
        ):
            table.add_row(
                str(token.id),
                token.label,
                token.scopes.replace(" ", ", "),
                f"{token.created_at:%Y-%m-%d %H:%M}",
                f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "",
            )
        out.print(table)


@staff_app.command("create")
def staff_create(
    email: str,
    study: Annotated[str, typer.Option(help="study slug")],
    role: Annotated[StaffRole, typer.Option(help="her role in this study")],
    name: Annotated[str, typer.Option(help="her name as the team sees it")] = "",
) -> None:
    """Give a person a role in a study (the first admin, say) and print her setup link."""
    settings = _settings()
    now = utcnow()
    with _session(settings) as session:
        found = _study(session, study)
        account, token = staff_service.invite(
            session=session,
            email=email,
            display_name=name or email.split("@")[0],
            study=found,
            role=role,
            by="cli",
            now=now,
        )
        staff_service.record(
            session=session,
            actor="cli",
            action="staff.invite",
            now=now,
            study=found,
            role=None,
            detail={"email": account.email, "granted_role": role.value},
        )
        email = account.email
        session.commit()
    out.print(f"{email} is {role.value} of {study}.")
    if token:
        hours = int(staff_service.SETUP_LINK_LIFETIME.total_seconds() // 3600)
        out.print(f"Setup link (works once, for {hours} hours; give it to her yourself):")
        out.print(staff_service.setup_url(settings.public_url, token))


@staff_app.command("unlock")
def staff_unlock(email: str) -> None:
    """Unlock an account locked after too many failed sign-ins."""
    with _session(_settings()) as session:
        account = staff_service.find_account(session=session, email=email)
        if account is None:
            raise _fail(f"No staff account for {email}.")
        now = utcnow()
        staff_service.set_locked(session=session, account=account, locked=False, now=now)
        for found, role in staff_service.roles_of(session=session, account=account):
            staff_service.record(
                session=session,
                actor="cli",
                action="staff.unlock",
                now=now,
                study=found,
                role=None,
                detail={"email": account.email, "her_role": role},
            )
        email = account.email
        session.commit()
    out.print(f"{email} can sign in again.")


@staff_app.command("two-factor")
def staff_two_factor(
    study: Annotated[str, typer.Option(help="study slug")],
    required: Annotated[bool, typer.Option("--required/--optional")] = True,
) -> None:
    """Whether the study's team must sign in with a code from an authenticator app."""
    with _session(_settings()) as session:
        found = _study(session, study)
        found.staff_two_factor = required
        session.add(found)
        staff_service.record(
            session=session,
            actor="cli",
            action="staff.two_factor",
            now=utcnow(),
            study=found,
            role=None,
            detail={"required": required},
        )
        session.commit()
    out.print(f"Two-factor sign-in for {study}: {'required' if required else 'optional'}.")


def _write_export(plan: export_service.Plan, study: Study, session: Session, to: Path) -> None:
    total = export_run.count_records(session=session, plan=plan)
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    done = export_run.completion(engine=engine, study=study, token=None, plan=plan)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err) as progress, to.open("wb") as file:
        task = progress.add_task(f"{study.slug} {plan.request.dataset}", total=total)

        def advance(records: int) -> None:
            progress.advance(task, records)

        for chunk in export_run.stream(plan, engine=engine, progress=advance, done=done):
            file.write(chunk)


@app.command("export")
def export(
    study: str,
    dataset: Annotated[
        str, typer.Argument(help="responses, prompts, practice_sessions, participants")
    ],
    to: Annotated[Path, typer.Option("--out", help="the file to write", dir_okay=False)],
    fmt: Annotated[str, typer.Option("--format", help="csv, ndjson or fhir")] = "csv",
    shape: Annotated[str, typer.Option(help="long or wide (responses only)")] = "long",
    since: Annotated[int, typer.Option(min=0, help="'next --since' of the last export")] = 0,
    free_text: Annotated[bool, typer.Option("--free-text", help="include free text")] = False,
) -> None:
    """Write a dataset to a file, byte for byte what the research API sends; audited."""
    choices = (dataset, export_service.Dataset), (fmt, export_service.Format)
    for value, allowed in (*choices, (shape, export_service.Shape)):
        if value not in get_args(allowed):
            raise _fail(f"'{value}' is not one of: {', '.join(get_args(allowed))}.", 2)
    settings = _settings()
    request = export_service.ExportRequest(
        dataset=dataset,  # type: ignore[arg-type]
        format=fmt,  # type: ignore[arg-type]
        shape=shape,  # type: ignore[arg-type]
        since=since,
        free_text=free_text,
    )
    with _session(settings) as session:
        found = _study(session, study)
        base_url, now = settings.public_url, utcnow()
        plan = export_run.begin_export(
            session=session, study=found, request=request, base_url=base_url, now=now
        )
        _write_export(plan, found, session, to)
    out.print(f"Wrote {to}. Next time use --since {plan.until}")


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Create the demo study once; print the app URL, an unused code and a research token."""
    settings = _settings()
    migrate.upgrade(settings.resolved_database_url)
    with _session(settings) as session:
        info = ensure_demo(session=session, settings=settings, now=utcnow())
    if as_json:
        print(json.dumps(asdict(info)))
        return
    print(f"App: {info.url}")
    print(f"Enrollment link: {info.url}?code={info.enrollment_codes[0]}")
    print(f"Enrollment code: {info.enrollment_codes[0]}")
    print(f"Research token: {info.research_token}")


@push_app.command("keys")
def push_keys() -> None:
    """Print a new VAPID key pair; give every replica the same SAVOR_VAPID_PRIVATE_KEY."""
    keys = VapidKeys.from_private_key(ec.generate_private_key(ec.SECP256R1()))
    print("SAVOR_VAPID_PRIVATE_KEY=" + json.dumps(keys.private_key_pem))
    print(f"Public key: {keys.public_key}")


if __name__ == "__main__":
    app()
