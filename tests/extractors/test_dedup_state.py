"""Cursors and read budgets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from extractor_support import DictState

from core.mention import Mention
from extractors.base import SourceError
from extractors.state import CursorState, MemoryState, ReadBudget, decode_cursor, encode_cursor

T0 = datetime(2026, 11, 1, 10, tzinfo=UTC)


def m(source, nid, text, url=None, followers=0, **extra):
    return Mention(
        source=source, native_id=nid, text=text, url=url, created_at=T0, author={"followers": followers}, extra=extra
    )


def test_cursor_state_keys_and_round_trip():
    state = DictState()
    cursors = CursorState(state)
    cursors.set("x-main", "Acme", encode_cursor({"since": "2026-11-01", "ids": ["b", "a"]}))
    assert list(state.data) == ["cursor:x-main:Acme"]
    assert decode_cursor(cursors.get("x-main", "Acme"), "x") == {"since": "2026-11-01", "ids": ["b", "a"]}


def test_unreadable_cursor_is_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert decode_cursor("{not json", "reddit") == {}
    assert "ignoring unreadable cursor" in caplog.text
    assert decode_cursor(None, "reddit") == {}


def test_read_budget_per_month():
    state = MemoryState()
    month = [datetime(2026, 11, 30, tzinfo=UTC)]
    budget = ReadBudget(state, "x", monthly_limit=100, now=lambda: month[0])
    budget.charge(100)
    with pytest.raises(SourceError, match="monthly read budget of 100 is spent"):
        budget.check()
    month[0] = datetime(2026, 12, 1, tzinfo=UTC)  # a new month starts from zero
    assert budget.check(50) == 50 and budget.remaining() == 100
    assert set(state.data) == {"budget:x:2026-11"}
    unlimited = ReadBudget(state, "y", monthly_limit=None)
    unlimited.charge(10**6)
    assert unlimited.check(100) == 100
