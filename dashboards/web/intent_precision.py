"""How precise each intent tag is on real posts, as measured: the figures the model card's intent tables come from.

`make eval-intents` (`python -m tools.intents.evaluate --json docs/intent-eval.json`) writes them; the dashboard
reads that file when it starts, never a copy of its numbers, so a re-evaluated model shows its new figures. Only
the public research sets (`public`: real tweets, reviews, forum posts) say how often a tag is right on real posts:
the seed set's held-out part shares templates with its training part (docs/model-card.md), so it is no measure of
that. An intent's precision is its lowest over those sets (the filter shows posts of every kind, and a set where it
fails is a kind of post where it fails); under `RELIABLE` it is marked unreliable: most of what the filter lists
would not be that intent (suggestion: 0.17 on SemEval's forum sentences). An intent no public set labels is
`measured: false`. Without the file (an installed wheel carries no docs/) every intent is unmeasured, and says so.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

EVAL_JSON = Path(__file__).resolve().parents[2] / "docs" / "intent-eval.json"
RELIABLE = 0.5  # below: most posts the filter lists are not that intent
log = logging.getLogger(__name__)


def intent_precision(path: Path = EVAL_JSON) -> dict[str, Any]:
    """Per intent of the evaluated model: `measured`, `precision` (the lowest on the public sets; None unmeasured),
    `reliable` (precision >= RELIABLE; None unmeasured) and `sets` (set, lang, rows, precision each); with `source`
    (the file read) and `error` (why there are no figures, or None)."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        labels = list(report["model"]["labels"])
        public = list(report.get("public") or [])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("no intent precision to show: %s unreadable (%s)", path, exc)
        return {"source": path.name, "error": f"{path.name} not readable: run make eval-intents", "intents": {}}
    intents: dict[str, Any] = {}
    for label in labels:
        sets = [
            {"set": row["set"], "lang": row["lang"], "rows": row["rows"], "precision": row["precision"]}
            for row in public
            if row.get("intent") == label and isinstance(row.get("precision"), int | float)
        ]
        lowest = min((s["precision"] for s in sets), default=None)
        intents[label] = {
            "measured": lowest is not None,
            "precision": lowest,
            "reliable": None if lowest is None else lowest >= RELIABLE,
            "sets": sets,
        }
    return {"source": path.name, "error": None, "intents": intents}
