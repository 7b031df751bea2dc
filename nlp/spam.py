"""Spam, bots and promotions: which mentions of a batch to leave out of the counts, and why.

Four rules, each looking at the whole batch (a window of mentions plus recent history), since a
campaign is only visible across posts:

- copy-paste campaign: near-identical text (`fingerprint`) from many distinct authors in a short window;
- link farm: posts that are mostly links, or one link domain pushed by many low-reach accounts;
- promotion: giveaway / promo-code patterns, in the languages Groundswell tags;
- machine rate: one account posting faster than a person does.

`detect` is pure (no store, no clock): the pipeline's `flag_spam` step feeds it and writes the
reasons onto `Mention.spam`; stores leave flagged mentions out of counts (`Filters.include_spam`).
Thresholds and the measured precision: docs/spam.md.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from core.mention import RT_PREFIX, Mention, is_repost
from core.query.text import normalize


@dataclass(frozen=True)
class SpamRules:
    """Thresholds of the four rules (defaults measured in docs/spam.md)."""

    campaign_authors: int = 8  # distinct authors posting one fingerprint ...
    campaign_minutes: int = 20  # ... within this many minutes
    repeat_posts: int = 5  # one account posting one fingerprint this often within `campaign_minutes` * 3
    campaign_min_words: int = 4  # shorter texts ("thank you @x") are identical by nature, not by campaign
    farm_authors: int = 10  # distinct accounts pushing one link domain ...
    farm_minutes: int = 60  # ... within this many minutes ...
    farm_max_followers: int = 100  # ... whose median follower count is below this (new/throwaway accounts)
    # A post is mostly links with 3+ links and at most 3 other words, or 2 links and no word (a tweet
    # with a photo already carries two links, so "True <link> <photo>" is a person, not a farm).
    link_heavy: tuple[tuple[int, int], ...] = ((3, 3), (2, 0))
    rate_per_hour: int = 40  # one account, this many posts in 60 minutes (live-tweeting people reach 35) ...
    rate_per_minute: int = 8  # ... or this many in one minute


# -- text features ---------------------------------------------------------------------------------
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TAG = re.compile(r"[@#][\w.]+", re.UNICODE)
_NON_LETTER = re.compile(r"[\W\d_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Domains that wrap or host every link of a platform say nothing about who is pushing what.
_CARRIER_DOMAINS = {"t.co", "x.com", "twitter.com", "bsky.app", "reddit.com", "redd.it", "youtu.be", "youtube.com"}


def fingerprint(text: str, min_words: int = 4) -> str | None:
    """Near-identical-text key: case, URLs, @handles, #tags, digits, punctuation and emoji removed.

    Copy-paste bots vary exactly those parts (a random tag, a counter, a fresh short link), so
    their posts share a key. They vary how a letter is written too (full-width or math-bold letters,
    decomposed Hangul, an invisible character inside a word): the text is first put in the form brand
    matching compares (`core.query.text.normalize`), so a copy a person reads as the same has the same key.
    None for texts too short to be a campaign by themselves (fewer than `min_words` words, or fewer than
    10 Chinese/Japanese/Korean characters).
    """
    norm = RT_PREFIX.sub("", normalize(text))  # the one repost rule's prefix (core.mention), as collection's
    norm = _URL.sub(" ", norm)
    norm = _TAG.sub(" ", norm)
    norm = _NON_LETTER.sub(" ", norm).strip()
    if len(norm.split()) < min_words and len(_CJK.findall(norm)) < 10:
        return None
    return norm


def link_domains(text: str) -> list[str]:
    """Host names of the links in a text, lower-cased, without 'www.'."""
    out = []
    for url in _URL.findall(text):
        try:
            host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
        except ValueError:  # "http://[x": post text is not a URL parser's input; no host to count
            continue
        if host:
            out.append(host)
    return out


def _words_besides_links(text: str) -> int:
    return len(_NON_LETTER.sub(" ", _TAG.sub(" ", _URL.sub(" ", text))).split())


# Promotion phrases, as `normalize` writes text (NFKC, case-folded). STRONG: one is enough. WEAK ("discount",
# "скидка"): two different ones, or one beside a link, since a customer may well write "no discount this year".
_STRONG = [
    r"\bgive-?aways?\b",  # not "give away": "we cannot give away money we don't have"
    # "RT & follow to win", "retweet this for a chance to win"; not "RT @x: they plan to win the election".
    r"\b(?:rt|retweet|repost|share|follow|like)\b(?:\W+(?:and|rt|retweet|follow|like|share|this|us|for a chance))*"
    r"\W+to win\b",
    r"\benter to win\b",
    r"\bpromo ?codes?\b",
    r"\b(?:coupon|discount|voucher) codes?\b",
    r"\buse (?:my )?code\b",
    r"розыгрыш",
    r"промокод",
    r"抽奖",
    r"优惠码",
    r"이벤트\s*응모",
    r"경품",
    r"할인\s*코드",
    r"codice (?:promo|sconto)",
    r"\bgewinnspiel",
    r"\b(?:rabatt|gutschein)code",
    r"\bsorteo\b",
    r"código (?:promocional|de descuento)",
]
_WEAK = [
    r"\bdiscount",
    r"\b\d{1,2}\s?% off\b",
    r"\bflash sale\b",
    r"скидк",
    r"акци[яи]",
    r"折扣",
    r"打折",
    r"优惠",
    r"할인",
    r"이벤트",
    r"\bscont[oi]\b",
    r"\bofferta\b",
    r"\brabatt",
    r"\bdescuento",
    r"\boferta\b",
]
_STRONG_RE = [re.compile(p) for p in _STRONG]
_WEAK_RE = [re.compile(p) for p in _WEAK]


def promotion(text: str) -> str | None:
    """The promo phrase that makes this text a giveaway/promotion, or None. Read in the form brand matching
    compares (`core.query.text.normalize`): `𝐆𝐈𝐕𝐄𝐀𝐖𝐀𝐘` and `ＧＩＶＥＡＷＡＹ` are a giveaway as `GIVEAWAY` is,
    decomposed Hangul (할인 as jamo) a discount."""
    folded = normalize(text)
    for pattern in _STRONG_RE:
        found = pattern.search(folded)
        if found:
            return found.group(0).strip()
    weak = [m.group(0).strip() for p in _WEAK_RE if (m := p.search(folded))]
    if len(weak) >= 2 or (weak and _URL.search(folded)):
        return weak[0]
    return None


# -- windows -----------------------------------------------------------------------------------------
def _author(mention: Mention) -> str:
    """Who posted it; a post whose author the source does not give counts as its own author."""
    who = mention.author.id or mention.author.handle
    return f"{mention.source}:{who}" if who else f"post:{mention.id}"


def dense_clusters(
    posts: Sequence[Mention], minimum: int, window: timedelta, key: Callable[[Mention], str] = _author
) -> list[list[Mention]]:
    """Runs of `posts` (sorted by time) where some `window`-long stretch holds `minimum` distinct keys.

    Every post inside such a stretch is returned; overlapping stretches merge into one cluster.
    """
    in_dense = [False] * len(posts)
    seen: Counter[str] = Counter()
    lo = marked = 0  # posts[:marked] are already marked: each post is marked once (linear time)
    for hi, post in enumerate(posts):
        seen[key(post)] += 1
        while post.created_at - posts[lo].created_at > window:
            seen[key(posts[lo])] -= 1
            if not seen[key(posts[lo])]:
                del seen[key(posts[lo])]
            lo += 1
        if len(seen) >= minimum:
            for i in range(max(lo, marked), hi + 1):
                in_dense[i] = True
            marked = hi + 1
    clusters: list[list[Mention]] = []
    last: datetime | None = None
    for flagged, post in zip(in_dense, posts, strict=True):
        if not flagged:
            continue
        if last is None or post.created_at - last > window:
            clusters.append([])
        clusters[-1].append(post)
        last = post.created_at
    return clusters


def _span_minutes(cluster: list[Mention]) -> int:
    return max(1, round((cluster[-1].created_at - cluster[0].created_at).total_seconds() / 60))


def _groups(mentions: Iterable[Mention], key: Callable[[Mention], str | None]) -> dict[str, list[Mention]]:
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        k = key(m)
        if k is not None:
            groups.setdefault(k, []).append(m)
    return groups


# -- the rules ------------------------------------------------------------------------------------------
def copy_paste(mentions: Sequence[Mention], rules: SpamRules) -> dict[str, str]:
    """Near-identical text from `campaign_authors`+ distinct authors within `campaign_minutes`.

    Reposts (`core.mention.is_repost`, the rule collection's copies use) amplify one original: many of them are
    reach, not a campaign. A post collection stores as an original is examined as one here."""
    originals = [m for m in mentions if not is_repost(m)]
    out: dict[str, str] = {}
    for posts in _groups(originals, lambda m: fingerprint(m.text, rules.campaign_min_words)).values():
        if len(posts) < rules.campaign_authors:
            continue
        for cluster in dense_clusters(posts, rules.campaign_authors, timedelta(minutes=rules.campaign_minutes)):
            if story_share(cluster, rules):
                continue
            authors = len({_author(m) for m in cluster})
            reason = f"copy-paste campaign: {authors} authors, {_span_minutes(cluster)} min"
            out.update({m.id: reason for m in cluster})
    # One account pasting one text again and again (to different @targets, say) is the same campaign.
    window = timedelta(minutes=rules.campaign_minutes * 3)
    for posts in _groups(originals, lambda m: _repeat_key(m, rules)).values():
        if len(posts) < rules.repeat_posts:
            continue
        for cluster in dense_clusters(posts, rules.repeat_posts, window, key=lambda m: m.id):
            reason = f"copy-paste campaign: 1 author, {len(cluster)} posts, {_span_minutes(cluster)} min"
            out.update({m.id: reason for m in cluster if m.id not in out})
    return out


# A share button's text ends "via @site" (the link may come before or after it), and people often add hashtags,
# cashtags or mentions after it ("... via @macworld #aapl", "... via @youtube @apple #macbook").
_VIA_SITE = re.compile(r"\bvia\s+@(\w+)(?:\s+[#@$]\w+)*\W*$", re.IGNORECASE)
# Scam and giveaway phrasings a news headline does not carry: a bot network pasting one keeps its verdict even in a
# share button's shape (`promotion` catches the promo-code phrases). Not single news words ("winner", "claim",
# "bitcoin"): real headlines carry those ("Two debates, one winner", "Antitrust Claim Casts Jobs as Conspirator").
_CLAIM = re.compile(
    r"\b(?:giv(?:e|es|ing)\s*away|airdrop|free\s+(?:iphone|gift|money|crypto)|double\s+your|claim\s+(?:yours|now)"
    r"|dm\s+(?:me|us)|click\s+(?:here|the\s+link))\b"
)
_SPREAD = 10  # real readers' follower counts span orders of magnitude; a bought-follower network's do not
# Real shares of one article keep coming over time: the multi-account share groups of the real streams span 70 and
# 86 minutes (gop-debate-2015; the apple-2014 stream's only one, 16 posts in one minute, is labelled spam). A network
# posting its text in one burst (25 bots within 10 minutes) does not. 15 minutes sits above such bursts and well
# below the real spans.
_SHARE_MIN_SPAN = timedelta(minutes=15)


def share_site(text: str) -> str | None:
    """The site a share button names ("<headline> <link> via @site" gives "site", lower-cased), or None."""
    found = _VIA_SITE.search(_URL.sub(" ", text).strip())
    return found.group(1).lower() if found else None


def story_share(cluster: Sequence[Mention], rules: SpamRules) -> bool:
    """People sharing one article with a share button ("<headline> <link> via @site", each with its own short
    link): a story spreading, not a copy-paste campaign. Only positive evidence of that exempts the cluster:
    every post has a link and the share-button shape naming one and the same site; the text has no giveaway,
    promotion or scam phrasing (`_CLAIM`); every author is known and posts it once; the reach is known for at
    least half, with a median of at least `farm_max_followers`, and spread as real readers' is (the largest
    known follower count at least `_SPREAD` times the smallest); and the shares spread over time as a story's do
    (the cluster spans at least `_SHARE_MIN_SPAN`, not one burst). A bot network pasting one text, even with
    links, a share-button shape and a few hundred bought followers each, fails one of these and keeps the
    copy-paste verdict (the cost: a share of one article by a few similar-sized accounts stays flagged, as
    before this rule)."""
    if not all(_URL.search(m.text) for m in cluster):
        return False
    if len({share_site(m.text) for m in cluster} - {None}) != 1 or any(share_site(m.text) is None for m in cluster):
        return False
    if any(promotion(m.text) or _CLAIM.search(normalize(m.text)) for m in cluster):
        return False
    if any(not (m.author.id or m.author.handle) for m in cluster):
        return False
    if max(m.created_at for m in cluster) - min(m.created_at for m in cluster) < _SHARE_MIN_SPAN:
        return False
    if len({_author(m) for m in cluster}) < len(cluster):
        return False
    followers = [m.author.followers for m in cluster if m.author.followers is not None]
    if len(followers) < len(cluster) / 2 or statistics.median(followers) < rules.farm_max_followers:
        return False
    return max(followers) >= _SPREAD * max(1, min(followers))


def _repeat_key(mention: Mention, rules: SpamRules) -> str | None:
    key = fingerprint(mention.text, rules.campaign_min_words)
    known = mention.author.id or mention.author.handle
    return f"{_author(mention)}\n{key}" if key and known else None


def link_farm(mentions: Sequence[Mention], rules: SpamRules) -> dict[str, str]:
    """Posts that are mostly links, and one domain pushed by many low-reach accounts in a short window."""
    out: dict[str, str] = {}
    for m in mentions:
        links = len(_URL.findall(m.text))
        words = _words_besides_links(m.text)
        if any(links >= n_links and words <= n_words for n_links, n_words in rules.link_heavy):
            out[m.id] = f"link farm: {links} links, {words} words"
    by_domain: dict[str, list[Mention]] = {}
    for m in mentions:
        if is_repost(m):
            continue
        for domain in set(link_domains(m.text)) - _CARRIER_DOMAINS:
            by_domain.setdefault(domain, []).append(m)
    for domain, posts in by_domain.items():
        if len(posts) < rules.farm_authors:
            continue
        for cluster in dense_clusters(posts, rules.farm_authors, timedelta(minutes=rules.farm_minutes)):
            followers = [m.author.followers for m in cluster if m.author.followers is not None]
            # Unknown reach: no verdict (a news link shared by many real people looks the same otherwise).
            if len(followers) < len(cluster) / 2 or statistics.median(followers) >= rules.farm_max_followers:
                continue
            authors = len({_author(m) for m in cluster})
            reason = f"link farm: {domain} pushed by {authors} accounts in {_span_minutes(cluster)} min"
            out.update({m.id: reason for m in cluster if m.id not in out})
    return out


def promotions(mentions: Sequence[Mention]) -> dict[str, str]:
    """Giveaway and promo-code posts, one by one."""
    return {m.id: f"promotion: '{phrase}'" for m in mentions if (phrase := promotion(m.text))}


def machine_rate(mentions: Sequence[Mention], rules: SpamRules) -> dict[str, str]:
    """Accounts posting `rate_per_hour` posts in an hour or `rate_per_minute` in a minute."""
    out: dict[str, str] = {}
    known = [m for m in mentions if m.author.id or m.author.handle]
    for posts in _groups(known, _author).values():
        for limit, window, unit in (
            (rules.rate_per_minute, timedelta(minutes=1), "min"),
            (rules.rate_per_hour, timedelta(hours=1), "h"),
        ):
            if len(posts) < limit:
                continue
            for cluster in dense_clusters(posts, limit, window, key=lambda m: m.id):
                peak = _peak(cluster, window)
                out.update({m.id: f"machine rate: {peak} posts/{unit}" for m in cluster if m.id not in out})
    return out


def _peak(posts: list[Mention], window: timedelta) -> int:
    """The most posts in any `window`-long stretch."""
    best, lo = 0, 0
    for hi, post in enumerate(posts):
        while post.created_at - posts[lo].created_at > window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def detect(mentions: Iterable[Mention], rules: SpamRules | None = None) -> dict[str, str]:
    """{mention id: reason} for the spam in this batch. Pure: the same batch always gives the same answer.

    Where several rules flag a post, the first of machine rate, copy-paste, link farm, promotion wins.
    """
    rules = rules or SpamRules()
    batch = sorted({m.id: m for m in mentions}.values(), key=lambda m: (m.created_at, m.id))
    found: dict[str, str] = {}
    for rule in (
        machine_rate(batch, rules),
        copy_paste(batch, rules),
        link_farm(batch, rules),
        promotions(batch),
    ):
        for mention_id, reason in rule.items():
            found.setdefault(mention_id, reason)
    return found
