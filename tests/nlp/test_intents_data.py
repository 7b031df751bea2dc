"""The intent model's data and figures: the seed set's shape, the public tasks' reading of `null`,
and the model card carrying exactly what `tools.intents.evaluate` wrote (no encoder needed)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.conftest import shared_path
from tools.intents.data import INTENTS, SEED_DIR, public_tasks, seed_examples
from tools.intents.evaluate import markdown

ROOT = Path(__file__).resolve().parents[2]
LANGS = {"en", "es", "fr", "de", "it", "pt", "ru", "zh", "ko", "ja"}


def test_the_seed_set_covers_every_language_and_intent_and_never_the_demo():
    templates = [json.loads(line) | {"lang": path.stem} for path in SEED_DIR.glob("*.jsonl")
                 for line in path.read_text(encoding="utf-8").splitlines()]
    assert {t["lang"] for t in templates} == LANGS
    per = Counter((t["lang"], t["intent"]) for t in templates)
    assert all(per[(lang, intent)] >= 14 for lang in LANGS for intent in INTENTS), per
    assert len({(t["lang"], t["text"]) for t in templates}) == len(templates)  # no template twice
    # The demo corpus is a test of the tagger (the FAQ view's planted questions): never trained on.
    assert not [t for t in templates if "Lumora" in t["text"] or "Sonique" in t["text"]]
    train, test = seed_examples("train"), seed_examples("test")
    assert not {e.text for e in train} & {e.text for e in test}
    assert {e.lang for e in test} == LANGS and {e.intent for e in test} == set(INTENTS)


def test_public_sets_are_read_as_one_intent_each_and_null_is_never_other():
    tasks = public_tasks(shared_path("data", "intents"))
    for task in tasks:
        assert {e.intent for e in task.examples} == {task.intent, ""}, task.name  # "" = cannot be that intent
    by_name = {t.name: t for t in tasks}
    complaints = by_name["complaints_twitter_en"]
    assert len(complaints.examples) == 516 and sum(e.intent == "complaint" for e in complaints.examples) == 185


def test_the_model_card_shows_what_evaluate_wrote():
    report = json.loads((ROOT / "docs" / "intent-eval.json").read_text(encoding="utf-8"))
    card = (ROOT / "docs" / "model-card.md").read_text(encoding="utf-8")
    tables = markdown(report).split("\n\n")
    assert len(tables) == 3 and all(table in card for table in tables)  # seed, public, partial labels
    manifest = json.loads((ROOT / "nlp" / "models" / "intents" / "manifest.json").read_text(encoding="utf-8"))
    assert report["model"] == manifest  # the figures are the shipped model's
    assert manifest["examples"] == len(seed_examples("train"))
