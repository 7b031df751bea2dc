"""The import's `timezone` option across DST changes (time review s66, finding 4): local times in the hour a
change repeats or skips were resolved silently (all as the first pass, fold=0). They still are (s67 dimport,
finding 1: inferring the second pass from the file's order misread rough orders and fixed rows), but each kind is
counted and named, as the `created_at` stored, in one warning per file."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore

LOGGER = "groundswell.extractors.import_file"


def _config(path, db, brands=("Lumora",)):
    return parse_config(
        {
            "brands": [{"name": b, "query": b} for b in brands],
            "sources": [{"type": "import", "options": {"path": str(path), "timezone": "Europe/Rome"}}],
            "store": {"type": "sqlite", "path": str(db)},
        }
    )


def _rows(*rows: tuple[str, str]) -> str:
    return "".join(json.dumps({"native_id": n, "text": f"Lumora {n}", "created_at": when}) + "\n" for n, when in rows)


def _utc(store) -> dict[str, datetime]:
    return {m.native_id: m.created_at for m in store.iter_mentions()}


def _z(hour: int, minute: int, day: int = 25, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# Rome, 2026-10-25: 03:00 CEST (+02:00) becomes 02:00 CET (+01:00), so 02:00-03:00 happens twice.
IN_ORDER = (("f1", "2026-10-25T01:50:00"), ("f2", "2026-10-25T02:30:00"), ("f3", "2026-10-25T02:45:00"),
            ("f4", "2026-10-25T02:15:00"), ("f5", "2026-10-25T02:40:00"), ("f6", "2026-10-25T03:10:00"))
FIRST_PASS = {"f1": _z(23, 50, 24), "f2": _z(0, 30), "f3": _z(0, 45), "f4": _z(0, 15), "f5": _z(0, 40),
              "f6": _z(2, 10)}


def test_every_time_in_the_repeated_hour_is_stored_as_its_first_pass_and_named_as_stored(tmp_path, caplog):
    # Which pass a time was is not in the file; guessing it from the file's order misread rough orders (s67
    # dimport, finding 1). So all are the first pass, and the warning names the created_at times as stored.
    path, db = tmp_path / "rows.jsonl", tmp_path / "g.db"
    path.write_text(_rows(*IN_ORDER))
    store = SqliteStore(db)
    with caplog.at_level(logging.WARNING, LOGGER):
        collect(_config(path, db), store)
    assert _utc(store) == FIRST_PASS
    warnings = [r.getMessage() for r in caplog.records if "repeats when clocks go back" in r.getMessage()]
    assert len(warnings) == 1
    assert "4 timestamp(s)" in warnings[0] and "an hour later than stored" in warnings[0]
    assert "created_at 2026-10-25T02:30+02:00" in warnings[0] and "created_at 2026-10-25T02:15+02:00" in warnings[0]
    assert "second pass:" not in warnings[0]


def test_seconds_of_jitter_in_a_file_sorted_by_id_move_no_row(tmp_path):
    # s67 dimport finding 1: c is 2 s before b; the old inference took that step back for the clocks going back,
    # moving c and d an hour later (and e, f, the real second pass, kept the first pass).
    path, db = tmp_path / "rows.jsonl", tmp_path / "g.db"
    path.write_text(_rows(("a", "2026-10-25T01:59:00"), ("b", "2026-10-25T02:10:05"), ("c", "2026-10-25T02:10:03"),
                          ("d", "2026-10-25T02:40:00"), ("e", "2026-10-25T03:10:00"), ("f", "2026-10-25T03:09:58")))
    store = SqliteStore(db)
    collect(_config(path, db), store)
    got = {n: t.strftime("%H:%M:%S") for n, t in _utc(store).items()}
    assert got == {"a": "23:59:00", "b": "00:10:05", "c": "00:10:03", "d": "00:40:00", "e": "02:10:00",
                   "f": "02:09:58"}


def test_a_row_fixed_in_place_gets_the_time_a_fresh_read_gives_it(tmp_path):
    # s67 dimport finding 1: a row skipped as malformed and fixed later was read as the first pass while a
    # fresh read (a new store, a brand added later) read it as the second: one file, two instants.
    pad = "".join(json.dumps({"native_id": f"p{i}", "text": "Lumora pad " + "x" * 300,
                              "created_at": "2026-10-24T10:00:00"}) + "\n" for i in range(300))
    good = pad + _rows(*IN_ORDER[:5])
    cut = _rows(IN_ORDER[3])
    path, db = tmp_path / "rows.jsonl", tmp_path / "g.db"
    path.write_text(good.replace(cut, cut[:-3] + "\n"))  # f4 written cut: skipped, remembered
    store = SqliteStore(db)
    collect(_config(path, db), store)
    assert "f4" not in _utc(store)
    path.write_text(good)  # fixed in place (past the 64 KiB head: the cursor is kept)
    collect(_config(path, db), store)
    fresh = SqliteStore(tmp_path / "fresh.db")
    collect(_config(path, tmp_path / "fresh.db"), fresh)
    incremental = {n: t for n, t in _utc(store).items() if n.startswith("f")}
    assert incremental == {n: t for n, t in _utc(fresh).items() if n.startswith("f")}
    assert incremental["f4"] == _z(0, 15)


def test_the_files_own_collected_at_is_neither_zoned_nor_warned_about(tmp_path, caplog):
    # s67 dimport finding 5: the run's clock replaces a file's `collected_at`, so a DST warning about it named a
    # time stored nowhere.
    path, db = tmp_path / "rows.csv", tmp_path / "g.db"
    path.write_text("source,native_id,text,created_at,collected_at\n"
                    "x,1,Lumora a,2026-10-25 12:00:00,2026-10-25 02:30:00\n")
    store = SqliteStore(db)
    with caplog.at_level(logging.WARNING, LOGGER):
        collect(_config(path, db), store)
    stored = next(store.iter_mentions())
    assert stored.created_at == _z(11, 0)
    assert stored.collected_at > _z(11, 0)  # this run's clock, not the file's 02:30
    assert "repeats when clocks go back" not in caplog.text


def test_a_file_newest_first_infers_nothing_and_still_warns(tmp_path, caplog):
    # Going back in time is this file's order: it says nothing about folds, so every time is the first pass.
    path, db = tmp_path / "rows.jsonl", tmp_path / "g.db"
    path.write_text(_rows(("d1", "2026-10-25T03:10:00"), ("d2", "2026-10-25T02:40:00"), ("d3", "2026-10-25T02:15:00")))
    store = SqliteStore(db)
    with caplog.at_level(logging.WARNING, LOGGER):
        collect(_config(path, db), store)
    assert _utc(store) == {"d1": _z(2, 10), "d2": _z(0, 40), "d3": _z(0, 15)}
    assert "2 timestamp(s) fall in an hour that Europe/Rome repeats" in caplog.text


def test_a_time_in_the_skipped_hour_is_named_once_per_file(tmp_path, caplog):
    # Rome, 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 never happened there.
    path, db = tmp_path / "rows.jsonl", tmp_path / "g.db"
    path.write_text(_rows(("g1", "2026-03-29T02:30:00"), ("g2", "2026-03-29T03:30:00")))
    store = SqliteStore(db)
    with caplog.at_level(logging.WARNING, LOGGER):
        collect(_config(path, db, brands=("Lumora", "Sonique")), store)  # read once per brand, said once
    warnings = [r.getMessage() for r in caplog.records if "never existed" in r.getMessage()]
    assert len(warnings) == 1 and "1 timestamp(s)" in warnings[0] and "created_at 2026-03-29T02:30+01:00" in warnings[0]
    assert _utc(store) == {"g1": _z(1, 30, 29, 3), "g2": _z(1, 30, 29, 3)}
