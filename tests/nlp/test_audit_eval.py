"""`python -m tools.sentiment.audit_eval` on a slice of the real Apple stream: audits of the shipped model's
labels, answered with the stream's human labels, land near the model's true accuracy and their intervals
hold it (the whole stream's figures are docs/audit-eval-apple-2014.json)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import shared_path
from tools.sentiment.audit_eval import main

pytestmark = pytest.mark.model


def test_audits_of_a_real_stream_hold_the_truth(tmp_path):
    folder = shared_path("data", "streams", "apple-2014")
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(main, ["--stream", str(folder), "--limit", "800", "--n", "120", "--audits", "40",
                                       "--rounds", "200", "--json", str(out)])
    assert result.exit_code == 0, result.output
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["population"] > 600 and found["population_with_gold"] == found["population"]
    for name in ("accuracy", "macro_f1", "negative_share"):
        figure = found["figures"][name]
        assert figure["coverage_95"] >= 0.85, (name, figure)  # an honest 95% interval, 40 audits
        assert figure["mean_abs_error"] < 6, (name, figure)  # 120 rows: a few points, not tens
        assert abs(figure["mean_estimate"] - figure["truth"]) < 2.5, (name, figure)  # no bias


def test_a_folder_that_is_not_a_stream_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["--stream", str(tmp_path)])
    assert result.exit_code == 2 and "pass --stream a folder of ../shared/data/streams" in result.output
