"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GROUNDSWELL_SHARED", REPO.parent / "shared"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def shared_path(*parts: str) -> Path:
    """Path inside ../shared; skip the test when absent, but fail in CI where it must be there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is absent (../shared is only in the Groundswell workplace)"
        if IN_CI:
            pytest.fail(reason + "; CI=true, so this must not be skipped")
        pytest.skip(reason)
    return path


def require_or_skip(condition: bool, reason: str) -> None:
    """Skip when a real component is unavailable locally; fail in CI where it must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(reason + "; CI=true, so this must not be skipped")
    pytest.skip(reason)


@pytest.fixture
def far_from_utc(monkeypatch):
    """Run with the process in a timezone far from UTC, so 'naive read as local' shows."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
