"""Rebuild the shipped intent model (nlp/models/intents/) from our seed set.

`python -m tools.intents.train [--out DIR] [--c C]` (`make train-intents`)

Trains on the training part of tools/intents/seed/ only (the held-out part is for
`tools.intents.evaluate`). No public set is trained on: see docs/model-card.md ("Intent tags") for
why (licences) and what that costs. Embeddings come from `tools.intents.cache` (the pipeline's own
encoder; cached, so a rebuild after the first encodes nothing).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from nlp.intents import MODEL_DIR, IntentTagger
from tools.intents.cache import embed
from tools.intents.data import seed_examples

DEFAULT_C = 4.0


def train(c: float = DEFAULT_C) -> tuple[IntentTagger, dict]:
    """The tagger trained on the seed set's training part, and a manifest describing that data."""
    examples = seed_examples("train")
    texts = [e.text for e in examples]
    tagger = IntentTagger.fit(embed(texts, progress=False), texts, [e.lang for e in examples],
                              [e.intent for e in examples], c=c)
    manifest = {
        "trained_on": "tools/intents/seed (training part: every template but positions 2, 7, 12, ... per intent)",
        "examples": len(examples),
        "by_language": dict(sorted(Counter(e.lang for e in examples).items())),
        "by_intent": dict(sorted(Counter(e.intent for e in examples).items())),
        "c": c,
    }
    return tagger, manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--c", type=float, default=DEFAULT_C, help="inverse regularisation of the head")
    args = parser.parse_args(argv)
    tagger, manifest = train(args.c)
    tagger.save(args.out, manifest)
    print(f"intent model: {manifest['examples']} examples -> {args.out}")


if __name__ == "__main__":
    main()
