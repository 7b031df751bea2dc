"""Rewriting a file in place that another process may be appending to: the one way retention (`alerts.history.
trim_jsonl`) and erasure (`groundswell.subject_files`) rewrite a JSONL channel, a digest or a report.

The new content goes to a temporary file beside the real one (`mkstemp`, so two rewrites never share a name), is
fsynced, takes the old file's permission bits (mkstemp's 0600 would lock out its other readers; a 0600 file stays
0600) and replaces it with `os.replace`: a reader sees the old file or the new one, never half of each. A symlink is
followed: the file it points to is rewritten and the link stays a link. Lines appended while the content was
transformed are carried over unchanged (the file is read again just before the replace); only an append in the
instant between that read and the replace could be lost.
A file written whole, from scratch (a report, a digest, a CSV), goes through `core.file_write` instead: it keeps
nothing of the old file, so a symlink at its name is replaced, never followed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def rewrite(path: str | Path, transform: Callable[[bytes], bytes | None]) -> bool:
    """Replace `path`'s content with `transform(old content)` as the module docstring says; `transform` returning
    None or the same bytes leaves the file untouched. Return whether the file was rewritten. OSError (and whatever
    `transform` raises) propagate, with the file left as it was."""
    real = Path(os.path.realpath(path))  # a symlink's target: the link itself stays
    with open(real, "rb") as src:
        inode = os.fstat(src.fileno()).st_ino
        data = src.read()
    new = transform(data)
    if new is None or new == data:
        return False
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new)
            fh.flush()
            os.fsync(fh.fileno())  # the long part, done before the appends are carried over
            carried = len(data)
            while (tail := _appended(real, inode, carried)):
                # A writer that appended meanwhile keeps its lines; again until nothing more came, so what is
                # left to lose is the instant between the last read and the replace.
                fh.write(tail)
                carried += len(tail)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, real.stat().st_mode & 0o7777)
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _appended(real: Path, inode: int, offset: int) -> bytes:
    """What was appended to `real` past `offset` since it was read; nothing when the file was replaced (another
    inode) or shrunk meanwhile: its tail is then no append, not ours to merge."""
    with open(real, "rb") as src:
        if os.fstat(src.fileno()).st_ino != inode:
            return b""
        src.seek(offset)
        return src.read()
