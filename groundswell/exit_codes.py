"""The `groundswell` exit codes (README, "Exit codes") and which one a command ends with when several apply.

The numbers are what schedulers and scripts test, so they never change; a new condition gets a new number.
"""

from __future__ import annotations

from collections.abc import Iterable

from groundswell.store_lost import EXIT_STORE_LOST  # 6: the store became unreachable after the run started

EXIT_OK = 0
EXIT_ERROR = 1  # could not run: invalid config, unknown source/brand, unexpected error (click's default)
EXIT_USAGE = 2  # wrong command-line usage (click's own)
EXIT_PARTIAL = 3  # some sources failed, the others collected (`config check`: valid, with warnings)
EXIT_UNDELIVERED = EXIT_PARTIAL  # some alert or report deliveries failed, the rest were sent (retried next run)
EXIT_ALL_FAILED = 4  # every source failed: nothing could be collected
EXIT_UNSTORED = 5  # writes failed: mentions wait in the dead-letter file (replayed by the next run)
EXIT_STORE_BUSY = 7  # another process held the embedded store's write lock past the wait: run again later
EXIT_UNHEALTHY = 8  # `groundswell health`: some row is failing (a source, a channel, the store, the model)

# When several codes apply, the first of these that applies wins. A detection or report failure (1) first: it
# needs a person (a detector that fails on this data, a report path that cannot be written) and no re-run mends
# it, so it must not hide behind a failure the next run retries by itself. A busy store (7) before the failed
# writes (5) it caused: the parked writes are its consequence, and "wait, then run again" is what to do about it.
# The rest keep the order of their numbers, as before this list existed.
PRECEDENCE = (EXIT_ERROR, EXIT_STORE_LOST, EXIT_STORE_BUSY, EXIT_UNSTORED, EXIT_ALL_FAILED, EXIT_PARTIAL)


def winning(codes: Iterable[int]) -> int:
    """The exit code for a command during which every code in `codes` applied (0: none did)."""
    applied = {code for code in codes if code}
    return next((code for code in PRECEDENCE if code in applied), max(applied, default=EXIT_OK))


def busy_message(text: str) -> bool:
    """Whether an error's text is SQLite giving up on another connection's lock ("database is locked")."""
    return "database is locked" in text or "database table is locked" in text
