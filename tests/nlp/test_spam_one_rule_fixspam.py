"""The spam step and collection read a post alike: one repost rule (`core.mention.is_repost`) and one shape of a
spam flag (`core.mention.spam_reason`). Maintainer review (s66) findings 1 and 2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import mention as core_mention
from core.mention import Author, Mention, load_mention, spam_reason
from groundswell.copies import CopyIndex
from indexing.sqlite import SqliteStore
from nlp import spam

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TEXT = "Lumora phones explode when charging, boycott them now"


def _campaign(prefix: str, **extra: str) -> list[Mention]:
    """Twelve accounts posting one text within twelve minutes, each with `prefix` in front of it."""
    return [
        Mention(source="x", native_id=str(i), text=prefix + TEXT, created_at=T0 + timedelta(minutes=i),
                author=Author(id=f"u{i}", handle=f"bot{i}"), brands=["Lumora"], extra=extra)
        for i in range(12)
    ]  # fmt: skip


def test_the_spam_step_uses_the_core_repost_rule() -> None:
    assert spam.is_repost is core_mention.is_repost


@pytest.mark.parametrize(
    ("prefix", "extra", "repost"),
    [
        pytest.param("", {}, False, id="plain"),
        pytest.param("RT @lumorasupport ", {}, False, id="rt-no-colon"),  # what the spam step used to call a repost
        pytest.param("rt @LumoraSupport ", {}, False, id="lower-rt-no-colon"),
        pytest.param("RT @lumorasupport: ", {}, True, id="retweet"),
        pytest.param("RT @lumora.bsky.social: ", {}, True, id="retweet-dotted-handle"),
        pytest.param("", {"repost_of": "x:99"}, True, id="marked"),
    ],
)
def test_what_collection_stores_as_originals_the_spam_step_examines(tmp_path, prefix, extra, repost) -> None:
    """Collection (`groundswell.copies`) keeps identical posts of different authors as originals, so they count:
    the spam step must examine those as a campaign. A repost is collection's copy (one stands in for the story,
    the others are its shares) and is never a campaign: many reposts are reach."""
    batch = _campaign(prefix, **extra)
    store = SqliteStore(tmp_path / "g.db")
    try:
        stored, copies = CopyIndex(store).split(batch)
    finally:
        store.close()
    flagged = spam.detect(batch)
    assert all(core_mention.is_repost(m) is repost for m in batch)
    if repost:
        assert len(stored) == 1 and len(copies) == len(batch) - 1
        assert flagged == {}
    else:
        assert [m.id for m in stored] == [m.id for m in batch] and copies == []
        assert set(flagged) == {m.id for m in stored}
        assert all(reason.startswith("copy-paste campaign: 12 authors") for reason in flagged.values())


@pytest.mark.parametrize("blank", ["", " ", "\t\n", "\u00a0"])
def test_a_blank_spam_reason_is_not_spam(blank: str) -> None:
    """One shape: "" (an import's empty column) and spaces are None, on a new Mention and on a JSONL record."""
    assert spam_reason(blank) is None
    post = Mention(source="x", native_id="1", text=TEXT, created_at=T0, spam=blank)
    assert post.spam is None
    assert load_mention({**post.model_dump(mode="json"), "spam": blank}).spam is None


def test_a_reason_is_kept_as_written() -> None:
    reason = " copy-paste campaign: 9 authors, 4 min"
    assert spam_reason(reason) == reason
    assert Mention(source="x", native_id="1", text=TEXT, created_at=T0, spam=reason).spam == reason
    assert Mention(source="x", native_id="1", text=TEXT, created_at=T0).spam is None
