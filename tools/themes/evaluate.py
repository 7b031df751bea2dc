"""How well the themes step finds a stream's hand-labelled topics: per topic, the best theme's precision and recall.

`python -m tools.themes.evaluate --stream ../shared/data/streams/gop-debate-2015 [--limit N] [--json FILE]`

The stream's `gold.jsonl` gives each post a `subject_matter` (the GOP debate stream: 11 topics
besides "None of the above"; posts without one are left out of every figure). Every post of
the stream is put under one brand (the debate itself) in a temporary SQLite store and the themes
step runs on it once, in full, exactly as `groundswell themes --full` would (real encoder, real
clustering). Sentiment is taken from the gold labels only to mark posts as enriched: themes
cluster on words and sentence embeddings, never on sentiment.

For each gold topic T and each theme θ (broad themes and their aspects: a post counts in every
theme it carries): precision = |θ ∩ T| / |θ| and recall = |θ ∩ T| / |T| (over the labelled
posts); the best-matching theme is the one with the highest F1. A topic *surfaces as a distinct
theme* when some theme is at least 50% that topic (precision ≥ 0.5), so no theme can count for
two topics; `largest_theme_share` shows a catch-all theme (the share of labelled posts in the
largest). `settings` records the themes settings the figures were made with.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from threadpoolctl import threadpool_limits

import nlp.theme_merge
import nlp.themes
from core.mention import Mention, Sentiment, load_mention
from groundswell.config import BrandConfig, Config
from groundswell.pipeline import themes_pass
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.embeddings import SentenceEmbeddings

BRAND = BrandConfig(name="GOP debate", query="GOPDebate OR GOPDebates")
NONE = "None of the above"
DISTINCT_PRECISION = 0.5
BLAS_THREADS = 1  # the evaluation's matrix products on one thread: the figure is the same on any core count


def load_stream(folder: Path, limit: int | None = None) -> tuple[list[Mention], dict[str, str | None]]:
    """The stream's first `limit` posts (all by default), as enriched mentions of BRAND, and id -> gold topic."""
    for name in ("mentions.jsonl", "gold.jsonl"):
        if not (folder / name).exists():
            raise SystemExit(f"{folder / name} is absent: pass --stream a folder of ../shared/data/streams")
    gold: dict[str, dict] = {}
    with (folder / "gold.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            gold[row["id"]] = row
    mentions = []
    with (folder / "mentions.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(mentions) >= limit:
                break
            m = load_mention(line)
            label = gold.get(m.id, {}).get("sentiment") or "neutral"
            mentions.append(m.model_copy(update={
                "brands": [BRAND.name], "lang": m.lang or "en",
                "sentiment": Sentiment(label=label, probs={label: 1.0}, model="gold"),
            }))
    return mentions, {m.id: gold.get(m.id, {}).get("subject_matter") for m in mentions}


def run_themes(
    mentions: list[Mention], embeddings: SentenceEmbeddings | None = None
) -> tuple[dict[str, list[str]], float]:
    """mention id -> its theme labels (a theme, then its aspect) after one full themes pass over
    `mentions`; and the seconds it took. `embeddings`: sentence embeddings already computed for
    these texts (None: the pass encodes them)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "eval.db")
        try:
            failed = [r for r in store.upsert(mentions) if not r.ok]
            if failed:
                raise SystemExit(f"could not store the stream: {failed[0].error}")
            config = Config(brands=[BRAND], store={"path": str(Path(tmp) / "eval.db")})
            start = time.perf_counter()
            # k-means pins its own threads (nlp.themes.KMEANS_THREADS); the figure also pins BLAS, so
            # no sum in the pass depends on the machine's core count (the encoder's do not: ONNX
            # Runtime gives the same vectors on 1 and 2 threads).
            with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
                themes_pass(config, store, full=True, embeddings=embeddings)
            seconds = time.perf_counter() - start
            assigned = {m.id: list(m.themes) for m in store.iter_mentions(Filters(include_spam=True)) if m.themes}
        finally:
            store.close()
    return assigned, seconds


def score(assigned: dict[str, list[str]], topics: dict[str, str | None]) -> dict:
    """Per gold topic, the best theme's precision and recall; how many topics surface as distinct themes.

    `assigned`: each post's theme labels. A post counts in every theme it carries (a broad theme
    and its aspect are both themes a person sees), so each theme is scored on its own members."""
    labelled = {mid: t for mid, t in topics.items() if t}
    theme_size: Counter = Counter()
    overlap: Counter = Counter()
    for mid, topic in labelled.items():
        for theme in assigned.get(mid, ()):
            theme_size[theme] += 1
            overlap[(topic, theme)] += 1
    topic_size = Counter(labelled.values())
    per_topic = {}
    for topic in sorted(t for t in topic_size if t != NONE):
        best = None
        for theme, size in theme_size.items():
            both = overlap[(topic, theme)]
            p, r = both / size, both / topic_size[topic]
            f1 = 2 * p * r / (p + r) if both else 0.0
            candidate = {"theme": theme, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3),
                         "in_both": both, "theme_size": size}
            if best is None or (f1, theme) > (best["f1"], best["theme"]):
                best = candidate
        distinct = [(overlap[(topic, th)] / n, overlap[(topic, th)] / topic_size[topic], th)
                    for th, n in theme_size.items() if overlap[(topic, th)] / n >= DISTINCT_PRECISION]
        entry = {"posts": topic_size[topic], "best": best, "distinct_theme": bool(distinct)}
        if distinct:  # the distinct theme that finds most of the topic
            p, r, th = max(distinct, key=lambda d: (d[1], d[0], d[2]))
            entry["distinct"] = {"theme": th, "precision": round(p, 3), "recall": round(r, 3)}
        per_topic[topic] = entry
    in_a_theme = sum(1 for mid in labelled if assigned.get(mid))
    return {
        "posts_labelled": len(labelled),
        "posts_in_a_theme": in_a_theme,
        "themes": len(theme_size),
        "largest_theme_share": round(max(theme_size.values()) / len(labelled), 3) if theme_size else 0.0,
        "topics": len(per_topic),
        "topics_with_a_distinct_theme": sum(v["distinct_theme"] for v in per_topic.values()),
        "per_topic": per_topic,
    }


def evaluate(folder: Path, limit: int | None = None) -> dict:
    mentions, topics = load_stream(folder, limit)
    assigned, seconds = run_themes(mentions)
    return {"stream": folder.name, "posts": len(mentions), "themes_seconds": round(seconds, 1),
            **score(assigned, topics)}


def settings() -> dict:
    """The themes settings the figures were made with (nlp/themes.py, nlp/theme_merge.py)."""
    return {"merge_keep": nlp.theme_merge.MERGE_KEEP, "nest_keep": nlp.theme_merge.NEST_KEEP,
            "max_merged_share": nlp.theme_merge.MAX_MERGED_SHARE,
            "split_share": nlp.themes.SPLIT_SHARE, "max_children": nlp.themes.MAX_CHILDREN,
            "child_min_posts": nlp.themes.CHILD_MIN_POSTS, "cross_language": nlp.themes.CROSS_LANGUAGE,
            "kmeans_threads": nlp.themes.KMEANS_THREADS, "blas_threads": BLAS_THREADS}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", type=Path, required=True, help="A folder with mentions.jsonl and gold.jsonl")
    parser.add_argument("--limit", type=int, help="Only the first N posts (a quick look; the figure is on all)")
    parser.add_argument("--json", type=Path, help="Also write the result here")
    args = parser.parse_args(argv)
    result = evaluate(args.stream, args.limit)
    result["settings"] = settings()
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
