"""Signed page cursors: the dashboard only accepts cursors it handed out, for the same search.

A store's cursor carries its position and the total counted on page one (so deep
pages never recount). Passed through unsigned, a hand-made cursor could set the
total shown, or smuggle numbers a store cannot bind. So the app wraps each store
cursor as `<mac>.<store cursor>`, where the HMAC-SHA256 covers the store cursor and
the search it belongs to (filters and sort). The key is random per app instance:
cursors do not survive a restart, and the user is told to start again.

A period preset (`days=N`) means "the N days up to the newest mention", and the newest mention
moves while ingest runs. So page one resolves it once, and its cursor carries that window, signed
with the rest, as `<mac>.<store cursor>.<since>_<until>` (microseconds since the epoch): every later
page reads the same window, and the total of page one stays the total of what is paged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from dashboards.web.errors import ApiError
from dashboards.web.params import Period

# Parameters that do not change which rows a search returns, so a cursor stays valid across them.
_NOT_SCOPE = frozenset({"cursor", "size", "token", "keep_alive"})
_MAC_BYTES = 16
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def search_scope(params: Mapping[str, str], sort: str) -> str:
    """The search a cursor belongs to: every row-choosing parameter, plus the resolved sort."""
    kept = sorted((k, v) for k, v in params.items() if k not in _NOT_SCOPE and v != "")
    return json.dumps([kept, sort], ensure_ascii=False)


class CursorSigner:
    """Sign store cursors for one search scope; verify them on the way back (constant-time)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _mac(self, inner: str, scope: str) -> str:
        digest = hmac.new(self._key, f"{scope}\0{inner}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, inner: str | None, scope: str, window: Period | None = None) -> str | None:
        """`inner` (a store's next_cursor, or None on the last page) as a signed cursor, with the resolved
        `window` of a period preset when there is one."""
        if inner is None:
            return None
        payload = inner if window is None else f"{inner}.{_window_text(window)}"
        return f"{self._mac(payload, scope)}.{payload}"

    def open(self, cursor: str | None, scope: str) -> tuple[str | None, Period | None]:
        """The store cursor inside `cursor` and the window it pinned (or None); ApiError (400) when it was
        not issued for this search."""
        if cursor is None:
            return None, None
        mac, dot, payload = cursor.partition(".")
        if not dot or not hmac.compare_digest(mac.encode(), self._mac(payload, scope).encode()):
            raise ApiError(
                "cursor is not valid for this search (altered, from another search or from before a restart): "
                "start again without a cursor",
                param="cursor",
            )
        # Store cursors are base64 (no '.'), so a second '.' can only be the window this signer added.
        inner, dot, window = payload.partition(".")
        return inner, _window_of(window) if dot else None


def _window_text(window: Period) -> str:
    return "_".join(str((moment - _EPOCH) // _MICROSECOND) for moment in (window.since, window.until))


def _window_of(text: str) -> Period:
    """The window `_window_text` wrote; the MAC has been checked, so it is ours and well formed."""
    since, until = (_EPOCH + int(part) * _MICROSECOND for part in text.split("_"))
    return Period(since, until)
