"""An output the OS refuses (`core/file_write.py`): the error names the output as given, never the hidden temporary
file beside it (`Error: /sys/.x.csv.69bf….tmp: Permission denied` before); and where only the folder refuses a new
file, or the name is a single-file bind mount (`os.replace` answers EBUSY), an existing regular file the process may
write is written in place, as `write_text` did, while a link planted there is still never followed.

Real kernels, not stand-ins for the OS: /sys refuses a new file to root too; a folder without write permission
(0555) is written by a process the mode bits apply to (when the tests run as root, one without any capability,
`setpriv --bounding-set -all`: as an ordinary user is); the bind mount is a real one, in a user and mount namespace
of its own (`unshare -rm`). Each is skipped, saying why, where the system allows none of it."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from core.file_write import write_file
from groundswell.cli import cli

REPO = Path(__file__).resolve().parents[2]
# As root, the writer runs without capabilities (no CAP_DAC_OVERRIDE: a folder's mode bits refuse it as they refuse
# any user); the interpreter may live where only root can reach it, so it stays root's uid.
UNPRIVILEGED = ["setpriv", "--bounding-set", "-all", "--inh-caps", "-all"]
# Run in a process of its own (another user, another mount namespace): writes argv[2] into argv[1] and prints what
# happened as JSON.
WRITER = """
import json, sys
from core.file_write import write_file
try:
    write_file(sys.argv[1], sys.argv[2])
    print(json.dumps({"ok": True}))
except OSError as exc:
    print(json.dumps({"ok": False, "errno": exc.errno, "filename": exc.filename, "text": str(exc)}))
"""

needs_sys = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.isdir("/sys"), reason="no /sys")


@needs_sys
def test_an_output_the_os_refuses_is_named_as_given_not_as_its_temporary_file():
    with pytest.raises(PermissionError) as caught:
        write_file("/sys/groundswell-x.csv", "a,b\r\n")
    assert caught.value.filename == "/sys/groundswell-x.csv" and caught.value.errno in (errno.EACCES, errno.EPERM)


@needs_sys
@pytest.mark.parametrize("args", [["alerts", "list", "--csv", "/sys/a.csv"],
                                  ["sentiment", "corrections", "--out", "/sys/c.csv"]])  # fmt: skip
def test_the_cli_says_cannot_write_the_path_it_was_given(tmp_path, args):
    result = CliRunner().invoke(cli, [*args, "-c", str(write_config(tmp_path))])
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == f"Error: cannot write {args[-1]}: Permission denied"


def _unprivileged(folder: Path, *names: str) -> list[dict]:
    """Run `WRITER` for each (path, content) pair of `names` in a process that the 0555 of `folder` refuses."""
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: no process here that a folder's mode bits refuse")
        prefix = UNPRIVILEGED
    folder.chmod(0o555)
    try:
        results = []
        for path, content in zip(names[::2], names[1::2], strict=True):
            run = subprocess.run([*prefix, sys.executable, "-c", WRITER, path, content], cwd=REPO,
                                 capture_output=True, text=True, timeout=60,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
            assert run.returncode == 0, run.stderr
            results.append(json.loads(run.stdout))
        return results
    finally:
        folder.chmod(0o755)


def test_a_folder_without_write_permission_has_its_writable_file_written_in_place(tmp_path):
    shared = tmp_path / "out"
    shared.mkdir()
    report = shared / "report.csv"
    report.write_text("old\n", encoding="utf-8")
    report.chmod(0o640)
    victim = shared / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (shared / "link.csv").symlink_to(victim)
    written, new, linked = _unprivileged(shared, str(report), "new\n", str(shared / "new.csv"), "x",
                                          str(shared / "link.csv"), "through the link")  # fmt: skip
    assert written == {"ok": True}
    assert report.read_text(encoding="utf-8") == "new\n" and report.stat().st_mode & 0o777 == 0o640  # its own mode
    # A name with no file: nothing to write in place; the error names it, not a temporary file
    assert not new["ok"] and new["errno"] == errno.EACCES and new["filename"] == str(shared / "new.csv")
    # A link in that folder: never followed, the error names it
    assert not linked["ok"] and linked["filename"] == str(shared / "link.csv")
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in shared.iterdir()) == ["link.csv", "report.csv", "victim.txt"]  # no leftovers


def test_a_single_file_bind_mount_is_written_in_place(tmp_path):
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("no unshare/mount to make a bind mount")
    real, mounted = tmp_path / "real.csv", tmp_path / "mounted.csv"
    real.write_text("old\n", encoding="utf-8")
    mounted.write_text("the mount point's own\n", encoding="utf-8")
    probe = subprocess.run(["unshare", "-rm", "mount", "--bind", str(real), str(mounted)], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace here: {probe.stderr.decode(errors='replace').strip()}")
    script = 'mount --bind "$1" "$2" && exec "$3" -c "$4" "$2" "$5"'
    run = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(real), str(mounted), sys.executable,
                          WRITER, "new\n"],
                         cwd=REPO, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"ok": True}  # os.replace answered EBUSY: written into the mounted file
    assert real.read_text(encoding="utf-8") == "new\n"
    assert mounted.read_text(encoding="utf-8") == "the mount point's own\n"  # the namespace, and its mount, are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mounted.csv", "real.csv"]  # the temporary file removed
