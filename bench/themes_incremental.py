"""Themes step cost on a store of N mentions: the full clustering, a pass with nothing new, 1,000 new posts.

Each pass runs as a fresh process would (its own `SentenceEmbeddings`, nothing kept from enrich),
which is what the Airflow themes task and `groundswell themes` do. The corpus is
`bench/dashboard_data.py` (the demo's shape, two brands) with its theme labels removed, generated
and stored in chunks of `CHUNK` (never the whole corpus in memory at once).

    .venv/bin/python bench/themes_incremental.py --mentions 20000 --new 1000 \
        --out bench/results/themes_incremental.json

Issue 18's scale (targets in `TARGETS`: a no-op pass <= 10 s, 1,000 new posts <= 60 s):

    .venv/bin/python bench/themes_incremental.py --mentions 100000 --new 1000 \
        --out bench/results/themes_incremental_100k.json

The setup (generating and storing the mentions, then the first, full clustering, whose time is in
the result as `load_seconds` and `first_pass_full`) takes most of the run; `peak_rss_mb` is the
process's peak memory, `first_pass_peak_rss_mb` that peak as it stood right after the first pass (the full
clustering, the largest). Progress lines go to stderr.

Where the full pass spends its time: `--profile` runs the first pass under cProfile and adds `profile`, the
functions with the most cumulative time (profiling slows pure-Python code, not the encoder or k-means), e.g.

    .venv/bin/python bench/themes_incremental.py --mentions 10000 --new 1000 --profile \
        --out bench/results/themes_profile_10k.json
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dashboard_data import mentions as demo_mentions  # noqa: E402
from groundswell.config import BrandConfig, Config  # noqa: E402
from groundswell.pipeline import themes_pass  # noqa: E402
from indexing.sqlite import SqliteStore  # noqa: E402
from nlp.embeddings import SentenceEmbeddings  # noqa: E402

CHUNK = 5_000  # mentions generated and stored at a time
TARGETS = {"noop_pass": 10.0, "pass_with_new": 60.0}  # seconds, issue 18's "must show"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _load(store: SqliteStore, items: Iterator, n: int) -> float:
    """Store the next `n` mentions of `items` without theme labels, `CHUNK` at a time; the seconds it took."""
    start, done = time.perf_counter(), 0
    while done < n:
        rows = [m.model_copy(update={"themes": []}) for m in itertools.islice(items, min(CHUNK, n - done))]
        if not rows:
            raise RuntimeError(f"the corpus ran out after {done} of {n} mentions")
        failed = [r for r in store.upsert(rows) if not r.ok]
        if failed:
            raise RuntimeError(failed[0].error)
        done += len(rows)
        _say(f"stored {done:,} of {n:,}")
    return round(time.perf_counter() - start, 2)


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux: kilobytes


PROFILED = 25  # functions listed by `--profile`


def _profile(profiler: cProfile.Profile) -> list[dict]:
    """The PROFILED functions with the most cumulative time: where the pass went."""
    stats = pstats.Stats(profiler)
    rows = [(ct, tt, nc, f"{Path(file).name}:{line}({name})")
            for (file, line, name), (_cc, nc, tt, ct, _callers) in stats.stats.items()]  # type: ignore[attr-defined]
    rows.sort(key=lambda r: -r[0])
    return [{"function": where, "cumulative_s": round(ct, 2), "own_s": round(tt, 2), "calls": nc}
            for ct, tt, nc, where in rows[:PROFILED]]


def _pass(config: Config, store: SqliteStore, full: bool = False, profile: bool = False) -> dict:
    embeddings = SentenceEmbeddings(backend=config.nlp.backend)
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    try:
        passes = themes_pass(config, store, embeddings=embeddings, full=full)
    finally:
        if profiler is not None:
            profiler.disable()
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "texts_encoded": embeddings.encoded,
        "brands": {p.brand: {"mode": p.mode, "reason": p.reason, "new": p.new, "assigned": p.assigned,
                             "themes": len(p.themes)} for p in passes},
    } | ({"profile": _profile(profiler)} if profiler is not None else {})


def run(n: int, new: int, profile: bool = False) -> dict:
    config = Config(brands=[BrandConfig(name="Lumora", query="Lumora"),
                            BrandConfig(name="Sonique", query="Sonique", competitor=True)])
    corpus = demo_mentions(n + new)  # a generator: the new posts are the next ones in time
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        try:
            loaded = _load(store, corpus, n)
            _say("first pass (full clustering: no centroids yet)")
            first = _pass(config, store, profile=profile)
            first_peak = _peak_rss_mb()
            _say(f"first pass {first['seconds']} s; no-op pass")
            noop = _pass(config, store)
            _load(store, corpus, new)
            _say(f"no-op pass {noop['seconds']} s; pass with {new:,} new")
            added = _pass(config, store)
            _say(f"pass with new {added['seconds']} s")
        finally:
            store.close()
    timed = {"noop_pass": noop["seconds"], "pass_with_new": added["seconds"]}
    return {
        "mentions": n, "new": new, "backend": config.nlp.backend or "default", "cpu_count": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2), "load_seconds": loaded, "first_pass_full": first,
        "noop_pass": noop, "pass_with_new": added, "peak_rss_mb": _peak_rss_mb(), "first_pass_peak_rss_mb": first_peak,
        "targets_s": TARGETS, "targets_met": {k: timed[k] <= limit for k, limit in TARGETS.items()},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--out", type=Path, help="Write the JSON result here (e.g. bench/results/...)")
    parser.add_argument("--profile", action="store_true", help="Profile the first (full) pass: `profile` in the result")
    args = parser.parse_args(argv)
    result = run(args.mentions, args.new, args.profile)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
