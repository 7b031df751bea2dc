"""Which `@handles` a post mentions, read the way the post's own platform reads them.

Every platform writes account mentions differently, so one regular expression cannot
serve them all: on X `@united.airlines` mentions `@united` (a dot ends an X username),
while on Bluesky `@united.airlines` would be a whole handle (a domain name). Each form
below is one platform's rule; `HANDLE_FORMS` says which forms a source's posts use.
Punctuation after a handle (`.`, `..`, `...`, `…`, `-`) is never part of it, on any
platform: `@united...lies` and `@AmericanAir..still` mention `@united` and `@AmericanAir`.

All patterns run on `normalize`d (NFKC + case-folded) text; group 1 is the handle
without its sigil. docs/query-language.md has the table and the reasons.
"""

from __future__ import annotations

import re

from core.query.text import WORD, normalize

# Not inside a word, an e-mail address (bob@acme.com) or after another '@'.
_START = r"(?<![\w@])"
# A domain name: dot-separated labels of letters, digits and inner dashes; the last label
# (the TLD) does not start with a digit. The lookahead rejects a prefix of a longer name
# ('acme.social' in 'acme.socialx', 'acme.social.evil', 'acme.social-x'), but lets
# trailing punctuation follow ('acme.social.', 'acme.social...', 'acme.social-'). The atomic
# group keeps the longest name only: backing off label by label made long runs quadratic.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DOMAIN = rf"(?>(?:{_LABEL}\.)+(?![0-9]){_LABEL})(?![\w-]*\w|\.\w)"

# X: 1-15 of [A-Za-z0-9_]; anything else ends it ('@united.airlines' is @united). A longer
# run, or one followed by '@' or a non-ASCII letter, is no X mention (as twitter-text has it).
X = re.compile(rf"{_START}@([a-z0-9_]{{1,15}})(?![\w@])")
# Reddit: u/name or /u/name, 3-20 of [A-Za-z0-9_-], not ending in '-' (punctuation there).
REDDIT_USER = re.compile(r"(?<![\w/])/?u/([a-z0-9_-]{2,19}[a-z0-9_])(?![\w-]*\w)")
# Mastodon and the fediverse: @user (same instance) or @user@instance.tld; user is [a-z0-9_]+.
FEDIVERSE = re.compile(rf"{_START}@([a-z0-9_]+(?:@{_DOMAIN}|(?![\w@])))")
# Bluesky: a handle is a domain name (@alice.bsky.social, @acme.com); a bare @word links nothing.
DOMAIN = re.compile(rf"{_START}@({_DOMAIN})")
# Sites without accounts in their text (Hacker News, RSS): X-like, word characters of any
# script (so a query '@삼성' still works there) with their combining marks ('@कमला' is whole), no dots or
# dashes, no length limit.
WORD_HANDLE = re.compile(rf"{_START}@({WORD})")

# The forms each source's posts use. Reddit has no '@' mentions of its own: '@name' there
# quotes an X account, so it is read as X reads it.
HANDLE_FORMS: dict[str, tuple[re.Pattern[str], ...]] = {
    "x": (X,),
    "reddit": (REDDIT_USER, X),
    "mastodon": (FEDIVERSE,),
    "bluesky": (DOMAIN,),
    "hackernews": (WORD_HANDLE,),
    "rss": (WORD_HANDLE,),
}
# An unknown source (None: a stored post searched without its source, or an import file's
# own source name): every platform's reading counts, so such a search never misses a post
# that collection kept for its handle.
ANY_PLATFORM: tuple[re.Pattern[str], ...] = (X, REDDIT_USER, FEDIVERSE, DOMAIN, WORD_HANDLE)


def handles(text: str, source: str | None = None) -> set[str]:
    """Normalised handles (without '@' or 'u/') that `text` mentions, per the rules of `source`."""
    norm = normalize(text)
    forms = HANDLE_FORMS.get(source.lower(), ANY_PLATFORM) if source else ANY_PLATFORM
    return {m.group(1) for form in forms for m in form.finditer(norm)}
