"""The `savor` command: serve, migrate, back up, and manage studies, codes and tokens.

Each group of commands lives in its own module; this one builds the app from them.
"""

import json
import os
from dataclasses import asdict
from typing import Annotated

import typer
import uvicorn

from savor import filemodes, migrate, proxies
from savor.cli import datasets, pull
from savor.cli.codes import codes_app
from savor.cli.common import fail, out, session_for, settings
from savor.cli.db import db_app
from savor.cli.instrument import instrument_app
from savor.cli.push import push_app
from savor.cli.staff import staff_app
from savor.cli.study import study_app
from savor.cli.tokens import token_app
from savor.clock import utcnow
from savor.demo import ensure_demo

# Tracebacks never print local variables: they can hold tokens and codes.
app = typer.Typer(
    help="Savor: practice companion and research platform.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(db_app, name="db")
app.add_typer(study_app, name="study")
app.add_typer(codes_app, name="codes")
app.add_typer(token_app, name="token")
app.add_typer(staff_app, name="staff")
app.add_typer(push_app, name="push")
app.add_typer(instrument_app, name="instrument")


@app.callback()
def _owner_only_files(ctx: typer.Context) -> None:
    # The database and keys hold the study secrets that key every pseudonym: whatever a
    # command creates is the owner's alone. Restored on exit for callers such as tests.
    previous = filemodes.private_umask()
    ctx.call_on_close(lambda: os.umask(previous))


SHUTDOWN_GRACE_SECONDS = 8  # within Docker's 10 s between its stop signal and its kill


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
    found = settings()
    try:
        trust = proxies.proxy_trust(os.environ.get(proxies.ENV_NAME), allow_any=trust_any_proxy)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    if host or port:
        found = found.model_copy(update={"host": host or found.host, "port": port or found.port})
    if found.migrate_on_start:
        migrate.upgrade(found.resolved_database_url)
    from savor.main import create_app

    out.print(f"Serving Savor at {found.public_url}/")
    out.print(trust.describe())
    uvicorn.run(
        create_app(found),
        host=found.host,
        port=found.port,
        log_config=None,
        # A request still waiting then gets its answer cut off, and the phone sends it again:
        # a stop (a deploy, `docker stop`) never hangs on one.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        **trust.uvicorn_options(),
    )


app.command("export")(datasets.export)
app.command("pull")(pull.pull)


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
) -> None:
    """Create the demo study once; print the app URL, an unused code and a research token."""
    found = settings()
    migrate.upgrade(found.resolved_database_url)
    with session_for(found) as session:
        info = ensure_demo(session=session, settings=found, now=utcnow())
    if as_json:
        print(json.dumps(asdict(info)))
        return
    print(f"App: {info.url}")
    print(f"Enrollment link: {info.url}?code={info.enrollment_codes[0]}")
    print(f"Enrollment code: {info.enrollment_codes[0]}")
    print(f"Research token: {info.research_token}")
