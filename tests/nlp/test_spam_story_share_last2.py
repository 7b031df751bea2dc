"""Fixer last2, findings 2 and 3 of the dlast review: real share-button posts ("via @macworld #aapl", a headline
with "winner" or "claim" in it) shared over time by varied accounts are a story spreading, not a campaign; a bot
network in the same shape posting in one burst stays flagged, whatever its follower spread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Author, Mention
from nlp.spam import detect, share_site

T0 = datetime(2014, 12, 9, 13, tzinfo=UTC)
# Real share-button texts of the apple-2014 and gop-debate-2015 streams ({url}: each share's own short link).
REAL_SHARES = [
    "Silver finish: The #AppleWatch places second before it's even out {url} via @macworld #aapl",
    "7 awesome paid #iPhone and #iPad apps that are free for a limited time via @BGR #aapl {url}",
    "MacBook Pro 13in Unboxing: {url} via @youtube @apple #macbook",
    "Move over gents. #GOPdebate Two debates, one winner \u2014 Carly {url} via @DCExaminer",
    "#Apple in the Dock: $1 Billion Antitrust Claim Casts #SteveJobs as Conspirator {url} via @WSJ",
]


def _posts(text: str, n: int, every: timedelta, followers: tuple[int, int], handle: str = "reader") -> list[Mention]:
    lo, hi = followers
    return [Mention(source="x", native_id=f"{handle}{i}", text=text.format(url=f"http://t.co/x{i:04d}"),
                    created_at=T0 + every * i, author=Author(handle=f"{handle}{i}", followers=lo + (hi - lo) * i // n))
            for i in range(n)]


@pytest.mark.parametrize("text", REAL_SHARES)
def test_real_shares_spread_over_time_are_not_a_campaign(text):
    assert share_site(text.format(url="http://t.co/abc")) is not None
    shares = _posts(text, 20, timedelta(minutes=1), (20, 2870))  # 20 readers over 19 minutes
    assert detect(shares) == {}


@pytest.mark.parametrize("followers", [(150, 894), (150, 1600), (100, 3000)])
@pytest.mark.parametrize("text", [
    "Apple iPhone 6 recall announced, check if yours is affected {url} via @applenewsdaily",
    "Get the new iPhone 6 for $99 today only {url} via @dealsite",
    REAL_SHARES[0],
])
def test_a_burst_of_bots_in_share_button_shape_is_still_a_campaign(text, followers):
    bots = _posts(text, 25, timedelta(seconds=25), followers, handle="gw_bot")  # 25 posts within 10 minutes
    flags = detect(bots)
    assert len(flags) == 25 and all(r.startswith("copy-paste campaign") for r in flags.values())


def test_scam_phrasing_keeps_the_verdict_even_spread_over_time():
    for text in ("Apple is giving away 5 BTC to celebrate, claim yours before it ends {url} via @applenews",
                 "Free iPhone 6 for the first 100, DM me now {url} via @dealsite #aapl"):
        assert len(detect(_posts(text, 20, timedelta(minutes=1), (20, 2870)))) == 20, text
