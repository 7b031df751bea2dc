"""Precision and recall of the spam rules on a hand-labelled sample of real and demo mentions.

`python -m tools.spam.evaluate [--json FILE]`

The sample (`tools/spam/labelled.csv`: stream, mention id, label, a few words why; no post texts)
covers every mention the rules flagged in the two real tweet streams of ../shared/data/streams
when the sample was drawn, 60 random unflagged ones from each stream, the demo corpus's planted
bots and 40 random other demo posts (docs/spam.md says how each was labelled). This command runs
`nlp.spam.detect` over each whole stream, as the pipeline does over a window, and scores its
verdicts on the labelled ids. Recall is on the sample, which over-represents flagged posts: it is
an upper bound on recall over a whole stream.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path

from core.mention import Mention, load_mention
from groundswell.demo_corpus import generate
from nlp.spam import detect

REPO = Path(__file__).resolve().parents[2]
LABELS = Path(__file__).with_name("labelled.csv")
STREAMS = ("apple-2014", "gop-debate-2015")


def shared_streams() -> Path:
    """$GROUNDSWELL_SHARED/data/streams, default ../shared beside the checkout."""
    return Path(os.environ.get("GROUNDSWELL_SHARED", REPO.parent / "shared")) / "data" / "streams"


def load_labels(path: Path = LABELS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def stream_mentions(stream: str, streams: Path) -> list[Mention]:
    if stream == "demo":
        return [load_mention(record) for record in generate(7)]
    path = streams / stream / "mentions.jsonl"
    if not path.exists():
        raise SystemExit(
            f"{path} is absent: the real streams live in ../shared beside the checkout "
            "(or set GROUNDSWELL_SHARED=/path/to/shared)"
        )
    with path.open(encoding="utf-8") as handle:
        return [load_mention(line) for line in handle if line.strip()]


def _scores(tp: int, fp: int, fn: int) -> dict[str, float | int | None]:
    return {
        "flagged": tp + fp,
        "true_positives": tp,
        "false_positives": fp,
        "missed": fn,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall_on_sample": round(tp / (tp + fn), 3) if tp + fn else None,
    }


def evaluate(labels: list[dict[str, str]], streams: Path) -> dict:
    """Scores over the whole sample, per stream and per rule (precision only: a rule has no misses of its own)."""
    verdicts: dict[str, str] = {}
    for stream in sorted({row["stream"] for row in labels}):
        verdicts.update(detect(stream_mentions(stream, streams)))
    counts: Counter[tuple[str, str]] = Counter()
    by_rule: Counter[tuple[str, bool]] = Counter()
    for row in labels:
        flagged, spam = row["id"] in verdicts, row["label"] == "spam"
        outcome = "tp" if flagged and spam else "fp" if flagged else "fn" if spam else "tn"
        counts[(row["stream"], outcome)] += 1
        counts[("all", outcome)] += 1
        if flagged:
            by_rule[(verdicts[row["id"]].split(":", 1)[0], spam)] += 1
    per = {
        name: {**_scores(counts[(name, "tp")], counts[(name, "fp")], counts[(name, "fn")]), "labelled": sum(
            counts[(name, o)] for o in ("tp", "fp", "fn", "tn"))}
        for name in ["all", *sorted({row["stream"] for row in labels})]
    }  # fmt: skip
    rules = {
        rule: {"flagged": by_rule[(rule, True)] + by_rule[(rule, False)], "precision": round(
            by_rule[(rule, True)] / (by_rule[(rule, True)] + by_rule[(rule, False)]), 3)}
        for rule in sorted({r for r, _ in by_rule})
    }  # fmt: skip
    return {"sample": str(LABELS.relative_to(REPO)), "overall": per.pop("all"), "per_stream": per, "per_rule": rules}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Also write the result to this file")
    args = parser.parse_args(argv)
    result = evaluate(load_labels(), shared_streams())
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
