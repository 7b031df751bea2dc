"""A store that becomes unreachable in the middle of `run`: the run ends with the summary so far.

A store down at the start is `StoreUnavailable` from the store's constructor (one line, exit 1): a command opens the
store before anything else, so the dead-letter replay never runs against a store that was never reachable. Once the
run has started, a lost connection (or a timeout) surfaces as the client's own error from whichever step called the
store (the replay itself only logs it: what it did not store stays parked); `run_once` and `ingest` turn it into
`StoreLost`, which carries the step, the store and what the steps before it did, and the CLI prints
that summary and one line and exits with `EXIT_STORE_LOST`. Nothing is lost: each step saves its cursor or mark
only after its data is stored, so the next run redoes the step that was cut short.
"""

from __future__ import annotations

from typing import Any

from core.logsafe import redact
from indexing.base import StoreUnavailable

EXIT_STORE_LOST = 6  # README "Exit codes"


class StoreLost(RuntimeError):
    """The store went away during `step`; `summary` is the run summary so far (with `store_error`)."""

    def __init__(self, step: str, store: str, reason: str, summary: dict[str, Any]) -> None:
        self.step, self.store = step, store
        line = (f"the store ({store}) became unreachable during {step}: {reason}; what the run stored before "
                "stays stored and the next run goes on from there")
        super().__init__(redact(line))
        self.summary = {**summary, "store_error": str(self), "failed_step": step}


def is_unreachable(exc: BaseException) -> bool:
    """A lost connection to the store (not a bug, not bad data): the ES client's connection errors and timeouts,
    a Python ConnectionError, or `StoreUnavailable`."""
    if isinstance(exc, StoreUnavailable | ConnectionError | TimeoutError):
        return True
    try:
        from elastic_transport import ConnectionError as TransportConnectionError  # lazy: only ES raises it
        from elastic_transport import ConnectionTimeout  # lazy: only ES raises it
    except ImportError:  # pragma: no cover - without the ES client no store raises it
        return False
    # TLS errors are ConnectionErrors; a timeout (a node that drops packets, `store.timeout_s`) is not one.
    return isinstance(exc, TransportConnectionError | ConnectionTimeout)


def reason_of(exc: BaseException) -> str:
    """One line about the error: its type and the first line of its message, credentials masked."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return redact(f"{type(exc).__name__}: {first}" if first else type(exc).__name__)
