"""What tagging the intents of stored posts costs (`groundswell store tag-intents`, and the upgrade backfill's
slices, groundswell/upgrade_backfill.py): posts per second, and how much of it the encoder takes.

    .venv/bin/python bench/intents_backfill.py --db STORE.db --config groundswell.yaml \
        [--out bench/results/intents_backfill.json]

STORE.db is copied first (the copy is tagged, the original left as it is): a SQLite store whose enriched posts
lack intent tags, such as one written before intent tags (27 Nov 2026) and opened by this version. Prints the
report (JSON); with --out, writes it. The load average is recorded: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="A SQLite store with enriched, untagged posts")
    parser.add_argument("--config", type=Path, required=True, help="Its groundswell.yaml (brands, nlp settings)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    import nlp.embeddings as embeddings_module
    from groundswell.config import load_config
    from groundswell.intents_backfill import tag_missing_intents, untagged_enriched
    from indexing.sqlite import SqliteStore

    encoder_s = 0.0
    encode = embeddings_module.encode_sentences

    def timed_encode(*a, **k):  # the encoder's share of the pass
        nonlocal encoder_s
        t = time.perf_counter()
        try:
            return encode(*a, **k)
        finally:
            encoder_s += time.perf_counter() - t

    embeddings_module.encode_sentences = timed_encode
    config = load_config(args.config)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as tmp:
        path = Path(tmp) / "store.db"
        shutil.copy(args.db, path)
        store = SqliteStore(path)
        try:
            untagged = untagged_enriched(store)
            load_before = list(os.getloadavg())
            t = time.perf_counter()
            report = tag_missing_intents(config, store)
            total_s = time.perf_counter() - t
            load_after = list(os.getloadavg())
            left = untagged_enriched(store)
        finally:
            store.close()
    entry = {
        "command": " ".join(["python", "bench/intents_backfill.py", *(argv if argv is not None else sys.argv[1:])]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "untagged_before": untagged, "tagged": report.tagged, "untagged_after": left,
        "total_s": round(total_s, 1), "encoder_s": round(encoder_s, 1),
        "posts_per_s": round(report.tagged / total_s, 1) if total_s else None,
        "encoder_share": round(encoder_s / total_s, 2) if total_s else None,
        "load_average_before": load_before, "load_average_after": load_after,
    }
    print(json.dumps(entry, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
