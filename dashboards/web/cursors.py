"""Signed page cursors: the dashboard only accepts cursors it handed out, for the same search.

A store's cursor carries its position and the total counted on page one (so deep
pages never recount). Passed through unsigned, a hand-made cursor could set the
total shown, or smuggle numbers a store cannot bind. So the app wraps each store
cursor as `<mac>.<store cursor>`, where the HMAC-SHA256 covers the store cursor and
the search it belongs to (filters and sort). The key is random per app instance:
cursors do not survive a restart, and the user is told to start again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from dashboards.web.errors import ApiError

# Parameters that do not change which rows a search returns, so a cursor stays valid across them.
_NOT_SCOPE = frozenset({"cursor", "size", "token"})
_MAC_BYTES = 16


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

    def sign(self, inner: str | None, scope: str) -> str | None:
        """`inner` (a store's next_cursor, or None on the last page) as a signed cursor."""
        return None if inner is None else f"{self._mac(inner, scope)}.{inner}"

    def open(self, cursor: str | None, scope: str) -> str | None:
        """The store cursor inside `cursor`; ApiError (400) when it was not issued for this search."""
        if cursor is None:
            return None
        mac, dot, inner = cursor.partition(".")
        if not dot or not hmac.compare_digest(mac.encode(), self._mac(inner, scope).encode()):
            raise ApiError(
                "cursor is not valid for this search (altered, from another search or from before a restart): "
                "start again without a cursor",
                param="cursor",
            )
        return inner
