"""Alerts printed for a human at a terminal."""

from __future__ import annotations

import sys
from collections.abc import Collection
from typing import TextIO

from alerts.channels.base import Report, escalation_note
from alerts.render import as_text
from core.alert import Alert


class ConsoleSender:
    def __init__(self, stream: TextIO | None = None, tz: str = "UTC", competitors: Collection[str] = ()):
        self._stream = stream
        self.tz = tz  # the wall clock of the times it prints
        self.competitors = frozenset(competitors)  # brands marked as a competitor's (alerts.render.COMPETITOR)

    def send(self, alert: Alert, thread: str | None = None, rose_from: str | None = None) -> None:
        # Resolved at send time, so pytest's capsys / click's runner see the output.
        stream = self._stream or sys.stdout
        note = f"{escalation_note(alert, rose_from)}\n" if rose_from else ""
        stream.write(note + as_text(alert, thread, self.tz, alert.brand in self.competitors) + "\n\n")
        stream.flush()

    def send_report(self, report: Report) -> None:
        stream = self._stream or sys.stdout
        stream.write(report.text + "\n")
        stream.flush()

    def close(self) -> None:
        pass
