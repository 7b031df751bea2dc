"""`groundswell collect`: one collection run from one source into a JSONL file, optionally recorded/replayed.

    groundswell collect --source hackernews --query '"acme corp" OR #acme' --out acme.jsonl
    groundswell collect --source x --query acme --record acme-x.yaml --out acme.jsonl
    groundswell collect --source x --query acme --replay acme-x.yaml --out acme.jsonl

`--record` saves the HTTP session (secrets filtered) so it can be attached to a bug
report; `--replay` plays one back through the real client library, offline.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from core.file_write import replacing
from core.logsafe import SECRET_HEADERS, SECRET_PARAMS, is_secret_header, is_secret_param, register_config_secrets
from core.query import QuerySyntaxError, parse
from core.time import MOMENT_RULE, check_range, check_zone, moment_utc, parse_moment
from extractors.base import SourceError, Window
from extractors.http import DEFAULT_MAX_WAIT, Classifier, RetryPolicy
from extractors.registry import EXTRACTORS, get_extractor_class
from extractors.state import MemoryState

T = TypeVar("T")

# The tokens of an OAuth token response (RFC 6749 5.1, OpenID Connect): Reddit's app-only login answers one.
SECRET_BODY_KEYS = frozenset({"access_token", "refresh_token", "id_token"})
FILTERED = "FILTERED"


def _when(value: str | None, name: str, tz: str) -> datetime | None:
    """A --since/--until value as a UTC datetime, read as every --since/--until is (`core.time.parse_moment`): a
    date is its midnight in `tz` (--tz, UTC by default: `collect` reads no config, so no digest.timezone)."""
    if not value:
        return None
    try:
        return moment_utc(parse_moment(value), tz)
    except (ValueError, OverflowError):
        raise click.BadParameter(
            f"{value!r} is not a date: use 2026-11-02 (that day in --tz) or an ISO 8601 date-time such as "
            "2026-11-02T09:00:00+09:00", param_hint=name,
        ) from None


def _zone(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """--tz: an IANA zone (`core.time.check_zone`), or a usage error saying what to give."""
    try:
        return check_zone(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _options(pairs: tuple[str, ...]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint="--option")
        name = key.strip()
        try:
            options[name] = yaml.safe_load(raw) if raw else ""  # 'limit=10' -> 10, 'subreddits=[a, b]' -> list
        except yaml.YAMLError as exc:
            # Not YAML's own message: it quotes the value, and an unquoted private feed URL carries its token.
            mark = getattr(exc, "problem_mark", None)
            where = f" at character {mark.column + 1}" if mark is not None and mark.line == 0 else ""
            raise click.BadParameter(
                f"{name}: the value is not valid YAML{where} (not shown: it may hold a secret); quote text "
                f"with ': ', '?', '#' or ',' in it, e.g. -o '{name}=[\"https://…\"]'",
                param_hint="--option",
            ) from None
    return options


def _scrub_json(value: Any) -> tuple[Any, bool]:
    """`value` with the tokens of SECRET_BODY_KEYS replaced, at any depth, and whether any was."""
    if isinstance(value, dict):
        scrubbed, changed = {}, False
        for key, item in value.items():
            if key in SECRET_BODY_KEYS and item not in (None, ""):
                scrubbed[key], changed = FILTERED, True
            else:
                scrubbed[key], inner = _scrub_json(item)
                changed = changed or inner
        return scrubbed, changed
    if isinstance(value, list):
        items = [_scrub_json(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    return value, False


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """A response as a cassette keeps it, one meant to be attached to bug reports: without cookies or
    credential headers, and with the tokens of a JSON body (a live OAuth access token) replaced."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if is_secret_header(name):
            del headers[name]
    body = response.get("body") or {}
    raw = body.get("string")
    if raw:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return response  # not JSON: nothing of SECRET_BODY_KEYS to find
        data, changed = _scrub_json(data)
        if changed:  # re-encoded only then: a body left alone stays byte for byte as the server sent it
            text = json.dumps(data)
            body["string"] = text.encode() if isinstance(raw, bytes) else text
            for name in list(headers):
                if name.lower() == "content-length":
                    headers[name] = [str(len(text.encode()))]
    return response


def _scrub_request(request: Any) -> Any:
    """A request as a cassette keeps it (and as a replay matches it): without the secret-looking parameters of
    its query (`core.logsafe.is_secret_param`: a private feed's `key=`, an API's `token=`), left out as vcrpy
    leaves out filtered ones, so recordings made before match as they did. vcrpy hands over its own copy."""
    from vcr import filters  # lazy: vcrpy is a test extra, needed only to record or replay

    return filters.replace_query_parameters(request, [(name, None) for name, _ in request.query
                                                      if is_secret_param(name)])


def _cassette(record: str | None, replay: str | None):
    if not record and not replay:
        return contextlib.nullcontext()
    try:
        import vcr  # lazy: vcrpy is a test extra, needed only to record or replay
    except ImportError as exc:
        raise click.ClickException("--record/--replay need vcrpy: pip install vcrpy") from exc
    path = Path(record or replay)  # type: ignore[arg-type]
    tape = vcr.VCR(
        record_mode="all" if record else "none",
        decode_compressed_response=True,
        # Request headers left out: core.logsafe.SECRET_HEADERS, the list logs mask (responses: `_scrub_response`).
        filter_headers=sorted(SECRET_HEADERS),
        # Form fields and query parameters left out: core.logsafe.SECRET_PARAMS, the list logs and messages mask.
        filter_post_data_parameters=sorted(SECRET_PARAMS),
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        match_on=["method", "scheme", "host", "port", "path", "query"],
    )
    serializer = "json" if path.suffix == ".json" else "yaml"
    return tape.use_cassette(str(path), serializer=serializer)


def _cassette_mismatch(exc: BaseException) -> BaseException | None:
    """vcrpy's 'no recorded response for this request', wherever a client library wrapped it."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if type(current).__name__ == "CannotOverwriteExistingCassetteException":
            return current
        # Client libraries chain the cause (Mastodon.py, tweepy) or keep it as an attribute (prawcore).
        todo += [current.__cause__, current.__context__, getattr(current, "original_exception", None)]
    return None


def replay_mismatch_message(replay: str, mismatch: BaseException) -> str:
    """One message for a request the recorded session cannot answer, naming the request and what differs."""
    request = getattr(mismatch, "failed_request", None)
    if request is None:
        return f"{replay} cannot answer this run: {mismatch}"
    lines = [f"{replay} has no recorded response for {request.method} {request.uri}"]
    for recorded, _matched, differing in (getattr(mismatch, "similar_requests", None) or [])[:3]:
        why = "; ".join(f"{name}: {detail}" for name, detail in differing) or "already played back"
        lines.append(f"  closest recorded: {recorded.method} {recorded.uri} ({why})")
    lines.append(
        "Replay with the same --source, --query, --option, --since/--until and --cursor as the recording, "
        "or record the session again: the same command with --record FILE instead of --replay."
    )
    return "\n".join(lines)


class ReplayMismatch(Exception):
    """A replayed request the cassette has no answer for: retrying cannot help."""


class _ReplayRetry(RetryPolicy):
    """The extractor's retry policy for replays: recorded waits are not waited, and a cassette miss fails at once."""

    def call(self, fn: Callable[[], T], what: str, classify: Classifier | None = None) -> T:
        def once() -> T:
            try:
                return fn()
            except Exception as exc:
                mismatch = _cassette_mismatch(exc)
                if mismatch is not None:
                    raise ReplayMismatch() from mismatch
                raise

        def not_retryable(exc: Exception) -> Exception | None:
            if isinstance(exc, ReplayMismatch):
                return None  # unknown to the policy: re-raised as it is, no retry
            return classify(exc) if classify else None

        return super().call(once, what, not_retryable)


def _replay_env(cls: Any, options: Any) -> dict[str, str]:
    """When replaying, credentials are not needed: fill unset *_env variables with a placeholder."""
    env = dict(os.environ)
    for name, value in options.model_dump().items():
        if name.endswith("_env") and isinstance(value, str) and not env.get(value):
            env[value] = "replayed-no-secret"
    return env


@click.command("collect")
@click.option("--source", "source_type", required=True, type=click.Choice(sorted(EXTRACTORS)), help="Source type")
@click.option("--query", required=True, help="Boolean query (docs/query-language.md)")
@click.option("--brand", default=None, help="Brand name to tag mentions with (default: the query)")
@click.option("--option", "-o", "option_pairs", multiple=True, metavar="KEY=VALUE", help="Source option; repeatable")
@click.option("--since", default=None, help=f"Only posts at or after this moment: {MOMENT_RULE.format(zone='--tz')}")
@click.option("--until", default=None, help="Only posts before this moment (read as --since is)")
@click.option("--tz", default="UTC", show_default=True, callback=_zone,
              help="IANA time zone whose midnight a --since/--until date means (`collect` reads no config, so not "
              "digest.timezone: give the same zone to collect the days `ingest --since` does)")
@click.option("--cursor", default=None, help="Resume from this cursor (as printed by an earlier run)")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="JSONL file to write")
@click.option("--record", type=click.Path(dir_okay=False), default=None, help="Save the HTTP session here")
@click.option("--replay", type=click.Path(dir_okay=False, exists=True), default=None, help="Play a saved session")
@click.option("--max-wait-s", "max_wait_s", type=click.FloatRange(min=0, min_open=True, max=3600),
              default=DEFAULT_MAX_WAIT, show_default=True,
              help="Longest wait on rate limits in all for this run, seconds (as sources[].max_wait_s); "
              "a replay never waits, so never fails on a recorded wait")
def collect(
    source_type: str,
    query: str,
    brand: str | None,
    option_pairs: tuple[str, ...],
    since: str | None,
    until: str | None,
    tz: str,
    cursor: str | None,
    out: str,
    record: str | None,
    replay: str | None,
    max_wait_s: float,
) -> None:
    """Collect mentions matching --query from one --source into a JSONL file (no config, no store)."""
    from pydantic import ValidationError


    if record and replay:
        raise click.UsageError("use --record or --replay, not both")
    try:
        parse(query)
    except QuerySyntaxError as exc:
        raise click.BadParameter(str(exc), param_hint="--query") from None
    cls = get_extractor_class(source_type)
    try:
        options = cls.Options.model_validate(_options(option_pairs))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.BadParameter(problems, param_hint="--option") from None
    register_config_secrets(options)  # the variables its *_env options name are masked in logs
    env = _replay_env(cls, options) if replay else None
    extractor = cls(options, env=env).bind(MemoryState(), source_type)
    if replay:
        # Recorded waits (429s) need no real waiting when played back, so no ceiling applies to them either: a
        # recorded Retry-After of an hour replays at once.
        extractor.retry = _ReplayRetry(sleep=lambda seconds: None, max_wait=math.inf)
    else:
        extractor.retry = RetryPolicy(max_wait=max_wait_s)  # the same ceiling as `sources[].max_wait_s`
    window = Window(since=_when(since, "--since", tz), until=_when(until, "--until", tz))
    try:
        check_range(window.since, window.until)  # a reversed window reads nothing: not a success
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from None
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    written, skipped, last_cursor = 0, 0, None
    try:
        # Written whole at the end (core.file_write): never through a link planted at the name, nor a fixed temp name.
        with _cassette(record, replay), replacing(out_path, "w", encoding="utf-8") as handle:
            for batch in extractor.extract(brand or query, query, cursor, window):
                for mention in batch.mentions:
                    handle.write(mention.model_dump_json() + "\n")
                written += len(batch.mentions)
                skipped += len(batch.skipped)
                for reason in batch.skipped:
                    click.echo(f"skipped: {reason}", err=True)
                last_cursor = batch.cursor or last_cursor
    except Exception as exc:
        # Checked first: an extractor may have wrapped the cassette miss in a SourceError.
        mismatch = _cassette_mismatch(exc) if replay else None
        if mismatch is not None:
            raise click.ClickException(replay_mismatch_message(replay, mismatch)) from None
        if isinstance(exc, SourceError):
            raise click.ClickException(str(exc)) from None
        raise
    click.echo(f"{written} mention(s) -> {out_path}" + (f", {skipped} skipped" if skipped else ""))
    if last_cursor:
        click.echo(f"cursor: {extractor.shown_cursor(last_cursor)}")
    if record:
        click.echo(f"recorded HTTP session -> {record}")


def main() -> None:  # pragma: no cover - `python -m extractors.cli`
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    collect()


if __name__ == "__main__":  # pragma: no cover
    main()
