"""The SQLite store's exact text path: where its FTS clause matches exactly the posts a query matches
(`indexing.sqlite_query.fts5_exact`), counts, totals and aggregations are answered by SQL alone and page one
of a search comes from one read of the index (`SqliteStore._first_page`), without the matcher on each row.

Every answer of that path is compared with the matcher path's (the same store with `fts5_exact` saying no
to every query, which is how the store answered every text query before) over many query shapes and
multilingual posts, and the counts with the matcher in plain Python. Last, the matcher's own shortcuts, for
the queries the exact path does not take: term spans tested per token, #tags and @handles read on demand."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

import indexing.sqlite as sqlite_store
from core.mention import Author, Engagement, Mention, Sentiment
from core.query import Query, parse
from core.query import match as match_module
from core.query.ast import Near, Not, Term
from core.query.emoji import SYMBOL_CHARS, SYMBOL_TOKEN
from core.query.handles import handles
from core.query.match import Post, folded_tokens, query_token_matches
from core.query.text import MARKS, fold, hashtags, normalize
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from indexing.sqlite_query import fts5_column, fts5_exact, to_fts5
from tests.query.query_samples import CASES

T0 = datetime(2026, 3, 1, tzinfo=UTC)

# Posts meant to trip an exact prefilter: words inside words, short words, accents and other foldings,
# particles after Hangul, unspaced scripts, #tags and @handles holding the words looked for, e-mails.
EDGE_TEXTS = [
    "Battery overheating while charging!!", "battery-overheating again", "batteryx xbattery battery_x",
    "the battery is fine", "overheat overheated overheats", "HP laptop, LG monitor and a 5G phone",
    "a b c", "x", "ab ab", "e-bike battery", "T Mobile, t-mobile, tmobile", "#ad #battery sale",
    "#BatteryLife is #ad free", "cc @battery @lumora@mastodon.social", "mail battery@example.com",
    "@acme.bsky.social says hi", "батарея перегрев", "ПЕРЕГРЕВ батареи у Люморы", "Алёнка и аленка",
    "caffè latte", "CAFFE e cafe\u0301", "naïve café", "Straße gesperrt", "İSTANBUL'da batarya",
    "삼성전자 삼성은 갤럭시의 배터리", "LG는 좋아요", "苹果手机 电池 很好", "ソニーの電池", "ｂａｔｔｅｒｙ ｆｕｌｌ",
    "ﬁre ﬂame", "Ⅻ chapters", "ǅemal Ǆ dž", "ᏣᎳᎩ ꮳꮃꭹ", "ΣΊΣΥΦΟΣ σίσυφος ς", "Ørsted oersted œuvre",
    "кафе Кафе КАФЕ", "कमला आई कमल", "", "   spaced    out   ", "battery " * 30,
    # Emoji (one token each, skin tones folded away) and cashtags (a `$tag` unit, never the word's).
    "Lumora 👎 battery 👍🏽", "battery太烫了😡😡", "$AAPL up, AAPL down #AAPL", "❤️‍🔥 ❤ 🔥", "🇫🇷🇩🇪 ★★",
    "$BRK.B 买入$AAPL上涨", "US$AAPL a$b", "battery 👩🏽‍💻 battery",
]
EDGE_QUERIES = [
    "battery AND (overheating OR charging)", "battery", "batter*", "overheat*", '"battery overheat*"',
    '"overheat* battery"', "a", "x", "ab", "hp", "5g", "LG", "e-bike", '"t mobile"', "t-mobile", "tmobile",
    "#ad", "#battery", "@battery", "@lumora", "battery NOT #ad", "ｂａｔｔｅｒｙ", "caffe", "caffè", "naive",
    "strasse", "ß", "İstanbul", "ᏣᎳᎩ", "ꮳꮃꭹ", "σίσυφος", "ΣΊΣΥΦΟΣ", "Ⅻ", "xii", "fire", "ﬁre", "dž", "ǅemal",
    "삼성전자", "삼성", '"삼성 전자"', "갤럭시 배터리", '"갤럭시 배터리"', "电池", "苹果手机", "ソニー", "перегрев",
    "перегрев~ru", "батарея~ru", "battery~en", "battery lang:en", "battery OR lang:ru", "lang:ko",
    "battery NEAR/2 overheating", "(battery OR батарея) AND (overheat* OR перегрев)", "NOT battery",
    "battery -overheating", "oersted", "oe", "кафе", "कमल", "аленка", "алёнка", "spaced out",
    '(battery OR "battery life") AND NOT (#ad OR @battery)', "battery OR (overheat* AND charging)",
    "😡", '"lumora 👎"', "👍", "👍🏿", '"太烫了😡"', '"battery 👩‍💻"', "$AAPL", "aapl", "$brk.b", "❤️", "❤️‍🔥", "🇩🇪",
    "★", "$AAPL OR 😡", "battery NOT 👎", "$AAPL NOT #aapl", "😡 NEAR/1 了",
    # `lang:` conjuncts the store decides on its language column (`sqlite_query.split_langs`), the rest by FTS or
    # the matcher; and `lang:`s it leaves to the matcher (under OR with a word, under NOT).
    "lang:unknown", "battery lang:zh", "(lang:en OR lang:ru) battery", "lang:en lang:ru", "lang:it NOT battery",
    "#ad lang:en", "lang:ko OR lang:unknown", "battery NOT lang:en", "lang:zh 电池",
]
TEXTS = sorted({text for _, text, _, _ in CASES} | set(EDGE_TEXTS))
QUERIES = list(dict.fromkeys([q for q, _, _, _ in CASES] + EDGE_QUERIES))
LANGS = ("en", "ru", "ko", None, "zh-Hans", "it")
WINDOW = {"since": T0 + timedelta(hours=40), "until": T0 + timedelta(hours=300)}
FILTERS = [
    Filters(),
    Filters(brand="acme", **WINDOW),
    Filters(brands=("acme", "globex"), lang="en", include_spam=True),
    Filters(sentiment="negative", min_followers=50),
]


def corpus() -> list[Mention]:
    out = []
    for i, text in enumerate(TEXTS * 2):  # twice: each text in more than one brand, language and time
        label = ("negative", "neutral", "positive", None)[i % 4]
        out.append(Mention(
            source=("x", "reddit", "mastodon", "rss")[i % 4],
            native_id=str(i),
            text=text,
            created_at=T0 + timedelta(hours=3 * i, milliseconds=i % 7),
            lang=LANGS[i % len(LANGS)],
            brands=[["acme"], ["globex"], ["acme", "globex"], []][i % 4 if i % 7 else 2],
            author=Author(handle=f"user{i % 9}", followers=(i * 37) % 200),
            engagement=Engagement(likes=(i * 13) % 17),  # ties in the engagement order
            sentiment=Sentiment(label=label, probs={label: 1.0}, model="test") if label else None,
            themes=["battery"] if i % 5 == 1 else [],
            spam="duplicate: campaign" if i % 11 == 3 else None,
        ))
    return out


CORPUS = corpus()
UNREADABLE = {m.id for m in CORPUS[5::23]}  # stored documents this version cannot read: pages skip them


@pytest.fixture(scope="module", params=["file", "memory"])
def store(request, tmp_path_factory):
    """The corpus in a file store (page one's reads in one read transaction) and in memory (no transaction)."""
    path = tmp_path_factory.mktemp("exact") / "g.db" if request.param == "file" else ":memory:"
    s = SqliteStore(path)
    assert all(r.ok for r in s.upsert(CORPUS))
    marks = ",".join("?" * len(UNREADABLE))
    s._conn().execute(f"UPDATE mentions SET doc = '{{\"broken\": true}}' WHERE id IN ({marks})", sorted(UNREADABLE))
    yield s
    s.close()


def walk(store: SqliteStore, f: Filters, sort: str, size: int) -> list[tuple]:
    """Every page of a search, following its cursors: ids, highlights, total, exactness, the cursor, and how
    many unreadable rows the page skipped (counted in `store.unreadable`)."""
    pages, cursor = [], None
    while True:
        skipped = store.unreadable.count
        page = store.search(f, size=size, cursor=cursor, sort=sort)  # type: ignore[arg-type]
        pages.append(([h.mention.id for h in page.hits], [h.highlight for h in page.hits], page.total,
                      page.total_exact, page.next_cursor, store.unreadable.count - skipped))
        cursor = page.next_cursor
        if cursor is None or len(pages) > 200:
            return pages


def answers(store: SqliteStore, f: Filters) -> dict[str, object]:
    """What every store method that reads a text query answers for these filters."""
    return {
        "count": store.count(f),
        "capped": [store.count_capped(f, cap) for cap in (0, 2, 10_000)],
        "pages": [walk(store, f, sort, size) for sort, size in (("newest", 3), ("oldest", 2), ("engagement", 4))],
        "relevance": store.search(f, size=5, sort="relevance"),
        "totals": store.totals(f),
        "histogram": store.histogram(f, "day"),
        "facets": [store.facet(f, field) for field in ("lang", "source", "brand", "sentiment", "spam")],
        "spam_reasons": store.spam_reasons(f.replace(include_spam=True)),
        "authors": store.top_authors(f, 5),
        "iter": [m.id for m in store.iter_mentions(f, chunk=7)],
    }


def matcher_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store as it was before the exact path: the matcher judges every text query's rows."""
    monkeypatch.setattr(sqlite_store, "fts5_exact", lambda query: False)


def test_queries_and_posts_cover_the_shapes_the_exact_path_decides_on():
    exact = [q for q in QUERIES if fts5_exact(parse(q))]
    assert len(exact) >= 60 and len(QUERIES) - len(exact) >= 40
    # Each such query finds something here, and misses something too.
    found = [q for q in exact if any(parse(q).matches(t) for t in TEXTS)]
    assert len(found) >= 50


@pytest.mark.parametrize("query", QUERIES)
def test_every_answer_of_the_exact_path_is_the_matcher_paths(store, query, monkeypatch):
    for f in FILTERS:
        f = f.replace(text=query)
        fast = answers(store, f)
        with monkeypatch.context() as m:
            matcher_path(m)
            assert answers(store, f) == fast, f
        expected = sum(1 for m in CORPUS if _matches(m, f))
        assert fast["count"] == expected, (f, fast["count"], expected)


@pytest.mark.parametrize("query", ["battery", "battery OR overheat*", "#ad", "NOT battery"])
def test_a_total_past_the_cap_and_pages_past_unreadable_rows_agree_too(store, query, monkeypatch):
    # A cap lower than the matches, so page one's ordered read of the keys stops early (and the page is
    # built from unreadable rows and readable ones after them).
    monkeypatch.setattr(sqlite_store, "TOTAL_CAP", 3)
    f = Filters(text=query, include_spam=True)
    fast = [walk(store, f, sort, size) for sort, size in (("newest", 1), ("oldest", 2), ("engagement", 5))]
    assert fast[0][0][2:4] == (3, False)
    with monkeypatch.context() as m:
        matcher_path(m)
        assert [walk(store, f, sort, size) for sort, size in (("newest", 1), ("oldest", 2), ("engagement", 5))] == fast


def test_more_unreadable_rows_than_the_cap_before_the_page_is_complete(tmp_path, monkeypatch):
    """Page one's keys run out before the page does: the page loop answers, as it always did."""
    s = SqliteStore(tmp_path / "g.db")
    posts = [Mention(source="x", native_id=f"u{i}", text="battery", created_at=T0 + timedelta(hours=i))
             for i in range(12)]
    assert all(r.ok for r in s.upsert(posts))
    s._conn().execute("UPDATE mentions SET doc = '{}' WHERE rowid IN (SELECT rowid FROM mentions LIMIT 8)")
    monkeypatch.setattr(sqlite_store, "TOTAL_CAP", 5)
    fast = walk(s, Filters(text="battery", include_spam=True), "oldest", 2)
    with monkeypatch.context() as m:
        matcher_path(m)
        assert walk(s, Filters(text="battery", include_spam=True), "oldest", 2) == fast
    assert [(len(p[0]), p[5]) for p in fast] == [(2, 8), (2, 0)] and fast[0][2:4] == (5, False)


def test_an_exact_query_is_answered_without_the_matcher(store, monkeypatch):
    """The point of the exact path: no row goes through `Query.matches` (each call parses the whole post)."""

    def refuse(self, text, lang=None, source=None):
        raise AssertionError(f"matcher called for {self.text!r}")

    monkeypatch.setattr(Query, "matches", refuse)
    f = Filters(text="battery AND (overheating OR charging)")
    assert store.count(f) == store.count_capped(f, 100)[0] == store.totals(f)["mentions"] > 0
    assert store.search(f, size=2).total == store.count(f)
    with pytest.raises(AssertionError, match="matcher called"):
        store.count(Filters(text="battery NOT overheating"))  # NOT: the superset still goes to the judge


def test_page_one_in_a_callers_transaction_stays_in_it(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in s.upsert(CORPUS[:40]))
    conn = s._conn()
    conn.execute("BEGIN")
    page = s.search(Filters(text="battery"), size=2)
    assert conn.in_transaction and page.total == s.count(Filters(text="battery"))
    conn.execute("COMMIT")
    assert not conn.in_transaction


@pytest.mark.parametrize(
    ("query", "exact"),
    [
        ("battery", True),
        ('"battery life"', True),  # one segment: ' battery life '
        ("a", True),  # ' a ': three characters, long enough for a trigram
        ("batter*", True),  # ' batter': a word that starts with it
        ('"battery overheat*"', True),  # the open token is the last one
        ('"overheat* battery"', False),  # ' overheat' AND ' battery ': found apart
        ("삼성", True),  # ' 삼성': an eojeol that starts with it
        ("삼", False),  # ' 삼' is too short for a trigram: no prefilter
        ('"갤럭시 배터리"', False),  # two segments, each a prefix
        ("LG는", True),  # ' lg 는': the Hangul token is the last
        ("苹果", True),  # ' 苹 果 '
        ("caffè OR Алёнка", True),  # folded on both sides
        ("battery AND (overheating OR charging)", True),
        ("battery~en", False),  # a prefix of the stem stands for every form
        ("battery NOT overheating", False),  # NOT is dropped from the prefilter
        ("battery NEAR/2 charging", False),  # relaxed to AND
        ("battery lang:en", False),  # the language is not in the column
        ("#battery", True),  # its ' #battery ' unit
        ("@battery", False),
        ("battery OR #ad", True),
        ("#ad NOT battery", False),
        ("😡", True),  # ' 😡 ': an emoji is a unit of the column like a word
        ('"lumora 👎"', True),
        ('"太烫了😡"', True),
        ("$AAPL", True),  # its ' $aapl ' unit
        ("$AAPL OR 😡", True),
    ],
)
def test_which_query_shapes_are_exact(query, exact):
    assert fts5_exact(parse(query)) is exact
    if exact:
        assert to_fts5(parse(query), normalized=True)  # an exact query always has a clause


@pytest.mark.slow
def test_trigram_case_folding_merges_no_two_characters_the_search_column_can_hold():
    """`fts5_exact` needs the trigram index to find a string exactly where it is; with its case folding on
    (the default) that holds as long as it maps no two characters the column can hold to one character."""
    # Word characters and marks; symbols (emoji, and unassigned code points of the emoji planes), ZWJ and tags.
    word = re.compile(rf"[\w{MARKS}]|{SYMBOL_CHARS.pattern}|[\u200d\U000e0020-\U000e007f]")
    alphabet = set(" #@$.-_")  # between units, and in the #tag, $tag and @handle ones (`core.query.document`)
    for cp in range(0x110000):
        if unicodedata.category(chr(cp)) in ("Cn", "Cs", "Co") and not 0x1F000 <= cp <= 0x1FFFD:
            continue  # in no token of any post
        n = normalize(chr(cp))
        alphabet.update(ch for ch in n + fold(n) if word.match(ch))
    chars = sorted(alphabet)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(doc, tokenize='trigram')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.executemany("INSERT INTO t(rowid, doc) VALUES (?, ?)", [(i, ch * 3) for i, ch in enumerate(chars)])
    seen: dict[str, str] = {}
    for i, term in db.execute("SELECT doc, term FROM v"):
        other = seen.setdefault(term, chars[i])
        assert other == chars[i], f"U+{ord(other):04X} and U+{ord(chars[i]):04X} are one character to the index"
    assert len(seen) == len(chars) > 100_000


def test_the_column_holds_single_spaces_between_units_with_none_inside():
    """The other premise of `fts5_exact`, on every post here: ' unit unit ... ', each unit a word (word
    characters and marks), an emoji or a #tag / $tag / @handle unit, never empty."""
    for text in TEXTS:
        column = fts5_column(text)
        assert column.startswith(" ") and column.endswith(" ")
        units = column[1:-1].split(" ") if column.strip() else []
        assert all(re.fullmatch(rf"[\w{MARKS}]+|{SYMBOL_TOKEN}|[#@$]\S+", u) for u in units), (text, units)


def _matches(m: Mention, f: Filters) -> bool:
    checks = [
        f.brand is None or f.brand in m.brands,
        not f.brands or bool(set(f.brands) & set(m.brands)),
        f.lang is None or m.lang == f.lang,
        f.sentiment is None or (m.sentiment.label if m.sentiment else None) == f.sentiment,
        f.since is None or m.created_at >= f.since,
        f.until is None or m.created_at < f.until,
        f.min_followers is None or (m.author.followers or 0) >= f.min_followers,
        f.include_spam or not m.spam,
        not f.text or parse(f.text).matches(m.text, m.lang),
    ]
    return all(checks)


# The matcher itself, where the exact path does not apply (NOT, NEAR, lang:, #tags, @handles, `word~xx`).


def _terms(node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return _terms(node.left) + _terms(node.right)
    if isinstance(node, Not):
        return _terms(node.item)
    return [t for item in getattr(node, "items", ()) for t in _terms(item)]


def test_term_spans_are_where_each_query_token_matches_in_turn():
    """`Post.spans` (one test per query token, decided once per term) against the rule it stands for:
    `query_token_matches` at every position."""
    terms = {t for q in QUERIES for t in _terms(parse(q).root)}
    assert len(terms) > 80
    for text in TEXTS:
        post = Post.of(text, None)
        for term in terms:
            query, k = folded_tokens(term.tokens), len(term.tokens)
            expected = [
                (i, i + k)
                for i in range(len(post.tokens) - k + 1)
                if all(query_token_matches(q, post.tokens[i + j], term.inflect, j in term.prefix, j in term.infix)
                       for j, q in enumerate(query))
            ]
            assert post.spans(term) == expected, (text, term)


@pytest.mark.parametrize("source", [None, "x", "reddit", "mastodon", "bluesky", "hackernews", "rss"])
def test_a_posts_tags_and_handles_are_read_as_before_when_asked_for(source):
    for text in TEXTS:
        post = Post.of(text, "en", source)
        assert post.hashtags == {fold(t) for t in hashtags(text)}
        assert post.handles == {fold(h) for h in handles(text, source)}


def test_a_query_without_tags_or_handles_never_reads_them(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("read the post's #tags or @handles")

    monkeypatch.setattr(match_module, "handles", refuse)
    monkeypatch.setattr(match_module, "hashtags", refuse)
    assert parse("battery NOT overheat* lang:en").matches("battery overheating #ad @lumora", "en") is False
    assert parse("battery NEAR/1 charging").matches("@lumora battery charging", "en") is True
    with pytest.raises(AssertionError, match="tags or @handles"):
        parse("battery NOT #ad").matches("battery", "en")
