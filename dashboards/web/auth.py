"""Who may read the dashboard: anyone on this machine, or holders of a token when bound elsewhere.

The token is accepted as `Authorization: Bearer <token>`, or once as `?token=`
on a page, after which it lives in an HttpOnly cookie and the URL is cleaned.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_ENV = "GROUNDSWELL_DASHBOARD_TOKEN"
COOKIE = "groundswell_dashboard_token"
OPEN_PATHS = frozenset({"/healthz"})


class TokenRequired(ValueError):
    """Refusal to listen beyond this machine without a token."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Raise TokenRequired when `host` is reachable from other machines and no token is set."""
    if not is_loopback(host) and not token:
        raise TokenRequired(
            f"refusing to serve on {host} without a token: other machines could read every mention. "
            f"Pass --token or set ${TOKEN_ENV}, or bind to 127.0.0.1."
        )


class TokenMiddleware:
    """Reject requests without the right token (constant-time comparison)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _ok(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if self._ok(bearer) or self._ok(request.cookies.get(COOKIE)):
            await self.app(scope, receive, send)
            return
        response: Response
        if self._ok(request.query_params.get("token")):
            # Move the token from the URL (history, logs, referrers) into a cookie.
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = request.url.path + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(COOKIE, self.token.decode(), httponly=True, samesite="strict")
        elif request.url.path.startswith("/api/"):
            response = JSONResponse(
                {"error": "a dashboard token is required: send 'Authorization: Bearer <token>'"}, status_code=401
            )
        else:
            response = HTMLResponse(
                "<!doctype html><title>Token required</title><h1>&#128274; Token required</h1>"
                "<p>Open this page with <code>?token=&lt;your token&gt;</code> once.</p>",
                status_code=401,
            )
        await response(scope, receive, send)
