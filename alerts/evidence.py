"""The evidence of a surge: what its posts say, what changed in its mix, and its top posts.

Compares the alert's posts (`surge`: what its detector counted in its window) with the same kind
of posts before it (`usual`: the same filters over the baseline days), both read through the
`Store` protocol:

- key phrases and terms (`alerts.phrases`: log-odds with an informative Dirichlet prior);
- rising themes: the one rule of `nlp/trends.py` (the digest's, report's and dashboard's), applied
  to the surge's posts over the alert's window (`rising_themes`);
- shifts: languages and sources whose share of the surge is far above their usual share
  (`over_represented`); the usual mix is not news and is not reported;
- top posts: by reach (followers + engagement), only posts that are part of the surge: they use one
  of its phrases or terms or carry one of its themes, and are not reposts of an older post.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from alerts import phrases
from alerts.influencer import post_of
from alerts.stats import share_tail
from alerts.theme_tree import ThemeRow, window_themes
from core.alert import DrivingPost, Shift
from core.mention import Mention
from core.query import QuerySyntaxError, parse
from indexing.base import Filters, Store
from nlp.tokenize import phrase_runs

MAX_POSTS = 3000  # per side: enough for stable counts, bounded work per alert
TOP_POSTS = 5
MIN_USUAL = 20  # fewer usual posts than this: no claim about what is usual
SHIFT_RATIO = 2.0  # a share at least twice the usual...
SHIFT_MIN_SHARE = 0.10  # ...of at least a tenth of the surge...
SHIFT_MIN_COUNT = 3  # ...carried by at least 3 posts...
SHIFT_MIN_SCORE = 2.0  # ...and unlikely by chance (binomial tail, p < 0.01)
MATCH_TERMS = 3  # a top post uses a key phrase or one of the 3 strongest terms
MAX_THEMES = 5  # rising themes named in an alert


@dataclass
class Evidence:
    """What `gather` found; empty lists when the surge has nothing distinctive."""

    key_phrases: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    shifts: list[Shift] = field(default_factory=list)
    top_posts: list[DrivingPost] = field(default_factory=list)


def gather(store: Store, surge: Filters, usual: Filters, brand: str, wider: Filters | None = None) -> Evidence:
    """The evidence for the posts `surge` selects against those `usual` selects (see module doc).

    When `usual` selects fewer than `MIN_USUAL` posts (a crisis term never used before), the
    posts `wider` selects (the brand's whole talk over the same days) stand for the usual."""
    now = list(islice(store.iter_mentions(surge), MAX_POSTS))
    before = _latest(store, usual)
    if len(before) < MIN_USUAL and wider is not None:
        before = _latest(store, wider)
    exclude = brand_words(brand, {m.matches[brand] for m in now if brand in m.matches})
    now_grams = [phrases.post_grams(m.text, m.lang, exclude) for m in now]
    before_grams = [phrases.post_grams(m.text, m.lang, exclude) for m in before]
    scored = phrases.score(now_grams, before_grams)
    found = Evidence(key_phrases=phrases.key_phrases(scored), terms=phrases.key_terms(scored))
    found.shifts = rising_themes(store, surge) + shifts(now, before)
    marks = set(_phrase_keys(scored, found))
    themes = {s.value for s in found.shifts if s.dimension == "theme"}
    in_surge = [
        m
        for m, grams in zip(now, now_grams, strict=True)
        if grams & marks or themes & set(m.themes) or not (marks or themes)  # nothing distinctive: all
    ]
    found.top_posts = [post_of(m) for m in top_posts(store, in_surge)]
    return found


def rising_themes(store: Store, surge: Filters, n: int = MAX_THEMES) -> list[Shift]:
    """The surge's rising themes by `nlp.trends` (its posts over the alert window against the span
    before it), best first, as shifts: share of the surge's posts, and of the same posts in the baseline."""
    if surge.since is None or surge.until is None:
        return []
    themes = window_themes(store, surge, surge.since, surge.until)  # top-level themes (aspects nested)
    window = themes.trends
    found = window.rising()[:n]
    if not found:
        return []
    n_surge = store.count(surge)
    n_usual = store.count(surge.replace(since=window.baseline_since, until=window.baseline_until))
    scale = (surge.until - surge.since) / (window.baseline_until - window.baseline_since)
    return [
        Shift(
            dimension="theme",
            value=r.theme,
            count=r.count,
            share=round(r.count / max(n_surge, r.count), 4),
            usual_share=round(r.expected / scale / n_usual, 4) if n_usual else 0.0,
            aspect=leading_aspect(themes.rows.get(r.theme)),
        )  # fmt: skip
        for r in found
    ]


LEADING_ASPECT_SHARE = 0.4  # an aspect named beside its theme holds at least this share of the theme's posts


def leading_aspect(row: ThemeRow | None) -> str | None:
    """The aspect holding most of a theme's posts in a window, when it holds LEADING_ASPECT_SHARE of
    them: what a broad theme's rise is mostly about."""
    best = max(row.aspects, key=lambda a: a.count, default=None) if row is not None else None
    return best.theme if best is not None and best.count >= LEADING_ASPECT_SHARE * row.count else None


def shifts(now: list[Mention], before: list[Mention]) -> list[Shift]:
    """Languages and sources far above their usual share (`over_represented`); themes are `rising_themes`'."""
    out: list[Shift] = []
    for dim in ("lang", "source"):
        out += over_represented(dim, _facet(now, dim), len(now), _facet(before, dim), len(before))
    return out


def _latest(store: Store, filters: Filters) -> list[Mention]:
    """Up to `MAX_POSTS` posts, the latest (nearest the surge); the store streams oldest first."""
    return list(deque(store.iter_mentions(filters), maxlen=MAX_POSTS))


def brand_words(brand: str, queries: Iterable[str]) -> frozenset[str]:
    """The brand's own words: its name and the positive terms of the queries that found its posts.
    They are in every post, so they say nothing about a surge."""
    terms = [brand]
    for q in queries:
        try:
            terms += parse(q).positive_terms()
        except QuerySyntaxError:
            continue  # a query stored before a grammar change: its words simply stay in
    return frozenset(w for t in terms for run in phrase_runs(t) for w, _ in run)


def over_represented(
    dimension: str, surge: Counter[str], n_surge: int, usual: Counter[str], n_usual: int
) -> list[Shift]:
    """Values whose share of the surge is far above their usual share (module constants), largest
    first; nothing when too few usual posts say what is usual."""
    if n_usual < MIN_USUAL or not n_surge:
        return []
    out: list[Shift] = []
    for value, count in surge.items():
        share = count / n_surge
        usual_share = usual.get(value, 0) / n_usual
        prior = (usual.get(value, 0) + 0.5) / (n_usual + 1)  # never 0: a new value is rare, not impossible
        if count < SHIFT_MIN_COUNT or share < SHIFT_MIN_SHARE or share < SHIFT_RATIO * max(usual_share, prior):
            continue
        if share_tail(count, n_surge, prior)[1] < SHIFT_MIN_SCORE:
            continue
        out.append(Shift(dimension=dimension, value=value, count=count, share=round(share, 4),
                         usual_share=round(usual_share, 4)))  # fmt: skip
    return sorted(out, key=lambda s: (-s.share, s.value))


def top_posts(store: Store, posts: list[Mention], n: int = TOP_POSTS) -> list[Mention]:
    """The `n` posts with the most reach, one per text, reposts of a stored post left out."""
    old = _stored_originals(store, posts)
    seen: set[str] = set()
    out: list[Mention] = []
    for m in sorted(posts, key=lambda m: (-_reach(m), m.id)):
        key = _text_key(m.text)
        if m.extra.get("repost_of") in old or key in seen:
            continue
        seen.add(key)
        out.append(m)
        if len(out) == n:
            break
    return out


def _stored_originals(store: Store, posts: list[Mention]) -> set[str]:
    """Ids of the reposted originals the store holds. A repost of one is never a top post: an
    original from before the window is old news re-shared, one inside it is a candidate itself."""
    ids = {str(m.extra["repost_of"]) for m in posts if m.extra.get("repost_of")}
    return {m.id for m in store.get(ids)} if ids else set()


def _reach(m: Mention) -> int:
    return (m.author.followers or 0) + m.engagement.total


def _text_key(text: str) -> str:
    words = text.split()
    if len(words) > 2 and words[0] == "RT" and words[1].startswith("@"):  # an old-style retweet
        words = words[2:]
    return " ".join(words).lower()


def _phrase_keys(scored: list[phrases.Scored], found: Evidence) -> list[tuple[str, tuple[str, ...]]]:
    wanted = set(found.key_phrases) | set(found.terms[:MATCH_TERMS])
    return [(s.text, s.parts) for s in scored if s.text in wanted]


def _facet(posts: list[Mention], dim: str) -> Counter[str]:
    return Counter(getattr(m, dim) or "unknown" for m in posts)
