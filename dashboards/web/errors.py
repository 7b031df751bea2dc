"""The one error type the API raises for bad input: it becomes a 4xx JSON body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request the dashboard cannot answer; `message` tells the user how to fix it."""

    def __init__(self, message: str, *, status: int = 400, param: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.param = param
        self.details = details

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.param:
            body["param"] = self.param
        body.update({k: v for k, v in self.details.items() if v is not None})
        return body
