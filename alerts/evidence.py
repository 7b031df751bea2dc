"""The evidence of a surge: what its posts say, what changed in its mix, and its top posts.

Compares the alert's posts (`surge`: what its detector counted in its window) with the same kind
of posts before it (`usual`: the same filters over the baseline days, ending where the alert's crisis
began: `alerts.explain.explain`), both read through the `Store` protocol:

- key phrases and terms (`alerts.phrases`: log-odds with an informative Dirichlet prior);
- rising themes: the one rule of `nlp/trends.py` (the digest's, report's and dashboard's), applied
  to the surge's posts over the alert's window against the span ending where `usual` ends, kept only
  where the theme's *share* of the surge is clearly above its share of the same kind of posts before
  (`theme_evidence`); where too few such posts came before to say, the theme is stated as counts
  (`ThemeCounts`), never as "up";
- shifts: languages and sources whose share of the surge is far above their usual share
  (`over_represented`); the usual mix is not news and is not reported;
- top posts: by reach (followers + engagement), only posts that are part of the surge: they use one
  of its phrases or terms or carry one of its themes, and are not reposts of an older post;
- left out: what the store set aside from the window and no count includes (`left_out`): reposts recorded as
  shares, posts flagged spam (per rule), and how many of them were negative. A crisis carried by reposts or by one
  article's share buttons otherwise shrinks in the alert with no word of why.
- authors: when one author wrote more than half of the surge's posts (`alerts.authors.author_share`), who, and of
  how many: "All 6 posts are from 1 author, @angry_bob." A thread of one person's complaints reads as a brand
  spike otherwise.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from alerts import phrases
from alerts.authors import AuthorShare, author_share
from alerts.history_start import first_stored
from alerts.influencer import post_of
from alerts.series import floor_time
from alerts.shares import Shares
from alerts.stats import share_tail
from alerts.theme_tree import ThemeRow, window_themes
from core.alert import DrivingPost, LeftOut, Shift
from core.mention import Mention
from core.query import QuerySyntaxError, parse
from core.query.aliases import alias_fragment
from core.query.ast import Node
from core.query.brand_names import BrandNames
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
THEME_MIN_RISE = 0.10  # a theme is "up" when its share of the surge is 10 points above its usual share...
THEME_MIN_SCORE = 2.0  # ...and that is unlikely by chance (one-sided Fisher exact test, p < 0.01)


@dataclass
class Evidence:
    """What `gather` found; empty lists when the surge has nothing distinctive."""

    key_phrases: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    shifts: list[Shift] = field(default_factory=list)
    top_posts: list[DrivingPost] = field(default_factory=list)
    # Themes holding much of the surge where the baseline had too few posts of the same kind to say
    # whether that is unusual (`ThemeCounts.text`): not "up", so on no alert field, and no summary names them
    # (alerts/explain.py `summarize` names only themes `top_themes` holds).
    theme_counts: list[ThemeCounts] = field(default_factory=list)
    shared: SharedPosts | None = None  # most of the surge's posts also name other brands (`shared_posts`)
    authors: AuthorShare | None = None  # one author wrote most of the surge's posts (`alerts.authors.author_share`)


@dataclass(frozen=True)
class ThemeCounts:
    """A theme of the surge told as counts, for a surge whose baseline is too thin for shares:
    `count` of the surge's `posts` are in it; the `before` span held `usual_posts` of the same kind,
    `usual_count` of them in it. `crisis`: that span ended where the alert's crisis began, not at its
    window (a follow-up alert of an episode)."""

    theme: str
    count: int
    posts: int
    usual_posts: int
    usual_count: int
    before: timedelta
    aspect: str | None = None
    crisis: bool = False

    def text(self) -> str:
        """E.g. 'all 3 mentions are in “battery” (mostly “charging”); no such mentions in the 7 days before'."""
        name = f"“{self.theme}”" + (f" (mostly “{self.aspect}”)" if self.aspect else "")
        now = f"all {self.count}" if self.count == self.posts else f"{self.count} of {self.posts}"
        now += " mentions are" if self.count > 1 else " mention is"
        span = _span(self.before) + (" before this crisis began" if self.crisis else " before")
        if self.before <= timedelta(0):
            before = "no earlier mentions of the brand to compare with"
        elif not self.usual_posts:
            before = f"no such mentions in the {span}"
        elif self.usual_posts == 1:
            before = f"1 such mention in the {span}, {'also' if self.usual_count else 'not'} in it"
        else:
            inside = {self.usual_posts: "all", 0: "none"}.get(self.usual_count, str(self.usual_count))
            before = f"{self.usual_posts} such mentions in the {span}, {inside} of them in it"
        return f"{now} in {name}; {before}"


def _known_span(store: Store, brand: str | None, since: datetime, until: datetime) -> timedelta:
    """The part of the baseline span `since`–`until` the brand has data for: from the hour of its first stored
    post when that is later. A brand collected for an hour has no "7 days before" to speak of."""
    if not brand:
        return until - since
    first = first_stored(store, brand, before=until)
    if first is None:
        return timedelta(0)
    return until - max(since, floor_time(first, "hour"))


def _span(span: timedelta) -> str:
    days = span / timedelta(days=1)
    if days >= 1:
        return f"{days:g} days" if days == int(days) else f"{days:.1f} days"
    hours = span / timedelta(hours=1)
    if hours == 1:
        return "hour"
    return f"{hours:g} hours" if hours == int(hours) else f"{hours:.1f} hours"


def gather(
    store: Store,
    surge: Filters,
    usual: Filters,
    brand: str,
    wider: Filters | None = None,
    aliases: Iterable[str] = (),
    configured: Collection[str] | None = None,
) -> Evidence:
    """The evidence for the posts `surge` selects against those `usual` selects (see module doc).
    `aliases`: the brand's other names (`brand_words`). `configured`: the config's brands, the only other brands
    "also name" may say (`shared_posts`; None: every brand the posts name).

    When `usual` selects fewer than `MIN_USUAL` posts (a crisis term never used before), the
    posts `wider` selects (the brand's whole talk over the same days) stand for the usual. Themes are
    judged against the span ending where `usual` ends (`theme_evidence`)."""
    now = list(islice(store.iter_mentions(surge), MAX_POSTS))
    before = _latest(store, usual)
    if len(before) < MIN_USUAL and wider is not None:
        before = _latest(store, wider)
    exclude = named_words([*now, *before], brand, aliases)
    now_grams = [phrases.post_grams(m.text, m.lang, exclude) for m in now]
    before_grams = [phrases.post_grams(m.text, m.lang, exclude) for m in before]
    scored = phrases.score(now_grams, before_grams)
    found = Evidence(key_phrases=phrases.key_phrases(scored), terms=phrases.key_terms(scored))
    found.shared = shared_posts(now, brand, configured)
    # Only of all the window's posts: of the first MAX_POSTS read, "5 of these 8" would not be the window's.
    found.authors = author_share(now) if len(now) < MAX_POSTS else None
    themes_up, found.theme_counts = theme_evidence(store, surge, baseline_until=usual.until)
    found.shifts = themes_up + shifts(now, before)
    marks = set(_phrase_keys(scored, found))
    themes = {s.value for s in found.shifts if s.dimension == "theme"}
    in_surge = [
        m
        for m, grams in zip(now, now_grams, strict=True)
        if grams & marks or themes & set(m.themes) or not (marks or themes)  # nothing distinctive: all
    ]
    found.top_posts = [post_of(m) for m in top_posts(store, in_surge)]
    return found


def rising_themes(
    store: Store, surge: Filters, n: int = MAX_THEMES, baseline_until: datetime | None = None
) -> list[Shift]:
    """The surge's themes that are up (`theme_evidence`), best first, as shifts."""
    return theme_evidence(store, surge, n, baseline_until)[0]


def theme_evidence(
    store: Store, surge: Filters, n: int = MAX_THEMES, baseline_until: datetime | None = None
) -> tuple[list[Shift], list[ThemeCounts]]:
    """The surge's themes, judged against the same kind of posts before it: (themes up, themes as counts).

    Candidates are the themes `nlp.trends` finds rising over the alert window (its posts against the
    span before, at least a week, ending at `baseline_until` when that is earlier than the window: a
    follow-up alert of a crisis compares with the days before the crisis, not its first hours), best
    first. That rule compares *counts*, and during a surge every theme of the surge's posts has more
    posts than before: a crisis term's posts that were all in the battery theme before the alert are all
    in it during the alert ("100% of the surge vs 100% usually").
    Telling a reader a theme is "up" claims its *share* of the posts rose, so a candidate is a shift
    (named under "Themes up") only when

    - the baseline holds at least `MIN_USUAL` posts of the same kind (the mix rule's bar for knowing
      what is usual),
    - its share of the surge is at least `THEME_MIN_RISE` above its usual share: a visible change, not
      a significant sliver of a big baseline (60% -> 64%),
    - and a one-sided Fisher exact test of its surge count against its baseline count (both totals
      fixed) gives p < 10^-`THEME_MIN_SCORE`. The exact test weighs the baseline's own sampling noise:
      6 of 6 surge posts against 10 of 25 before is p = 0.011 (not up), where a binomial taking the
      40% as known would give 0.004 (up).

    With a thinner baseline (a crisis term hardly used before) no share can be called usual; a candidate
    holding at least `SHIFT_MIN_SHARE` of the surge is returned as counts instead (`ThemeCounts`)."""
    if surge.since is None or surge.until is None:
        return [], []
    # Top-level themes (aspects nested), against the baseline ending at `baseline_until`.
    themes = window_themes(store, surge, surge.since, surge.until, baseline_until=baseline_until)
    window = themes.trends
    found = window.rising()
    if not found:
        return [], []
    n_surge = store.count(surge)
    n_usual = store.count(surge.replace(since=window.baseline_since, until=window.baseline_until))
    scale = (surge.until - surge.since) / (window.baseline_until - window.baseline_since)
    up: list[Shift] = []
    counts: list[ThemeCounts] = []
    known: timedelta | None = None  # the baseline span the brand has data for, read once, when counts need it
    for r in found:
        posts = max(n_surge, r.count)
        before = round(r.expected / scale)  # the baseline's own count (`expected` is it scaled)
        usual_posts = max(n_usual, before)
        aspect = leading_aspect(themes.rows.get(r.theme))
        if usual_posts < MIN_USUAL:
            if r.count >= SHIFT_MIN_SHARE * posts:
                if known is None:
                    known = _known_span(store, surge.brand, window.baseline_since, window.baseline_until)
                counts.append(ThemeCounts(r.theme, r.count, posts, usual_posts, before, known, aspect,
                                          crisis=window.baseline_until < surge.since))  # fmt: skip
            continue
        share, usual_share = r.count / posts, before / usual_posts
        if share - usual_share < THEME_MIN_RISE or _rise_score(r.count, posts, before, usual_posts) < THEME_MIN_SCORE:
            continue
        up.append(Shift(dimension="theme", value=r.theme, count=r.count, share=round(share, 4),
                        usual_share=round(usual_share, 4), aspect=aspect))  # fmt: skip
    return up[:n], counts[:n]


def _rise_score(count: int, posts: int, usual_count: int, usual_posts: int) -> float:
    """-log10 p of a one-sided Fisher exact test: P(at least `count` of the `posts` surge posts in the
    theme | the theme's `count + usual_count` posts spread at random over surge and baseline)."""
    from scipy import stats  # lazy: scipy costs ~1.5 s to import (as in alerts.stats)

    log_p = float(stats.hypergeom.logsf(count - 1, posts + usual_posts, count + usual_count, posts))
    if math.isnan(log_p):
        return 0.0
    return -min(log_p, 0.0) / math.log(10)


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


ALIASES_MATCHED = "alias: "  # `Mention.matches` when only aliases matched (`groundswell.brands.brands_matching`)


def brand_words(brand: str, queries: Iterable[str], aliases: Iterable[str] = ()) -> frozenset[str]:
    """The words that name the brand: its name, its `aliases` (other names, as configured), and the words of the
    queries that found its posts which name it (core/query/brand_names.py: the rule the sentiment model's masking
    uses), or the aliases that did ("alias: Lumora Pulse, LP", not a query). Never a query's context words
    (`spill` of `Shell AND spill`): those say what a surge is about. The names are in every post of the brand,
    so they say nothing about a surge."""
    aliases = list(aliases)
    terms = [brand, *aliases]
    alias_roots = [root for alias in aliases if (root := _alias_root(alias)) is not None]
    for q in queries:
        if q.startswith(ALIASES_MATCHED):
            terms.append(q.removeprefix(ALIASES_MATCHED))  # aliases as written: only their words are needed
            continue
        try:
            terms += BrandNames.of(brand, parse(q).root, alias_roots).texts()
        except QuerySyntaxError:
            continue  # a query stored before a grammar change: its words simply stay in
    return frozenset(w for t in terms for run in phrase_runs(t) for w, _ in run)


def named_words(posts: Iterable[Mention], brand: str, aliases: Iterable[str] = ()) -> frozenset[str]:
    """Every brand's names in `posts`, never key phrases: the alert's brand's (`brand_words`, with its configured
    `aliases`) and those of every other brand the posts name, by the query that matched each (`Mention.matches`).
    A surge of posts naming Shell, BP and Exxon is not "about" Exxon for BP's alert: it names all three."""
    queries: dict[str, set[str]] = {brand: set()}
    for m in posts:
        for name in m.brands:
            queries.setdefault(name, set()).update([m.matches[name]] if name in m.matches else [])
    words = brand_words(brand, queries.pop(brand), aliases)
    return words.union(*(brand_words(name, found) for name, found in queries.items()))


def _alias_root(alias: str) -> Node | None:
    try:
        return parse(alias_fragment(alias)).root
    except (ValueError, QuerySyntaxError):
        return None  # an alias the config would refuse: its words are left out as written all the same


SHARED_MIN = 0.5  # a surge "also names" other brands when more than half its posts do


@dataclass(frozen=True)
class SharedPosts:
    """How many of a surge's `posts` also name other brands (`count`), and which (`brands`, most named first)."""

    count: int
    posts: int
    brands: tuple[str, ...]

    def text(self) -> str:
        """E.g. '27 of these 30 posts also name BP and Exxon.'"""
        names = list(self.brands)
        said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        now = f"All {self.posts}" if self.count == self.posts else f"{self.count} of these {self.posts}"
        return f"{now} posts also name {said}."


def shared_posts(posts: list[Mention], brand: str, configured: Collection[str] | None = None) -> SharedPosts | None:
    """The surge's posts that also name other brands, when they are most of it (`SHARED_MIN`); None otherwise.
    The brands named are those in at least half of such posts (at most 5), most named first: the ones that share
    the alert's posts, not every brand one post names. `configured`: the config's brands; a brand removed from it
    is still on its stored posts but is no other brand to speak of (docs/brands.md "Counts"). None: every brand."""
    others = [[b for b in m.brands if b != brand and (configured is None or b in configured)] for m in posts]
    count = sum(1 for names in others if names)
    if not posts or count <= SHARED_MIN * len(posts):
        return None
    named = Counter(b for names in others for b in names)
    brands = [b for b, n in sorted(named.items(), key=lambda kv: (-kv[1], kv[0])) if n >= count / 2][:5]
    return SharedPosts(count, len(posts), tuple(brands)) if brands else None


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


def left_out(store: Store, scope: Filters) -> LeftOut | None:
    """What the counts of `scope` (an alert's brand, window and slice, every sentiment) leave out, read from the
    store: the reposts in the window recorded as shares (`alerts.shares`: of the brand, of a stored original in the
    slice when the alert is one source's or language's), the posts a spam rule set aside, grouped by rule (the part
    of the reason before its ":"), and how many of both were negative. None when nothing was left out."""
    flagged = scope.replace(include_spam=True)
    spam: Counter[str] = Counter()
    for reason, n in store.facet(flagged, "spam").items():
        if reason != "unknown":  # the facet's "unknown": the posts no rule set aside
            spam[reason.split(":", 1)[0].strip()] += n
    negative = sum(n for reason, n in store.facet(flagged.replace(sentiment="negative"), "spam").items()
                   if reason != "unknown") if spam else 0
    shares = [s for s in Shares(store).between(scope.since, scope.until) if scope.brand in s.brands]
    if shares:
        originals = {m.id: m for m in store.get({s.original for s in shares})}
        if scope.source or scope.lang:  # a sliced alert: only reposts of its slice's posts
            shares = [s for s in shares if (m := originals.get(s.original)) is not None
                      and (not scope.source or m.source == scope.source) and (not scope.lang or m.lang == scope.lang)]
        negative += sum(1 for s in shares if (m := originals.get(s.original)) is not None
                        and m.sentiment is not None and m.sentiment.label == "negative")
    if not shares and not spam:
        return None
    return LeftOut(shares=len(shares), spam=dict(spam.most_common()), negative=negative)


def left_out_text(out: LeftOut | None) -> str:
    """The alert's "Left out" fact, naming only what is non-zero, e.g. "240 reposts counted as shares, 93 posts
    flagged spam (copy-paste campaign 80, link farm 13); 120 of them negative". Empty when nothing was."""
    if out is None:
        return ""
    parts = []
    if out.shares:
        parts.append(f"{out.shares:,} repost{'s' if out.shares != 1 else ''} counted as shares")
    total = sum(out.spam.values())
    if total:
        reasons = ", ".join(f"{rule} {n:,}" for rule, n in out.spam.items())
        parts.append(f"{total:,} post{'s' if total != 1 else ''} flagged spam ({reasons})")
    if not parts:
        return ""
    text = ", ".join(parts)
    if out.negative:
        text += f"; {out.negative:,} of them negative"
    return text
