"""A store that becomes unreachable in the middle of `run`: the run ends with the summary so far.

A store down at the start is `StoreUnavailable` from the store's constructor (one line, exit 1): a command opens the
store before anything else, so the dead-letter replay never runs against a store that was never reachable. Once the
run has started, a lost connection (or a timeout) surfaces as the client's own error from whichever step called the
store (the replay itself only logs it: what it did not store stays parked); `run_once` and `ingest` turn it into
`StoreLost`, which carries the step, the store and what the steps before it did, and the CLI prints
that summary and one line and exits with `EXIT_STORE_LOST`. Nothing is lost: each step saves its cursor or mark
only after its data is stored, so the next run redoes the step that was cut short.

The embedded store's own write faults end a run the same way (`disk_fault`): SQLite's "database or disk is full",
a store file, folder or disk turned read-only, a disk I/O error. The line says the store *failed* and what to do;
every SQLite write is one transaction, so nothing half-written stays.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from core.logsafe import redact
from indexing.base import StoreUnavailable

EXIT_STORE_LOST = 6  # README "Exit codes"
# SQLite's primary result codes for a store that cannot be written, and what to do about each.
DISK_FAULTS = {
    sqlite3.SQLITE_FULL: "the disk holding the store is full: free space, then run again",
    sqlite3.SQLITE_READONLY: "the store cannot be written (a read-only file, folder or disk): make it writable, "
                             "then run again",
    sqlite3.SQLITE_IOERR: "the disk failed a read or write: check it, then run again",
}
# SQLite's own text for each (sqlite3_errstr): a write failed inside one mention's savepoint reaches the step as a
# `WriteResult` error, text only, which the step re-raises as RuntimeError("could not store …: <that text>").
DISK_FAULT_TEXTS = {
    "OperationalError: database or disk is full": sqlite3.SQLITE_FULL,
    "OperationalError: attempt to write a readonly database": sqlite3.SQLITE_READONLY,
    "OperationalError: disk I/O error": sqlite3.SQLITE_IOERR,
}


class StoreLost(RuntimeError):
    """The store went away during `step`; `summary` is the run summary so far (with `store_error`)."""

    def __init__(self, step: str, store: str, reason: str, summary: dict[str, Any], *,
                 then: str = "what the run stored before stays stored and the next run goes on from there") -> None:
        self.step, self.store = step, store
        # `reason_of` adds a disk fault's advice: a store that is there but cannot be written did not go away.
        went = "failed" if any(advice in reason for advice in DISK_FAULTS.values()) else "became unreachable"
        line = f"the store ({store}) {went} during {step}: {reason}; {then}"
        super().__init__(redact(line))
        self.summary = {**summary, "store_error": str(self), "failed_step": step}


# `store copy` writes each batch before it marks it copied, and reads the target back before the state follows: a
# copy cut short loses nothing and the same command goes on from its mark (groundswell/store_copy.py).
COPY_THEN = "nothing was lost: what was copied stays copied; run the same command again to continue"


def copy_lost(exc: BaseException, source: str, target: str) -> StoreLost:
    """`store copy` cut short by a lost store (`is_unreachable`): the one-line StoreLost naming the store that went
    (by `groundswell.store_copy.describe` name: only an Elasticsearch store loses its connection, only SQLite has
    disk faults; both when both are of that kind)."""
    kind = "sqlite " if disk_fault(exc) is not None else "elasticsearch "
    lost = [name for name in (source, target) if name.startswith(kind)] or [source, target]
    return StoreLost("store copy", " or ".join(dict.fromkeys(lost)), reason_of(exc),
                     {"source": source, "target": target}, then=COPY_THEN)


def is_unreachable(exc: BaseException) -> bool:
    """A lost connection to the store (not a bug, not bad data): the ES client's connection errors and timeouts,
    a Python ConnectionError, or `StoreUnavailable`; or the embedded store's disk fault (`disk_fault`)."""
    if isinstance(exc, StoreUnavailable | ConnectionError | TimeoutError) or disk_fault(exc) is not None:
        return True
    try:
        from elastic_transport import ConnectionError as TransportConnectionError  # lazy: only ES raises it
        from elastic_transport import ConnectionTimeout  # lazy: only ES raises it
    except ImportError:  # pragma: no cover - without the ES client no store raises it
        return False
    # TLS errors are ConnectionErrors; a timeout (a node that drops packets, `store.timeout_s`) is not one.
    return isinstance(exc, TransportConnectionError | ConnectionTimeout)


def disk_fault(exc: BaseException) -> str | None:
    """What to do when `exc` is SQLite failing to write its file (`DISK_FAULTS`: full, read-only, I/O error), raised
    by SQLite or re-raised by a step from a write result (`DISK_FAULT_TEXTS`); None for anything else (a busy store
    is `indexing.sqlite.store_busy`'s)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.DatabaseError) and code is not None:
        return DISK_FAULTS.get(code & 0xFF)
    if isinstance(exc, RuntimeError):  # a step's "could not store …" over a write SQLite refused
        return disk_fault_text(str(exc))
    return None


def disk_fault_text(message: str) -> str | None:
    """`disk_fault` for a write result's error text (`WriteResult.error`: collection parks the mentions it could not
    store and goes on, so the fault reaches the summary as text, never raised): what to do, or None."""
    return next((DISK_FAULTS[code] for text, code in DISK_FAULT_TEXTS.items() if text in message), None)


def store_fault_line(errors: list[str]) -> str | None:
    """The first disk fault among write errors, as "<SQLite's words> (<what to do>)"; None when none is one."""
    for error in errors:
        advice = disk_fault_text(error)
        if advice:
            words = next(text.partition(": ")[2] for text in DISK_FAULT_TEXTS if text in error)
            return f"{words} ({advice})"
    return None


def reason_of(exc: BaseException) -> str:
    """One line about the error: its type and the first line of its message, credentials masked; a disk fault's
    advice after it."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    line = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    advice = disk_fault(exc)
    return redact(f"{line} ({advice})" if advice else line)
