"""One contract, two stores: the embedded SQLite store and Elasticsearch on a real node.

Every expectation is computed here from the corpus in plain Python, so both stores are
held to the same independent answer (not to each other).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from store_support import STORES, open_store

from core.lang_tags import lang_tag
from core.mention import (
    ANALYST,
    COLLECTED,
    DATED_BY,
    Author,
    Engagement,
    Mention,
    Sentiment,
    analyst_label,
    load_mention,
    mention_record,
)
from core.query import parse
from indexing import base
from indexing.base import Filters, Store

T0 = datetime(2026, 3, 30, 0, 0, tzinfo=UTC)  # the corpus spans the March/April boundary
BRANDS = ("acme", "globex")
SOURCES = ("x", "reddit", "mastodon")
LANGS = ("en", "ru", "it", "zh", "ko", None)
TEXTS = {
    "en": ["Acme support was slow and my refund never came", "Loving the new Acme phone, great battery"],
    "ru": ["Поддержка Acme не отвечает, верните деньги", "Новый телефон Acme просто отличный"],
    "it": ["Il servizio clienti Acme è lento", "Adoro il nuovo telefono Acme"],
    "zh": ["Acme 的客服太慢了，我要退款", "Acme 新手机电池很好"],
    "ko": ["Acme 고객센터는 너무 느려요 환불해주세요", "Acme 새 휴대폰 배터리가 좋아요"],
    None: ["acme ??? 1234", "Acme outage again #fail"],
}
THEMES = ("support", "battery", "price", "outage")
LABELS = ("negative", "neutral", "positive", None)


def make_corpus(n: int = 60, seed: int = 7) -> list[Mention]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lang = LANGS[i % len(LANGS)]
        label = LABELS[rng.randrange(len(LABELS))]
        source = SOURCES[i % len(SOURCES)]
        sentiment = None
        if label:
            probs = {k: 0.1 for k in ("negative", "neutral", "positive")}
            probs[label] = 0.8
            sentiment = Sentiment(label=label, probs=probs, model="test-model@2" if i % 3 else "test-model@1",
                                  uncertain=i % 4 == 0)
        out.append(
            Mention(
                source=source,
                native_id=str(1000 + i),
                url=f"https://example.org/{source}/{i}",
                text=TEXTS[lang][(i // len(LANGS)) % 2] + f" (post {i})",
                # distinct timestamps, one every 97 minutes: about 4 days around the month boundary
                created_at=T0 + timedelta(minutes=97 * i),
                author=Author(handle=f"user{i % 7}", followers=(i * 37) % 500),
                engagement=Engagement(likes=(i * 13) % 50, reposts=i % 5),
                # every fifth post names both brands: it belongs to both
                brands=[BRANDS[i % 2], *([BRANDS[(i + 1) % 2]] if i % 5 == 0 else [])],
                lang=lang,
                sentiment=sentiment,
                themes=sorted(rng.sample(THEMES, rng.randrange(0, 3))) if label else [],
            )
        )
    return out


CORPUS = make_corpus()


def _matches(m: Mention, f: Filters) -> bool:
    if f.brand is not None and f.brand not in m.brands:
        return False
    if f.brands and not set(f.brands) & set(m.brands):
        return False
    if f.source is not None and m.source != f.source:
        return False
    if f.lang is not None and m.lang != f.lang:
        return False
    if f.sentiment is not None and (m.sentiment.label if m.sentiment else None) != f.sentiment:
        return False
    if f.since is not None and m.created_at < f.since:
        return False
    if f.until is not None and m.created_at >= f.until:
        return False
    if f.min_followers is not None and (m.author.followers or 0) < f.min_followers:
        return False
    if f.theme is not None and f.theme not in m.themes:
        return False
    if f.uncertain is not None and (m.sentiment is None or m.sentiment.uncertain != f.uncertain):
        return False
    return not (f.text and not parse(f.text).matches(m.text, m.lang))


def expected(f: Filters) -> list[Mention]:
    return [m for m in CORPUS if _matches(m, f)]


def _label(m: Mention) -> str:
    return m.sentiment.label if m.sentiment else "unknown"


def _open_store(kind: str, request, tmp_dir) -> Iterator[Store]:
    """A fresh store of `kind` (the other store tests import this and STORES from here)."""
    yield from open_store(kind, request, tmp_dir, "gs-contract")


@pytest.fixture(params=STORES)
def empty_store(request, tmp_path) -> Iterator[Store]:
    """A fresh, empty store per test (for tests that write)."""
    yield from _open_store(request.param, request, tmp_path)


def _fill(store: Store) -> Store:
    results = list(store.upsert(CORPUS))
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    return store


@pytest.fixture
def filled_store(empty_store: Store) -> Store:
    """The corpus in a store of its own (for tests that change it)."""
    return _fill(empty_store)


@pytest.fixture(scope="module", params=STORES)
def store(request, tmp_path_factory) -> Iterator[Store]:
    """The corpus, loaded once per module and store; tests using it only read."""
    for opened in _open_store(request.param, request, tmp_path_factory.mktemp("contract")):
        yield _fill(opened)


FILTERS = [
    Filters(),
    Filters(brand="acme"),
    Filters(brands=("acme", "globex"), source="reddit"),
    Filters(lang="ru"),
    Filters(sentiment="negative"),
    Filters(since=T0 + timedelta(days=1), until=T0 + timedelta(days=2, hours=5)),
    Filters(min_followers=250),
    Filters(theme="support"),
    Filters(brand="globex", sentiment="positive", theme="battery"),
    Filters(uncertain=True),
    Filters(brand="acme", uncertain=False),
]
TEXT_FILTERS = [
    Filters(text="refund"),
    Filters(text="acme AND NOT phone"),
    Filters(text='"great battery" OR 환불'),
    Filters(text="客服"),
    Filters(text="#fail"),
    Filters(text='refun* OR "great batt*"'),  # prefixes (`word*`), highlighted too
]


def test_upsert_is_idempotent(empty_store: Store):
    first = list(empty_store.upsert(CORPUS))
    assert [r.id for r in first] == [m.id for m in CORPUS]
    assert all(r.ok and r.created for r in first)
    again = list(empty_store.upsert(CORPUS[:25]))
    assert all(r.ok and not r.created for r in again)
    assert empty_store.count() == len(CORPUS)


def test_get_round_trips_mentions(store: Store):
    wanted = [CORPUS[3].id, CORPUS[17].id, "x:does-not-exist"]
    got = {m.id: m for m in store.get(wanted)}
    assert set(got) == {CORPUS[3].id, CORPUS[17].id}
    assert got[CORPUS[3].id] == CORPUS[3]
    assert got[CORPUS[17].id] == CORPUS[17]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f)[:60])
def test_count_and_iter_apply_filters(store: Store, filters: Filters):
    want = expected(filters)
    assert 0 < len(want) < len(CORPUS) or filters == Filters()
    assert store.count(filters) == len(want)
    streamed = list(store.iter_mentions(filters))
    assert [m.id for m in streamed] == [m.id for m in sorted(want, key=lambda m: m.created_at)]


@pytest.mark.parametrize("filters", TEXT_FILTERS, ids=lambda f: f.text)
def test_text_queries(store: Store, filters: Filters):
    want = {m.id for m in expected(filters)}
    assert want, "every text filter must match something in the corpus"
    assert store.count(filters) == len(want)
    page = store.search(filters, size=100)
    assert {h.mention.id for h in page.hits} == want
    assert all(h.highlight and "<mark>" in h.highlight for h in page.hits)


PAGED = [
    Filters(brand="acme"),
    # one brand given as a list, in a time range, with a text query (the store's per-brand time-order path)
    Filters(brands=("globex",), since=T0 + timedelta(hours=20), until=T0 + timedelta(days=3), text="NOT phone"),
]


@pytest.mark.parametrize("f", PAGED, ids=["brand", "one-brand-list-window-text"])
@pytest.mark.parametrize("sort", ["newest", "oldest", "engagement"])
def test_search_pages_through_everything_once(store: Store, sort: str, f: Filters):
    want = expected(f)
    seen: list[Mention] = []
    cursor = None
    pages = 0
    while True:
        page = store.search(f, size=7, cursor=cursor, sort=sort)
        assert page.total == len(want)
        seen += [h.mention for h in page.hits]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == -(-len(want) // 7)
    assert sorted(m.id for m in seen) == sorted(m.id for m in want)
    assert len({m.id for m in seen}) == len(seen)
    if sort == "newest":
        assert [m.created_at for m in seen] == sorted((m.created_at for m in want), reverse=True)
    elif sort == "oldest":
        assert [m.created_at for m in seen] == sorted(m.created_at for m in want)
    else:
        assert [m.engagement.total for m in seen] == sorted((m.engagement.total for m in want), reverse=True)


def test_bad_cursor_is_a_clear_error(store: Store):
    with pytest.raises(ValueError, match="cursor"):
        store.search(Filters(), cursor="not-a-cursor")


@pytest.mark.parametrize("interval", ["hour", "day"])
def test_histogram_by_sentiment(store: Store, interval: str):
    f = Filters(brand="acme")
    step = 3600 if interval == "hour" else 86400
    want: dict[int, Counter] = {}
    for m in expected(f):
        start = int(m.created_at.timestamp()) // step * step
        want.setdefault(start, Counter())[_label(m)] += 1
    buckets = store.histogram(f, interval=interval)
    assert [int(b.start.timestamp()) for b in buckets] == sorted(want)
    for b in buckets:
        c = want[int(b.start.timestamp())]
        assert (b.negative, b.neutral, b.positive, b.unknown) == (
            c["negative"],
            c["neutral"],
            c["positive"],
            c["unknown"],
        )


@pytest.mark.parametrize("field", ["lang", "source", "brand", "sentiment", "model"])
def test_facets(store: Store, field: str):
    f = Filters(since=T0 + timedelta(hours=10))

    def values(m: Mention) -> list[str]:
        if field == "brand":  # a mention counts once for each of its brands (share of voice)
            return m.brands or ["unknown"]
        if field == "model":  # the build that gave the label (Sentiment.model)
            return [m.sentiment.model if m.sentiment else "unknown"]
        return [(_label(m) if field == "sentiment" else getattr(m, field)) or "unknown"]

    want = Counter(v for m in expected(f) for v in values(m))
    got = store.facet(f, field)
    assert got == dict(want)
    assert list(got.values()) == sorted(got.values(), reverse=True)


def test_top_themes(store: Store):
    f = Filters(brand="globex")
    counts: dict[str, Counter] = {}
    for m in expected(f):
        for t in m.themes:
            counts.setdefault(t, Counter())[_label(m)] += 1
    want = sorted(counts, key=lambda t: (-sum(counts[t].values()), t))[:3]
    got = store.top_themes(f, n=3)
    assert [t.theme for t in got] == want
    for t in got:
        assert t.count == sum(counts[t.theme].values())
        assert t.sentiment == dict(counts[t.theme])


@pytest.mark.parametrize("interval", ["hour", "day"])
@pytest.mark.parametrize("f", [Filters(brand="acme"), Filters(sentiment="negative", lang="en"), Filters(text="refund")])
def test_theme_histogram_counts_each_asked_theme_per_bucket(store: Store, interval: str, f: Filters):
    """One query for every theme card's sparkline; themes not asked for, or never mentioned, are absent."""
    step = 3600 if interval == "hour" else 86400
    asked = ["support", "battery", "no such theme"]
    want: dict[str, Counter] = {}
    for m in expected(f):
        for t in set(m.themes) & set(asked):
            want.setdefault(t, Counter())[int(m.created_at.timestamp()) // step * step] += 1
    got = store.theme_histogram(f, asked, interval)
    assert {t: {int(k.timestamp()): n for k, n in series.items()} for t, series in got.items()} == {
        t: dict(c) for t, c in want.items()
    }
    assert all(list(series) == sorted(series) for series in got.values())
    assert store.theme_histogram(f, [], interval) == {}


def _local_day(moment: datetime, tz: str) -> int:
    """Local midnight of `moment`'s day in `tz`, as epoch seconds: computed here, not by the stores' helper."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    return int(datetime(local.year, local.month, local.day, tzinfo=zone).timestamp())


@pytest.mark.parametrize("tz", ["Asia/Seoul", "America/New_York", "Asia/Kolkata", "UTC"])
@pytest.mark.parametrize("f", [Filters(brand="acme"), Filters(text="refund")])
def test_histogram_days_in_a_zone_start_at_local_midnight(store: Store, tz: str, f: Filters):
    """Day buckets in `tz` (digest.timezone): both stores give the same local days, each with its counts."""
    want: dict[int, Counter] = {}
    for m in expected(f):
        want.setdefault(_local_day(m.created_at, tz), Counter())[_label(m)] += 1
    buckets = store.histogram(f, interval="day", tz=tz)
    assert [int(b.start.timestamp()) for b in buckets] == sorted(want)
    for b in buckets:
        c = want[int(b.start.timestamp())]
        assert (b.negative, b.neutral, b.positive, b.unknown) == tuple(c[k] for k in SENTIMENT_KEYS)
    themes: dict[str, Counter] = {}
    for m in expected(f):
        for t in set(m.themes) & {"support", "battery"}:
            themes.setdefault(t, Counter())[_local_day(m.created_at, tz)] += 1
    got = store.theme_histogram(f, ["support", "battery"], "day", tz=tz)
    assert {t: {int(k.timestamp()): n for k, n in s.items()} for t, s in got.items()} == {
        t: dict(c) for t, c in themes.items()
    }
    # Hours stay UTC hours in any zone.
    assert store.histogram(f, interval="hour", tz=tz) == store.histogram(f, interval="hour")


SENTIMENT_KEYS = ("negative", "neutral", "positive", "unknown")


def test_histogram_days_across_dst_changes_are_23_and_25_hours(empty_store: Store):
    """Europe/Berlin: 2026-03-29 has 23 hours, 2026-10-25 has 25; a post at 23:30 local on each lands in that
    day, one at 00:30 the next morning in the next."""
    berlin = ZoneInfo("Europe/Berlin")
    moments = [datetime(2026, 3, 29, 0, 30, tzinfo=berlin), datetime(2026, 3, 29, 23, 30, tzinfo=berlin),
               datetime(2026, 3, 30, 0, 30, tzinfo=berlin), datetime(2026, 10, 25, 0, 30, tzinfo=berlin),
               datetime(2026, 10, 25, 23, 30, tzinfo=berlin), datetime(2026, 10, 26, 0, 30, tzinfo=berlin)]
    mentions = [m.model_copy(update={"native_id": f"dst-{i}", "created_at": when.astimezone(UTC), "themes": ["dst"]})
                for i, (m, when) in enumerate(zip(CORPUS, moments, strict=False))]
    assert all(r.ok for r in empty_store.upsert(mentions))
    buckets = empty_store.histogram(Filters(), interval="day", tz="Europe/Berlin")
    starts = [b.start for b in buckets]
    assert [s.astimezone(berlin).strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2026-03-29 00:00", "2026-03-30 00:00", "2026-10-25 00:00", "2026-10-26 00:00"]
    assert [b.total for b in buckets] == [2, 1, 2, 1]
    assert starts[1] - starts[0] == timedelta(hours=23)
    assert starts[3] - starts[2] == timedelta(hours=25)
    series = empty_store.theme_histogram(Filters(), ["dst"], "day", tz="Europe/Berlin")["dst"]
    assert list(series) == starts and list(series.values()) == [2, 1, 2, 1]


def test_unknown_zone_is_refused(store: Store):
    with pytest.raises(ZoneInfoNotFoundError):
        store.histogram(Filters(), interval="day", tz="Mars/Olympus")


def test_top_authors(store: Store):
    f = Filters(brand="acme")
    stats: dict[tuple[str, str], list[int]] = {}
    for m in expected(f):
        s = stats.setdefault((m.author.handle, m.source), [0, 0, 0])
        s[0] += 1
        s[1] += m.engagement.total
        s[2] = max(s[2], m.author.followers or 0)
    want = sorted(stats.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0][0]))[:5]
    got = store.top_authors(f, n=5)
    assert [(a.handle, a.source, a.mentions, a.engagement, a.followers) for a in got] == [
        (h, s, *v) for (h, s), v in want
    ]


def test_unenriched_oldest_first(store: Store):
    want = [m.id for m in sorted(CORPUS, key=lambda m: m.created_at) if m.sentiment is None]
    assert [m.id for m in store.unenriched(limit=1000)] == want
    assert [m.id for m in store.unenriched(limit=3)] == want[:3]


def test_recollecting_keeps_enrichment(filled_store: Store):
    store = filled_store
    enriched = next(m for m in CORPUS if m.sentiment is not None and m.themes)
    bare = enriched.model_copy(update={"sentiment": None, "themes": [], "engagement": Engagement(likes=999)})
    (result,) = list(store.upsert([bare]))
    assert result.ok and not result.created
    (got,) = store.get([enriched.id])
    assert got.engagement.likes == 999
    assert got.sentiment == enriched.sentiment and got.themes == enriched.themes
    assert store.count() == len(CORPUS)


def test_a_persons_label_outlasts_every_model_write(empty_store: Store):
    """An analyst's correction (model ANALYST) is kept when a model's label is written over it (re-enrich,
    a write made from an older read) and when the post is re-collected bare; another person's label replaces it."""
    store = empty_store
    post = next(m for m in CORPUS if m.sentiment is not None and m.sentiment.label == "positive")
    assert all(r.ok for r in store.upsert([post.model_copy(update={"sentiment": analyst_label("negative")})]))
    modelled = post.model_copy(update={"intent": "complaint"})  # a model's "positive" again, and a new intent tag
    bare = post.model_copy(update={"sentiment": None, "engagement": Engagement(likes=7)})
    for write in (modelled, bare):
        assert all(r.ok for r in store.upsert([write]))
    (got,) = store.get([post.id])
    assert got.sentiment == analyst_label("negative") and got.sentiment.by_analyst
    assert (got.intent, got.engagement.likes) == ("complaint", 7)  # the rest of each write landed
    assert store.count(Filters(sentiment="negative")) == 1 and store.count(Filters(sentiment="positive")) == 0
    assert store.facet(Filters(), "model") == {ANALYST: 1}
    assert all(r.ok for r in store.upsert([post.model_copy(update={"sentiment": analyst_label("neutral")})]))
    assert store.get([post.id])[0].sentiment.label == "neutral"


def test_only_a_write_that_replaces_labels_gives_a_persons_label_back_to_a_model(empty_store: Store):
    """Undoing a correction (`replace_labels`) writes the model's label over the person's; the rest of the
    stored mention (brands, themes) is merged as in any write, and later model writes replace it again."""
    store = empty_store
    post = next(m for m in CORPUS if m.sentiment is not None and m.sentiment.label == "positive" and m.brands)
    assert all(r.ok for r in store.upsert([post.model_copy(update={"sentiment": analyst_label("negative")})]))
    assert all(r.ok for r in store.upsert([post.model_copy(update={"brands": []})], replace_labels=True))
    (got,) = store.get([post.id])
    assert got.sentiment == post.sentiment and got.brands == post.brands
    assert store.facet(Filters(), "model") == {post.sentiment.model: 1}
    newer = post.sentiment.model_copy(update={"label": "neutral", "model": "newer@2"})
    assert all(r.ok for r in store.upsert([post.model_copy(update={"sentiment": newer})]))
    assert store.get([post.id])[0].sentiment == newer


def test_a_step_writes_only_its_own_fields_over_what_another_step_wrote_since(empty_store: Store):
    """Re-enrich reads a batch, the spam and themes steps write the same mentions, then re-enrich writes its
    labels from the older read: the flag and the theme stay (`fields`). A bare re-collect of a mention not
    enriched yet keeps its spam flag; clearing the flag ("not spam") is a write of that field alone."""
    store = empty_store
    post = next(m for m in CORPUS if m.sentiment is not None and m.brands)
    raw = next(m for m in CORPUS if m.sentiment is not None and m.id != post.id).model_copy(
        update={"sentiment": None, "themes": [], "intent": None})
    assert all(r.ok for r in store.upsert([post, raw]))
    read = store.get([post.id])[0]  # re-enrich's read
    flagged = read.model_copy(update={"spam": "copy-paste campaign: 9 authors, 4 min"})
    assert all(r.ok for r in store.upsert([flagged], fields=base.SPAM))
    assert all(r.ok for r in store.upsert([read.model_copy(update={"themes": ["battery fire"]})], fields=base.THEMES))
    relabelled = read.sentiment.model_copy(update={"label": "neutral", "model": "newer@2"})
    assert all(r.ok for r in store.upsert([read.model_copy(update={"sentiment": relabelled})], fields=base.SENTIMENT))
    (got,) = store.get([post.id])
    assert (got.sentiment, got.spam, got.themes) == (relabelled, flagged.spam, ["battery fire"])
    assert got.brands == post.brands and got.text == post.text

    assert all(r.ok for r in store.upsert([raw.model_copy(update={"spam": "bot"})], fields=base.SPAM))
    assert all(r.ok for r in store.upsert([raw]))  # re-collected bare, before any enrichment
    assert store.get([raw.id])[0].spam == "bot"
    assert all(r.ok for r in store.upsert([raw.model_copy(update={"spam": None})], fields=base.SPAM))
    assert store.get([raw.id])[0].spam is None


@pytest.mark.parametrize("days_later", [2, 40], ids=["same month", "next month"])
def test_a_post_collected_again_keeps_the_time_it_was_first_stored_under(empty_store: Store, days_later: int):
    """An undated feed entry is dated when collected (extractors/rss.py, `undated: collected`): collected
    again later, in the same month or once a new month began, it must stay where it was in time, counted
    once, with what was learnt about it."""
    first = next(m for m in CORPUS if m.created_at.day < 25 and m.created_at.month == 4 and m.sentiment)
    post = first.model_copy(update={"extra": {**first.extra, DATED_BY: COLLECTED}})
    assert all(r.ok for r in empty_store.upsert([post]))
    later = post.model_copy(update={"created_at": post.created_at + timedelta(days=days_later), "sentiment": None})
    assert all(r.ok for r in empty_store.upsert([later]))
    (got,) = empty_store.get([post.id])
    assert got.created_at == post.created_at and got.sentiment == post.sentiment
    day = Filters(since=post.created_at - timedelta(hours=1), until=post.created_at + timedelta(hours=1))
    assert post.id in {m.id for m in empty_store.iter_mentions(day)} and empty_store.count() == 1


def test_significant_terms_find_the_spike(empty_store: Store):
    base = CORPUS[:30]
    spike = [
        Mention(
            source="x",
            native_id=f"spike{i}",
            text=f"Acme recall announced for exploding chargers, batch {i}",
            created_at=T0 + timedelta(days=5, minutes=i),
            brand="acme",
            lang="en",
        )
        for i in range(12)
    ]
    assert all(r.ok for r in empty_store.upsert(base + spike))
    fg = Filters(brand="acme", since=T0 + timedelta(days=5))
    terms = [t for t, _ in empty_store.significant_terms(fg, Filters(brand="acme"), n=5)]
    assert {"recall", "exploding", "chargers"} & set(terms), terms
    assert "acme" not in terms[:1]


def test_state(empty_store: Store):
    assert empty_store.get_state("cursor:x:acme") is None
    empty_store.set_state("cursor:x:acme", "123")
    empty_store.set_state("cursor:x:acme", "456")
    empty_store.set_state("alert:1", '{"id": 1}')
    assert empty_store.get_state("cursor:x:acme") == "456"
    assert empty_store.get_state("alert:1") == '{"id": 1}'
    assert empty_store.state_items("alert:") == {"alert:1": '{"id": 1}'}


def test_state_listing_and_deleting_by_key(empty_store: Store):
    """What each state facade's retention needs: list one key prefix, delete chosen keys."""
    for key in ("alert:1", "alert:2", "alert_sent:slack:1", "copy:url:https://a/1"):
        empty_store.set_state(key, key.upper())
    assert list(empty_store.state_items("alert:")) == ["alert:1", "alert:2"]  # not alert_sent:
    assert empty_store.delete_state(["alert:1", "alert:missing"]) == 1  # only keys that existed count
    assert empty_store.delete_state([]) == 0
    assert empty_store.get_state("alert:1") is None
    assert empty_store.state_items("alert") == {"alert:2": "ALERT:2", "alert_sent:slack:1": "ALERT_SENT:SLACK:1"}
    assert empty_store.delete_state(f"copy:url:https://a/{i}" for i in range(1, 600)) == 1  # many keys, a generator
    assert empty_store.state_items("copy:") == {}


def test_retention_deletes_only_older_mentions(filled_store: Store):
    store = filled_store
    cutoff = T0 + timedelta(days=2, hours=3)  # in April: whole March goes, part of April stays
    old = [m for m in CORPUS if m.created_at < cutoff]
    assert 0 < len(old) < len(CORPUS)
    assert store.delete_older_than(cutoff) == len(old)
    assert store.count() == len(CORPUS) - len(old)
    assert store.count(Filters(until=cutoff)) == 0
    assert store.delete_older_than(cutoff) == 0


# -- accents: search ignores Latin diacritics in both directions (docs/query-language.md) ----------
ACCENTED = {
    "a": "La batería dura poco",
    "b": "la bateria ya no carga",
    "c": "BATERÍA nueva de Lumorá",
    "d": "baterías baratas",  # another word: whole tokens still
    "e": "Lumora app is down",
    "f": "Straße gesperrt, Łódź too",
    "g": "Иод и йод",  # Cyrillic keeps its marks
}
# Ground truth written out by hand, not computed by the matcher under test.
ACCENT_QUERIES = {
    "bateria": {"a", "b", "c"},
    "batería": {"a", "b", "c"},
    "BATERIA": {"a", "b", "c"},
    '"bateria dura"': {"a"},
    "baterias": {"d"},
    "Lumora": {"c", "e"},
    "lumorá": {"c", "e"},
    "strasse AND lodz": {"f"},
    "йод": {"g"},
    "bateria NOT lumora": {"a", "b"},
}


def _accented() -> list[Mention]:
    return [
        Mention(source="x", native_id=f"acc-{key}", text=text, created_at=T0 + timedelta(hours=i), brand="acme")
        for i, (key, text) in enumerate(sorted(ACCENTED.items()))
    ]


def test_search_ignores_accents_both_ways(empty_store: Store):
    assert all(r.ok for r in empty_store.upsert(_accented()))
    for query, keys in ACCENT_QUERIES.items():
        want = {f"x:acc-{k}" for k in keys}
        f = Filters(brand="acme", text=query)
        assert {h.mention.id for h in empty_store.search(f, size=50).hits} == want, query
        assert empty_store.count(f) == len(want), query
        assert {m.id for m in empty_store.iter_mentions(f)} == want, query
    # Aggregations filter by the same text query.
    assert sum(b.total for b in empty_store.histogram(Filters(text="bateria"), "day")) == 3


def test_spam_is_out_of_every_count_unless_asked_for(empty_store: Store) -> None:
    """Filters.include_spam: flagged mentions leave counts, searches and aggregations (nlp/spam.py)."""
    flagged = {m.id for m in CORPUS[::4]}
    corpus = [m.model_copy(update={"spam": "promotion: 'giveaway'"}) if m.id in flagged else m for m in CORPUS]
    assert all(r.ok for r in empty_store.upsert(corpus))
    clean = [m for m in CORPUS if m.id not in flagged]
    f = Filters(brand="acme")
    assert empty_store.count() == len(clean)
    assert empty_store.count(Filters(include_spam=True)) == len(CORPUS)
    assert empty_store.count(f) == sum("acme" in m.brands for m in clean)
    assert empty_store.totals(f)["engagement"] == sum(m.engagement.total for m in clean if "acme" in m.brands)
    assert sum(b.total for b in empty_store.histogram(f, "day")) == empty_store.count(f)
    assert sum(empty_store.facet(Filters(), "brand").values()) == sum(len(m.brands) for m in clean)  # once per brand
    # The exclusion reasons (what the dashboard and run summary report), whole-store and per brand (covered).
    reasons = {"promotion: 'giveaway'": len(flagged), "unknown": len(clean)}
    assert empty_store.facet(Filters(include_spam=True), "spam") == reasons
    acme_flagged = sum("acme" in m.brands for m in CORPUS if m.id in flagged)
    acme_reasons = empty_store.facet(Filters(brand="acme", include_spam=True), "spam")
    assert acme_reasons.get("promotion: 'giveaway'") == acme_flagged
    assert "promotion: 'giveaway'" not in empty_store.facet(f, "spam")
    themes = Counter(t for m in clean for t in m.themes)
    assert {t.theme: t.count for t in empty_store.top_themes(Filters(), n=10)} == dict(themes)
    assert {h.mention.id for h in empty_store.search(Filters(), size=100).hits} == {m.id for m in clean}
    assert sum(a.mentions for a in empty_store.top_authors(Filters(), n=100)) == len(clean)
    assert {m.id for m in empty_store.iter_mentions(Filters(include_spam=True))} == {m.id for m in CORPUS}
    # The reason round-trips, and clearing it (an analyst's "not spam") brings the mention back.
    (one,) = empty_store.get([sorted(flagged)[0]])
    assert one.spam == "promotion: 'giveaway'"
    assert all(r.ok for r in empty_store.upsert([one.model_copy(update={"spam": None})]))
    assert empty_store.count() == len(clean) + 1


def _store_spam_as_written_before(store: Store, mention: Mention, reason: str) -> None:
    """Store `reason` as `mention`'s spam flag as a version before `core.mention.spam_reason` did: kept as given,
    blank or not (SQLite also kept a flag row for every truthy reason, spaces included)."""
    if store.name == "sqlite":
        conn = store._conn()
        conn.execute("UPDATE mentions SET doc = json_set(doc, '$.spam', ?) WHERE id = ?", (reason, mention.id))
        if reason:
            conn.execute("INSERT OR REPLACE INTO mention_spam (mention_rowid, reason) "
                         "SELECT rowid, ? FROM mentions WHERE id = ?", (reason, mention.id))
    else:
        from indexing.elasticsearch_mapping import month_index  # lazy: the Elasticsearch side only

        store.client.update(index=month_index(store.prefix, mention.created_at), id=mention.id,
                            doc={"spam": reason}, refresh=True)


def _reopened(store: Store) -> Store:
    """The same store opened again, as the next command would: every open's migration steps run."""
    if store.name == "sqlite":
        from indexing.sqlite import SqliteStore  # lazy: only the store a test asks for

        return SqliteStore(store.path)
    from indexing.elasticsearch import ElasticsearchStore  # lazy: as above

    return ElasticsearchStore(client=store.client, index_prefix=store.prefix)


@pytest.mark.parametrize("blank", ["", "  "], ids=["empty", "spaces"])
def test_a_blank_spam_reason_is_not_spam_on_every_store(empty_store: Store, blank: str) -> None:
    """`spam=""` (an import's empty column) is one shape everywhere: not spam (`core.mention.spam_reason`). It
    counts on both stores, reads back as None, and is in no facet; so is one a version before this stored."""
    posts = CORPUS[:6]
    reason = "copy-paste campaign: 9 authors, 4 min"
    imported = load_mention({**mention_record(posts[2]), "spam": blank})
    assert imported.spam is None
    written = [posts[0], posts[1].model_copy(update={"spam": reason}), imported, *posts[3:]]
    assert all(r.ok for r in empty_store.upsert(written))
    _store_spam_as_written_before(empty_store, posts[3], blank)
    store = _reopened(empty_store)
    try:
        assert store.count() == len(posts) - 1
        assert store.count(Filters(include_spam=True)) == len(posts)
        assert store.facet(Filters(include_spam=True), "spam") == {reason: 1, "unknown": len(posts) - 1}
        assert {h.mention.id for h in store.search(Filters(), size=100).hits} == {m.id for m in posts} - {posts[1].id}
        assert [m.spam for m in store.get([posts[2].id, posts[3].id])] == [None, None]
        # The light rows (response times, viral alerts, advocates) read what a whole mention reads.
        rows = {row.id: row.spam for row in store.iter_rows(Filters(include_spam=True))}
        assert rows == {m.id: (reason if m is posts[1] else None) for m in posts}
    finally:
        if store is not empty_store and store.name == "sqlite":
            store.close()


def test_advocates_rank_the_same_on_every_store(empty_store: Store) -> None:
    """groundswell.advocates reads through the Store protocol: each store gives the independent answer."""
    from groundswell.advocates import advocates

    assert all(r.ok for r in empty_store.upsert(CORPUS))
    for label in ("positive", "negative"):
        counts = Counter(
            (m.source, m.author.handle)
            for m in CORPUS
            if m.sentiment and m.sentiment.label == label and m.author.handle
        )
        want = {key: n for key, n in counts.items() if n >= 2}
        assert want  # the corpus has repeat authors of each sentiment (across brands)
        got = advocates(empty_store, None, sentiment=label, n=1000)
        assert {(a.source, a.handle): a.mentions for a in got} == want
        assert [a.score for a in got] == sorted((a.score for a in got), reverse=True)


def test_intent_filters_and_facets_on_every_store(empty_store: Store) -> None:
    """Mention.intent (nlp/intents.py): stored, filtered (`Filters.intent`) and counted (`facet("intent")`),
    whole-store and per brand (the covered path), spam still left out; a bare re-collect keeps it."""
    intents = ("question", "complaint", "praise", None)
    corpus = [m.model_copy(update={"intent": intents[i % len(intents)]}) for i, m in enumerate(CORPUS)]
    corpus = [m.model_copy(update={"spam": "bot"}) if i % 9 == 0 else m for i, m in enumerate(corpus)]
    assert all(r.ok for r in empty_store.upsert(corpus))
    clean = [m for m in corpus if not m.spam]
    want = Counter(m.intent or "unknown" for m in clean)
    assert empty_store.facet(Filters(), "intent") == dict(want)
    acme = Counter(m.intent or "unknown" for m in clean if "acme" in m.brands)
    assert empty_store.facet(Filters(brand="acme"), "intent") == dict(acme)
    for intent in ("question", "complaint"):
        ids = {m.id for m in clean if m.intent == intent}
        assert {m.id for m in empty_store.iter_mentions(Filters(intent=intent))} == ids
        assert empty_store.count(Filters(intent=intent, brand="acme")) == sum(
            "acme" in m.brands for m in clean if m.intent == intent
        )
    tagged = next(m for m in clean if m.intent == "question" and m.sentiment is not None)
    assert empty_store.get([tagged.id])[0].intent == "question"
    bare = tagged.model_copy(update={"sentiment": None, "themes": [], "intent": None})  # a re-collect
    assert all(r.ok for r in empty_store.upsert([bare]))
    assert empty_store.get([tagged.id])[0].intent == "question"


# -- the text query language: both stores return exactly the posts `Query.matches` accepts --------------
# (docs/query-language.md, "Searching stored mentions"). Each line is a trap one store once fell into.
QUERY_POSTS = [  # (key, text, lang)
    ("ad-word", "acme launched a new ad campaign today", "en"),  # the word 'ad', no hashtag
    ("ad-tag", "acme #ad sponsored", "en"),
    ("united-word", "united we stand, acme", "en"),  # the word 'united', no handle
    ("united-handle", "thanks @united for nothing", "en"),
    ("fediverse", "thanks @lumora@mastodon.social for the tip", "en"),
    ("pt-region", "acme chegou no Brasil", "pt-BR"),  # a region subtag in upper case
    ("acme-twice", "acme acme", "en"),
    ("acme-once", "acme phone broke", "en"),
    ("yo-1", "Купил шоколад Алёнка", "ru"),  # ё: usually written е, and Snowball stems it to е
    ("yo-2", "Нет шоколада Алёнки в магазине", "ru"),
    ("ye", "Аленки без ё", "ru"),
    ("tr-dotted", "İSTANBUL'da yeni mağaza #İstanbul", "tr"),  # İ folds to i + U+0307
    ("tr-plain", "Yeni mağaza Istanbul", "tr"),
    ("hi-kamla", "कमला आई", "hi"),  # the vowel sign ा belongs to the word: कमला is not कमल
    ("hi-kamal", "कमल खिला", "hi"),
    ("lumora-form", "Люморы нет в продаже", "ru"),
    ("lumora-lookalike", "Люморка продаётся", "ru"),  # stem люморк, not люмор
    # Snowball strips these dictionary forms further than their other forms: перегрев -> перегр, перегрева ->
    # перегрев; батарея -> батаре, батареи -> батар; telefono -> telef, telefoni -> telefon.
    ("overheat-gen", "Из-за перегрева телефон выключился", "ru"),
    ("battery-pl", "Батареи садятся за час", "ru"),
    ("it-phones", "I telefoni si scaldano", "it"),
    # Prefixes (`word*`): the words they start, folded, at a word's start only; a change of script ends a word.
    ("overheating", "Lumora Pulse keeps overheating", "en"),
    ("overheats", "my acme charger overheats", "en"),
    ("overhead", "overhead bin full", "en"),
    ("lumora-accent", "Me encanta LUMORÁ", "es"),
    ("lumora-han", "我爱Lumora手机", "zh"),
    ("ilumora", "ilumora is another word", "en"),
    # English forms (`burned~en`): Snowball maps burned, burning to burn; burnt (irregular) and burner keep theirs.
    ("burned", "My charger burned out", "en"),
    ("burning", "the case keeps burning", "en"),
    ("burnt", "smells burnt", "en"),
    ("burner", "bought a burner phone", "en"),
    # Emoji (tokens of their own, skin tones folded away) and cashtags (`$acme`, not the word acme).
    ("emoji-cjk", "acme 太烫了😡", "zh"),
    ("emoji-tone", "acme 👎🏽 broke", "en"),
    ("cashtag", "long $ACME 📈", "en"),
]
EXACT_QUERIES = [
    "#ad",
    "ad",
    "acme AND NOT #ad",
    "@united",
    "united AND NOT @united",
    "@lumora",
    "lang:pt-br",
    "lang:PT",
    "acme NEAR/0 acme",
    "NOT (acme NEAR/0 acme)",
    "acme NEAR/1 broke",
    "Алёнка",
    "аленки",
    "Алёнка~ru",
    "перегрев~ru",
    "батарея~ru",
    "telefono~it",
    "istanbul",
    "#istanbul",
    "İstanbul NOT #istanbul",
    "कमल",
    "कमला",
    "NOT कमल",
    "overheat*",
    "Lumor*",
    "lumór* OR overheat*",
    '"keeps overheat*"',
    '"lumor* pulse"',
    "lumor* NEAR/2 overheat*",
    "люмор*",  # both the form and the lookalike: a prefix is exact on both stores, unlike Люмора~ru
    "İstan*",
    "burn*",  # every word that starts with burn, burnt and burner too
    '"太烫了😡"',
    '"acme 👎"',
    "$acme",
    "acme NOT (😡 OR $acme)",
]


def _query_corpus() -> list[Mention]:
    return [
        Mention(
            source="import", native_id=key, text=text, lang=lang, created_at=T0 + timedelta(minutes=i), brand="acme"
        )
        for i, (key, text, lang) in enumerate(QUERY_POSTS)
    ]


@pytest.fixture(scope="module", params=STORES)
def query_store(request, tmp_path_factory) -> Iterator[tuple[str, Store]]:
    for opened in _open_store(request.param, request, tmp_path_factory.mktemp("queries")):
        assert all(r.ok for r in opened.upsert(_query_corpus()))
        yield request.param, opened


def _exact(query: str) -> set[str]:
    return {f"import:{key}" for key, text, lang in QUERY_POSTS if parse(query).matches(text, lang)}


@pytest.mark.parametrize("query", EXACT_QUERIES)
def test_text_query_finds_what_the_matcher_finds(query_store: tuple[str, Store], query: str) -> None:
    _, store = query_store
    f = Filters(text=query)
    want = _exact(query)
    assert want, "every query must match something in the corpus"
    assert {h.mention.id for h in store.search(f, size=50).hits} == want
    assert store.count(f) == len(want)
    assert {m.id for m in store.iter_mentions(f)} == want
    langs = Counter(lang_tag(lang) for key, _, lang in QUERY_POSTS if f"import:{key}" in want)  # as stored: pt-BR → pt
    assert store.facet(f, "lang") == dict(langs)
    assert sum(b.total for b in store.histogram(f, "day")) == len(want)


def test_inflected_terms_are_exact_on_sqlite_and_a_documented_superset_on_elasticsearch(
    query_store: tuple[str, Store],
) -> None:
    """Elasticsearch cannot stem: `word~ru` finds every word starting with the stem, and `NOT word~ru`
    excludes the written form only. Its results are never narrower than the matcher's."""
    kind, store = query_store
    found = {h.mention.id for h in store.search(Filters(text="Люмора~ru"), size=50).hits}
    negated = {h.mention.id for h in store.search(Filters(text="NOT Люмора~ru"), size=50).hits}
    if kind == "sqlite":
        assert found == _exact("Люмора~ru") == {"import:lumora-form"}
        assert negated == _exact("NOT Люмора~ru")
    else:
        assert found == _exact("Люмора~ru") | {"import:lumora-lookalike"}
        assert negated == _exact("NOT Люмора~ru") | {"import:lumora-form"}


@pytest.mark.parametrize(("query", "left_out"), [("acme NOT overheat*", {"overheats"}),
                                               ("NOT lumor*", {"overheating", "lumora-accent", "lumora-han"})])
def test_a_negated_prefix_leaves_out_every_word_it_starts(
    query_store: tuple[str, Store], query: str, left_out: set[str]
) -> None:
    _, store = query_store
    left_out = {f"import:{key}" for key in left_out}
    found = {h.mention.id for h in store.search(Filters(text=query), size=50).hits}
    assert found == _exact(query) and not found & left_out
    assert store.count(Filters(text=query)) == len(found)


def test_english_word_forms_are_exact_on_sqlite_and_a_documented_superset_on_elasticsearch(
    query_store: tuple[str, Store],
) -> None:
    """`burned~en` as `Люмора~ru`: Elasticsearch looks for the stem as a prefix (burn: burnt and burner too), and
    `NOT burned~en` there excludes the written form only."""
    kind, store = query_store
    found = {h.mention.id for h in store.search(Filters(text="burned~en"), size=50).hits}
    negated = {m.id for m in store.iter_mentions(Filters(text="acme OR NOT burned~en"))}
    assert _exact("burned~en") == {"import:burned", "import:burning"}
    if kind == "sqlite":
        assert found == _exact("burned~en")
        assert negated == _exact("acme OR NOT burned~en")
    else:
        assert found == _exact("burned~en") | {"import:burnt", "import:burner"}
        assert negated == _exact("acme OR NOT burned~en") | {"import:burning"}


def _damage(store: Store, mention: Mention) -> None:
    """Give one stored document a label this version rejects, as a newer version's write could."""
    if store.name == "sqlite":
        conn = store._conn()
        conn.execute("UPDATE mentions SET doc = json_set(doc, '$.sentiment', json('{\"label\": \"mixed\"}')) "
                     "WHERE id = ?", (mention.id,))
    else:
        from indexing.elasticsearch_mapping import month_index  # lazy: the Elasticsearch side only

        store.client.update(index=month_index(store.prefix, mention.created_at), id=mention.id,
                            doc={"sentiment": {"label": "mixed"}}, refresh=True)


def test_a_document_this_version_cannot_read_is_skipped_by_scans_and_named(empty_store: Store, caplog):
    """One unreadable post must not stop a report, the dashboard or an alert run: scans skip it, count it and
    log it by id. `get` still raises: its callers read "not returned" as "not stored"."""
    posts = CORPUS[:6]
    assert all(r.ok for r in empty_store.upsert(posts))
    bad = posts[2]
    _damage(empty_store, bad)
    with caplog.at_level("WARNING", logger="indexing.base"):
        assert [m.id for m in empty_store.iter_mentions()] == [m.id for m in posts if m is not bad]
        page = empty_store.search(Filters(), size=100, sort="oldest")
    assert [h.mention.id for h in page.hits] == [m.id for m in posts if m is not bad]
    assert empty_store.unreadable.count == 2 and list(empty_store.unreadable.named) == [bad.id]
    assert [r.getMessage() for r in caplog.records if bad.id in r.getMessage()] != []
    with pytest.raises(ValueError):
        empty_store.get([bad.id])
    # Un-enriched reads go on past it: stopping there would stop every later enrich run there too.
    waiting = [m.id for m in posts if m.sentiment is None and m is not bad]
    assert [m.id for m in empty_store.unenriched(limit=2)] == waiting[:2]


def test_unenriched_reads_past_the_unreadable_oldest(empty_store: Store):
    posts = [m.model_copy(update={"sentiment": None}) for m in CORPUS[:5]]
    assert all(r.ok for r in empty_store.upsert(posts))
    for bad in posts[:3]:
        _damage(empty_store, bad)
    assert [m.id for m in empty_store.unenriched(limit=2)] == [m.id for m in posts[3:]]
