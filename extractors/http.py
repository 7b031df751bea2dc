"""The one retry layer every source uses: timeouts, backoff, rate-limit waits, fatal errors.

`RetryPolicy.call` wraps any client call (tweepy, Mastodon.py, atproto, plain HTTP);
a per-client `classify` turns that client's exceptions into `Retry` (wait and try
again) or `SourceError` (give up: auth, bad request, budget). `HttpClient` is the
requests-based client for sources without an SDK (Hacker News, RSS).
Sleep and clock are injectable so tests never really wait.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from core.http_dates import retry_after
from core.time import as_utc
from extractors.errors import SourceError
from extractors.redirects import (
    MAX_REDIRECTS,
    RedirectGuard,
    RedirectRefused,
    RedirectUnresolved,
    Resolver,
    system_addresses,
)

log = logging.getLogger("groundswell.extractors.http")

T = TypeVar("T")
# Maps a client library's exception to Retry / SourceError, or None for "not mine: re-raise".
Classifier = Callable[[Exception], Exception | None]
DEFAULT_TIMEOUT = (10.0, 30.0)  # (connect, read) seconds
# Seconds one `HttpClient` request may take in all, headers and body. The read timeout bounds each wait for a byte,
# not the response: a server that trickles a byte every 20 s never trips it (one feed held a run 120 s). The read
# timeout already catches a server that hangs, so the deadline is only for one that never ends: generous, a slow but
# steady feed (a 30 MB one at 100 kB/s) is read whole. Past it the request fails, not retried (`DeadlineExceeded`).
DEFAULT_DEADLINE = 300.0
_CHUNK = 65536
# Bytes one `HttpClient` response may have once decompressed (the `max_response_mb` option of RSS and Hacker News
# overrides it). Counted as the body is read, so a gzip bomb (0.4 MB on the wire inflating to 400 MiB took a collect
# to 2.5 GB resident) stops at the limit. 20 MiB: a feed of `max_entries` 500 full-text entries is a few MiB, a Hacker
# News page of 1,000 hits under 2 MiB; ten times that is no feed anyone means.
DEFAULT_MAX_RESPONSE_MB = 20
# The smallest `max_response_mb` accepted: 0.01 MiB (10 KiB) holds an empty feed; a smaller one (1e-9 was read as
# 0 bytes) refuses every answer, a typo rather than a limit.
MIN_RESPONSE_MB = 0.01
USER_AGENT = "groundswell/0.1 (+https://github.com/groundswell/groundswell)"


class DeadlineExceeded(SourceError):
    """A response not whole within the request's deadline. Not retried (`RetryPolicy.call` passes a SourceError on):
    a response that took the whole deadline is slow, not flaky, and a second try takes the deadline again (five
    tries made a 60 s deadline 315 s, and lost the feed all the same). The source reads it again next run."""


class ResponseTooLarge(SourceError):
    """A response larger than the client's `max_bytes` once decompressed. Not retried: the same answer would come
    again. The body read so far is dropped; the source reads it again next run (after its option is raised)."""


class RateLimited(SourceError):
    """A wait longer than the source's ceiling (`sources[].max_wait_s`): not slept on. The source fails for this
    run (the others go on; the CLI exits 3) and its cursor stays where it was, so the next run resumes from it."""

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


class Retry(Exception):
    """A failure worth retrying; `wait` is the server's hint in seconds, if it gave one."""

    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def retry_after_header(headers: Mapping[str, str] | None, now: float) -> float | None:
    """Seconds to wait from an explicit Retry-After header only (seconds or HTTP date); None without one.

    For server errors (5xx): the rate-limit reset headers X and Reddit send on every response say when the
    quota window resets, not when a failing server is back, so they must not stretch a brief outage.
    """
    if not headers:
        return None
    return retry_after(next((v for k, v in headers.items() if k.lower() == "retry-after"), None), now)


def retry_after_seconds(headers: Mapping[str, str] | None, now: float) -> float | None:
    """Seconds to wait from rate-limit headers (for 429s): Retry-After (seconds or HTTP date), then
    x-rate-limit-reset (X: epoch), x-ratelimit-reset (Reddit: seconds; Mastodon: ISO time),
    ratelimit-reset (Bluesky: epoch). None when no header says; a header that is no finite number says nothing,
    and one already past (or negative) means no wait."""
    if not headers:
        return None
    explicit = retry_after_header(headers, now)
    if explicit is not None:
        return explicit
    lower = {k.lower(): v for k, v in headers.items()}
    for name in ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"):
        value = lower.get(name)
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            try:
                # A reset time with no offset is UTC (Mastodon writes "Z"), never this machine's local time.
                return max(0.0, as_utc(datetime.fromisoformat(value.replace("Z", "+00:00"))).timestamp() - now)
            except ValueError:
                continue
        if not math.isfinite(number):  # "nan", "inf": float() reads them, no server means them
            continue
        # Epoch seconds are large; small numbers are "seconds from now".
        return max(0.0, number - now if number > 1_000_000_000 else number)
    return None


def display_url(url: str) -> str:
    """`url` as messages show it: without userinfo, query or fragment, where private feeds keep their token."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if not parts.scheme or not parts.netloc:
        return url  # a local path: nothing secret in its shape
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


DEFAULT_MAX_WAIT = 60.0  # seconds; `sources[].max_wait_s` (extractors/config.py) overrides it per source


@dataclass
class RetryPolicy:
    """How often and how long to retry. Waiting longer than `max_wait` in all is not done (`RateLimited`): one
    source's rate limit (X resets every 15 minutes) must not hold a whole scheduled run.

    The budget is the policy's, over all its calls: `build_extractor` gives each extraction (one source × brand
    pass of a run) its own policy, so ten pages each answered "Retry-After: 50" under a ceiling of 60 s wait 50 s
    once, then fail the pass, instead of 500 s. Every wait a client library would do on its own (prawcore's
    pre-request rate limiter) goes through `wait` too: one ceiling, kept here."""

    attempts: int = 5
    backoff: float = 1.0  # first backoff; doubles each retry
    max_backoff: float = 60.0
    max_wait: float = DEFAULT_MAX_WAIT
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)
    waited: float = field(default=0.0, init=False)  # seconds slept so far, over all calls: the running total

    def wait(self, seconds: float, what: str, reason: str) -> None:
        """Sleep `seconds`, unless that takes the total slept past `max_wait`: then `RateLimited`, naming when the
        wait would end (the limit's reset), and nothing is slept."""
        if self.waited + seconds > self.max_wait:
            until = datetime.fromtimestamp(self.clock() + seconds, UTC)
            raise RateLimited(
                f"{what}: rate limited for {seconds:.0f}s (past its max_wait_s of {self.max_wait:.0f}s for this "
                f"source in this run, {self.waited:.0f}s already waited), until {until:%Y-%m-%d %H:%M:%S} UTC "
                f"({reason}); not waited for: run again later, the next run resumes from its cursor",
                until,
            )
        self.sleep(seconds)
        self.waited += seconds

    def backoff_for(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))

    def call(self, fn: Callable[[], T], what: str, classify: Classifier | None = None) -> T:
        """Run `fn`; on `Retry` (or an exception `classify` maps to Retry) wait and try again, at most `max_wait`
        seconds in all (with the policy's earlier calls: `waited`)."""
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised when unknown
                mapped = exc if isinstance(exc, Retry | SourceError) else (classify(exc) if classify else None)
                if mapped is None:
                    raise
                if isinstance(mapped, SourceError):
                    raise mapped from exc
                assert isinstance(mapped, Retry)
                if attempt == self.attempts:
                    raise SourceError(f"{what}: giving up after {attempt} attempts: {mapped.reason}") from exc
                # Whatever a classifier read from a server: no finite number is no hint, and sleep() refuses
                # a negative wait (ValueError), a NaN too; a reset already past is no wait.
                hint = mapped.wait
                wait = max(0.0, hint) if hint is not None and math.isfinite(hint) else self.backoff_for(attempt)
                if self.waited + wait <= self.max_wait:
                    log.warning("%s: %s; retry %d/%d in %.1fs", what, mapped.reason, attempt, self.attempts - 1, wait)
                try:
                    self.wait(wait, what, mapped.reason)
                except RateLimited as limited:
                    raise limited from exc
        raise AssertionError("unreachable")  # pragma: no cover


class _TimeoutAdapter(HTTPAdapter):
    """Gives every request on the session a timeout, also those a client library sends."""

    def __init__(self, timeout: tuple[float, float], **kwargs: Any):
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


class _RebaseAdapter(_TimeoutAdapter):
    """Sends requests for one URL prefix to another base (a proxy, a local test server)."""

    def __init__(self, prefix: str, base: str, timeout: tuple[float, float]):
        self.prefix, self.base = prefix, base.rstrip("/")
        super().__init__(timeout)

    def send(self, request, **kwargs):  # type: ignore[override]
        if request.url.startswith(self.prefix):
            request.url = self.base + request.url[len(self.prefix) :]
        return super().send(request, **kwargs)


def rebase(session: requests.Session, prefix: str, base: str, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
    """Make `session` send requests for `prefix` (e.g. a client's hard-coded API host) to `base`."""
    session.mount(prefix, _RebaseAdapter(prefix, base, timeout))


def make_session(timeout: tuple[float, float] = DEFAULT_TIMEOUT, user_agent: str = USER_AGENT) -> requests.Session:
    """A requests Session with default timeouts (hand it to tweepy/praw too)."""
    session = requests.Session()
    adapter = _TimeoutAdapter(timeout)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def classify_requests_error(exc: Exception) -> Exception | None:
    """Network-level failures of requests are transient."""
    if isinstance(exc, requests.Timeout):
        return Retry("timed out")
    if isinstance(exc, RedirectUnresolved):
        return Retry(str(exc))  # names the host that did not resolve
    if isinstance(exc, requests.ConnectionError):
        return Retry(f"connection failed ({type(exc).__name__})")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Retry("connection broke mid-response")
    return None


def retry_for_status(status: int, headers: Mapping[str, str] | None, now: float) -> Retry | None:
    """The Retry an HTTP error status calls for, or None where another try can not help (the other 4xx).

    The rule for the statuses of `HttpClient` and of Reddit (prawcore names only some 5xx): a 429 waits for
    the rate-limit headers. Any 5xx (also those no client names: 501, 505, Cloudflare's 52x) and a 408 (the
    server stopped waiting for the request) wait only for an explicit Retry-After, else the backoff."""
    if status == 429:
        return Retry("rate limited (429)", retry_after_seconds(headers, now))
    if status >= 500 or status == 408:
        reason = f"server error {status}" if status >= 500 else "request timeout (408)"
        return Retry(reason, retry_after_header(headers, now))
    return None


def check_status(
    response: requests.Response, what: str, now: float, auth_hint: str = "", hide: Iterable[str] = ()
) -> None:
    """Raise Retry where `retry_for_status` says, SourceError for the other 4xx; return for 2xx/3xx.

    The error quotes the start of the body; every value of `hide` (the request's own header values: a server
    may echo an `Authorization` back) is masked there first."""
    status = response.status_code
    if status < 400:
        return
    retry = retry_for_status(status, response.headers, now)
    if retry is not None:
        raise retry
    text = response.text
    # A value and, for `Bearer <token>`-shaped ones, the credential alone (a server may echo either).
    secrets = {part for v in hide if v for part in (v, v.split()[-1] if v.split() else v) if len(part) >= 4}
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, "***")
    detail = text[:200].strip().replace("\n", " ")
    if status in (401, 403):
        raise SourceError(f"{what}: not authorised ({status}){auth_hint}: {detail}")
    raise SourceError(f"{what}: request rejected ({status}): {detail}")


class HttpClient:
    """GET with timeouts, a total deadline per request (`DeadlineExceeded`, not retried) and retries; JSON bodies
    that do not parse are retried, then fatal. A body larger than `max_bytes` decompressed is cut there
    (`ResponseTooLarge`, not retried); redirects are followed by hand, at most `MAX_REDIRECTS`, each checked by
    `extractors.redirects.RedirectGuard` (http(s) only; no public → internal address; `resolver` looks hosts up).

    `headers=` on `get`/`get_json` adds headers to that request only, over the session's (an `Authorization` from
    a secret, an `Accept`). Their values are never logged here nor quoted in an error (`check_status` masks them
    in the body it quotes); log lines of the libraries below go through `core.logsafe`'s filter, which masks
    `Authorization`-like headers too."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        deadline: float | None = DEFAULT_DEADLINE,
        max_bytes: int | None = DEFAULT_MAX_RESPONSE_MB << 20,
        resolver: Resolver = system_addresses,
    ):
        self.policy = policy or RetryPolicy()
        self.session = session or make_session(timeout)
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.resolver = resolver

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        what: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """The response, its body read (within the deadline, else `DeadlineExceeded`); Retry/SourceError as
        `check_status` says. `headers`: this request's own, merged over the session's."""
        label = what or display_url(url)

        def attempt() -> requests.Response:
            response = self._fetch(url, params, label, headers)
            check_status(response, label, self.policy.clock(), hide=(headers or {}).values())
            return response

        return self.policy.call(attempt, label, classify_requests_error)

    def _fetch(
        self, url: str, params: Mapping[str, Any] | None, label: str, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """One GET (its redirects followed as `_open` says) whose body is read as it comes, each wait for bytes no
        longer than the deadline leaves: a response not whole by then is dropped, `DeadlineExceeded`; one larger
        than `max_bytes` decompressed is dropped at that size, `ResponseTooLarge` (neither retried)."""
        started = time.monotonic()
        read = self.timeout[1]
        size = 0

        def past_deadline() -> bool:
            return self.deadline is not None and time.monotonic() - started >= self.deadline

        def too_slow() -> DeadlineExceeded:
            return DeadlineExceeded(
                f"{label}: no whole response within the deadline of {self.deadline:g}s ({size} bytes read); not "
                "retried, a response this slow would take as long again. If the server is slow but steady, raise "
                "the source's deadline_s option"
            )

        def too_large(declared: int | None = None) -> ResponseTooLarge:
            limit = self.max_bytes or 0
            how = f"it declares {declared} bytes" if declared is not None else f"stopped after {size} bytes"
            return ResponseTooLarge(
                f"{label}: response larger than {limit / (1 << 20):g} MiB once decompressed ({how}); not retried. "
                "If the source really serves this much, raise its max_response_mb option"
            )

        response = self._open(url, params, label, headers, started, past_deadline, too_slow)
        raw = response.raw
        # What has come (read() would wait for a whole chunk), gunzipped as requests would; a replayed response
        # (vcrpy's stub, not urllib3's) takes no `decode_content` and decodes nothing on `read` either. urllib3
        # (2.6 on) inflates at most `_CHUNK` bytes per read1, so a bomb never inflates more than that past the count.
        options = {"decode_content": True} if isinstance(raw, urllib3.HTTPResponse) else {}
        # The socket's timeout bounds each wait for bytes: shortened to what the deadline leaves (urllib3 sets it
        # again when the pool reuses the connection).
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        body = bytearray()
        try:
            declared = response.headers.get("Content-Length", "")
            if (
                self.max_bytes is not None
                and not response.headers.get("Content-Encoding")
                and declared.isdigit()
                and int(declared) > self.max_bytes
            ):
                raise too_large(int(declared))  # said up front: not read at all
            while True:
                if self.deadline is not None:
                    left = self.deadline - (time.monotonic() - started)
                    if left <= 0:
                        raise too_slow()
                    if sock is not None:
                        sock.settimeout(min(read, left))
                try:
                    chunk = raw.read1(_CHUNK, **options)
                except urllib3.exceptions.ReadTimeoutError as exc:
                    if past_deadline():
                        raise too_slow() from None
                    raise requests.Timeout(str(exc)) from exc
                except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
                    raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
                if not chunk:
                    break
                size += len(chunk)
                if self.max_bytes is not None and size > self.max_bytes:
                    raise too_large()
                body += chunk
        except BaseException:
            response.close()  # dropped half read: the connection goes, not back to the pool
            raise
        # The body as requests keeps one it has read: `.content`, `.text` and `.json()` read it from there, and
        # `close` hands the connection back to the pool.
        response._content, response._content_consumed = bytes(body), True
        response.close()
        return response

    def _open(
        self,
        url: str,
        params: Mapping[str, Any] | None,
        label: str,
        headers: Mapping[str, str] | None,
        started: float,
        past_deadline: Callable[[], bool],
        too_slow: Callable[[], DeadlineExceeded],
    ) -> requests.Response:
        """The response (its body unread) at the end of `url`'s redirects, followed here rather than by requests:
        each target is checked first (`RedirectGuard`), a redirect's own body is never read, and the request's own
        `Authorization` is dropped where requests would drop it (another host)."""
        connect, read = self.timeout
        guard = RedirectGuard(url, label, self.resolver, self.session)
        hop_headers = dict(headers) if headers else None
        current, hop_params, shown = url, params, [display_url(url)]
        for _ in range(MAX_REDIRECTS + 1):
            left = None if self.deadline is None else self.deadline - (time.monotonic() - started)
            if left is not None and left <= 0:
                raise too_slow()
            try:
                response = self.session.get(
                    current,
                    params=hop_params,
                    headers=hop_headers,  # requests merges them over the session's
                    timeout=(connect, read if left is None else min(read, left)),
                    stream=True,
                    allow_redirects=False,
                )
            except requests.ReadTimeout:
                if past_deadline():  # the headers' wait, shortened to the deadline (one shorter than the read timeout)
                    raise too_slow() from None
                raise
            target = self.session.get_redirect_target(response) if response.is_redirect else None
            if target is None:
                return response
            previous = response.url or current
            response.close()  # its body unread: the connection goes rather than drain what a server may send
            target = urljoin(previous, target)
            shown.append(display_url(target))
            guard.check(target, shown[-1])
            if hop_headers and self.session.should_strip_auth(previous, target):
                hop_headers = {k: v for k, v in hop_headers.items() if k.lower() != "authorization"}
            current, hop_params = target, None  # the target carries its own query
        chain = " -> ".join(shown[:3])
        raise RedirectRefused(f"{label}: more than {MAX_REDIRECTS} redirects ({chain} …); not followed")

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        what: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The JSON body of a GET (`get`'s rules; a body that does not parse is retried, then fatal)."""
        label = what or display_url(url)

        def attempt() -> Any:
            response = self._fetch(url, params, label, headers)
            check_status(response, label, self.policy.clock(), hide=(headers or {}).values())
            try:
                return response.json()
            except (json.JSONDecodeError, requests.exceptions.JSONDecodeError, ValueError) as exc:
                # A truncated body is usually a cut connection: worth another try.
                raise Retry(f"malformed JSON ({exc.__class__.__name__}: {str(exc)[:80]})") from exc

        return self.policy.call(attempt, label, classify_requests_error)
