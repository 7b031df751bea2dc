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


# -- diff review dsurge, finding 1: a bot network with links and a few hundred bought followers each -------------
def _bot(i: int, text: str, via: str = "") -> Mention:
    return Mention(source="x", native_id=str(1000 + i), text=f"{text} http://t.co/g{i:04d}{via}",
                   created_at=T0 + timedelta(seconds=25 * i),
                   author=Author(handle=f"gw_bot{i}", followers=150 + 31 * i))


def test_linked_bots_with_bought_followers_are_still_a_campaign():
    """25 accounts, 150-894 followers, one text each with its own t.co link: no share-button shape, flagged."""
    for text in ("WIN a free iPhone 6 Plus from Apple! Follow and retweet to enter, winner picked tonight",
                 "Apple is giving away 5 BTC to celebrate, claim yours before it ends",
                 "iPhone 6 batteries catching fire, Apple investigating reports"):
        flags = detect([_bot(i, text) for i in range(25)])
        assert len(flags) == 25, text


def test_bots_in_a_share_button_shape_are_still_flagged():
    """The share-button shape is not enough: claim wording, or follower counts as narrow as a bought network's,
    keep the verdict."""
    scam = [_bot(i, "Apple is giving away 5 BTC to celebrate, claim yours before it ends", " via @applenews")
            for i in range(25)]
    assert len(detect(scam)) == 25
    narrow = [_bot(i, HEADLINE, " via @verge") for i in range(25)]  # 150-894 followers: under 10x apart
    assert len(detect(narrow)) == 25


def test_shares_naming_different_sites_are_not_one_article():
    shares = [_share(i, 20 + 150 * i).model_copy(update={"text": f"{HEADLINE} http://t.co/x{i:04d} via @site{i % 3}"})
              for i in range(20)]
    assert len(detect(shares)) == 20
