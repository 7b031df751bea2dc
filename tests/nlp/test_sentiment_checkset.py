"""The complaint / praise / announcement check set (tools/sentiment/checkset.py): its file and its scoring."""

from __future__ import annotations

from collections import Counter

import pytest

from tools.sentiment.checkset import (
    CHECKSET_BRANDS,
    CheckRow,
    brand_of,
    brand_swap,
    demo_crisis_posts,
    load_checkset,
    score,
)


def test_the_shipped_set_has_every_kind_in_every_language():
    rows = load_checkset()
    per = Counter((r.lang, r.kind) for r in rows)
    langs = {r.lang for r in rows}
    assert len(langs) == 11 and {"ko", "zh", "ru", "it"} <= langs
    assert all(per[(lang, "complaint")] == 6 and per[(lang, "praise")] == 3 and per[(lang, "announcement")] == 3
               for lang in langs)
    expected = {"complaint": "negative", "praise": "positive", "announcement": "neutral"}
    assert all(r.expected == expected[r.kind] for r in rows)
    assert len({r.text for r in rows}) == len(rows)


def test_a_malformed_line_names_its_file_and_line(tmp_path):
    path = tmp_path / "set.tsv"
    path.write_text("# comment\nen\tcomplaint\tnegative\tfine line\nen\tcomplaint\tangry\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"set.tsv:3: expected 'lang<TAB>kind<TAB>label<TAB>text'"):
        load_checkset(path)


def test_score_counts_per_kind_and_language_and_lists_misses():
    rows = [CheckRow("en", "complaint", "negative", "a"), CheckRow("en", "complaint", "negative", "b"),
            CheckRow("ko", "praise", "positive", "c")]
    out = score(rows, ["negative", "positive", "positive"])
    assert out["kinds"]["complaint"] == {"right": 1, "rows": 2, "share": 50.0}
    assert out["by_language"]["ko"]["praise"] == {"right": 1, "rows": 1}
    assert out["misses"] == [
        {"lang": "en", "kind": "complaint", "expected": "negative", "got": "positive", "text": "b"}
    ]


@pytest.mark.model
def test_a_candidate_model_folder_is_checked_when_asked_and_a_broken_one_refused(tmp_path):
    """--model-dir runs a calibrate_e5 output (before it ships) instead of nlp/models/default."""
    import json
    import shutil

    from click.testing import CliRunner

    from nlp.e5_sentiment import E5_MODEL_DIR
    from tools.sentiment.checkset import main

    candidate = tmp_path / "candidate"
    shutil.copytree(E5_MODEL_DIR, candidate)
    out = tmp_path / "check.json"
    result = CliRunner().invoke(main, ["--model-dir", str(candidate), "--no-brand-swap", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["model_dir"] == str(candidate) and report["rows"] == len(load_checkset())
    assert report["demo_crisis"]["overall"]["rows"] > 0
    # Its parts read the same rows: the head alone and the n-grams alone, kind by kind and on the crisis.
    for part in ("e5_head_alone", "ngram_alone"):
        assert report["parts"][part]["demo_crisis"]["overall"]["rows"] == report["demo_crisis"]["overall"]["rows"]
        assert {k: v["rows"] for k, v in report["parts"][part]["kinds"].items()} == \
            {k: v["rows"] for k, v in report["kinds"].items()}

    (candidate / "weights.safetensors").write_bytes(b"not safetensors")
    broken = CliRunner().invoke(main, ["--model-dir", str(candidate)])
    assert broken.exit_code == 1 and "Error" in broken.output and "Traceback" not in broken.output
    other = CliRunner().invoke(main, ["--model", "minilm", "--model-dir", str(candidate)])
    assert other.exit_code == 1 and "candidate of the default model" in other.output


def test_every_row_names_one_of_the_check_set_brands():
    assert {brand_of(r) for r in load_checkset()} == set(CHECKSET_BRANDS)
    with pytest.raises(ValueError, match="names none of"):
        brand_of(CheckRow("en", "complaint", "negative", "My phone caught fire"))


@pytest.mark.model
def test_brand_swap_with_masking_gives_every_name_the_same_labels(default_model):
    """The real default model on the English rows: masked, no label depends on the name, so every name gets
    the same count right; as written the report still counts per name (the figure the model card cites)."""
    rows = [r for r in load_checkset() if r.lang == "en"]
    crisis = demo_crisis_posts()[:60]
    out = brand_swap(default_model, rows, names=("Lumora", "Apple", "Tesla"), crisis=crisis)
    masked, written = out["masked"], out["as_written"]
    assert masked["rows_whose_label_depends_on_the_name"] == 0
    assert len(set(masked["right_by_name"].values())) == 1
    assert len(set(masked["complaints_negative_by_name"].values())) == 1
    assert len(set(masked["crisis_negative_by_name"].values())) == 1 and masked["crisis_posts"] == 60
    assert set(written["right_by_name"]) == {"Lumora", "Apple", "Tesla"} and written["rows"] == len(rows)
