"""Local matching against sample posts in Latin, Cyrillic, Hangul and Han scripts."""

from __future__ import annotations

import pytest
from query_samples import CASES

from core.query import parse


@pytest.mark.parametrize(("query", "text", "lang", "expected"), CASES)
def test_matches(query, text, lang, expected):
    assert parse(query).matches(text, lang=lang) is expected


def test_not_only_query_matches_everything_else():
    q = parse("NOT spam")
    assert q.matches("hello")
    assert not q.matches("spam!")
