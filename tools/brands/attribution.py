"""Brand attribution on a real stream against its gold labels: does every tweet count for the
candidates it names?

`python -m tools.brands.attribution --stream ../shared/data/streams/gop-debate-2015 [--limit N] [--json PATH]`

Collects the stream's `mentions.jsonl` through the real pipeline (`groundswell.pipeline.collect`, one pass
per brand of the stream's `groundswell.yaml`, into a throwaway SQLite store), then compares what the
store holds with `gold.jsonl` (`candidate` per tweet id: "Donald Trump", ..., "No candidate mentioned").
Per candidate: precision and recall of brand membership (a tweet counts for a candidate when the
candidate is among its stored `brands`; gold gives one candidate per tweet, so a tweet naming two is
a correct hit for one and a false positive for the other). Beside it, the rule before issue 16 (a tweet
stored once, under the last brand whose pass found it), and the tweets counted for 2+ brands, stored and
computed by matching every brand's query directly (`groundswell.brands.brands_matching`): they must agree.
A retweet collection drops as a copy (`groundswell/copies.py`) is not stored, so it counts for no candidate
above; `with_copies` scores each tweet by the stored post that tells its story (itself, or the post it was
recorded as a share of, `alerts.shares`).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click

from alerts.shares import Shares
from core.mention import load_mention
from groundswell.brands import brands_matching
from groundswell.pipeline import collect
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from tools.result_file import show_result
from tools.stream_store import stream_config, stream_slice

NO_CANDIDATE = "No candidate mentioned"


def _prf(tp: int, predicted: int, actual: int) -> dict[str, Any]:
    return {
        "tp": tp,
        "predicted": predicted,
        "gold": actual,
        "precision": round(tp / predicted, 4) if predicted else None,
        "recall": round(tp / actual, 4) if actual else None,
    }


def evaluate(stream: Path, limit: int | None = None) -> dict[str, Any]:
    """Collect the stream (or its first `limit` tweets) and score the stored brand membership against gold."""
    stream = Path(stream)
    with tempfile.TemporaryDirectory(prefix="gs-attribution-") as tmp:
        workdir = Path(tmp)
        mentions_path = stream_slice(stream, limit, workdir)
        config = stream_config(stream, mentions_path, workdir)
        store = SqliteStore(workdir / "groundswell.db")
        started = time.perf_counter()
        try:
            run = collect(config, store, use_cursor=False)
            stored = {m.id: m for m in store.iter_mentions()}
            facet = store.facet(Filters(), "brand")
            shared = {s.repost: s.original for s in Shares(store).between(None, None)}
        finally:
            store.close()
        seconds = time.perf_counter() - started
        posts = [load_mention(line) for line in mentions_path.open(encoding="utf-8") if line.strip()]
    names = [b.name for b in config.brands]
    gold = _gold(stream / "gold.jsonl", {p.id for p in posts})
    direct = {p.id: list(brands_matching(p, config.brands)) for p in posts}
    now = {i: set(stored[i].brands) if i in stored else set() for i in gold}
    # A dropped copy counts through the stored post it copies (the story counted once, for its brands).
    told = {i: now[i] or (set(stored[shared[i]].brands) if shared.get(i) in stored else set()) for i in gold}
    # Before issue 16: one brand per stored tweet, the last (in config order) whose pass collected it.
    before = {i: ({[b for b in names if b in now[i]][-1]} if now[i] else set()) for i in gold}
    per_candidate = {}
    for name in names:
        actual = sum(1 for c in gold.values() if c == name)
        row = {}
        for label, assigned in (("multi_brand", now), ("single_brand_before", before), ("with_copies", told)):
            predicted = sum(1 for i in gold if name in assigned[i])
            tp = sum(1 for i, c in gold.items() if c == name and name in assigned[i])
            row[label] = _prf(tp, predicted, actual)
        # Where the false positives come from: the gold candidate of tweets counted for `name` but labelled otherwise.
        wrong = Counter(c for i, c in gold.items() if c != name and name in now[i])
        row["false_positives_gold"] = dict(wrong.most_common(3))
        per_candidate[name] = row
    multi_stored = sorted(i for i, m in stored.items() if len(m.brands) >= 2)
    multi_direct = sorted(i for i in stored if len(direct.get(i, [])) >= 2)
    return {
        "stream": stream.name,
        "tweets": len(posts),
        "gold_tweets": len(gold),
        "stored": len(stored),
        "not_stored": {"matched_no_brand": sum(1 for p in posts if not direct[p.id]),
                       "copies": run.duplicates},
        "collect_seconds": round(seconds, 1),
        "per_candidate": per_candidate,
        "facet_brand": facet,  # the store's own count per brand (share of voice)
        "stored_by_brand": dict(Counter(b for m in stored.values() for b in m.brands).most_common()),
        "multi_brand": {
            "stored": len(multi_stored),
            "direct": len(multi_direct),
            "agree": multi_stored == multi_direct,
            "single_brand_before_lost": sum(len(stored[i].brands) - 1 for i in multi_stored),
            "combinations": dict(Counter(" + ".join(stored[i].brands) for i in multi_stored).most_common(10)),
        },
        "gold_no_candidate_stored": sum(1 for i, c in gold.items() if c == NO_CANDIDATE and now[i]),
    }  # fmt: skip


def _gold(path: Path, ids: set[str]) -> dict[str, str]:
    """Tweet id -> gold candidate, for the tweets of the slice that have a label."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["id"] in ids and row.get("candidate"):
                out[row["id"]] = row["candidate"]
    return out


def render(result: dict[str, Any]) -> str:
    """The result as a Markdown table plus the multi-brand lines."""

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{100 * v:.1f}%"

    lines = [
        f"{result['stream']}: {result['tweets']} tweets, {result['stored']} stored "
        f"({result['not_stored']['matched_no_brand']} match no brand, {result['not_stored']['copies']} copies), "
        f"{result['gold_tweets']} with a gold candidate",
        "",
        "| candidate | gold | counted for | precision | recall | before: counted for | precision | recall "
        "| with copies: precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in result["per_candidate"].items():
        now, was, told = row["multi_brand"], row["single_brand_before"], row["with_copies"]
        lines.append(
            f"| {name} | {now['gold']} | {now['predicted']} | {pct(now['precision'])} | {pct(now['recall'])} "
            f"| {was['predicted']} | {pct(was['precision'])} | {pct(was['recall'])} "
            f"| {pct(told['precision'])} | {pct(told['recall'])} |"
        )
    multi = result["multi_brand"]
    lines += [
        "",
        f"tweets counted for 2+ brands: {multi['stored']} stored, {multi['direct']} by matching directly "
        f"({'agree' if multi['agree'] else 'DISAGREE'}); the single-brand store lost "
        f"{multi['single_brand_before_lost']} brand memberships",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--stream", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--limit", type=int, help="Only the first N tweets of the stream")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the result here")
def main(stream: Path, limit: int | None, json_path: Path | None) -> None:
    """Brand attribution of a stream against its gold candidates (see the module docstring)."""
    show_result(evaluate(stream, limit), render, json_path)


if __name__ == "__main__":
    main()
