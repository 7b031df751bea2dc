"""@handles are read by the rules of the post's own platform (core/query/handles.py).

Cases marked OLD-WRONG failed on the code before the per-source rules: one pattern kept '.'
and '-' inside every handle, so '@united...lies' was the handle 'united...lies'.
"""

from __future__ import annotations

import pytest

from core.query import parse
from core.query.handles import handles

CASES = [
    # X: a handle is [a-z0-9_]{1,15}; a dot, dash or ellipsis ends it.
    ("@united", "Thanks @united...lies again", "x", True),  # OLD-WRONG
    ("@AmericanAir", "@AmericanAir..still waiting on my bag", "x", True),  # OLD-WRONG
    ("@AMERICANAIR", "@americanair…still nothing", "x", True),  # OLD-WRONG (NFKC makes … three dots)
    ("@united", "cc @united.airlines", "x", True),  # OLD-WRONG: X links @united there
    ("@united.airlines", "cc @united.airlines", "x", False),  # OLD-WRONG: no X handle has a dot
    ("@united", "@united-airlines lost it", "x", True),  # OLD-WRONG
    ("@united", "thanks @United.", "x", True),
    ("@united", "thanks @unitedairlines", "x", False),
    ("@abcdefghijklmno", "@abcdefghijklmnop is 16 long", "x", False),
    ("@lumora", "find us at @lumora@mastodon.social", "x", False),  # OLD-WRONG: X does not link it
    ("@united", "mail bob@united.com", "x", False),
    # Reddit: u/name and /u/name ([a-z0-9_-]{3,20}); '@name' there quotes an X account.
    ("@lumora", "thanks u/Lumora for the reply", "reddit", True),  # OLD-WRONG
    ("@lumora", "ask /u/lumora-support-", "reddit", False),
    ("@lumora-support", "ask /u/lumora-support-.", "reddit", True),  # OLD-WRONG
    ("@lumora", "see reddit.com/u/lumora", "reddit", False),
    ("@united", "@united-airlines ignored me", "reddit", True),  # OLD-WRONG
    # Mastodon: @user or @user@instance.tld; '@user' matches the same user name on any instance.
    ("@lumora@mastodon.social", "hi @Lumora@Mastodon.Social...", "mastodon", True),
    ("@lumora@mastodon.social", "hi @lumora@mastodon.social...so slow", "mastodon", True),  # OLD-WRONG
    ("@lumora", "hi @lumora@mastodon.social", "mastodon", True),
    ("@lumora@mastodon.social", "hi @lumora@mastodon.socialist.example", "mastodon", False),
    ("@lumora@mastodon.social", "hi @lumora", "mastodon", False),
    ("@lumora", "@lumora...great", "mastodon", True),  # OLD-WRONG
    # Bluesky: a handle is a domain name; trailing dots are punctuation.
    ("@lumora.bsky.social", "cc @lumora.bsky.social", "bluesky", True),
    ("@lumora.bsky.social", "cc @Lumora.bsky.social.", "bluesky", True),
    ("@lumora.bsky.social", "@lumora.bsky.social...love it", "bluesky", True),  # OLD-WRONG
    ("@lumora", "cc @lumora.bsky.social", "bluesky", False),
    ("@united", "cc @united.airlines", "bluesky", False),
    ("@lumora.bsky.social", "cc @lumora.bsky.social-fans.com", "bluesky", False),
    # Hacker News / RSS: no accounts of their own; X-like, word characters of any script.
    ("@united", "Thanks @united...lies", "hackernews", True),  # OLD-WRONG
    ("@삼성", "@삼성...최고", "rss", True),  # OLD-WRONG
    ("@lumora", "thanks @lumorá.", "rss", True),
    ("@कमल", "thanks @कमला", "rss", False),  # a vowel sign is part of the handle
    ("@कमला", "thanks @कमला", "rss", True),
    # No source (a stored post searched without it): any platform's reading counts.
    ("@united", "cc @united.airlines", None, True),  # OLD-WRONG
    ("@united.airlines", "cc @united.airlines", None, True),
    ("@united", "@united...lies", None, True),  # OLD-WRONG
    ("@lumora", "thanks u/lumora", None, True),  # OLD-WRONG
]


@pytest.mark.parametrize(("query", "text", "source", "expected"), CASES)
def test_handle_matches_per_source(query, text, source, expected):
    assert parse(query).matches(text, source=source) is expected


def test_source_name_is_case_insensitive_and_unknown_means_any_platform():
    text = "cc @united.airlines"
    assert handles(text, "Bluesky") == {"united.airlines"}
    assert handles(text, "some-export") == handles(text, None) == {"united", "united.airlines"}
