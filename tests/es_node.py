"""A real single-node Elasticsearch for tests: start, health-wait, stop, kill and restart.

The server is Elastic's `integ-test-zip` distribution (what Elasticsearch's own plugin
tests run), fetched once by `scripts/fetch_elasticsearch.sh` into the user's cache.
It ships no JDK, so it runs on a JDK >= 21 found on the machine.

Use from any test folder (`tests/` is on sys.path through tests/conftest.py):

    from es_node import es_node, es_url  # noqa: F401  (re-exported fixtures)

`GROUNDSWELL_ES_URL` set: the tests use that cluster and no node is started.
Only one node runs per test session, however many conftests import the fixtures.
"""

from __future__ import annotations

import atexit
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FETCH_SCRIPT = REPO / "scripts" / "fetch_elasticsearch.sh"
ES_VERSION = os.environ.get("GROUNDSWELL_ES_VERSION", "9.5.4")
ES_USER = "groundswell-es"  # Elasticsearch refuses to run as root; CI runs tests as root.
HEAP = os.environ.get("GROUNDSWELL_ES_HEAP", "512m")
IN_CI = os.environ.get("CI", "").lower() == "true"
JDK_CANDIDATES = ("/usr/lib/jvm/temurin-25-jdk-amd64", "/usr/lib/jvm/temurin-21-jdk-amd64")


class NodeUnavailable(RuntimeError):
    """The node cannot be had here (no distribution, no suitable JDK, no network to fetch)."""


def require_or_skip(ok: bool, reason: str) -> None:
    # Same rule as tests/conftest.py::require_or_skip (importing that module by name is
    # ambiguous: every conftest.py is a module called `conftest`).
    if ok:
        return
    if IN_CI:
        pytest.fail(reason + "; CI=true, so this must not be skipped")
    pytest.skip(reason)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "groundswell" / "elasticsearch"


def distribution_home(fetch: bool = True) -> Path:
    """The unpacked distribution; runs the fetch script when it is not cached yet."""
    home = cache_dir() / f"elasticsearch-{ES_VERSION}"
    if (home / ".groundswell-unpacked").exists():
        return home
    if not fetch:
        raise NodeUnavailable(f"{home} is absent: run scripts/fetch_elasticsearch.sh")
    proc = subprocess.run(["bash", str(FETCH_SCRIPT)], capture_output=True, text=True, timeout=900, env={**os.environ})
    if proc.returncode != 0 or not (home / ".groundswell-unpacked").exists():
        raise NodeUnavailable(f"scripts/fetch_elasticsearch.sh failed: {proc.stderr.strip()[-500:]}")
    return home


def _java_major(java_home: Path) -> int:
    release = java_home / "release"
    if not release.exists():
        return 0
    for line in release.read_text().splitlines():
        if line.startswith("JAVA_VERSION="):
            version = line.split("=", 1)[1].strip('"')
            return int(version.split(".")[0])
    return 0


def find_java_home(min_major: int = 21) -> Path:
    """A JDK new enough for Elasticsearch 9 (which needs 21+): ES_JAVA_HOME, JAVA_HOME, or /usr/lib/jvm."""
    candidates = [os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME"), *JDK_CANDIDATES]
    jvm_dir = Path("/usr/lib/jvm")
    if jvm_dir.is_dir():
        candidates += sorted((str(p) for p in jvm_dir.iterdir()), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "bin" / "java").exists() and _java_major(Path(candidate)) >= min_major:
            return Path(candidate)
    raise NodeUnavailable(f"no JDK >= {min_major} found (set ES_JAVA_HOME); Elasticsearch {ES_VERSION} needs one")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ES_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(ES_USER)


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link copy (instant, no space); plain copy across filesystems."""
    try:
        shutil.copytree(src, dst, copy_function=os.link, symlinks=True)
    except OSError:
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst, symlinks=True)


class EsNode:
    """One Elasticsearch process on 127.0.0.1 with its own data dir; restartable on the same data."""

    def __init__(self, home: Path, java_home: Path, workdir: Path | None = None):
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="groundswell-es-"))
        self.java_home = java_home
        self.port = free_port()
        self.transport_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.workdir / "console.log"
        self.run_as_root = os.geteuid() == 0
        # The cache lives under $HOME, which root keeps private (0700): give the node its own
        # hard-linked copy inside the work dir so the unprivileged user can read it.
        self.home = self.workdir / "home" if self.run_as_root else home
        if self.run_as_root:
            _link_tree(home, self.home)
        self._write_config(home)

    def _write_config(self, home: Path) -> None:
        conf = self.workdir / "config"
        shutil.copytree(home / "config", conf, dirs_exist_ok=True)
        for sub in ("data", "logs", "tmp"):
            (self.workdir / sub).mkdir(exist_ok=True)
        settings = {
            "cluster.name": "groundswell-test",
            "node.name": "groundswell-test",
            "network.host": "127.0.0.1",
            "http.port": self.port,
            "transport.port": self.transport_port,
            "discovery.type": "single-node",
            "path.data": str(self.workdir / "data"),
            "path.logs": str(self.workdir / "logs"),
            # Test node: no TLS/auth. The integ-test-zip has no ML, ILM or geoip modules to turn off.
            "xpack.security.enabled": False,
            # A nearly full CI disk must not make our indices read-only.
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.auto_create_index": True,
        }
        (conf / "elasticsearch.yml").write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in settings.items()))
        (conf / "jvm.options.d").mkdir(exist_ok=True)
        (conf / "jvm.options.d" / "groundswell-heap.options").write_text(f"-Xms{HEAP}\n-Xmx{HEAP}\n")
        if self.run_as_root:
            user = _ensure_user()
            for path in [self.workdir, conf, *conf.rglob("*"), *(self.workdir / s for s in ("data", "logs", "tmp"))]:
                os.chown(path, user.pw_uid, user.pw_gid)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self, timeout: float = 180.0) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(self.java_home),
            "ES_PATH_CONF": str(self.workdir / "config"),
            "ES_TMPDIR": str(self.workdir / "tmp"),
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
        }
        kwargs = {}
        if self.run_as_root:
            user = _ensure_user()
            kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it for its lifetime
        self.proc = subprocess.Popen(
            [str(self.home / "bin" / "elasticsearch")],
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches the CLI and the server JVM
            **kwargs,
        )
        log.close()
        self._wait_healthy(timeout)

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise NodeUnavailable(f"Elasticsearch exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(
                    f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=2s", timeout=5
                ) as resp:
                    if json.load(resp).get("status") in ("yellow", "green"):
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.5)
        self.stop()
        raise NodeUnavailable(f"Elasticsearch did not become healthy in {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, kill: bool = False, timeout: float = 60.0) -> None:
        """Stop the node (SIGTERM, or SIGKILL with kill=True, as a crash would)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        except ProcessLookupError:
            pass
        # The server JVM is a child of the CLI launcher; make sure it is gone before a restart.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def delete_prefix(client, prefix: str) -> None:
    """Remove everything a test store created (indices by name: wildcard deletes are refused)."""
    names = list(client.indices.get(index=f"{prefix}-*", ignore_unavailable=True, allow_no_indices=True).body)
    for name in names:
        client.indices.delete(index=name, ignore_unavailable=True)
    client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-mentions")


# -- the session's one node ---------------------------------------------------------------------
_lock = threading.Lock()
_node: EsNode | None = None
_users = 0
_failure: str | None = None


def _acquire() -> EsNode:
    global _node, _users, _failure
    with _lock:
        if _failure is not None:
            raise NodeUnavailable(_failure)
        if _node is None:
            try:
                node = EsNode(distribution_home(), find_java_home())
                node.start()
            except (NodeUnavailable, OSError, subprocess.SubprocessError) as exc:
                _failure = f"cannot start Elasticsearch {ES_VERSION}: {exc}"
                raise NodeUnavailable(_failure) from exc
            _node = node
            atexit.register(node.cleanup)  # also when the session ends abnormally (Ctrl-C, pytest -x)
        _users += 1
        return _node


def _release() -> None:
    global _node, _users
    with _lock:
        _users -= 1
        if _users == 0 and _node is not None:
            _node.cleanup()
            _node = None


@pytest.fixture(scope="session")
def es_node() -> Iterator[EsNode | None]:
    """The harness's node, or None when GROUNDSWELL_ES_URL points at an existing cluster."""
    if os.environ.get("GROUNDSWELL_ES_URL"):
        yield None
        return
    try:
        node = _acquire()
    except NodeUnavailable as exc:
        require_or_skip(False, str(exc))
        return
    try:
        yield node
    finally:
        _release()


@pytest.fixture(scope="session")
def es_url(es_node: EsNode | None) -> str:
    """URL of the cluster the Elasticsearch tests use."""
    return os.environ.get("GROUNDSWELL_ES_URL") or es_node.url  # type: ignore[union-attr]
