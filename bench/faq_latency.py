"""FAQ page latency (/api/faq): the first request of a dashboard process, with and without the start-up warm-up.

    .venv/bin/python bench/faq_latency.py --config /tmp/review-browser-s63/apple/groundswell.yaml \
        --brand Apple --days 7 --out /tmp/faq_latency.json

Opens the config's store and builds the dashboard app in a fresh process per mode (the encoder is loaded once
per process), then times real requests through it (FastAPI's TestClient, lifespan included):
  cold      `create_app(warm_faq=False)` (before the fix): the first request encodes every post, then repeats;
            then each part of one request alone: reading the posts, encoding them, clustering, grouping + JSON
  warmed    `create_app(warm_faq=True)` (as `groundswell serve`): the start-up warm-up's time, then the first
            request once it is done
  at_start  `warm_faq=True`, the first request sent the moment the app starts (it waits on the warm-up)
`--days 7` is what the FAQ page asks by default (the warm-up encodes the default brand's default view).
Prints one JSON object; writes it too with --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--brand", required=True)
    parser.add_argument("--since")
    parser.add_argument("--until")
    parser.add_argument("--days", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="cold,warmed,at_start")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one mode in this process (the driver's child)
    parser.add_argument("--out")
    args = parser.parse_args()
    params = {"brand": args.brand}
    for key in ("since", "until", "days"):
        if getattr(args, key) is not None:
            params[key] = str(getattr(args, key))
    if args.one:
        print(json.dumps(_one(args.one, args.config, params, args.repeat)))
        return
    report: dict[str, object] = {
        "bench": "faq_latency",
        "command": " ".join([".venv/bin/python", "bench/faq_latency.py", *sys.argv[1:]]),
        "config": args.config,
        "params": params,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg_1m_before": round(os.getloadavg()[0], 2),
    }
    for mode in args.modes.split(","):
        child = [sys.executable, __file__, "--one", mode, "--config", args.config, "--repeat", str(args.repeat)]
        child += [x for k, v in params.items() for x in (f"--{k}", v)]
        done = subprocess.run(child, capture_output=True, text=True, check=False, cwd=REPO)
        if done.returncode:
            raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
        report[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    report["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


def _one(mode: str, config_path: str, params: dict[str, str], repeat: int) -> dict[str, object]:
    """One mode in this (fresh) process."""
    from datetime import datetime

    from fastapi.testclient import TestClient

    from dashboards.web import faq as faq_view
    from dashboards.web.app import create_app
    from dashboards.web.params import Period
    from groundswell.config import load_config
    from groundswell.faq import MAX_POSTS, cluster
    from groundswell.pipeline import open_store
    from indexing.base import Filters
    from nlp.embeddings import SentenceEmbeddings
    from nlp.normalize import normalize

    config = load_config(config_path)
    store = open_store(config)
    out: dict[str, object] = {"max_posts": MAX_POSTS}
    try:
        app = create_app(store, config, warm_faq=mode != "cold")
        started = time.perf_counter()
        with TestClient(app, base_url="http://127.0.0.1") as client:
            if mode == "warmed":
                app.state.faq_warmed.wait(600)
                out["warm_up_ms"] = _ms(started)
                out["warm_up_encoded"] = app.state.faq_embeddings.encoded
            start = time.perf_counter()
            first = client.get("/api/faq", params=params)
            out["first_ms"] = _ms(start)
            first.raise_for_status()
            body = first.json()
            out["posts"] = {s: {"total": body[s]["total"], "clustered": body[s]["clustered"]}
                            for s in ("questions", "complaints")}
            out["encoded_after_first"] = app.state.faq_embeddings.encoded
            if mode != "cold":
                return out
            repeats = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get("/api/faq", params=params).raise_for_status()
                repeats.append(_ms(start))
            out["repeat_ms"] = {"median": round(statistics.median(repeats), 1), "all": repeats}
            # The parts of one request, each alone (a fresh vector store: the encoding of a cold request).
            period = Period(datetime.fromisoformat(body["period"]["since"]),
                            datetime.fromisoformat(body["period"]["until"]))
            start = time.perf_counter()
            posts = faq_view.faq_posts(store, Filters(brand=params["brand"]), period)
            parts: dict[str, float] = {"read_posts_ms": _ms(start)}
            texts = [normalize(m.text) for mentions, _ in posts.sections.values() for m in mentions]
            embeddings = SentenceEmbeddings()
            start = time.perf_counter()
            vectors = embeddings.for_texts(texts)
            parts["encode_ms"] = _ms(start)
            parts["encoded_texts"] = embeddings.encoded
            start = time.perf_counter()
            offset = 0
            for mentions, _ in posts.sections.values():
                cluster(vectors[offset:offset + len(mentions)])
                offset += len(mentions)
            parts["cluster_ms"] = _ms(start)
            start = time.perf_counter()
            json.dumps(faq_view.faq_groups(posts, period, embeddings, 10, 2, 3), default=str)
            parts["group_and_json_ms"] = _ms(start)
            out["parts"] = parts
    finally:
        store.close()
    return out


if __name__ == "__main__":
    main()
