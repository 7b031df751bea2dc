"""The intent filter's precision figures ship next to the model (nlp/models/intents/precision.json, package data), not
in docs/: an installed wheel has no docs/, and its dashboard called the intent measured as unreliable (suggestion)
"precision not measured". The shipped file is what tools.intents.precision writes from docs/intent-eval.json (never
numbers copied by hand), and figures measured on another build of the weights are not shown as this one's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dashboards.web.intent_precision import PRECISION_FILE, intent_precision
from nlp.intents import MODEL_DIR
from tools.intents import precision

REPORT = Path(__file__).resolve().parents[2] / "docs" / "intent-eval.json"


def _report() -> dict:
    return json.loads(REPORT.read_text(encoding="utf-8"))


def _model_copy(folder: Path) -> Path:
    for name in ("manifest.json", "weights.npz"):
        shutil.copy(MODEL_DIR / name, folder / name)
    return folder


def test_the_shipped_file_is_what_the_tool_writes_from_the_evaluation_report():
    shipped = json.loads((MODEL_DIR / PRECISION_FILE).read_text(encoding="utf-8"))
    assert shipped == precision.figures(_report(), MODEL_DIR)
    measured = intent_precision()
    assert measured["error"] is None and measured["source"] == PRECISION_FILE
    assert measured["intents"]["suggestion"]["reliable"] is False  # measured, and unreliable: not "not measured"


def test_the_tool_rewrites_the_file_from_a_report_without_evaluating(tmp_path):
    model = _model_copy(tmp_path)
    precision.main(["--report", str(REPORT), "--model", str(model)])
    assert (model / PRECISION_FILE).read_text(encoding="utf-8") == (MODEL_DIR / PRECISION_FILE).read_text(
        encoding="utf-8")


def test_a_report_of_another_model_is_refused(tmp_path):
    model = _model_copy(tmp_path)
    report = _report()
    report["model"]["examples"] += 1  # another training set: another model
    with pytest.raises(ValueError, match="another intent model"):
        precision.write(report, model)
    assert not (model / PRECISION_FILE).exists()


def test_figures_of_another_build_of_the_weights_are_not_shown(tmp_path):
    model = _model_copy(tmp_path)
    precision.write(_report(), model)
    assert intent_precision(model)["error"] is None
    (model / "weights.npz").write_bytes((model / "weights.npz").read_bytes() + b"\0")  # retrained, not re-evaluated
    measured = intent_precision(model)
    assert measured["intents"] == {} and "another build" in measured["error"]


def test_a_run_that_measured_no_test_split_leaves_the_shipped_figures_alone(tmp_path):
    """`tools.intents.evaluate` without the public sets (or on the dev split) writes its report, never the figures the
    dashboard ships: before, such a run blanked them and the unreliable warning on `suggestion` went away."""
    from tools.intents.evaluate import main  # lazy: offline tooling, only this test runs it

    model = tmp_path / "intents"
    shutil.copytree(MODEL_DIR, model)
    before = (model / PRECISION_FILE).read_bytes()
    main(["--model", str(model), "--data", str(tmp_path / "absent"), "--json", str(tmp_path / "eval.json")])
    assert (tmp_path / "eval.json").exists()
    assert (model / PRECISION_FILE).read_bytes() == before
