"""A real `groundswell serve` process for the CLI tests: a free port, the repo on PYTHONPATH, and the wait for
the dashboard's first answer. Import as `from serve_support import ...` (tests/ is on sys.path).

Run as a script (`python tests/serve_support.py serve ...`) it is the real CLI, `groundswell.cli.main`, with one
addition: each call of the FAQ warm-up's encoder step (`dashboards.web.faq.encode_posts`, which
`create_app(warm_faq=True)` runs at start) appends a line to the file $GS_TEST_WARM_LOG before running, so a test
sees whether a warm-up began without touching the model.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WARM_LOG_ENV = "GS_TEST_WARM_LOG"


def free_port() -> int:
    """A local TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env() -> dict[str, str]:
    """This environment with the checkout importable, as `make demo`'s printed command runs."""
    return {**os.environ, "PYTHONPATH": str(REPO)}


@dataclass
class Served:
    """A running dashboard: its process and port; `output` (stdout and stderr) once it has ended."""

    proc: subprocess.Popen
    port: int
    output: str = ""


@contextmanager
def serving(cmd: list[str], port: int, env: dict[str, str], ready_path: str, timeout_s: float) -> Iterator[Served]:
    """Start `cmd` (a `serve` on `port`), wait until GET `ready_path` answers 200 (60 s at most; each try waits
    `timeout_s`), yield it, then stop it with SIGTERM (uvicorn's graceful shutdown, the app's lifespan included)."""
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    served = Served(proc, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=timeout_s) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the dashboard did not answer within 60 s"
                time.sleep(0.3)
        yield served
    finally:
        proc.terminate()
        try:
            served.output = proc.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            proc.kill()  # still failing the test, but leaving no server behind
            proc.communicate()
            raise


def _record_warm_ups(log: Path) -> None:
    """Wrap the FAQ warm-up's encoder step so that each call is written to `log` first (then runs as ever)."""
    from dashboards.web import faq  # lazy: only in the recording CLI process, before the app is built

    real = faq.encode_posts

    def encode_posts(*args, **kwargs):  # type: ignore[no-untyped-def]
        with log.open("a", encoding="utf-8") as out:
            out.write("encode_posts\n")
        return real(*args, **kwargs)

    faq.encode_posts = encode_posts


if __name__ == "__main__":
    # As `python -m groundswell.cli` runs: tests/ (this script's folder) must not shadow a package (tests/dags).
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    _record_warm_ups(Path(os.environ[WARM_LOG_ENV]))
    from groundswell.cli import main  # lazy: the CLI after the warm-up step is wrapped

    main()
