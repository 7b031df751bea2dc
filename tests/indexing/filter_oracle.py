"""Whether a mention is in a `Filters` view, decided in plain Python: the oracle store tests hold SQL answers to."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from core.mention import Author, Engagement, Mention
from core.query import parse
from indexing.base import Filters


def in_view(m: Mention, f: Filters) -> bool:
    """Every filter field, as the stores read it (a missing follower count is 0; `uncertain` needs a label)."""
    checks = [
        f.brand is None or f.brand in m.brands,
        not f.brands or bool(set(f.brands) & set(m.brands)),
        f.source is None or m.source == f.source,
        f.lang is None or m.lang == f.lang,
        f.sentiment is None or (m.sentiment.label if m.sentiment else None) == f.sentiment,
        f.since is None or m.created_at >= f.since,
        f.until is None or m.created_at < f.until,
        f.theme is None or f.theme in m.themes,
        f.intent is None or m.intent == f.intent,
        f.min_followers is None or (m.author.followers or 0) >= f.min_followers,
        f.uncertain is None or (m.sentiment is not None and m.sentiment.uncertain == f.uncertain),
        f.include_spam or not m.spam,
        not f.text or parse(f.text).matches(m.text, m.lang),
    ]
    return all(checks)


def filter_combinations(brands, windows, fields, texts, crowded: tuple[str, ...]) -> list[Filters]:
    """Every brand x window x fields x text query as one Filters, less the fields that meet a text query when they
    are more than one or one of `crowded`: keeps the product modest, and each kind of field still meets each text
    query."""
    out = []
    for brand, window, chosen, text in itertools.product(brands, windows, fields, texts):
        if chosen and text and (len(chosen) > 1 or any(name in chosen for name in crowded)):
            continue
        out.append(Filters(**brand, **window, **chosen, text=text))
    return out


def grouped_counts(store, source: str, where: str, params: list, query, column: str) -> dict[str, int]:
    """Rows of a SQLite view per value of `column` (None as "unknown"), most first, as the store counted facets
    before its indices: GROUP BY in SQL without a text query; with one, each row the query matches (the store's
    `_rows`) counted here. `source`, `where`, `params` and `query` are what the store's `_source`/`_where` give."""
    result: dict[str, int] = {}
    if query is None:
        for value, n in store._conn().execute(f"SELECT {column}, count(*) FROM {source} WHERE {where} "
                                              f"GROUP BY {column}", params):
            result[value or "unknown"] = n
    else:
        for _, _, value in store._rows(f"SELECT m.text, m.lang, {column} FROM {source} WHERE {where}", params, query):
            result[value or "unknown"] = result.get(value or "unknown", 0) + 1
    return dict(sorted(result.items(), key=lambda kv: (-kv[1], kv[0])))


TEXTS = ("refund never came", "great battery life", "outage again #fail", "Поддержка не отвечает", "just a post")
LANGS = ("en", "en", "en", "ru", None)


def varied_mention(i: int, t0: datetime, **fields) -> Mention:
    """Mention `i` of a corpus whose filter fields vary with `i`: source, text (TEXTS, numbered), time (7 h apart
    from `t0`), language, brands (one, the other, both, or none), author and followers, likes, the theme "battery"
    on every fifth, a question on every sixth; `fields` (sentiment, spam) as given."""
    return Mention(
        source=("x", "reddit", "mastodon")[i % 3],
        native_id=str(i),
        text=f"{TEXTS[i % 5]} ({i})",
        created_at=t0 + timedelta(hours=7 * i),
        lang=LANGS[i % 5],
        # one brand, the other, both, or none
        brands=[["acme"], ["globex"], ["acme", "globex"], []][i % 4 if i % 9 else 2],
        author=Author(handle=f"user{i % 6}", followers=(i * 37) % 400),
        engagement=Engagement(likes=i % 11),
        themes=["battery"] if i % 5 == 1 else [],
        intent="question" if i % 6 == 0 else None,
        **fields,
    )
