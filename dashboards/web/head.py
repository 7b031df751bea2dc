"""HEAD answered wherever GET is: FastAPI routes a HEAD to no `@app.get` route (405 before), while a BI tool or a
monitor asks HEAD to learn whether a page or an export answers, and its type, without the body.

The request runs as the GET it mirrors (same status and headers: the token check, a 400 for a bad parameter) and
the body is dropped. A streamed answer (an export) is stopped once its headers are out, so a HEAD never reads the
whole result.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _HeadersSent(Exception):
    """The HEAD's status and headers are sent: the rest of the GET's body is not wanted."""


class HeadAsGetMiddleware:
    """Answer HEAD as GET without the body (outermost: every middleware inside sees a GET)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def headers_only(message: Message) -> None:
            nonlocal ended
            if ended:
                raise _HeadersSent
            if message["type"] != "http.response.body":
                await send(message)
                return
            ended = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            if message.get("more_body"):
                raise _HeadersSent  # a stream: stop it here rather than read it all for nothing

        try:
            await self.app({**scope, "method": "GET"}, receive, headers_only)
        except _HeadersSent:
            pass
        except BaseExceptionGroup as group:  # raised inside a task group (a streamed answer)
            rest = group.subgroup(lambda exc: not isinstance(exc, _HeadersSent | BaseExceptionGroup))
            if rest is not None:
                raise rest from None
