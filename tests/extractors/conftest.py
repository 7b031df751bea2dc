"""Fixtures for extractor tests (helpers live in extractor_support.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from extractor_support import FakeClock, LocalServer

from extractors.http import RetryPolicy


def _root_conftest():
    # Loaded by path: the name `conftest` is ambiguous while pytest imports conftest files.
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("_groundswell_tests_root_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ROOT = _root_conftest()
# Re-exported: while pytest collects, `import conftest` may resolve to this file.
shared_path = _ROOT.shared_path
require_or_skip = _ROOT.require_or_skip


@pytest.fixture(scope="session")
def _server():
    server = LocalServer()
    yield server
    server.httpd.shutdown()


@pytest.fixture
def server(_server):
    _server.reset()
    yield _server
    _server.reset()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def policy(clock):
    return RetryPolicy(attempts=4, backoff=1.0, max_wait=900, sleep=clock.sleep, clock=clock.time)


@pytest.fixture
def recordings():
    """Root of ../shared/fixtures/recordings (skips locally when absent, fails in CI)."""
    return shared_path("fixtures", "recordings")
