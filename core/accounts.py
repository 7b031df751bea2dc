"""A brand's own accounts per source, and whether a post was written by one of them.

The config names accounts the way each platform writes them (`@LumoraSupport` on X, `u/lumora_team`
on Reddit, `@lumora@mastodon.social` on Mastodon, `lumora.bsky.social` on Bluesky); extractors store
the author's handle the way each API returns it (`LumoraSupport`, `lumora_team`, `lumora` or
`lumora@mastodon.social`, `lumora.bsky.social`). `account_key` turns the first into the second's
comparable form, `OwnAccounts.owns` compares: this is the one place that rule lives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from core.mention import Mention

_X = re.compile(r"[a-z0-9_]{1,15}")
_REDDIT = re.compile(r"[a-z0-9_-]{3,20}")
_USER = re.compile(r"[a-z0-9_.-]+")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*")
_DID = re.compile(r"did:[a-z]+:[a-z0-9._:%-]+")
_GENERIC = re.compile(r"\S+")

FORMS = {
    "x": "@handle (1-15 letters, digits, _)",
    "reddit": "u/name (3-20 letters, digits, _ or -)",
    "mastodon": "@user@instance.tld (or @user for the instance the source reads)",
    "bluesky": "a handle such as brand.bsky.social, or a did:plc:… id",
}


def account_key(source: str, value: str) -> str:
    """The comparable form of an own account as written in the config; ValueError naming the form."""
    raw = value.strip().lower()
    if source == "x":
        key = raw.removeprefix("@")
        ok = _X.fullmatch(key)
    elif source == "reddit":
        key = raw.removeprefix("/").removeprefix("u/")
        ok = _REDDIT.fullmatch(key)
    elif source == "mastodon":
        user, at, domain = raw.removeprefix("@").partition("@")
        key = f"{user}@{domain}" if at else user
        ok = _USER.fullmatch(user) and (not at or _DOMAIN.fullmatch(domain))
    elif source == "bluesky":
        key = raw.removeprefix("@")
        ok = _DID.fullmatch(key) or _DOMAIN.fullmatch(key)
    else:
        key = raw.removeprefix("@")
        ok = _GENERIC.fullmatch(key)
    if not ok:
        form = FORMS.get(source, "a handle without spaces")
        raise ValueError(f"{source} account {value!r} is not a valid account: write it as {form}")
    return key


def _mastodon_same(key: str, acct: str, url: str | None) -> bool:
    """Mastodon gives `user` for accounts of the instance read and `user@domain` for others. A key without a
    domain is an account of the instance read: a `user@elsewhere` of the same name is someone else. A key
    with one is that instance's account: a local `user` is it only when the instance read is that one, which
    a local post's own URL names (its host)."""
    user, _, domain = key.partition("@")
    a_user, _, a_domain = acct.partition("@")
    if user != a_user:
        return False
    if not domain:
        return not a_domain
    try:
        home = a_domain or (urlsplit(url).hostname or "" if url else "")
    except ValueError:  # a malformed URL in the payload names no instance
        home = ""
    home, domain = home.lower(), domain.lower()
    # No URL to tell the instance by: taken as the key's. An instance may serve its accounts' domain from a
    # subdomain (accounts @example.com, web social.example.com).
    return not home or home == domain or home.endswith("." + domain)


@dataclass(frozen=True)
class OwnAccounts:
    """One brand's own accounts, by source, in `account_key` form."""

    by_source: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Mapping[str, Sequence[str]] | None) -> OwnAccounts:
        """From the config's `own_accounts` mapping (already validated)."""
        return cls({src: frozenset(account_key(src, a) for a in accounts) for src, accounts in (config or {}).items()})

    def __bool__(self) -> bool:
        return any(self.by_source.values())

    def owns(self, mention: Mention) -> bool:
        """Whether `mention` was posted by one of these accounts (its source's rule)."""
        keys = self.by_source.get(mention.source)
        if not keys:
            return False
        handle = (mention.author.handle or "").strip().lower().removeprefix("@")
        author_id = (mention.author.id or "").lower()
        if mention.source == "mastodon":
            return bool(handle) and any(_mastodon_same(k, handle, mention.url) for k in keys)
        return handle in keys or (mention.source == "bluesky" and author_id in keys)
