"""A change of script ends an @handle (core/query/handles.py): `@lumora_kr님` and `@lumora_jpさん` mention
@lumora_kr and @lumora_jp on X and Mastodon, as those platforms link them, and on sites without accounts (which
also read the whole run: tests/query/test_handles_mixed_scripts_text2.py).

Before, X and Mastodon refused a handle followed by any word character (Hangul, kana and Han are word characters),
so a Korean or Japanese reply to a brand account was no mention of it; on RSS the particle became part of the
handle (`lumora님`). X's rule is twitter-text's: `validMentionOrList` takes [A-Za-z0-9_], `endMentionMatch`
refuses only '@', an accented Latin letter or '://' after it, and its conformance file (extract.yml) has
"の@usernameに到着を待っている" mention @username. Mastodon's `MENTION_RE` looks at nothing after the user name.
"""

from __future__ import annotations

import json

import pytest

from core.query import parse
from core.query.handles import handles
from core.query.marked import match_spans
from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore

SOURCES = ("x", "mastodon", "rss", "hackernews", None)

# (text, the handle it mentions on every source above)
MENTIONED = [
    ("@lumora_kr님 배터리가 또 과열됐어요", "lumora_kr"),  # Korean honorific straight after the handle
    ("@lumora_jpさん、バッテリーが熱いです", "lumora_jp"),  # Japanese さん
    ("@Lumora_KR님 답변 감사합니다", "lumora_kr"),
    ("@lumora의 새 제품", "lumora"),  # a particle
    ("@lumora_cn你好", "lumora_cn"),  # Han
    ("@lumora_kr-님", "lumora_kr"),  # punctuation ended it before as now
]


@pytest.mark.parametrize(("text", "handle"), MENTIONED)
@pytest.mark.parametrize("source", SOURCES)
def test_a_handle_ends_where_the_script_changes(text: str, handle: str, source: str | None) -> None:
    assert handle in handles(text, source)
    assert parse("@" + handle).matches(text, source=source)
    if source in ("x", "mastodon"):  # those platforms link only the handle before the particle
        assert not any(h.startswith(handle) and h != handle for h in handles(text, source))  # no 'lumora_kr님'


@pytest.mark.parametrize("source", ["x", "rss", None])
def test_a_handle_starts_where_the_script_changes(source: str | None) -> None:
    assert parse("@username").matches("の@usernameに到着を待っている", source=source)  # twitter-text's own case


@pytest.mark.parametrize(
    ("query", "text", "source"),
    [
        ("@alice", "@aliceìnheiro something", "x"),  # twitter-text: no mention before an accented Latin letter
        ("@alice", "@aliceìnheiro something", "mastodon"),
        ("@http", "@http://twitter.com", "x"),  # nor before '://'
        ("@abcdefghijklmno", "@abcdefghijklmnop님", "x"),  # 16 characters: longer than an X name, Hangul or not
        ("@lumora", "@lumora_kr님", "x"),  # never a prefix of the name
        ("@acme", "bob@acme.com", "x"),  # an e-mail address
        ("@acme", "bob@acme.com", "rss"),
        ("@lumora", "@@lumora님", "x"),
    ],
)
def test_what_still_is_no_mention(query: str, text: str, source: str) -> None:
    assert not parse(query).matches(text, source=source)


def test_hangul_and_han_handles_stay_whole_on_sites_without_accounts() -> None:
    assert handles("@삼성전자 최고", "rss") == {"삼성전자"}
    assert handles("@小米手机 好", "rss") == {"小米手机"}
    # Latin, then Hangul: the Latin run (a particle may follow it) and the whole run (a handle may mix scripts).
    assert handles("@lumora삼성", "rss") == {"lumora", "lumora삼성"}


def test_the_highlight_marks_the_handle_without_its_particle() -> None:
    text = "@lumora_kr님 배터리"
    spans = match_spans(text, parse("@lumora_kr").root, "x")
    assert [text[a:b] for a, b in spans] == ["@lumora_kr"]


def test_collection_keeps_korean_and_japanese_replies_to_the_brand_account(tmp_path) -> None:
    """The report's reproduction through the real import source, pipeline and SQLite store."""
    posts = [
        ("x", "k1", "@lumora_kr님 배터리가 또 과열됐어요", "LumoraKR"),
        ("x", "k2", "@lumora_kr 배터리가 또 과열됐어요", "LumoraKR"),
        ("x", "j1", "@lumora_jpさん、バッテリーが熱いです", "LumoraJP"),
        ("x", "j2", "@lumora_jp バッテリーが熱いです", "LumoraJP"),
        ("mastodon", "m1", "@lumora_kr님 답변 감사합니다", "LumoraKR"),
        ("rss", "r1", "@lumora_kr님 답변 감사합니다", "LumoraKR"),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(
        json.dumps({"source": s, "native_id": n, "text": t, "created_at": "2026-11-01T10:00:00Z"}) + "\n"
        for s, n, t, _ in posts
    ))
    config = parse_config({
        "brands": [{"name": "LumoraKR", "query": "@lumora_kr"}, {"name": "LumoraJP", "query": "@lumora_jp"}],
        "sources": [{"type": "import", "options": {"path": str(path)}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
    })
    store = SqliteStore(tmp_path / "g.db")
    collect(config, store)
    assert {m.id: m.brands for m in store.iter_mentions()} == {f"{s}:{n}": [brand] for s, n, _, brand in posts}
    store.close()
