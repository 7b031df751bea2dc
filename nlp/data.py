"""The labelled sentiment data in `../shared/data/sentiment/<dataset>/<lang>/{train,dev}.jsonl`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BINARY_DATASETS = frozenset({"chnsenticorp_htl", "nsmc_raw"})


def sentiment_data_dir() -> Path:
    """Where the labelled data lives: $GROUNDSWELL_SHARED/data/sentiment, default ../shared."""
    shared = Path(os.environ.get("GROUNDSWELL_SHARED", REPO.parent / "shared"))
    return shared / "data" / "sentiment"


@dataclass(frozen=True)
class Split:
    """One dataset-language split, e.g. umsab/it/train."""

    dataset: str
    lang: str
    texts: list[str]
    labels: list[str]

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.lang}"

    @property
    def binary(self) -> bool:
        return self.dataset in BINARY_DATASETS


def load_splits(split: str, data_dir: Path | None = None) -> list[Split]:
    """All `<dataset>/<lang>/<split>.jsonl` files, sorted by path so every run sees the same order."""
    data_dir = data_dir or sentiment_data_dir()
    files = sorted(data_dir.glob(f"*/*/{split}.jsonl"))
    if not files:
        raise FileNotFoundError(f"no {split}.jsonl files under {data_dir} (set GROUNDSWELL_SHARED?)")
    out = []
    for path in files:
        texts, labels = [], []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    texts.append(row["text"])
                    labels.append(row["label"])
        out.append(Split(dataset=path.parent.parent.name, lang=path.parent.name, texts=texts, labels=labels))
    return out
