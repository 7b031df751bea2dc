"""Who may read the dashboard: anyone on this machine, or holders of a token when bound elsewhere; and who
made a write, when a sign-in proxy says so (`signed_in_user`).

The token is accepted as `Authorization: Bearer <token>`, or once as `?token=`
on a page, after which it lives in an HttpOnly cookie and the URL is cleaned.
A token has at least MIN_TOKEN_CHARS characters. A second, read-only token (READ_TOKEN_ENV; a BI tool's or a
warehouse's) is accepted the same ways but only for GET and HEAD: any write with it is a 403. Without a token the server
answers only requests whose Host is a loopback name, so a web page that
rebinds its own DNS name to 127.0.0.1 cannot read the API (see docs/security.md).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_ENV = "GROUNDSWELL_DASHBOARD_TOKEN"
READ_TOKEN_ENV = "GROUNDSWELL_DASHBOARD_READ_TOKEN"  # reads only: pages and the API's GETs, never a write
READ_METHODS = frozenset({"GET", "HEAD"})
COOKIE = "groundswell_dashboard_token"
OPEN_PATHS = frozenset({"/healthz"})
MIN_TOKEN_CHARS = 16
USER_HEADER_ENV = "GROUNDSWELL_DASHBOARD_USER_HEADER"  # where a sign-in proxy names the user (signed_in_user)
MAX_USER_CHARS = 200
# Slashes, backslashes and control characters at the start of a redirect target: browsers read
# '//host', '/\\host' and '/<tab>/host' as another site.
_OFFSITE_START = re.compile(r"^[/\\\x00-\x20]+")
_HOST_PORT = re.compile(r"^(\[[^\]]*\]|[^:\[\]]*)(?::[0-9]{1,5})?$")


class TokenRequired(ValueError):
    """Refusal to listen beyond this machine without a token, or with one too short to be a secret."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(token: str | None, read_token: str | None = None) -> None:
    """Raise TokenRequired for a token too short to resist guessing (None or '' means no token), or a read-only
    token that is the dashboard token itself (it would then allow writes)."""
    for name, value in (("dashboard token", token), ("read-only token", read_token)):
        if value and len(value) < MIN_TOKEN_CHARS:
            raise TokenRequired(
                f"the {name} is too short ({len(value)} characters; at least {MIN_TOKEN_CHARS}): "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(24))'"
            )
    if token and read_token and hmac.compare_digest(token.encode(), read_token.encode()):
        raise TokenRequired(f"${READ_TOKEN_ENV} is the same as the dashboard token: give the read-only token its own "
                            "value, or it would allow writes")


def check_bind(host: str, token: str | None, read_token: str | None = None) -> None:
    """Raise TokenRequired when `host` is reachable from other machines without a token, or a token is weak."""
    check_token(token, read_token)
    if not is_loopback(host) and not (token or read_token):
        raise TokenRequired(
            f"refusing to serve on {host} without a token: other machines could read every mention. "
            f"Pass --token or set ${TOKEN_ENV}, or bind to 127.0.0.1."
        )


def host_name(header: str) -> str | None:
    """The name in a Host header without its port ('[::1]:8050' -> '[::1]'); None when malformed."""
    match = _HOST_PORT.match(header.strip())
    return match.group(1).lower() if match else None


def local_path(path: str) -> str:
    """`path` as a same-site redirect target: never '//other.site' or '/\\other.site'."""
    return "/" + _OFFSITE_START.sub("", path)


class LoopbackHostMiddleware:
    """Without a token, answer only requests addressed to a loopback name (DNS-rebinding guard)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        name = host_name(request.headers.get("host", ""))
        if name and is_loopback(name):
            await self.app(scope, receive, send)
            return
        message = (
            "this dashboard has no token, so it answers only requests addressed to localhost, 127.0.0.1 or [::1]; "
            f"set ${TOKEN_ENV} to serve it under another name"
        )
        response: Response = (
            JSONResponse({"error": message}, status_code=400)
            if scope["path"].startswith("/api/")
            else PlainTextResponse(message, status_code=400)
        )
        await response(scope, receive, send)


class TokenMiddleware:
    """Reject requests without a right token (constant-time comparison): the dashboard token allows everything, the
    read-only token GET and HEAD only (any other method with it: 403, whatever the route)."""

    def __init__(self, app: ASGIApp, token: str | None, read_token: str | None = None) -> None:
        check_token(token, read_token)
        if not (token or read_token):
            raise TokenRequired("TokenMiddleware needs a token")
        self.app = app
        self.tokens = [(t.encode(), full) for t, full in ((token, True), (read_token, False)) if t]

    def _grant(self, candidate: str | None) -> tuple[bytes, bool] | None:
        """(the token, whether it may write) that `candidate` is, or None. Every token is compared (constant time)."""
        found = None
        for token, full in self.tokens:
            if bool(candidate) and hmac.compare_digest((candidate or "").encode(), token):
                found = (token, full)
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        auth = request.headers.get("authorization", "")
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        grant = self._grant(bearer) or self._grant(request.cookies.get(COOKIE))
        response: Response
        if grant is not None:
            if grant[1] or scope["method"] in READ_METHODS:
                await self.app(scope, receive, send)
                return
            response = JSONResponse(
                {"error": f"this token is read-only ({READ_TOKEN_ENV}): it may read pages and the API (GET, HEAD), "
                          f"not {scope['method']}; writes need the dashboard token ({TOKEN_ENV})"},
                status_code=403,
            )
            await response(scope, receive, send)
            return
        in_url = self._grant(request.query_params.get("token"))
        if in_url is not None:
            # Move the token from the URL (history, logs, referrers) into a cookie.
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            url = local_path(request.url.path) + ("?" + urlencode(rest) if rest else "")
            response = RedirectResponse(url, status_code=303)
            # Secure over HTTPS, so a browser never sends the token over plain HTTP; behind a TLS proxy the scheme
            # comes from its X-Forwarded-Proto, which uvicorn believes from FORWARDED_ALLOW_IPS only (loopback by
            # default; docs/security.md). Plain HTTP on this machine keeps a cookie without it, or none would work.
            response.set_cookie(COOKIE, in_url[0].decode(), httponly=True, samesite="strict",
                                secure=request.url.scheme == "https")
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


def same_origin_write(request: Request) -> str | None:
    """Why this state-changing request may come from another site (a reason to refuse), or None.

    The dashboard's writes (an analyst's judgement: "not spam", a sentiment correction, a verdict on an
    incident, or an undo of one) take a JSON body: an HTML
    form on another site cannot send `application/json`, and a script there cannot either without
    a CORS preflight this server never grants. Browsers also say where a request comes from
    (Origin, Sec-Fetch-Site); a foreign origin is refused outright. The token (or, without one,
    the loopback Host rule) still applies on top.
    """
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return "send the body as JSON (Content-Type: application/json)"
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"cross-site request refused (Sec-Fetch-Site: {site})"
    origin = request.headers.get("origin")
    if origin is not None:
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1].rstrip("/").lower() != host.lower():
            return "cross-origin request refused (Origin does not match Host)"
    return None



def signed_in_user(request: Request, header: str) -> str | None:
    """The user name the sign-in proxy in front of the dashboard put in `header` (e.g. X-Forwarded-User,
    Remote-User), or None when the request has none, or one no proxy would set (too long, control characters).

    Only trustworthy when every request comes through that proxy, which sets the header itself and drops any
    copy a client sent (docs/security.md); that is why the dashboard reads it only when told its name."""
    value = request.headers.get(header, "").strip()
    if not value or len(value) > MAX_USER_CHARS or not value.isprintable():
        return None
    return value
