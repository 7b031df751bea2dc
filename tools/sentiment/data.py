"""The labelled sentiment data in `../shared/data/sentiment/<dataset>/<lang>/{train,dev}.jsonl`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
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


class MissingDataError(FileNotFoundError):
    """The labelled sentiment data is absent: it lives outside the repository."""


def split_files(split: str, data_dir: Path | None = None) -> list[Path]:
    """The `<dataset>/<lang>/<split>.jsonl` files, sorted by path; MissingDataError saying what is needed and where."""
    data_dir = data_dir or sentiment_data_dir()
    files = sorted(data_dir.glob(f"*/*/{split}.jsonl"))
    if not files:
        raise MissingDataError(
            f"no labelled sentiment data: no <dataset>/<lang>/{split}.jsonl files under {data_dir}. "
            "Training, evaluation and the sentiment benchmark read the train/dev splits of public research "
            "sets (UMSAB, TweetEval, NSMC, ...; sources and licences in that folder's README), which are not "
            "part of this repository: they are in the Groundswell workplace's shared folder, expected at "
            "../shared beside the checkout. Put it there or set GROUNDSWELL_SHARED=/path/to/shared. "
            "The shipped model (nlp/models/default) needs none of it."
        )
    return files


def load_splits(split: str, data_dir: Path | None = None) -> list[Split]:
    """All `<dataset>/<lang>/<split>.jsonl` files, sorted by path so every run sees the same order."""
    out = []
    for path in split_files(split, data_dir):
        texts, labels = [], []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    texts.append(row["text"])
                    labels.append(row["label"])
        out.append(Split(dataset=path.parent.parent.name, lang=path.parent.name, texts=texts, labels=labels))
    return out
