"""People sharing one article are a story spreading, not a copy-paste campaign (surge review, finding 5): the same
"<headline> <link> via @site" from many distinct, ordinary accounts, each with its own link, is not flagged;
the same text from unknown, low-reach or repeating accounts still is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.mention import Author, Mention
from nlp.spam import detect

T0 = datetime(2014, 12, 9, 13, tzinfo=UTC)
HEADLINE = "iPhone 6 batteries catching fire, Apple investigating reports"


def _share(i: int, followers: int | None, handle: str | None = None, link: bool = True) -> Mention:
    url = f" http://t.co/x{i:04d}" if link else ""
    return Mention(source="x", native_id=str(i), text=f"{HEADLINE}{url} via @verge",
                   created_at=T0 + timedelta(minutes=i), author=Author(handle=handle or f"reader{i}",
                                                                       followers=followers))


def test_many_ordinary_accounts_sharing_one_article_are_not_a_campaign():
    shares = [_share(i, 20 + 150 * i) for i in range(20)]
    assert detect(shares) == {}


def test_the_same_text_from_throwaway_accounts_is_still_a_campaign():
    bots = [_share(i, 3) for i in range(20)]
    assert all(r.startswith("copy-paste campaign") for r in detect(bots).values()) and len(detect(bots)) == 20


def test_unknown_reach_or_unknown_authors_keep_the_copy_paste_verdict():
    unknown_reach = [_share(i, None) for i in range(20)]
    assert len(detect(unknown_reach)) == 20
    no_author = [m.model_copy(update={"author": Author()}) for m in (_share(i, 500) for i in range(20))]
    assert len(detect(no_author)) == 20


def test_the_same_headline_without_links_is_still_a_campaign():
    pasted = [_share(i, 500, link=False) for i in range(20)]
    assert len(detect(pasted)) == 20
