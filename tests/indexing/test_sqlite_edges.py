"""The SQLite store at its edges, on real files: state keys beyond the Basic Multilingual Plane, times to
the millisecond (as Elasticsearch keeps them), and a damaged file."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.mention import Author, Engagement, Mention
from groundswell.cli import cli
from indexing.base import Filters, StoreUnavailable
from indexing.sqlite import SqliteStore

NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)


def at(i: int, ms: int, brands: tuple[str, ...] = ("acme",)) -> Mention:
    return Mention(source="x", native_id=str(i), text="acme post", created_at=NOON + timedelta(milliseconds=ms),
                   brands=list(brands), author=Author(handle=f"u{i}"), engagement=Engagement(likes=i))


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteStore(tmp_path / "g.db")
    yield s
    s.close()


# -- state keys ----------------------------------------------------------------------------------------
def test_state_items_finds_every_key_with_the_prefix_whatever_follows_it(store: SqliteStore):
    inside = ["themes:acme", "themes:😀brand", "themes:\uffffz", "themes:\U0010ffff", "themes:\U0010ffffz"]
    outside = ["themes", "themet", "themes;", "a", "\U0010ffff"]
    for key in inside + outside:
        store.set_state(key, "v")
    assert sorted(store.state_items("themes:")) == sorted(inside)
    assert sorted(store.state_items("themes:\U0010ffff")) == ["themes:\U0010ffff", "themes:\U0010ffffz"]
    assert store.state_items("\U0010ffff") == {"\U0010ffff": "v"}
    assert len(store.state_items("")) == len(inside) + len(outside)
    store.set_state("k\ud7ffx", "v")
    store.set_state("k\ue000", "v")  # after U+D7FF in UTF-8 order (no characters in between)
    assert store.state_items("k\ud7ff") == {"k\ud7ffx": "v"}


# -- times to the millisecond -----------------------------------------------------------------------------
WINDOWS = [  # (filter bounds in ms after noon) -> the ids Elasticsearch's date field (ms) matches
    ({"since": 500}, {"x:3"}),
    ({"until": 500}, {"x:1", "x:2"}),
    ({"since": 200}, {"x:2", "x:3"}),
    ({"until": 200}, {"x:1"}),
    ({"since": 200.9}, {"x:2", "x:3"}),  # a bound finer than a millisecond is cut down to it, as ES does
    ({"since": 0, "until": 700}, {"x:1", "x:2"}),
]


def _window(bounds: dict[str, float], **extra) -> Filters:
    return Filters(**{k: NOON + timedelta(milliseconds=v) for k, v in bounds.items()}, **extra)


def _matched(store: SqliteStore, f: Filters) -> set[str]:
    return {m.id for m in store.iter_mentions(f)}


@pytest.mark.parametrize(("bounds", "expected"), WINDOWS)
def test_time_filters_compare_milliseconds_like_elasticsearch(store: SqliteStore, bounds, expected):
    list(store.upsert([at(1, 0), at(2, 200), at(3, 700)]))
    assert _matched(store, _window(bounds)) == expected
    # Every SQL path a time bound takes: the mentions table, one brand's index (joined and covered), several.
    assert store.count(_window(bounds)) == len(expected)
    assert store.count(_window(bounds, brand="acme")) == len(expected)
    assert _matched(store, _window(bounds, brand="acme")) == expected
    assert store.count(_window(bounds, brands=["acme", "other"])) == len(expected)


def test_order_histogram_and_retention_keep_milliseconds(store: SqliteStore):
    list(store.upsert([at(3, 700), at(2, 200), at(1, 0)]))
    assert [m.id for m in store.iter_mentions()] == ["x:1", "x:2", "x:3"]
    assert [h.mention.id for h in store.search(Filters(), sort="newest").hits] == ["x:3", "x:2", "x:1"]
    first = store.search(Filters(), size=1, sort="oldest")
    assert store.search(Filters(), size=1, sort="oldest", cursor=first.next_cursor).hits[0].mention.id == "x:2"
    (bucket,) = store.histogram(Filters(), "hour")
    assert bucket.start == NOON and bucket.unknown == 3  # whole-hour buckets, as before
    assert store.delete_older_than(NOON + timedelta(milliseconds=500)) == 2
    assert [m.id for m in store.iter_mentions()] == ["x:3"]


def test_a_store_written_with_whole_seconds_gets_its_milliseconds_back_on_open(tmp_path: Path):
    from indexing.sqlite import FTS_VERSION

    path = tmp_path / "old.db"
    old = SqliteStore(path)
    list(old.upsert([at(1, 0), at(2, 200), at(3, 700, brands=("acme", "zeta"))]))
    conn = old._conn()  # what the previous version left: times cut to whole seconds, user_version 1
    conn.execute("UPDATE mentions SET created_at = CAST(created_at AS INTEGER)")
    conn.execute("UPDATE mention_brands SET created_at = CAST(created_at AS INTEGER)")
    conn.execute("PRAGMA user_version = 1")
    old.close()
    store = SqliteStore(path)
    try:
        assert store._conn().execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION  # every step ran
        for bounds, expected in WINDOWS:
            assert _matched(store, _window(bounds)) == expected, bounds
            assert store.count(_window(bounds, brand="acme")) == len(expected), bounds
        assert store.count(_window({"since": 500}, brand="zeta")) == 1
    finally:
        store.close()


# -- a damaged file ---------------------------------------------------------------------------------------
def test_a_damaged_file_is_one_clear_error_naming_it(tmp_path: Path):
    path = tmp_path / "gs.db"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreUnavailable, match=f"{path}.*not a database.*backup"):
        SqliteStore(path)


def test_the_cli_prints_a_damaged_store_as_one_line(tmp_path: Path):
    (tmp_path / "gs.db").write_bytes(os.urandom(8192))
    (tmp_path / "gs.yaml").write_text(
        "brands:\n  - name: Acme\n    query: Acme\nsources:\n  - type: hackernews\n"
        f"store:\n  type: sqlite\n  path: {tmp_path}/gs.db\n"
    )
    result = CliRunner().invoke(cli, ["themes", "--config", str(tmp_path / "gs.yaml")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: cannot open the SQLite store") and str(tmp_path / "gs.db") in line
