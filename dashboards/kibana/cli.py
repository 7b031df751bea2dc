"""`groundswell kibana import|build`: put the saved objects into Kibana through its `_import` API."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from core.file_write import write_file
from core.logsafe import redact, without_credentials
from dashboards.kibana.build import build, load_spec, to_ndjson
from indexing.elasticsearch_mapping import check_prefix


class KibanaImportError(RuntimeError):
    """Kibana refused the upload, or answered with per-object errors."""


shown_url = without_credentials  # the rule of every message naming a URL (core.logsafe)


def import_objects(
    url: str,
    ndjson: str,
    *,
    api_key: str | None = None,
    space: str | None = None,
    overwrite: bool = True,
    timeout: float = 60.0,
) -> dict:
    """POST the NDJSON to `<url>[/s/<space>]/api/saved_objects/_import`; return Kibana's answer."""
    import requests

    base = url.rstrip("/") + (f"/s/{space}" if space else "")
    headers = {"kbn-xsrf": "groundswell"}  # Kibana rejects API writes without it
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    try:
        resp = requests.post(
            f"{base}/api/saved_objects/_import",
            params={"overwrite": "true"} if overwrite else None,
            headers=headers,
            files={"file": ("groundswell.ndjson", ndjson.encode("utf-8"), "application/ndjson")},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        # The library's text may repeat the URL: masked too (core/logsafe.py, the rule every log line gets).
        raise KibanaImportError(f"cannot reach Kibana at {shown_url(url)}: {redact(str(exc))}") from None
    try:
        body = resp.json()
    except ValueError:
        body = {"message": resp.text[:500]}
    if resp.status_code >= 400:
        raise KibanaImportError(f"Kibana answered HTTP {resp.status_code}: {body.get('message', body)}")
    if not body.get("success", False):
        problems = []
        for e in body.get("errors", []):
            error = e.get("error", {})
            problems.append(f"{e.get('type')}/{e.get('id')}: {error.get('type', '')} {error.get('message', '')}")
        raise KibanaImportError("Kibana imported with errors:\n  " + "\n  ".join(problems or [json.dumps(body)]))
    return body


def _index_prefix(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """The store's own prefix rule (indexing), as a usage error instead of a traceback or a dead data view."""
    try:
        return check_prefix(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group()
def kibana() -> None:
    """Kibana saved objects (data view, dashboard, saved search) for the Elasticsearch store."""


@kibana.command("import")
@click.option("--url", required=True, envvar="KIBANA_URL", help="Kibana base URL (or $KIBANA_URL)")
@click.option(
    "--index-prefix", default="groundswell", show_default=True, callback=_index_prefix, help="the store's index_prefix"
)
@click.option("--space", default=None, help="Kibana space id (default space when omitted)")
@click.option(
    "--api-key-env",
    default="KIBANA_API_KEY",
    show_default=True,
    help="environment variable holding a Kibana API key (unset: no auth)",
)
@click.option("--overwrite/--no-overwrite", default=True, show_default=True)
@click.option("--file", "path", type=click.Path(dir_okay=False, exists=True), help="upload this NDJSON instead")
def import_command(url: str, index_prefix: str, space: str | None, api_key_env: str, overwrite: bool, path: str | None):
    """Upload the Groundswell saved objects to Kibana."""
    ndjson = Path(path).read_text(encoding="utf-8") if path else to_ndjson(build(load_spec(), index_prefix))
    try:
        body = import_objects(url, ndjson, api_key=os.environ.get(api_key_env), space=space, overwrite=overwrite)
    except KibanaImportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps({"imported": body.get("successCount", 0), "url": shown_url(url)}))


@kibana.command("build")
@click.option("--index-prefix", default="groundswell", show_default=True, callback=_index_prefix)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", help="file, or - for stdout")
def build_command(index_prefix: str, output: str) -> None:
    """Write the saved objects as NDJSON (for Kibana's Stack Management > Import)."""
    text = to_ndjson(build(load_spec(), index_prefix))
    if output == "-":
        click.echo(text, nl=False)
    else:
        write_file(output, text)  # a link planted at the name is replaced, not written through
