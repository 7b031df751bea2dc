"""Ids in another tool's export: only `<source>:<native_id>` with a real source's prefix is one of ours
(`core.mention.split_id`); any other `id` is the post's native id, whole. Before, `12:34`, a URL and `777` were
each cut at their first ':' (or not at all) and every row was refused."""

from __future__ import annotations

import pytest

from core.mention import make_id, split_id
from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore


def _config(path, db):
    return parse_config(
        {
            "brands": [{"name": "Lumora", "query": "Lumora"}],
            "sources": [{"type": "import", "options": {"path": str(path)}}],
            "store": {"type": "sqlite", "path": str(db)},
        }
    )


@pytest.mark.parametrize(
    ("ident", "expected"),
    [
        ("x:123", ("x", "123")),
        ("rss:https://blog.example/p/1", ("rss", "https://blog.example/p/1")),
        ("12:34", None),
        ("https://x.com/a/status/1", None),
        ("777", None),
        ("x:", None),
        ("agency:acme:123", ("agency:acme", "123")),  # a source name with ':' (s67 dimport, finding 2)
        ("agency:other:1", None),  # `agency` alone is no known source
        ("xx:1", None),  # `x` is a source, but `xx` is not: a whole prefix, not the first letters
    ],
)
def test_split_id_undoes_make_id_only_for_a_known_source(ident, expected):
    assert split_id(ident, ["x", "rss", "agency:acme"]) == expected
    if expected is not None:
        assert make_id(*expected) == ident


def test_an_id_only_csv_loses_no_row_and_keeps_its_ids_across_reimports(tmp_path):
    path, db = tmp_path / "e.csv", tmp_path / "g.db"
    path.write_text(
        "id,text,created_at,author_handle\n"
        "12:34,Lumora is great,2026-01-05T10:00:00Z,alice\n"
        "https://x.com/a/status/1,Lumora is bad,2026-01-05T10:01:00Z,bob\n"
        "777,Lumora ok,2026-01-05T10:02:00Z,carol\n"
        "x:555,Lumora from x,2026-01-05T10:03:00Z,dave\n"
        "import:42,Lumora imported before,2026-01-05T10:04:00Z,erin\n"
    )
    store = SqliteStore(db)
    report = collect(_config(path, db), store)
    assert report.errors == {} and report.skipped == 0
    first = {m.id: m.native_id for m in store.iter_mentions()}
    assert first == {
        "import:12:34": "12:34",
        "import:https://x.com/a/status/1": "https://x.com/a/status/1",
        "import:777": "777",
        "import:x:555": "x:555",  # no source column: only the `source` option's prefix is the row's source
        "import:42": "42",  # an id an earlier import made (`source` option `import`) keeps its id
    }
    # Read anew (a fresh store cursor on the same store): the same ids, nothing doubled.
    store.set_state("cursor:import:Lumora", "")
    collect(_config(path, db), store)
    assert {m.id: m.native_id for m in store.iter_mentions()} == first


def test_an_id_whose_prefix_is_not_the_rows_source_is_its_native_id(tmp_path):
    path, db = tmp_path / "e.csv", tmp_path / "g.db"
    path.write_text(
        "id,source,text,created_at\n"
        "reddit:abc,reddit,Lumora thread,2026-01-05T10:00:00Z\n"
        "x:9,mastodon,Lumora toot,2026-01-05T10:01:00Z\n"
    )
    store = SqliteStore(db)
    report = collect(_config(path, db), store)
    assert report.errors == {}
    assert {m.id for m in store.iter_mentions()} == {"reddit:abc", "mastodon:x:9"}


def test_reimporting_the_dashboards_export_of_a_source_with_a_colon_stores_nothing_twice(tmp_path):
    # s67 dimport finding 2: the dashboard's CSV export has `id` and `source` but no `native_id`; `agency:acme:123`
    # was cut at its first ':' (no source `agency`), and stored again as `agency:acme:agency:acme:123`.
    flat, db = tmp_path / "agency.csv", tmp_path / "g.db"
    flat.write_text("source,native_id,text,created_at\nagency:acme,123,Lumora rocks,2026-01-05T10:00:00Z\n")
    store = SqliteStore(db)
    collect(_config(flat, db), store)
    assert [m.id for m in store.iter_mentions()] == ["agency:acme:123"]
    export = tmp_path / "dashboard-export.csv"
    export.write_text(
        "id,source,url,created_at,brands,lang,sentiment,sentiment_by,author_handle,author_followers,engagement,"
        "reach,themes,text,spam,own,collected_at\n"
        "agency:acme:123,agency:acme,,2026-01-05T10:00:00+00:00,Lumora,en,positive,model,,,0,0,,Lumora rocks,,,"
        "2026-01-05T11:00:00+00:00\n"
    )
    report = collect(_config(export, db), store)
    assert report.errors == {} and report.skipped == 0
    assert [(m.id, m.native_id) for m in store.iter_mentions()] == [("agency:acme:123", "123")]
