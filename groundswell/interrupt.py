"""SIGTERM and SIGINT during a long command (`run`, `ingest`, `enrich`, …): stop, say so, exit 128 + the signal.

A scheduler stops a task with SIGTERM (Airflow, Kubernetes, systemd), a person with Ctrl-C (SIGINT). Python's
default for SIGTERM ends the process with no word and no summary. Here the first signal raises `Interrupted` where
the command is, which unwinds it as a crash would, with nothing recorded as done that was not: every write is one
transaction, cursors and marks are saved only after their data (the crash tests in tests/ hold the same standard
for a kill). Inside `shielded()` (sending alerts: a channel that took an alert must be recorded as having taken it)
the signal waits for the end of the section. The CLI prints the summary with `interrupted: <step>` and one line,
and exits 143 (SIGTERM) or 130 (SIGINT). A second signal exits at once once the first was acted on. Python runs a
handler only between its own steps, in the main thread: inside a wait in C code (SQLite's busy wait, up to
`BUSY_TIMEOUT_S`; a long query; a model call) both wait for it to return, and two signals sent meanwhile count as one.

The step under way (`at_step`) is also what each log line's `step` says (`core.logsafe.set_log_context`).
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from core.logsafe import set_log_context

HANDLED = (signal.SIGTERM, signal.SIGINT)

_run_id: str | None = None
_step: str | None = None
_requested: int | None = None  # the first signal received, until `restore`
_shield_depth = 0
_previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}


class Interrupted(BaseException):  # noqa: N818 - not an error: what a stopped command raises to unwind
    """The command was stopped by `signum` during `step`; `summary`: what the steps before it did (may be set by
    the code that knows it, e.g. `pipeline.run_once`). A BaseException: no `except Exception` swallows it."""

    def __init__(self, signum: int, step: str | None) -> None:
        self.signum, self.step = signum, step
        self.summary: dict[str, Any] = {}
        super().__init__(f"{self.signal_name} during {step or 'start-up'}")

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal, as a shell reports a process the signal ended: 143 for SIGTERM, 130 for SIGINT."""
        return 128 + self.signum


def start_run() -> str:
    """A new run id (12 hex digits) for this process's command, put on every log line from now on."""
    global _run_id
    _run_id = uuid.uuid4().hex[:12]
    set_log_context(run_id=_run_id)
    return _run_id


def run_id() -> str | None:
    """This command's run id (`start_run`)."""
    return _run_id


def at_step(name: str) -> str:
    """Note that step `name` is under way (for an interruption's summary and the log lines); returns `name`."""
    global _step
    _step = name
    set_log_context(step=name)
    return name


def install() -> None:
    """Handle SIGTERM and SIGINT in this command (main thread only; `restore` puts the previous handlers back)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in HANDLED:
        _previous[signum] = signal.signal(signum, _handle)


def restore() -> None:
    """The handlers from before `install`, and no signal pending (the CLI calls it when a command ends)."""
    global _requested, _step
    for signum, handler in _previous.items():
        signal.signal(signum, handler)
    _previous.clear()
    _requested, _step = None, None
    set_log_context(step=None)


def _handle(signum: int, frame: FrameType | None) -> None:
    global _requested
    name = signal.Signals(signum).name
    if _requested is not None:  # the second signal: the person or scheduler will not wait
        os.write(2, f"groundswell: {name} again: exiting at once\n".encode())
        os._exit(128 + signum)
    _requested = signum
    if _shield_depth == 0:
        raise Interrupted(signum, _step)
    os.write(2, f"groundswell: {name}: stopping once {_step or 'this step'} has recorded what it did (send it "
                f"again to exit at once)\n".encode())


@contextmanager
def shielded() -> Iterator[None]:
    """A section a signal must not cut in two (an alert sent but not recorded): the signal waits for its end."""
    global _shield_depth
    _shield_depth += 1
    try:
        yield
    finally:
        _shield_depth -= 1
    if _shield_depth == 0 and _requested is not None:  # only when the section ended normally
        raise Interrupted(_requested, _step)
