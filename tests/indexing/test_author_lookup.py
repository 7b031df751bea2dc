"""`SqliteStore.mentions_by_author` (`indexing/author_lookup.py`) finds exactly the posts the full-scan rule
`Subject.is_author` finds: handles casefolded and without '@', reposts by their `RT @handle:` prefix after any
whitespace Python's `\\s` matches, and nothing of another source. `REPOST_SPACES` is that whitespace."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta

import pytest

from core.mention import RT_PREFIX, Mention
from groundswell.subject import Subject
from indexing.author_lookup import REPOST_SPACES, handle_key
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 6, 1, tzinfo=UTC)
ODD_SPACES = ["\u3000", "\xa0", "\x1c", "\u2028", "\x85", "\t\n", "\u205f "]


def test_repost_spaces_are_pythons_whitespace():
    whitespace = {chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c))}
    assert set(REPOST_SPACES) == whitespace and len(REPOST_SPACES) == len(whitespace)
    # The SQL prefilter is LIKE 'rt%' (ASCII case-insensitive): no other character matches R or T under IGNORECASE.
    for letter in "rt":
        assert {chr(c) for c in range(sys.maxunicode + 1)
                if re.fullmatch(letter, chr(c), re.IGNORECASE)} == {letter, letter.upper()}  # fmt: skip
    assert RT_PREFIX.flags & re.IGNORECASE


def _corpus() -> list[Mention]:
    """Posts by people whose handles differ by case, '@' and casefolding, and reposts of them written with odd
    spaces, on two sources, and near misses."""
    authors = ["ann", "Ann", "@ANN", "annie", "Straße", "STRASSE", "strasse_2", "İnci", "i̇nci", None, "bob"]
    texts = ["plain post", "RT @ann: hello", "rt   @ANN: hi", "RT @annie: no", "RT @StraSSe: yes", "RTX @ann: no",
             "Art @ann: no", "RT@ann: no", "RT @ann@mastodon.example: fed", "RT @İnci: dotted", "quoting @ann here",
             *(f"{space}RT{space}@Ann:{space}odd" for space in ODD_SPACES)]  # fmt: skip
    out, i = [], 0
    for source in ("x", "mastodon"):
        for handle in authors:
            for text in texts:
                i += 1
                out.append(Mention(source=source, native_id=str(i), text=text, author={"handle": handle},
                                   created_at=T0 + timedelta(minutes=i), brand="acme",
                                   spam="bot" if i % 7 == 0 else None))  # fmt: skip
    return out


@pytest.mark.parametrize("handles", [["ann"], ["@ANN"], ["strasse"], ["Straße", "bob"], ["@İnci"], ["i̇nci"],
                                     ["annie", "nobody"]])  # fmt: skip
def test_the_index_lookup_finds_what_the_full_scan_finds(tmp_path, handles):
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert(_corpus()))
    for source in ("x", "mastodon"):
        subject = Subject(authors=frozenset((source, handle_key(h)) for h in handles))
        scanned = [m.id for m in store.iter_mentions(Filters(source=source, include_spam=True))
                   if subject.is_author(m)]  # fmt: skip
        found = [m.id for m in store.mentions_by_author(source, handles)]
        assert found == scanned and scanned, (source, handles)
        assert all(m.startswith(f"{source}:") for m in found)
    store.close()
