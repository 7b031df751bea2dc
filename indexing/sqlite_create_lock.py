"""The lock a new SQLite store is renamed in under, on a filesystem without hard links (`SqliteStore._create`).

A hard link never replaces a file, so two processes creating one store at once agree on whichever linked first. A
rename does replace: checked first and renamed after, a store another process renamed in between (and perhaps wrote
to) would be lost. So the check and the rename run under an exclusive lock on `.<name>.create-lock` beside the store,
taken with `flock` (released by the kernel if the process dies: a killed creator never blocks the next one). The
lock file is removed by whoever holds it; a process that locked a file another one removed meanwhile sees its inode
gone from the path and locks the new one instead, so two processes never both believe they hold it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: NTFS has hard links, so the rename fallback is not reached there
    fcntl = None  # type: ignore[assignment]


def lock_path(final: Path) -> Path:
    """The lock file of the store at `final`."""
    return final.with_name(f".{final.name}.create-lock")


@contextmanager
def creation_lock(final: Path) -> Iterator[None]:
    """Hold the creation lock of the store at `final` while the block runs (blocking until it is free)."""
    path = lock_path(final)
    while True:
        # O_NOFOLLOW: a link planted at the lock's name is an error, never a file made at its target.
        fd = os.open(path, os.O_CREAT | os.O_RDWR | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(current, os.fstat(fd)):
                break  # the lock file the path names now: held
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # its holder removed it meanwhile: lock the one the path names now
    try:
        yield
    finally:
        try:
            path.unlink(missing_ok=True)  # while held: a process waiting on this inode then retries the path
        finally:
            os.close(fd)
