"""`groundswell sentiment score` on a few thousand lines, with corrupt lines among them."""

import json

import pytest
from click.testing import CliRunner

from groundswell.sentiment_cli import sentiment

pytestmark = pytest.mark.model

WORDS = ["great", "awful", "battery", "service", "배터리", "서비스", "电池", "服务", "батарея", "servizio", "😍", "😡"]


def _write_input(path, n_good: int) -> dict[int, str]:
    """n_good valid lines with corrupt ones mixed in; returns {line number: expected reason}."""
    corrupt = {
        7: ('{"text": "unterminated', "not valid JSON"),
        100: ('["a", "list"]', "expected a JSON object"),
        1500: ('{"lang": "en"}', "missing 'text'"),
        2999: ('{"text": "fine", "lang": 5}', "'lang' must be a string"),
    }
    lines, number, good = [], 0, 0
    while good < n_good:
        number += 1
        if number in corrupt:
            lines.append(corrupt[number][0])
            continue
        text = " ".join(WORDS[(good * k) % len(WORDS)] for k in (1, 3, 5))
        row = {"id": good, "text": text}
        if good % 2:
            row["lang"] = "en"
        lines.append(json.dumps(row, ensure_ascii=False))
        good += 1
    lines.insert(40, "")  # blank lines are not data and not errors
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {n + (1 if n > 40 else 0): reason for n, (_, reason) in corrupt.items()}


def test_scores_thousands_of_lines_and_skips_corrupt_ones(tmp_path, tiny_checkpoint):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    corrupt = _write_input(src, 3000)
    result = CliRunner().invoke(
        sentiment, ["score", str(src), str(dst), "--model", str(tiny_checkpoint), "--batch-size", "128"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == list(range(3000))  # every good line, in order
    for row in rows:
        assert row["sentiment"] in {"negative", "neutral", "positive"}
        assert set(row["probs"]) == {"negative", "neutral", "positive"}
        assert isinstance(row["uncertain"], bool)
    for number, reason in corrupt.items():
        assert f"in.jsonl:{number}: skipped: {reason}" in result.stderr
    assert "scored 3000 line(s)" in result.stderr and "skipped 4 corrupt line(s)" in result.stderr


def test_a_lone_surrogate_escape_is_scored_not_fatal(tmp_path, tiny_checkpoint):
    """A "\\ud83d" escape (a post cut mid-emoji) parses; it killed the run with a truncated output file."""
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [json.dumps({"id": i, "text": f"great phone {i}"}) for i in range(5)]
    lines[2] = '{"id": 2, "text": "love it \\ud83d", "tags": ["\\udc00"]}'
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(sentiment, ["score", str(src), str(dst), "--model", str(tiny_checkpoint)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == list(range(5))
    assert (rows[2]["text"], rows[2]["tags"]) == ("love it \ufffd", ["\ufffd"])  # as a stored Mention has it


def test_default_model_scores_a_small_file(tmp_path):
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text('{"text": "I absolutely love this, best purchase ever!"}\n{"text": "최악이에요 환불해주세요"}\n')
    result = CliRunner().invoke(sentiment, ["score", str(src), str(dst)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [r["sentiment"] for r in rows] == ["positive", "negative"]


def test_unreadable_input_fails(tmp_path):
    result = CliRunner().invoke(sentiment, ["score", str(tmp_path / "missing.jsonl"), str(tmp_path / "o.jsonl")])
    assert result.exit_code != 0
    assert "cannot read" in result.output


def test_brand_queries_read_the_names_as_user_and_leave_the_written_text(tmp_path):
    """--brand-query masks as the pipeline does: the same complaint about two brands gets the same answer."""
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    texts = ["My Lumora phone caught fire while charging. Absolutely furious.",
             "My Apple phone caught fire while charging. Absolutely furious."]
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    result = CliRunner().invoke(sentiment, ["score", str(src), str(dst), "--brand", "Lumora", "--brand-query",
                                            "Lumora OR #lumora", "--brand", "Apple", "--brand-query", "Apple"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == texts
    assert rows[0]["probs"] == rows[1]["probs"]

    bad = CliRunner().invoke(sentiment, ["score", str(src), str(dst), "--brand", "Lumora",
                                         "--brand-query", "Lumora AND ("])
    assert bad.exit_code == 2 and "--brand-query" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize("same", ["itself", "another spelling", "a link"])
def test_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path, tiny_checkpoint, same):
    """OUTPUT = INPUT emptied the input ("scored 0 line(s)", exit 0): opening it for writing truncated it."""
    src = tmp_path / "sc.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": f"great phone {i}"}) + "\n" for i in range(3)),
                   encoding="utf-8")
    before = src.read_bytes()
    dst = {"itself": src, "another spelling": tmp_path / "." / "sc.jsonl", "a link": tmp_path / "link.jsonl"}[same]
    if same == "a link":
        dst.symlink_to(src)
    result = CliRunner().invoke(sentiment, ["score", str(src), str(dst), "--model", str(tiny_checkpoint)])
    assert result.exit_code == 2 and "OUTPUT.jsonl is INPUT.jsonl" in result.output
    assert src.read_bytes() == before


def test_progress_is_one_line_off_a_terminal_and_no_progress_turns_it_off(tmp_path):
    """As every long step: one "started" line when stderr is not a terminal (no tqdm '\\r' redraws), and
    --no-progress is accepted (it was "No such option"). The shipped model, as a user runs it: loading a
    Hugging Face checkpoint draws transformers' own "Loading weights" bar."""
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({"text": f"great phone {i}"}) + "\n" for i in range(5)), encoding="utf-8")
    shown = CliRunner().invoke(sentiment, ["score", str(src), str(dst)])
    assert shown.exit_code == 0, shown.output
    assert "scoring: 5 line(s), started" in shown.stderr and "\r" not in shown.stderr
    quiet = CliRunner().invoke(sentiment, ["score", str(src), str(dst), "--no-progress"])
    assert quiet.exit_code == 0, quiet.output
    assert "started" not in quiet.stderr and "\r" not in quiet.stderr and "scored 5 line(s)" in quiet.stderr


def test_a_latin1_line_is_read_as_the_import_source_reads_it(tmp_path, tiny_checkpoint, caplog):
    """A Latin-1 line came out as "caf\\ufffd terrible" with no warning; the import source's rule reads it."""
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(json.dumps({"text": "great phone"}).encode() + b"\n"
                    + '{"text": "café terrible, service épouvantable"}\n'.encode("latin-1"))
    result = CliRunner().invoke(sentiment, ["score", str(src), str(dst), "--model", str(tiny_checkpoint),
                                            "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == ["great phone", "café terrible, service épouvantable"]
    assert "some lines are not UTF-8; reading them as windows-1252" in caplog.text  # said, not silent
