"""Writing an output file whole (a report, a digest, a CSV, the dead-letter file) without following a link planted at
its name: the one way the CLI writes the files it makes from scratch.

`path.write_text` opens the name as it is: a symlink `report.html -> ~/.bashrc` left in a shared output folder had
the report overwrite its target. Here the content goes to a new file beside it, under a random name opened with
O_CREAT | O_EXCL (which never follows a link, so a name guessed and planted beforehand fails rather than redirects
the write), and `os.replace` puts it at the final name: a symlink there is replaced by the file, its target is left
untouched, and a reader sees the old file or the new one, never half of each. The new file takes the old one's
permission bits when the old one was a regular file, else the process umask's (as `write_text` would).

A name that is no file to replace is opened as it is: a device or FIFO (`--csv /dev/null`), and every name in /dev
or /proc (`--csv /dev/stdout`, the system's own link to the process's output), where no one plants a link.

A name the OS refuses is reported as that name, not as the temporary one (`cannot write /sys/x.csv: Permission
denied`, not `/sys/.x.csv.69bf….tmp`). Where a new file cannot be made beside it (a folder without write permission,
a read-only mount) or cannot be renamed over it (`EBUSY`: the name is a single-file bind mount) but the existing file
is a regular one the process may write, the content is written into that file instead, as `write_text` did: opened
with O_NOFOLLOW and checked to be a regular file, so a link planted since is refused, never followed. The content is
gathered first (in a temporary file of the system's), so an error while it is made still leaves the file as it was;
the file keeps its owner and mode, and a reader may see it half written.

`core.file_rewrite.rewrite` is the sibling for retention and erasure, which edit a file that may be appended to and
keep a link the operator made on purpose; a file written whole has nothing of the old one to keep.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def replacing(path: str | os.PathLike[str], mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """A file open for writing (`mode` "w" or "wb", `open_args` as `open` takes them: encoding, newline) whose content
    replaces `path` when the block ends without an error; on an error `path` is left as it was. A symlink at `path`
    is replaced, never followed; the folder must exist. An OSError of its own names `path`."""
    if mode not in ("w", "wb"):
        raise ValueError(f"replacing: mode {mode!r}: only 'w' and 'wb' write a file whole")
    final = Path(path)
    if _written_through(final):
        with open(final, mode, **open_args) as fh:
            yield fh
        return
    try:
        fd, tmp = _open_temporary(final)
    except OSError as exc:
        if exc.errno not in _REFUSED or not _writable_in_place(final):
            raise _naming(final, exc) from exc
        with _gathered(mode, open_args) as (spool, fh):  # the folder refuses a new file; the file may be written
            yield fh
        try:
            _write_in_place(final, spool)
        except OSError as exc:
            raise _naming(final, exc) from exc
        finally:
            os.close(spool)
        return
    try:
        with open(fd, mode, **open_args) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            _move_into_place(tmp, final)
        except OSError as exc:
            raise _naming(final, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# What a folder answers to a new file it will not take: no write permission, a read-only mount.
_REFUSED = (errno.EACCES, errno.EPERM, errno.EROFS)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open_temporary(final: Path) -> tuple[int, Path]:
    """A new file beside `final` under a random name (O_EXCL: a name planted beforehand is skipped, not followed)."""
    for _ in range(100):
        tmp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666), tmp
        except FileExistsError:
            continue  # a name taken (or planted): another one
    raise FileExistsError(errno.EEXIST, "no free temporary name beside it", os.fspath(final))  # pragma: no cover


def _move_into_place(tmp: Path, final: Path) -> None:
    """Rename `tmp` over `final`, with the old file's permission bits; into `final` itself where it is a mount."""
    try:
        old = os.lstat(final)
    except FileNotFoundError:
        old = None
    if old is not None and stat.S_ISREG(old.st_mode):
        os.chmod(tmp, stat.S_IMODE(old.st_mode))  # a report the operator made group-readable stays so
    try:
        os.replace(tmp, final)
    except OSError as exc:
        if exc.errno != errno.EBUSY or not _writable_in_place(final):
            raise
        # A single-file bind mount (a container's mounted report): its name cannot be replaced, only written.
        source = os.open(tmp, os.O_RDONLY)
        try:
            _write_in_place(final, source)
        finally:
            os.close(source)
        tmp.unlink()


@contextmanager
def _gathered(mode: str, open_args: dict[str, Any]) -> Iterator[tuple[int, IO[Any]]]:
    """A file in the system's temporary folder, open as `mode` over a descriptor that outlives it, to copy from."""
    handle, name = tempfile.mkstemp(prefix="groundswell-write.")
    os.unlink(name)  # nameless: gone with the descriptor
    try:
        with open(handle, mode, closefd=False, **open_args) as fh:
            yield handle, fh
    except BaseException:
        os.close(handle)
        raise


def _writable_in_place(final: Path) -> bool:
    """Whether `final` is a regular file (not a link) this process may write."""
    try:
        return stat.S_ISREG(os.lstat(final).st_mode) and os.access(final, os.W_OK)
    except OSError:
        return False


def _write_in_place(final: Path, source: int) -> None:
    """Write what descriptor `source` holds into the regular file `final` (its owner and mode kept); a link or a
    special file found there now is refused, not followed or opened as it is."""
    fd = os.open(final, os.O_WRONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))  # a FIFO planted would block
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "no longer a regular file", os.fspath(final))
        os.lseek(source, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        with open(source, "rb", closefd=False) as src, open(fd, "wb", closefd=False) as out:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
    finally:
        os.close(fd)


def _naming(final: Path, exc: OSError) -> OSError:
    """`exc` as about `final` itself (the name the operator gave), its errno and reason kept."""
    if exc.filename is not None and os.fspath(exc.filename) == os.fspath(final):
        return exc
    return OSError(exc.errno, exc.strerror or str(exc), os.fspath(final))


def write_file(path: str | os.PathLike[str], content: str | bytes, encoding: str = "utf-8") -> None:
    """Write `content` (text in `encoding`, or bytes) to `path` as `replacing` does: a link there is replaced."""
    if isinstance(content, bytes):
        with replacing(path, "wb") as fh:
            fh.write(content)
    else:
        with replacing(path, "w", encoding=encoding) as fh:
            fh.write(content)


def _written_through(final: Path) -> bool:
    """Whether `final` is a system name or a special file, opened as it is rather than replaced."""
    folder = final.parent.resolve()
    if folder.parts[:2] in (("/", "dev"), ("/", "proc")):
        return True
    try:
        mode = os.lstat(final).st_mode
    except FileNotFoundError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)
