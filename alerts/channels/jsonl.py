"""Alerts appended to a JSON Lines file, one alert per line."""

from __future__ import annotations

import json
from pathlib import Path

from alerts.channels.base import DeliveryError, Report
from core.alert import Alert


class JsonlSender:
    def __init__(self, path: str):
        self.path = Path(path)

    def send(self, alert: Alert, thread: str | None = None, rose_from: str | None = None) -> None:
        # The alert as data, with its real incident id: no message to render, so `thread` changes nothing; an
        # escalation (`rose_from`) is the alert again, at its new severity.
        self._append(alert.model_dump_json())

    def send_report(self, report: Report) -> None:
        self._append(json.dumps({"report": report.data}, ensure_ascii=False))

    def _append(self, line: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot append to {self.path}: {exc.strerror}", retryable=False) from None

    def close(self) -> None:
        pass
