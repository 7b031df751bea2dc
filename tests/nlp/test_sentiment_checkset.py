"""The complaint / praise / announcement check set (tools/sentiment/checkset.py): its file and its scoring."""

from __future__ import annotations

from collections import Counter

import pytest

from tools.sentiment.checkset import CheckRow, load_checkset, score


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
