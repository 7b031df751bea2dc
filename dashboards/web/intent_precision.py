"""How precise each intent tag is on real posts, as measured: the figures the model card's intent tables come from.

`make eval-intents` (`python -m tools.intents.evaluate`) measures them and writes, besides the full report
(docs/intent-eval.json), each intent's figures next to the model it measured: `nlp/models/intents/precision.json`,
package data, so an installed wheel carries them too. The dashboard reads that file when it starts, never a copy
of its numbers, so a re-evaluated model shows its new figures. Only the public research sets (real tweets,
reviews, forum posts) say how often a tag is right on real posts: the seed set's held-out part shares templates
with its training part (docs/model-card.md), so it is no measure of that. An intent's precision is its lowest over
those sets (the filter shows posts of every kind, and a set where it fails is a kind of post where it fails); under
`RELIABLE` it is marked unreliable: most of what the filter lists would not be that intent (suggestion: 0.17 on
SemEval's forum sentences). An intent no public set labels is `measured: false`. Without the file, or with figures
measured on another build of the weights (retrained, not re-evaluated), every intent is unmeasured, and says why.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from nlp.intents import MODEL_DIR

PRECISION_FILE = "precision.json"  # in the intent model's folder, next to weights.npz
RELIABLE = 0.5  # below: most posts the filter lists are not that intent
log = logging.getLogger(__name__)


def weights_sha256(model_dir: Path) -> str:
    """The SHA-256 of an intent model's weights.npz: which build a precision file measured."""
    return hashlib.sha256((model_dir / "weights.npz").read_bytes()).hexdigest()


def intent_precision(model_dir: Path = MODEL_DIR) -> dict[str, Any]:
    """Per intent of the model in `model_dir`: `measured`, `precision` (the lowest on the public sets; None
    unmeasured), `reliable` (precision >= RELIABLE; None unmeasured) and `sets` (set, lang, rows, precision each);
    with `source` (the file read) and `error` (why there are no figures, or None)."""
    path = model_dir / PRECISION_FILE
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
        labels = list(figures["labels"])
        per_intent = {label: list(figures["intents"].get(label) or []) for label in labels}
        measured_build, shipped_build = figures["weights_sha256"], weights_sha256(model_dir)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("no intent precision to show: %s unreadable (%s)", path, exc)
        return {"source": path.name, "error": f"{path.name} not readable ({type(exc).__name__}): the intent model's "
                "measured precision ships with it (tools.intents.evaluate writes it)", "intents": {}}
    if measured_build != shipped_build:
        # Retrained without re-evaluating: the figures are another model's, and showing them would mislead.
        log.warning("no intent precision to show: %s measured another build of %s", path, model_dir / "weights.npz")
        return {"source": path.name, "error": f"{path.name} measured another build of the intent model: "
                "re-evaluate it (make eval-intents)", "intents": {}}
    intents: dict[str, Any] = {}
    for label, sets in per_intent.items():
        lowest = min((s["precision"] for s in sets), default=None)
        intents[label] = {
            "measured": lowest is not None,
            "precision": lowest,
            "reliable": None if lowest is None else lowest >= RELIABLE,
            "sets": sets,
        }
    return {"source": path.name, "error": None, "intents": intents}
