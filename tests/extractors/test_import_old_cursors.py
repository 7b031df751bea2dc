"""Import cursors saved by the versions of 27 Nov-5 Dec (no `read_as`) are read as what they meant: the first run
after an upgrade goes on from where the old one stopped, instead of re-reading the file (whose old reposts then
became shares and fired a day-old viral alert)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore

KEY = "cursor:import:Lumora"


# The cursor as 7d1f259 (4 Dec; 989f4fb and c2ad9e0 alike) wrote it: `git show 7d1f259:extractors/import_file.py`.
def _file_identity(path: Path) -> str:
    """Hash of the file's first 64 KiB: a replaced file restarts from line 0, an appended one continues."""
    with path.open("rb") as handle:
        return hashlib.sha1(handle.read(65536)).hexdigest()[:12]


def _make_cursor(line: int, identity: str) -> str:
    return json.dumps({"line": line, "file": identity})


def _config(path: Path, db: Path, **options):
    return parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(path), **options}}],
        "store": {"type": "sqlite", "path": str(db)},
    })


def _rows(start: int, stop: int, pad: int = 0) -> str:
    out = []
    for i in range(start, stop):
        # Every third row a retweet of the one before: re-read, each would be recorded as a share.
        text = f"RT @lumora_fan: Lumora news {i - 1}" if i % 3 == 2 else f"Lumora news {i}"
        out.append(json.dumps({"source": "x", "native_id": str(i), "text": text + " " + "x" * pad,
                               "author": {"handle": "lumora_fan" if i % 3 != 2 else f"fan{i}"},
                               "created_at": f"2026-11-01T10:{i % 60:02d}:00Z"}) + "\n")
    return "".join(out)


def _upgrade(tmp_path: Path, pad: int, **options) -> tuple[SqliteStore, object, int]:
    """An old run imported the file's first 30 rows and saved its cursor; 5 rows were appended since."""
    path, db = tmp_path / "in.jsonl", tmp_path / "g.db"
    path.write_text(_rows(0, 30, pad))
    store = SqliteStore(db)
    assert collect(_config(path, db), store).errors == {}
    before = store.count()
    store.set_state(KEY, _make_cursor(30, _file_identity(path)))  # what the old version left
    for key in store.state_items("share:"):
        store.delete_state([key])  # the old versions recorded no shares
    with path.open("a") as handle:
        handle.write(_rows(30, 35, pad))
    return store, collect(_config(path, db, **options), store), before


def test_an_old_cursor_of_a_small_file_since_appended_goes_on_from_its_line(tmp_path):
    # The file was under 64 KiB: the old hash covers all of it then, a line-ending prefix of it now.
    store, report, before = _upgrade(tmp_path, pad=0)
    assert report.errors == {}
    assert report.collected == 5  # the 5 appended rows, not all 35 again
    assert not [k for k in store.state_items("share:") if int(k.rsplit(":", 1)[1]) < 30]  # no old repost
    assert json.loads(store.get_state(KEY))["line"] == 35 and store.count() > before


def test_an_old_cursor_of_a_large_file_goes_on_from_its_line(tmp_path):
    store, report, _ = _upgrade(tmp_path, pad=3000)  # 30 rows of 3 KB: the old hash covered its first 64 KiB
    assert report.errors == {} and report.collected == 5
    assert not [k for k in store.state_items("share:") if int(k.rsplit(":", 1)[1]) < 30]


def test_an_old_cursor_is_read_anew_when_the_options_now_read_rows_otherwise(tmp_path):
    # The old versions read zone-less times as UTC: under a `timezone` now, the rows read otherwise (today's rule).
    _, report, _ = _upgrade(tmp_path, pad=0, timezone="Europe/Paris")
    assert report.errors == {} and report.collected == 35


def test_an_old_cursor_of_a_file_whose_last_line_had_no_end_of_line_goes_on_from_its_line(tmp_path):
    # The old file ended without a newline; the append began by ending that line (LF or CRLF).
    for n, eol in enumerate(["\n", "\r\n"]):
        path, db = tmp_path / f"in{n}.jsonl", tmp_path / f"g{n}.db"
        path.write_bytes(_rows(0, 30).replace("\n", eol).removesuffix(eol).encode())
        store = SqliteStore(db)
        assert collect(_config(path, db), store).errors == {}
        store.set_state(KEY, _make_cursor(30, _file_identity(path)))  # what the old version left
        with path.open("ab") as handle:
            handle.write((eol + _rows(30, 35).replace("\n", eol)).encode())
        report = collect(_config(path, db), store)
        assert (eol, report.errors, report.collected) == (eol, {}, 5)  # the 5 appended rows, not all 35 again
        assert json.loads(store.get_state(KEY))["line"] == 35
        store.close()
