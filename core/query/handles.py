"""Which `@handles` a post mentions, read the way the post's own platform reads them.

Every platform writes account mentions differently, so one regular expression cannot
serve them all: on X `@united.airlines` mentions `@united` (a dot ends an X username),
while on Bluesky `@united.airlines` would be a whole handle (a domain name). Each form
below is one platform's rule; `HANDLE_FORMS` says which forms a source's posts use.
Punctuation after a handle (`.`, `..`, `...`, `…`, `-`) is never part of it, on any
platform: `@united...lies` and `@AmericanAir..still` mention `@united` and `@AmericanAir`.
Where the script changes, Korean and Japanese may have written a title or particle straight after a handle
(`@lumora_kr님`, `@lumora_jpさん`), and X and Mastodon link the handle before it; sites without accounts of their
own read both the handle before the change and the whole run (Weibo handles mix scripts: `@Mr_凡先生`).

All patterns run on `normalize`d (NFKC + case-folded) text; group 1 is the handle
without its sigil. docs/query-language.md has the table and the reasons.
"""

from __future__ import annotations

import re

from core.query.text import HANGUL_RANGES, MARKS, NOSPACE_RANGES, SPACED_CHAR, WORD, normalize

# Not inside a word, an e-mail address (bob@acme.com) or after another '@'.
_START = r"(?<![\w@])"
# A domain name: dot-separated labels of letters, digits and inner dashes; the last label
# (the TLD) does not start with a digit. The lookahead rejects a prefix of a longer name
# ('acme.social' in 'acme.socialx', 'acme.social.evil', 'acme.social-x'), but lets
# trailing punctuation follow ('acme.social.', 'acme.social...', 'acme.social-'). The atomic
# group keeps the longest name only: backing off label by label made long runs quadratic.
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DOMAIN = rf"(?>(?:{_LABEL}\.)+(?![0-9]){_LABEL})(?![\w-]*\w|\.\w)"

# What may not follow an X or Mastodon user name: twitter-text's `endMentionMatch` refuses '@' and its
# `latinAccentChars` (Latin letters with accents, their combining marks, U+02BB) there, and [a-z0-9_] would make
# the name longer than it is. Any other script may follow ('@lumora_kr님', '@lumora_jpさん'), as may punctuation.
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    "\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_NAME_END = rf"(?![a-z0-9_@{_LATIN_ACCENTS}])"
# Where a handle made of a spaced script's letters may start: not after such a letter (a word or an e-mail
# address, bob@acme.com) or '@'; after Han, kana or Hangul it may, as a token starts there ('の@lumora_jpに').
_SCRIPT_START = rf"(?<!{SPACED_CHAR})(?<!@)"

# X: 1-15 of [A-Za-z0-9_]; anything else ends it ('@united.airlines' is @united). A longer run, or one followed
# by '@', an accented Latin letter or '://', is no X mention (twitter-text's `validMentionOrList` and
# `endMentionMatch`).
X = re.compile(rf"{_SCRIPT_START}@([a-z0-9_]{{1,15}}){_NAME_END}(?!://)")
# Reddit: u/name or /u/name, 3-20 of [A-Za-z0-9_-], not ending in '-' (punctuation there).
REDDIT_USER = re.compile(r"(?<![\w/])/?u/([a-z0-9_-]{2,19}[a-z0-9_])(?![\w-]*\w)")
# Mastodon and the fediverse: @user (same instance) or @user@instance.tld; user is [a-z0-9_]+. Mastodon's
# `MENTION_RE` looks at nothing after the user name, so another script may follow it; a Latin letter cannot.
FEDIVERSE = re.compile(rf"{_START}@([a-z0-9_]+(?:@{_DOMAIN}|{_NAME_END}))")
# Bluesky: a handle is a domain name (@alice.bsky.social, @acme.com); a bare @word links nothing.
DOMAIN = re.compile(rf"{_START}@({_DOMAIN})")
# Sites without accounts in their text (Hacker News, RSS): X-like, word characters of any
# script (so a query '@삼성' still works there) with their combining marks ('@कमला' is whole), no dots or
# dashes, no length limit. Two readings, as no rule can tell a handle that mixes scripts (Weibo's '@Mr_凡先生',
# '@vivo智能手机', '@小米_official', '@삼성2') from a particle written onto one ('@lumora님', '@lumora_jpさん'):
# - `WORD_HANDLE`, the whole run of word characters, whatever scripts it mixes;
# - `SPACED_HANDLE`, a run of a spaced script's characters (Latin, digits, '_' ...) up to where Hangul or a script
#   written without spaces follows it ('@lumora님' is also @lumora, as X reads it). A handle that starts in Hangul
#   or such a script is never cut: '@삼성2' is only @삼성2, '@ソニー_jp' only @ソニー_jp.
# Either may start where the character before it is of another class than its first (a token starts there:
# 'の@lumora_jpに'), never after '@' or a character of its own class (an e-mail address, bob@acme.com).
_CLASSES = (SPACED_CHAR, f"[{HANGUL_RANGES}]", f"[{NOSPACE_RANGES}]")
_RUN_START = r"(?<!@)(?:" + "|".join(rf"(?<!{first})(?=@{first})" for first in _CLASSES) + ")"
WORD_HANDLE = re.compile(rf"{_RUN_START}@({WORD})")
SPACED_HANDLE = re.compile(
    rf"(?<!@)(?<!{SPACED_CHAR})@((?>{SPACED_CHAR}(?:{SPACED_CHAR}|[{MARKS}])*))(?=[{HANGUL_RANGES}{NOSPACE_RANGES}])"
)

# The forms each source's posts use. Reddit has no '@' mentions of its own: '@name' there
# quotes an X account, so it is read as X reads it.
HANDLE_FORMS: dict[str, tuple[re.Pattern[str], ...]] = {
    "x": (X,),
    "reddit": (REDDIT_USER, X),
    "mastodon": (FEDIVERSE,),
    "bluesky": (DOMAIN,),
    "hackernews": (WORD_HANDLE, SPACED_HANDLE),
    "rss": (WORD_HANDLE, SPACED_HANDLE),
}
# An unknown source (None: a stored post searched without its source, or an import file's
# own source name): every platform's reading counts, so such a search never misses a post
# that collection kept for its handle.
ANY_PLATFORM: tuple[re.Pattern[str], ...] = (X, REDDIT_USER, FEDIVERSE, DOMAIN, WORD_HANDLE, SPACED_HANDLE)


def handles(text: str, source: str | None = None) -> set[str]:
    """Normalised handles (without '@' or 'u/') that `text` mentions, per the rules of `source`."""
    norm = normalize(text)
    forms = HANDLE_FORMS.get(source.lower(), ANY_PLATFORM) if source else ANY_PLATFORM
    return {m.group(1) for form in forms for m in form.finditer(norm)}
