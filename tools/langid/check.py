"""Accuracy of language identification on short mixed-script posts, and on longer labelled posts.

`python -m tools.langid.check [--rows N] [--json FILE]`

Two sets: `tools/langid/short_mixed.tsv` (short posts written for this check, most with a Latin brand or
product name: "Lumora Pulse 과열", "Halo норм"), and the first N rows per language of the sentiment train
files in $GROUNDSWELL_SHARED/data/sentiment (default ../shared; read in place, skipped when absent).
Each is scored twice: lingua on the whole text as before (`before`), and `nlp.langid.detect_languages`,
which judges a post by its non-Latin words when its other Latin words are names (`after`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

from nlp.langid import _code, _detector, detect_languages, language_text

REPO = Path(__file__).resolve().parents[2]
TABLE = Path(__file__).with_name("short_mixed.tsv")
# language -> (dataset, language folder) of the sentiment train files the longer-post check reads.
LONG = {
    "ko": "nsmc_raw", "ru": "rusentitweet", "zh": "smp2020_ewect",
    "it": "umsab", "de": "umsab", "es": "umsab", "en": "umsab",
}


def shared_sentiment() -> Path:
    """$GROUNDSWELL_SHARED/data/sentiment, default ../shared beside the checkout."""
    return Path(os.environ.get("GROUNDSWELL_SHARED", REPO.parent / "shared")) / "data" / "sentiment"


def short_posts(path: Path = TABLE) -> list[tuple[str, str]]:
    """(language, post) rows of the table, comments and blank lines left out."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, text = line.split("\t", 1)
            rows.append((lang, text))
    return rows


def long_posts(rows: int, root: Path | None = None) -> list[tuple[str, str]]:
    """The first `rows` posts per language of the sentiment train files (none when the data is absent)."""
    root = root or shared_sentiment()
    out: list[tuple[str, str]] = []
    for lang, dataset in LONG.items():
        path = root / dataset / lang / "train.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for _, line in zip(range(rows), handle, strict=False):
                out.append((lang, json.loads(line)["text"]))
    return out


def lingua_alone(texts: list[str]) -> list[str | None]:
    """What the detector said before the script rule: lingua on the whole text (less URLs and @handles)."""
    words = [language_text(t) for t in texts]
    return [_code(lang) if any(c.isalpha() for c in w) else None
            for w, lang in zip(words, _detector().detect_languages_in_parallel_of(words), strict=True)]


def score(rows: list[tuple[str, str]]) -> dict[str, dict[str, object]]:
    """Per language and overall: rows, and correct answers before and after the script rule."""
    texts = [t for _, t in rows]
    results = {"before": lingua_alone(texts), "after": detect_languages(texts)}
    table: dict[str, dict[str, object]] = defaultdict(lambda: {"rows": 0, "before": 0, "after": 0})
    for i, (lang, _) in enumerate(rows):
        for key in (lang, "all"):
            table[key]["rows"] += 1  # type: ignore[operator]
            for name, found in results.items():
                table[key][name] += found[i] == lang  # type: ignore[operator]
    return dict(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300, help="longer posts per language (default 300)")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args(argv)
    out = {"short_mixed": score(short_posts()), "long": score(long_posts(args.rows))}
    for name, table in out.items():
        for lang, row in sorted(table.items()):
            print(f"{name:12} {lang:4} rows {row['rows']:5}  before {row['before']:5}  after {row['after']:5}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
