"""The intent filter says how precise each intent is on real posts, from the figures the model card's intent tables
come from (docs/intent-eval.json, `make eval-intents`; shipped next to the model as nlp/models/intents/precision.json),
read when the dashboard starts: /api/meta for every intent,
/api/search for the one filtered on; under 0.5 it is "unreliable" (suggestion: 0.17 on SemEval's forum posts, so
the demo's "suggestions" are comparisons)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from web_support import demo_client

from dashboards.web.intent_precision import RELIABLE, intent_precision
from nlp.intents import MODEL_DIR
from tools.intents import precision

EVAL_JSON = Path(__file__).resolve().parents[2] / "docs" / "intent-eval.json"


def _eval() -> dict:
    return json.loads(EVAL_JSON.read_text(encoding="utf-8"))


def _lowest(report: dict, intent: str) -> float | None:
    found = [row["precision"] for row in report["public"] if row["intent"] == intent]
    return min(found) if found else None


def test_each_intent_carries_its_lowest_precision_on_the_public_sets():
    report, measured = _eval(), intent_precision()
    assert measured["error"] is None and list(measured["intents"]) == report["model"]["labels"]
    for intent, figures in measured["intents"].items():
        lowest = _lowest(report, intent)
        assert figures["precision"] == lowest and figures["measured"] is (lowest is not None), intent
        assert figures["reliable"] == (None if lowest is None else lowest >= RELIABLE), intent
    # the model card's weak spot: most "suggestions" are not
    assert measured["intents"]["suggestion"]["reliable"] is False


def test_the_figures_come_from_the_file(tmp_path):
    report = _eval()
    for row in report["public"]:
        row["precision"] = 0.9
    for name in ("manifest.json", "weights.npz"):
        shutil.copy(MODEL_DIR / name, tmp_path / name)
    precision.write(report, tmp_path)
    assert intent_precision(tmp_path)["intents"]["suggestion"] == {
        "measured": True, "precision": 0.9, "reliable": True,
        "sets": [{"set": r["set"], "lang": r["lang"], "rows": r["rows"], "precision": 0.9}
                 for r in report["public"] if r["intent"] == "suggestion"]}


def test_without_the_file_nothing_is_measured_and_it_says_why(tmp_path):
    shutil.copy(MODEL_DIR / "weights.npz", tmp_path / "weights.npz")
    measured = intent_precision(tmp_path)
    assert measured["intents"] == {} and "precision.json not readable" in measured["error"]


@pytest.fixture(scope="module")
def client():
    with demo_client() as (client, _):
        yield client


def test_meta_and_an_intent_filtered_search_carry_the_precision(client):
    meta = client.get("/api/meta").json()
    assert meta["intent_precision"] == intent_precision()
    body = client.get("/api/search", params={"intent": "suggestion", "brand": "Lumora"}).json()
    assert body["intent_precision"]["intent"] == "suggestion"
    assert body["intent_precision"]["precision"] == _lowest(_eval(), "suggestion")
    assert body["intent_precision"]["reliable"] is False
    assert "intent_precision" not in client.get("/api/search", params={"brand": "Lumora"}).json()
