"""Whether a run can write a file the config names (the report, the SQLite store, a JSONL channel), asked
before the run: `config check` says so up front instead of the run failing at its end."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def output_problem(path: str) -> str | None:
    """Why a run could not write the file `path`, or None: `path` is a folder, or its folder is missing and
    cannot be made, or cannot be written in. Creates nothing: the folder is not made, and the probe is a
    temporary file the system gives no name (one it deletes at once where it cannot)."""
    target = Path(path)
    if target.is_dir():
        return f"{path} is a directory: name a file inside it"
    folder = target.parent
    existing = folder
    while not existing.exists():  # ends at the root or the working folder, which exist
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot create the folder {folder}: {existing} is a file"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if existing == folder:
            return f"cannot write in the folder {folder}: {reason}"
        return f"cannot create the folder {folder} (nothing can be written in {existing}: {reason})"
    if target.exists() and not os.access(target, os.W_OK):
        return f"{path} cannot be written: {os.strerror(13)}"
    return None
