"""Each intent's precision on real posts, written next to the model it measured: nlp/models/intents/precision.json.

`tools.intents.evaluate` (`make eval-intents`) calls `write` with the report it writes to docs/intent-eval.json, so
the two always say the same. The file is package data: an installed wheel carries no docs/, and the dashboard's
intent filter reads this file (dashboards/web/intent_precision.py: the lowest figure per intent, reliable or not).
`python -m tools.intents.precision [--report docs/intent-eval.json] [--model DIR]` rewrites it from an existing
report, without ../shared or the encoder, for the model that report measured.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from dashboards.web.intent_precision import PRECISION_FILE, weights_sha256
from nlp.intents import MODEL_DIR

DEFAULT_REPORT = Path(__file__).resolve().parents[2] / "docs" / "intent-eval.json"


def figures(report: dict[str, Any], model_dir: Path) -> dict[str, Any]:
    """The per-intent part of an evaluation report: for each of the model's labels, the public sets that label
    it (set, lang, rows, precision), keyed to the weights measured (their SHA-256)."""
    public = list(report.get("public") or [])
    labels = list(report["model"]["labels"])
    return {
        "about": "Precision of each intent tag on the public research sets (docs/model-card.md, Intent tags), "
                 "written by tools.intents.evaluate with docs/intent-eval.json; do not edit.",
        "split": report.get("split"),
        "weights_sha256": weights_sha256(model_dir),
        "labels": labels,
        "intents": {
            label: [{"set": row["set"], "lang": row["lang"], "rows": row["rows"], "precision": row["precision"]}
                    for row in public
                    if row.get("intent") == label and isinstance(row.get("precision"), int | float)]
            for label in labels
        },
    }


def write(report: dict[str, Any], model_dir: Path = MODEL_DIR) -> Path:
    """Write `report`'s per-intent figures to `model_dir`/precision.json, for the model the report measured."""
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    if report["model"] != manifest:
        raise ValueError(f"the report measured another intent model than {model_dir} (its manifest differs): "
                         "re-run python -m tools.intents.evaluate")
    path = model_dir / PRECISION_FILE
    path.write_text(json.dumps(figures(report, model_dir), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="what tools.intents.evaluate wrote")
    parser.add_argument("--model", type=Path, default=MODEL_DIR, help="the model folder it measured")
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8"))
    print(f"wrote {write(report, args.model)}")


if __name__ == "__main__":
    main()
