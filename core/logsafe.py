"""Secrets never reach a log line: a filter on every handler Groundswell installs.

At `-vv` the libraries we call log their requests: tweepy prints its headers
(`Authorization: Bearer …`), urllib3 prints each request path (a Slack or Teams
webhook path *is* the secret). `RedactingFilter` rewrites every record before it
is formatted, at every level, masking:

- the values of known secrets: environment variables whose names look secret
  (TOKEN, SECRET, PASSWORD, API_KEY, WEBHOOK, …) and every variable a loaded
  config names in a `*_env` field (`register_config_secrets`), also URL-encoded,
  and for URL-shaped secrets their path and query on their own; of a field that says where a service is
  (`store.url_env`, marked `locator`) only the credentials inside its URL (`register_url_credentials`), so
  messages can name the host;
- the values of credential headers (SECRET_HEADERS: `Authorization`, `Cookie`, `X-Api-Key`, …; one list, also for
  recorded HTTP sessions) and `Bearer`/`Basic`/`ApiKey` credentials;
- webhook paths (hooks.slack.com/services/…, …webhook.office.com/…, Discord);
- `password=`, `token=`, `api_key=`, `key=`, `sig=`, … query parameters (SECRET_PARAMS: one list, also
  for URLs in messages, `without_credentials`, and recorded HTTP sessions);
- `user:password@` in URLs.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

MASK = "***"
# Shorter values (a '1', 'true', a port) would mask unrelated text without protecting anything.
MIN_SECRET_CHARS = 6
SECRET_ENV_NAME = re.compile(r"TOKEN|SECRET|PASSW(OR)?D|API_?KEY|WEBHOOK|CREDENTIAL|PRIVATE_KEY|AUTH", re.IGNORECASE)
# Each text line names its run (`set_log_context(run_id=...)`): lines of overlapping runs in one file tell apart.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(run_id)s]: %(message)s"
LOG_FORMATS = ("text", "json")
# Libraries that log a full traceback as a WARNING for every retried request; below -vv their
# warnings are noise around the one-line error the CLI prints when the retries run out.
RETRY_NOISY = ("elastic_transport",)

# Query parameters whose value is a credential (a private feed's key, a cluster's API key, a signed link's
# signature): one list for log lines (`redact`), URLs in messages (`without_credentials`) and recorded HTTP
# sessions (extractors/cli.py, `is_secret_param`). The first names are masked as `name=value` anywhere in a log
# line and as quoted JSON keys too; the short, ambiguous ones ("sort key=created_at") only in a URL's query.
_SECRET_NAMES = ("password", "passwd", "pwd", "passphrase", "token", "access_token", "refresh_token", "id_token",
                 "auth_token", "session_token", "private_token", "api_key", "apikey", "access_key", "secret_key",
                 "secret", "client_secret")
_QUERY_ONLY_NAMES = ("key", "sig", "signature", "auth", "credential", "x-amz-signature", "x-amz-credential",
                     "x-amz-security-token", "x-goog-signature", "x-goog-credential")
SECRET_PARAMS = frozenset(_SECRET_NAMES + _QUERY_ONLY_NAMES)
_QUERY_SECRETS = "|".join(re.escape(name) for name in _SECRET_NAMES)
# HTTP headers whose value is a credential (lower case): one list for log lines (`redact` masks their values) and
# recorded HTTP sessions (extractors/cli.py leaves them out of requests and responses, `is_secret_header`).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
                            "x-auth-token", "x-csrf-token"})
_SECRET_HEADER = "|".join(re.escape(name) for name in sorted(SECRET_HEADERS, key=lambda n: (-len(n), n)))
_ANY_SECRET_PARAM = "|".join(re.escape(name) for name in sorted(SECRET_PARAMS, key=len, reverse=True))
# A secret-looking parameter of a URL's query, its value masked by `\1\2=***`.
_SECRET_QUERY_PARAM = re.compile(rf"""(?i)([?&;])({_ANY_SECRET_PARAM})=[^&#\s'"<>]+""")
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Header values (SECRET_HEADERS), in 'Authorization: x' lines and in {'Authorization': 'x'} reprs.
    (re.compile(rf"""(?i)(\b(?:{_SECRET_HEADER})['"]?\s*[:=]\s*['"]?)[^'"\r\n,}}]+"""), rf"\g<1>{MASK}"),
    # A credential after its scheme: long, or with a digit or symbol ('Bearer token expired' is prose).
    (
        re.compile(r"(?i)\b(bearer|basic|apikey)(\s+)(?=\S*[0-9._~+/=%-]|\S{20})[A-Za-z0-9._~+/=%-]{8,}"),
        rf"\1\2{MASK}",
    ),
    # user:password@host (and user@host with a token as the user name) in any URL; up to the host's '@',
    # the last before the path: a password may hold a raw '@' (p@ss) that ended the match too early.
    (re.compile(r"""(?i)\b([a-z][a-z0-9+.-]*://)[^/\s'"<>]+@"""), rf"\1{MASK}@"),
    # Webhooks whose URL path is the credential, with their host or (urllib3) without.
    (re.compile(r"""(?i)(hooks\.slack(?:-gov)?\.com/)[^\s'"<>]+"""), rf"\1{MASK}"),
    (re.compile(r"""(?i)(/services/)T[A-Z0-9]+/B[A-Z0-9]+/[^\s'"<>]+"""), rf"\1{MASK}"),
    (re.compile(r"""(?i)(webhook\.office\.com/)[^\s'"<>]+"""), rf"\1{MASK}"),
    (re.compile(r"""(?i)(/webhookb2/)[^\s'"<>]+"""), rf"\1{MASK}"),
    (re.compile(r"""(?i)(/api/webhooks/)[^\s'"<>]+"""), rf"\1{MASK}"),
    # Secret-bearing query parameters (Teams/Power Automate put a signature in 'sig'), and the
    # unambiguous names also as 'name=value' anywhere in a message.
    (_SECRET_QUERY_PARAM, rf"\1\2={MASK}"),
    (re.compile(rf"""(?i)\b({_QUERY_SECRETS})=[^&\s'"<>]+"""), rf"\1={MASK}"),
    # The same names as quoted keys of JSON or a dict's repr: {"password": "x y"}, {'client_secret': 'a,b'}, a
    # quoted value up to its closing quote, a bare one (a number) up to the next separator. Unquoted keys are
    # left alone: "needs a bearer token: set $X" is a message, not a secret.
    (re.compile(rf"""(?i)(["'])({_QUERY_SECRETS})\1(\s*:\s*)(["'])(?:\\.|(?!\4).)*\4"""), rf"\1\2\1\3\4{MASK}\4"),
    (re.compile(rf"""(?i)(["'])({_QUERY_SECRETS})\1(\s*:\s*)(?!["'\s])[^,}}\s]+"""), rf"\1\2\1\3{MASK}"),
]

# Each known secret as one pattern (see `_secret_pattern`), longest first when masking, with a literal every
# spelling of it contains (its longest run of characters no encoder escapes): `in` rules most lines out cheaply.
_known: dict[str, tuple[str, re.Pattern[str]]] = {}
# Characters no URL encoder escapes: a secret's other characters may appear raw or as %XX.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _secret_pattern(value: str) -> re.Pattern[str]:
    """`value` raw or URL-encoded in any mix: encoders differ in which characters they escape ('/' kept by
    one, '%2F' by another), in the case of the hex ('%2f', '%2F', even mixed in one string) and in the
    space ('%20' or '+'). One pattern per secret matches all of them."""
    parts = []
    for char in value:
        if char in _UNRESERVED:
            parts.append(re.escape(char))
            continue
        try:  # an environment value of undecodable bytes holds them as lone surrogates (surrogateescape)
            raw = char.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            parts.append(re.escape(char))  # no encoder writes it: raw only
            continue
        escaped = "".join(f"%(?i:{byte:02X})" for byte in raw)
        plus = "|\\+" if char == " " else ""
        parts.append(f"(?:{re.escape(char)}|{escaped}{plus})")
    return re.compile("".join(parts))


def _anchor(value: str) -> str:
    """The longest run of `value`'s characters that every spelling of it keeps raw ('' when none)."""
    runs = re.findall(r"[A-Za-z0-9._~-]+", value)
    return max(runs, key=len) if runs else ""


def register_secret(value: str | None) -> None:
    """Mask `value` in every log line from now on (raw, URL-encoded in any form; for a URL also its path and
    secret-looking segments, `secret_parts`)."""
    if not value or len(value) < MIN_SECRET_CHARS:
        return
    # For a URL also its path and the segments that look secret (`secret_parts`): urllib3 logs the path (and
    # query) without the host; its plain words ("services", "elasticsearch") are never registered.
    for part in secret_parts(value) or [value]:
        _known[part] = (_anchor(part), _secret_pattern(part))


# When a piece of a secret URL is a secret on its own. A URL's path mixes plain words ("services", "webhooks",
# "webhookb2", "IncomingWebhook", "elasticsearch") with ids and tokens; registering the words would mask them in
# every later log line ("posting to Slack ***"). A segment (or query value) counts as a secret when it is long
# and either mixes letters with digits (at least two of each: "T01234ABCD", a GUID, "xyzSecretTokenAbc123";
# "webhookb2", "oauth2" have one digit) or is long and random-looking (Shannon entropy at least 4 bits per
# character over 20+ characters: a base62 token without digits; English words of that length stay near 3-3.8).
SECRET_SEGMENT_CHARS = 8
RANDOM_SEGMENT_CHARS = 20
RANDOM_BITS_PER_CHAR = 4.0


def _bits_per_char(text: str) -> float:
    """Shannon entropy of `text`'s characters, in bits per character."""
    import math  # lazy: only secret URLs need it
    from collections import Counter  # lazy: as above

    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def looks_secret(segment: str) -> bool:
    """Whether a URL path segment or query value is a secret on its own (the rule above), not a plain word."""
    if len(segment) < SECRET_SEGMENT_CHARS:
        return False
    digits = sum(ch.isdigit() for ch in segment)
    letters = sum(ch.isalpha() for ch in segment)
    if digits >= 2 and letters >= 2:
        return True
    return len(segment) >= RANDOM_SEGMENT_CHARS and _bits_per_char(segment) >= RANDOM_BITS_PER_CHAR


def secret_parts(value: str) -> list[str]:
    """What of a secret a log line may show on its own: the value, and for a URL its path with the query and
    those path segments and query values that look secret (`looks_secret`; urllib3 logs "POST /services/T…/B…/x"
    without the host, and a log line may quote one id of it), never its plain words."""
    from urllib.parse import parse_qsl  # lazy: only secret URLs need it

    parts = [value]
    try:
        url = urlsplit(value)
    except ValueError:
        return parts
    if url.scheme and url.netloc:
        pieces = [p for p in url.path.split("/") if p] + [v for _, v in parse_qsl(url.query, keep_blank_values=True)]
        secret = [piece for piece in pieces if looks_secret(piece)]
        # The path (with the query) is masked whole unless it is plain words only ("/elasticsearch" of a cluster
        # behind a proxy): a short token ("/api/webhooks/1234/tok") still hides inside the path.
        if secret or not all(piece.isalpha() for piece in pieces):
            parts.append(url.path + (f"?{url.query}" if url.query else ""))
        parts += secret
    return [p for p in dict.fromkeys(parts) if p.strip("/") and len(p) >= MIN_SECRET_CHARS]


def register_env_secrets(env: Mapping[str, str] | None = None, names: Iterable[str] = ()) -> None:
    """Register the values of secret-looking variables, and of the variables in `names`."""
    env = os.environ if env is None else env
    for name, value in env.items():
        if SECRET_ENV_NAME.search(name):
            register_secret(value)
    for name in names:
        register_secret(env.get(name))


def register_config_secrets(config: Any) -> None:
    """Register every variable a config names in a `*_env` field (store, channels, source options). A field marked
    `json_schema_extra={"locator": True}` (`store.url_env`: where a cluster is, which messages must show) holds a
    URL whose credentials alone are secret (`register_url_credentials`); one marked `{"secret": False}`
    (`store.username_env`: a user name) is not registered."""
    secrets, locators = _env_fields(config)
    register_env_secrets(names=secrets)
    for name in locators:
        register_url_credentials(os.environ.get(name))


# Where a new URL starts in a list of them: a comma, then `scheme://`. A comma elsewhere is part of the URL (legal
# unencoded in a password, or in a query such as ?filter_path=a,b), so it must not cut it in two. Repeated commas
# (`a,,b`) count as one separator.
_NEXT_URL = re.compile(r"[,\s]*,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")
# What surrounds a URL but is not part of it: spaces, and stray commas before the first URL or after the last one
# (`http://a:9200,`), which a plain comma list used to drop as empty parts.
_URL_EDGE = " \t\r\n,"


def split_urls(value: str | None) -> list[str]:
    """The URLs in `value`, one or several comma-separated (`store.url_env`): split only where a comma is followed
    by a new `scheme://`; leading, trailing and doubled commas are dropped. The one rule the config, the masking and
    the store's messages share."""
    parts = (part.strip(_URL_EDGE) for part in _NEXT_URL.split(value or ""))
    return [part for part in parts if part]


def register_url_credentials(value: str | None) -> None:
    """Mask the secrets inside `value`, one URL or several comma-separated (`split_urls`), but not where it points
    (`url_credentials`)."""
    for secret in url_credentials(value):
        register_secret(secret)


def url_credentials(value: str | None) -> list[str]:
    """The secrets inside `value`, one URL or several comma-separated (`split_urls`), not where it points: each
    URL's user:password@ (and the password alone), the values of its secret-looking query parameters
    (SECRET_PARAMS) and its secret-looking path segments and query values (`looks_secret`). An unparsable URL is
    a secret whole. What `register_url_credentials` registers, and the DAGs give Airflow's masker."""
    from urllib.parse import parse_qsl, unquote  # lazy: only configs with a locator need it

    secrets: list[str] = []
    for url in split_urls(value):
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - a bad port raises here: then nothing of it can be shown safely
        except ValueError:
            secrets.append(url)
            continue
        userinfo = parts.netloc.rpartition("@")[0]
        if userinfo:
            password = userinfo.partition(":")[2]
            secrets += [userinfo, password, unquote(password)]
        query = parse_qsl(parts.query, keep_blank_values=True)
        for piece in [p for p in parts.path.split("/") if p] + [v for _, v in query]:
            if looks_secret(piece):
                secrets.append(piece)
        secrets += [secret for name, secret in query if name.lower() in SECRET_PARAMS]
    return [secret for secret in secrets if secret]


def _env_fields(node: Any) -> tuple[list[str], list[str]]:
    """The variables `*_env` fields name under `node` (a model, mapping or list): (secrets, locators)."""
    secrets: list[str] = []
    locators: list[str] = []
    fields = getattr(type(node), "model_fields", None)
    if fields is not None:
        for key, info in fields.items():
            value = getattr(node, key, None)
            if key.endswith("_env") and isinstance(value, str):
                extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
                if extra.get("secret") is False:  # names a value that is not secret (store.username_env)
                    continue
                (locators if extra.get("locator") else secrets).append(value)
            else:
                more = _env_fields(value)
                secrets += more[0]
                locators += more[1]
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith("_env") and isinstance(value, str):
                secrets.append(value)
            else:
                more = _env_fields(value)
                secrets += more[0]
                locators += more[1]
    elif isinstance(node, list | tuple):
        for item in node:
            more = _env_fields(item)
            secrets += more[0]
            locators += more[1]
    return secrets, locators


def is_secret_header(name: str) -> bool:
    """Whether an HTTP header of this name carries a credential (SECRET_HEADERS, any case)."""
    return name.strip().lower() in SECRET_HEADERS


def is_secret_param(name: str) -> bool:
    """Whether a query (or form) parameter of this name carries a credential (SECRET_PARAMS, any case)."""
    return name.strip().lower() in SECRET_PARAMS


def without_credentials(url: str) -> str:
    """`url` as a message shows it: without any `user:password@` (clients send them as Basic auth), with the
    value of every secret-looking query parameter masked (SECRET_PARAMS), and with every secret the log filter
    knows masked (`redact`): a terminal or CI log is no place for them. Unparsable: masked by `redact` whole."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed '[' of an IPv6 host: show nothing of it that could be a secret
        return redact(url)
    if not parts.netloc:
        return redact(url)
    # Parameters first: a URL-shaped secret's registered path and query (`register_secret`) would otherwise
    # mask the whole path, and the message would no longer say which cluster or feed it means.
    query = _SECRET_QUERY_PARAM.sub(rf"\1\2={MASK}", f"?{parts.query}")[1:] if parts.query else ""
    return redact(parts._replace(netloc=parts.netloc.rpartition("@")[2], query=query).geturl())


def redact(text: str) -> str:
    """`text` with every known secret and every secret-shaped value masked."""
    for secret in sorted(_known, key=len, reverse=True):
        anchor, pattern = _known[secret]
        if anchor in text:
            text = pattern.sub(MASK, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite a record's message, traceback and stack with `redact` (the record is changed in place)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad %-format in some library: log what we have, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# The client libraries whose DEBUG lines carry secrets: urllib3 logs each request's path (a webhook path *is* one),
# tweepy its headers (the bearer token), praw/prawcore theirs. A filter on a logger sees only the records created on
# that very logger (not its children's), so each module's logger is named.
CLIENT_LOGGERS = ("urllib3", "urllib3.connectionpool", "urllib3.util.retry", "tweepy", "tweepy.client", "tweepy.api",
                  "praw", "praw.reddit", "prawcore", "prawcore.sessions", "prawcore.auth", "requests_oauthlib")


def filter_client_loggers() -> None:
    """Put a `RedactingFilter` on the client libraries' own loggers (CLIENT_LOGGERS), once: then their lines are
    masked whatever handler prints them, also where no handler of ours is installed (Airflow's `dag.test()`,
    `airflow dags test`, whose task log handler masks only what Airflow's own masker knows)."""
    for name in CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


# What every log line of this process says besides its message: the run id, the step under way (None: unknown).
_context: dict[str, str] = {}


def set_log_context(**fields: str | None) -> None:
    """Set (or, with None, drop) fields every log line carries from now on: `run_id`, `step`."""
    for name, value in fields.items():
        if value is None:
            _context.pop(name, None)
        else:
            _context[name] = value


class TextFormatter(logging.Formatter):
    """`LOG_FORMAT`: the usual line with the run id (`-` before one is set)."""

    def format(self, record: logging.LogRecord) -> str:
        record.run_id = _context.get("run_id", "-")
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, run_id, step when known, and the
    traceback when the record has one. The handler's `RedactingFilter` has masked message and traceback before."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


_installed: logging.Handler | None = None


def configure_logging(verbosity: int, stream: IO[str] | None = None, log_format: str = "text") -> None:
    """The CLI's logging: -v info, -vv debug, every root handler redacting; `log_format` "json" writes one JSON
    object per line (`JsonFormatter`), "text" `LOG_FORMAT`.

    Like `logging.basicConfig`, a stderr handler is added (and the level set) only when the
    root logger has none (an embedding app or a test harness may have its own); either way
    every root handler gets a `RedactingFilter`. Calling it again replaces our handler.
    """
    global _installed
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    register_env_secrets()
    root = logging.getLogger()
    if _installed is not None and _installed in root.handlers:
        root.removeHandler(_installed)
    if not root.handlers:
        _installed = logging.StreamHandler(stream or sys.stderr)
        _installed.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(LOG_FORMAT))
        root.addHandler(_installed)
        root.setLevel(logging.WARNING - 10 * min(max(verbosity, 0), 2))
        for name in RETRY_NOISY:
            logging.getLogger(name).setLevel(logging.ERROR if verbosity < 2 else logging.NOTSET)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
