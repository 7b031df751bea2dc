"""Alerts appended to a JSON Lines file, one alert per line."""

from __future__ import annotations

from pathlib import Path

from alerts.channels.base import DeliveryError
from core.alert import Alert


class JsonlSender:
    def __init__(self, path: str):
        self.path = Path(path)

    def send(self, alert: Alert) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(alert.model_dump_json() + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot append to {self.path}: {exc.strerror}", retryable=False) from None

    def close(self) -> None:
        pass
