"""`groundswell serve`: run the dashboard over the store a config names."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import click

from core.logsafe import register_secret
from dashboards.web.auth import READ_TOKEN_ENV, TOKEN_ENV, USER_HEADER_ENV, TokenRequired, check_bind
from dashboards.web.listen import PortUnavailable, bind_listener
from groundswell.cli_options import config_option, load_cli_config
from groundswell.pipeline import open_store
from indexing.config import SqliteStoreConfig


@click.command("serve")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1 = this machine).")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--token",
    default=None,
    help=f"Access token, required when --host is not a loopback address (default: ${TOKEN_ENV}).",
)
@click.option(
    "--read-token",
    default=None,
    help=f"A second token that may only read (GET/HEAD: pages, search, export), for a BI tool; writes with it are "
    f"refused with 403 (default: ${READ_TOKEN_ENV}; prefer the variable: arguments show in ps).",
)
@click.option("--title", default="Groundswell", show_default=True, help="Title shown in the dashboard header.")
@click.option(
    "--user-header",
    envvar=USER_HEADER_ENV,
    default=None,
    help="Header in which the sign-in proxy in front of the dashboard names the user (e.g. X-Forwarded-User): "
    f"corrections are recorded as made by them, and refused without it (or ${USER_HEADER_ENV}). "
    "Only behind a proxy that sets it on every request: docs/security.md.",
)
@click.option(
    "--warm-faq/--no-warm-faq",
    default=True,
    show_default=True,
    help="Encode the FAQ page's default view at start, so its first visit only clusters; it loads the sentence "
    "encoder into this process (memory: docs/dashboard.md). --no-warm-faq: the FAQ page encodes on its first visit.",
)
def serve(
    config_path: str, host: str, port: int, token: str | None, title: str, user_header: str | None, warm_faq: bool,
    read_token: str | None = None,
) -> None:
    """Serve the analyst dashboard (Overview, Explore, Themes, Alerts; analysts may mark spam and correct labels)."""
    token = token or os.environ.get(TOKEN_ENV) or None
    read_token = read_token or os.environ.get(READ_TOKEN_ENV) or None
    if user_header and not re.fullmatch(r"[A-Za-z0-9-]{1,100}", user_header):
        raise click.UsageError(f"--user-header {user_header!r} is not a header name (letters, digits and '-')")
    try:
        check_bind(host, token, read_token)
    except TokenRequired as exc:
        raise click.UsageError(str(exc)) from None

    config = load_cli_config(config_path)  # its secrets are masked in logs too
    missing = missing_store(config.store, config_path)
    if missing:
        raise click.ClickException(missing)
    register_secret(token)  # uvicorn logs request lines, and '?token=' may be in one
    register_secret(read_token)
    try:
        import uvicorn
    except ImportError:
        raise click.ClickException("the dashboard needs uvicorn and fastapi: pip install fastapi uvicorn") from None
    try:
        listener = bind_listener(host, port)
    except PortUnavailable as exc:
        raise click.ClickException(str(exc)) from None

    from dashboards.web.app import create_app  # lazy: FastAPI and the app load only when `serve` runs
    from dashboards.web.server_limits import server_config  # lazy: imports uvicorn, checked just above

    with listener:
        store = open_store(config)
        try:
            app = create_app(store, config, token=token, dashboard_title=title, user_header=user_header or None,
                             warm_faq=warm_faq, read_token=read_token)
            shown = f"[{host}]" if ":" in host else host
            click.echo(f"Groundswell dashboard on http://{shown}:{port}/  (store: {store.name}; Ctrl+C to stop)")
            if token or read_token:
                click.echo(
                    "A token is required: open the page once with ?token=<token>, or send 'Authorization: Bearer'."
                )
            # Size, time and connection limits before the app runs (server_limits: docs/security.md).
            # log_config=None: uvicorn's records go to the CLI's (redacting) root handler, not its own.
            server = uvicorn.Server(
                server_config(app, host, port, log_level="warning", log_config=None, server_header=False)
            )
            server.run(sockets=[listener])
        finally:
            store.close()


def missing_store(store: object, config_path: str) -> str | None:
    """The one-line refusal when the config names an SQLite file that does not exist, else None.

    Opening it would create an empty store: every page would show 0 mentions, and the empty file would make a
    mistyped store.path look valid from then on (`config check` notes a missing file too). Only runs create a
    store; an Elasticsearch store is the cluster's to report.
    """
    if not isinstance(store, SqliteStoreConfig) or Path(store.path).exists():
        return None
    config = shlex.quote(config_path)
    return (
        f"store.path: no store at {store.path}: check store.path in {config_path}, or fill the store first "
        f"(groundswell run -c {config}, or groundswell demo for sample data); serve never creates one"
    )
