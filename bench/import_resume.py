"""What a run of the `import` source costs on a file with nothing new, or a little appended, since its last run
(docs/sources.md, "import"): the cursor's byte offset against the line count alone (cursors saved before the
offset, which every run read the whole file to reach).

    .venv/bin/python bench/import_resume.py --lines 20000

Writes a synthetic JSONL (and CSV) export of N Lumora posts to a temporary folder, imports it once through the
real pipeline (`collect` into SQLite), then times: a run with nothing new; the same with the cursor's offset
removed (as an earlier version saved it); a run after 100 lines are appended. Prints the report; writes it only
with --out.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import print_entry, run_entry  # noqa: E402
from groundswell.config import parse_config  # noqa: E402
from groundswell.pipeline import collect  # noqa: E402
from indexing.sqlite import SqliteStore  # noqa: E402

CURSOR = "cursor:import:Lumora"


def _rows(first: int, count: int, fmt: str) -> str:
    when = "2026-11-01T10:00:00Z"
    if fmt == "csv":
        return "".join(f"x,{i},Lumora post {i} about the new range,{when},user{i % 500}\n"
                       for i in range(first, first + count))
    return "".join(json.dumps({"source": "x", "native_id": str(i), "text": f"Lumora post {i} about the new range",
                               "created_at": when, "author": {"handle": f"user{i % 500}"}}) + "\n"
                   for i in range(first, first + count))


def _timed(config, store) -> tuple[float, int]:
    started = time.perf_counter()
    report = collect(config, store)
    assert report.errors == {}, report.errors
    return round(time.perf_counter() - started, 3), report.collected


def measure(folder: Path, lines: int, fmt: str) -> dict[str, object]:
    path, db = folder / f"export.{fmt}", folder / f"{fmt}.db"
    path.write_text(("source,native_id,text,created_at,author_handle\n" if fmt == "csv" else "") + _rows(0, lines, fmt))
    config = parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}],
                           "sources": [{"type": "import", "options": {"path": str(path), "format": fmt}}],
                           "store": {"type": "sqlite", "path": str(db)}})
    store = SqliteStore(db)
    first_s, first_n = _timed(config, store)
    nothing_s, nothing_n = _timed(config, store)
    # The cursor as versions before the byte offset saved it: every run read the file from its start.
    cursor = json.loads(store.get_state(CURSOR))
    saved = json.dumps({key: value for key, value in cursor.items() if key not in ("at", "tail")})
    store.set_state(CURSOR, saved)
    line_only_s, line_only_n = _timed(config, store)
    with path.open("a") as handle:
        handle.write(_rows(lines, 100, fmt))
    appended_s, appended_n = _timed(config, store)
    return {"format": fmt, "lines": lines, "bytes": path.stat().st_size,
            "first_run_s": first_s, "first_run_collected": first_n,
            "nothing_new_s": nothing_s, "nothing_new_collected": nothing_n,
            "nothing_new_line_cursor_only_s": line_only_s, "nothing_new_line_cursor_only_collected": line_only_n,
            "appended_100_s": appended_s, "appended_100_collected": appended_n}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gs-import-resume-") as tmp:
        runs = [measure(Path(tmp), args.lines, fmt) for fmt in ("jsonl", "csv")]
    print_entry(run_entry("bench/import_resume.py", argv, {"runs": runs}), args.out)


if __name__ == "__main__":
    main()
