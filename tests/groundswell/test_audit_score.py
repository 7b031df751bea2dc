"""Scoring an audit: the spreadsheet as people leave it, the figures it gives, and the whole command line
(sample -> label -> score -> apply -> the store keeps the person's labels) on a real SQLite store."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.mention import Mention, Sentiment
from groundswell.audit_results import latest_audit
from groundswell.audit_score import Answers, agreement, read_answers, read_gold, score_audit, summary_lines
from groundswell.cli import cli
from groundswell.sentiment_audit import AuditKey, SampledRow, Stratum
from groundswell.sentiment_corrections import CORRECTION_PREFIX, corrections
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 1, tzinfo=UTC)
LABELS = ("negative", "neutral", "positive")


def key_of(rows: list[tuple[str, str, str, bool]], populations: dict[str, int]) -> AuditKey:
    """A key of rows (id, stratum, model label, uncertain)."""
    strata = {name: Stratum(population=n, predicted={}) for name, n in populations.items()}
    for name, stratum in strata.items():  # the population labelled in the rows' proportions
        drawn = [label for _, s, label, _ in rows if s == name]
        stratum.predicted = {label: stratum.population * drawn.count(label) // len(drawn) for label in set(drawn)}
    sampled = [SampledRow(i, mention_id, stratum, label, {label: 0.9}, uncertain, "m@1")
               for i, (mention_id, stratum, label, uncertain) in enumerate(rows, 1)]
    return AuditKey(created_at="2026-12-01T00:00:00+00:00", store="test", filters={}, seed=0, requested=len(rows),
                    min_per_stratum=1, strata=strata, rows=sampled)


def write_sheet(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = ("id", "gold", "text")) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(("cell", "label"), [
    ("negative", "negative"), (" NEG ", "negative"), ("-", "negative"), ("'-1", "negative"),
    ("Neutral", "neutral"), ("0", "neutral"), ("+", "positive"), ("pos", "positive"), ("1", "positive"),
    ("", ""), ("  ", ""), ("?", "unclear"), ("Skip", "unclear"), ("mixed", "unclear"),
    ("negatve", None), ("very bad", None),
])
def test_gold_cells_read_as_people_write_them(cell, label):
    assert read_gold(cell) == label


def test_the_spreadsheet_is_read_as_people_leave_it(tmp_path):
    key = key_of([("a", "en", "negative", False), ("b", "en", "positive", False), ("c", "ko", "neutral", False),
                  ("d", "ko", "neutral", False), ("e", "ko", "positive", False)], {"en": 2, "ko": 3})
    sheet = write_sheet(tmp_path / "audit.csv", [
        {"id": "d", "gold": "neutral"},  # re-sorted rows are fine
        {"id": "a", "gold": "neg"},
        {"id": "b", "gold": "?"},
        {"id": "zzz", "gold": "positive"},  # not this audit's
        {"id": "a", "gold": "positive"},  # twice: the first row counts
        {"id": "c", "gold": "terrible"},  # unreadable label
        {"id": "", "gold": "neutral"},  # a label without an id
        {"id": "e", "gold": ""},  # not labelled yet
    ], columns=("text", "gold", "id", "extra"))
    answers = read_answers(sheet, key)
    assert answers.labels == {"d": "neutral", "a": "negative"} and answers.unclear == {"b"}
    assert answers.problem_count == 4
    assert answers.problems[0] == "line 5: zzz is not in this audit's key (a row of another audit?)"
    assert "line 6: a appears again" in answers.problems[1] and "'terrible'" in answers.problems[2]
    assert answers.problems[3] == "line 8: a label with no id"
    result = score_audit(key, answers, rounds=200)
    # unanswered: e (blank) only; c's unreadable label is one of the 4 problems, not also unanswered
    assert result["answers"] == {"labelled": 2, "unclear": 1, "unanswered": 1, "problems": 4,
                                 "problem_lines": answers.problems}


def test_each_row_is_counted_once_in_the_summary(tmp_path):
    """40 rows: 20 labelled, 10 unclear, 5 blank, 5 misspelled. The misspelled rows are problems, not also
    unanswered: the counts add up to the 40 rows (they said 10 unanswered, 45 in all)."""
    key = key_of([(f"r{i}", "en", LABELS[i % 3], False) for i in range(40)], {"en": 400})
    cells = ["neg"] * 20 + ["unclear"] * 10 + [""] * 5 + ["negatve"] * 5
    sheet = write_sheet(tmp_path / "filled.csv", [{"id": f"r{i}", "gold": g} for i, g in enumerate(cells)])
    result = score_audit(key, read_answers(sheet, key), rounds=50)
    answers = result["answers"]
    assert (answers["labelled"], answers["unclear"], answers["unanswered"], answers["problems"]) == (20, 10, 5, 5)
    assert summary_lines(result)[0] == "20 labelled row(s) of 40 (10 unclear, 5 unanswered, 5 with problems)"


@pytest.mark.parametrize(("content", "message"), [
    (b"text,label\nx,y\n", "no 'id', 'gold' column"),
    ("id,gold\na,positive\n".encode("utf-16"), "not UTF-8 text"),
])
def test_a_sheet_that_cannot_be_scored_says_why(tmp_path, content, message):
    path = tmp_path / "audit.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_answers(path, key_of([("a", "en", "positive", False)], {"en": 1}))


def test_figures_weight_languages_by_their_size(tmp_path):
    # en: 10 rows drawn of 900, 9 right; ko: 10 drawn of 100, 5 right. Rows say 70%; the population 86%.
    rows, gold = [], {}
    for i in range(10):
        rows.append((f"en{i}", "en", "negative", i == 0))
        gold[f"en{i}"] = "negative" if i < 9 else "positive"
        rows.append((f"ko{i}", "ko", "positive", False))
        gold[f"ko{i}"] = "positive" if i < 5 else "neutral"
    key = key_of(rows, {"en": 900, "ko": 100})
    sheet = write_sheet(tmp_path / "a.csv", [{"id": k, "gold": v} for k, v in gold.items()])
    result = score_audit(key, read_answers(sheet, key), rounds=300)
    assert result["accuracy"]["value"] == pytest.approx(0.9 * 90 + 0.1 * 50, abs=0.05)
    assert result["accuracy"]["low"] < 86 < result["accuracy"]["high"]
    assert result["languages"]["en"]["accuracy"]["value"] == 90.0
    assert result["languages"]["ko"]["accuracy"]["value"] == 50.0
    assert list(result["languages"]) == ["en", "ko"]  # biggest first
    # people read 81% negative (0.9 * 0.9), the model 90% (every en row it labelled negative)
    assert result["shares"]["negative"]["people"]["value"] == pytest.approx(81.0, abs=0.05)
    assert result["shares"]["negative"]["model"] == 90.0
    assert result["shares"]["neutral"]["people"]["value"] == pytest.approx(5.0, abs=0.05)
    assert result["confusion"]["counts"] == [[9, 0, 0], [0, 0, 5], [1, 0, 5]]
    assert result["confidence"]["uncertain"]["n"] == 1 and result["confidence"]["uncertain"]["value"] == 100.0
    assert (result["per_class"]["negative"]["precision"], result["per_class"]["negative"]["recall"]) == (90.0, 100.0)
    assert 0 < result["macro_f1"]["low"] <= result["macro_f1"]["value"] <= result["macro_f1"]["high"] <= 100
    # people said neutral, the model never did: neutral's F1 is 0 and counts, it does not vanish from the mean
    assert result["per_class"]["neutral"] == {"precision": None, "recall": 0.0, "f1": 0.0}
    assert result["macro_f1"]["value"] == pytest.approx(100 * (1620 / 1710 + 100 / 240 + 0) / 3, abs=0.05)


def test_two_peoples_agreement_and_kappa():
    # The textbook case: 20 both negative, 5 and 10 split, 15 both positive: 70% agreement, kappa 0.4.
    pairs = [("negative", "negative")] * 20 + [("negative", "positive")] * 5 + [("positive", "negative")] * 10 + \
        [("positive", "positive")] * 15
    first = Answers(labels={f"r{i}": a for i, (a, _) in enumerate(pairs)} | {"only-first": "neutral"})
    second = Answers(labels={f"r{i}": b for i, (_, b) in enumerate(pairs)}, unclear={"only-first"})
    both = agreement(first, second)
    assert (both["rows"], both["agreement"]["value"], both["kappa"]) == (50, 70.0, 0.4)
    assert both["agreement"]["low"] < 70 < both["agreement"]["high"]
    assert agreement(first, Answers()) == {"rows": 0, "agreement": None, "kappa": None}


def test_nothing_labelled_yet_is_said_not_scored(tmp_path):
    key = key_of([("a", "en", "positive", False)], {"en": 5})
    result = score_audit(key, read_answers(write_sheet(tmp_path / "a.csv", [{"id": "a", "gold": ""}]), key))
    assert result["accuracy"] is None and result["answers"]["unanswered"] == 1


CONFIG = """\
brands:
  - name: Acme
    query: acme
sources: []
store:
  type: sqlite
  path: g.db
"""


@pytest.fixture
def filled(tmp_path) -> Path:
    config = tmp_path / "groundswell.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    store = SqliteStore(tmp_path / "g.db")
    posts = [Mention(source="x", native_id=f"{lang}{i}", text=f"Acme post {i}", lang=lang, brand="Acme",
                     created_at=T0 + timedelta(minutes=i),
                     sentiment=Sentiment(label=LABELS[i % 3], probs={LABELS[i % 3]: 0.7}, model="m@1"))
             for lang, n in (("en", 200), ("ko", 40)) for i in range(n)]
    assert all(r.ok for r in store.upsert(posts))
    store.close()
    return config


def invoke(*args: str):
    return CliRunner().invoke(cli, ["sentiment", *args], catch_exceptions=False)


def test_sample_label_score_apply_from_the_command_line(tmp_path, filled):
    sheet = tmp_path / "audit.csv"
    made = invoke("audit-sample", "-c", str(filled), "--n", "60", "--min-per-language", "20", "--out", str(sheet),
                  "--no-progress")
    assert made.exit_code == 0, made.output
    summary = json.loads(made.stdout.strip().splitlines()[-1])
    assert summary["by_language"] == {"en": 37, "ko": 23}  # 20 each, 20 more by size
    assert summary["population"] == 240
    assert "without opening audit.key.json" in made.stderr
    again = invoke("audit-sample", "-c", str(filled), "--n", "60", "--out", str(sheet), "--no-progress")
    assert again.exit_code == 1 and "exists" in again.output  # an answered sheet is never overwritten

    # The person: every post is neutral to them; half the rows answered, one unclear.
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows[:30]:
        row["gold"] = "neutral"
    rows[30]["gold"] = "unclear"
    write_sheet(sheet, rows, columns=tuple(rows[0]))
    model = {r["id"]: r["label"] for r in json.loads((tmp_path / "audit.key.json").read_text())["rows"]}
    right = sum(model[row["id"]] == "neutral" for row in rows[:30])

    scored = invoke("audit-score", str(sheet), "--json", str(tmp_path / "score.json"))
    assert scored.exit_code == 0, scored.output
    assert "30 labelled row(s) of 60 (1 unclear, 29 unanswered, 0 with problems)" in scored.output
    result = json.loads((tmp_path / "score.json").read_text())
    assert result["confusion"]["counts"][1] == [30 - right - sum(model[r["id"]] == "positive" for r in rows[:30]),
                                                right, sum(model[r["id"]] == "positive" for r in rows[:30])]
    assert result["shares"]["neutral"]["people"]["value"] == 100.0
    assert invoke("audit-score", str(sheet), "--json", "-").stdout.startswith("{")
    other = tmp_path / "second.csv"  # a second person, who read the first ten rows as positive
    write_sheet(other, [{**row, "gold": "positive" if i < 10 else row["gold"]} for i, row in enumerate(rows)],
                columns=tuple(rows[0]))
    both = invoke("audit-score", str(sheet), "--second", str(other))
    assert "people agree  66.7% (" in both.output and "of 30 row(s) both labelled" in both.output

    refused = invoke("audit-score", str(sheet), "--apply")
    assert refused.exit_code == 2 and "--apply writes to the store" in refused.output
    refused = invoke("audit-score", str(sheet), "--save")
    assert refused.exit_code == 2 and "--save writes to the store" in refused.output
    kept = invoke("audit-score", str(sheet), "--save", "-c", str(filled))
    assert kept.exit_code == 0 and "kept these figures in the store" in kept.output
    store = SqliteStore(tmp_path / "g.db")
    try:
        latest = latest_audit(store)
        assert sum(m.sentiment.by_analyst for m in store.iter_mentions(Filters())) == 0  # --save corrects nothing
    finally:
        store.close()
    assert latest["accuracy"] == result["accuracy"] and latest["labelled"] == 30
    applied = invoke("audit-score", str(sheet), "--apply", "-c", str(filled), "--by", "dana")
    assert applied.exit_code == 0 and "stored 30 answer(s) as corrections" in applied.output
    store = SqliteStore(tmp_path / "g.db")
    try:
        by_id = {m.id: m for m in store.iter_mentions(Filters())}
        records = corrections(store)
    finally:
        store.close()
    answered = [row["id"] for row in rows[:30]]
    assert all(by_id[i].sentiment.by_analyst and by_id[i].sentiment.label == "neutral" for i in answered)
    assert sum(m.sentiment.by_analyst for m in by_id.values()) == 30
    assert set(records) == set(answered) and records[answered[0]]["by"] == "dana"
    assert records[answered[0]]["model"]["label"] == model[answered[0]]  # what the model had said is kept

    # A second audit leaves the corrected posts out: they carry a person's label, not a prediction.
    second = invoke("audit-sample", "-c", str(filled), "--n", "60", "--out", str(tmp_path / "b.csv"), "--no-progress")
    assert json.loads(second.stdout.strip().splitlines()[-1])["population"] == 210


def test_a_reversed_window_is_refused_not_read_as_nothing_matches(tmp_path, filled):
    refused = invoke("audit-sample", "-c", str(filled), "--since", "2026-11-10", "--until", "2026-11-01",
                     "--out", str(tmp_path / "a.csv"), "--no-progress")
    assert refused.exit_code == 1 and "must be before until" in refused.output
    assert "no mention matches" not in refused.output and not (tmp_path / "a.csv").exists()


def test_an_out_path_under_a_file_is_refused_in_one_line(tmp_path, filled):
    """`--out afile/a.csv` where afile is a file: a one-line error naming it, not a FileExistsError traceback."""
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    out = tmp_path / "afile" / "a.csv"
    refused = invoke("audit-sample", "-c", str(filled), "--n", "10", "--out", str(out), "--no-progress")
    assert refused.exit_code == 1
    # the reason's wording is groundswell.pipeline.cannot_write's; here: one line, for this path
    (line,) = refused.output.splitlines()
    assert line.startswith(f"Error: cannot write {out}: ") and "Traceback" not in refused.output


def test_correct_from_the_command_line(tmp_path, filled):
    done = invoke("correct", "-c", str(filled), "--label", "negative", "--by", "sam", "x:en1", "x:nope")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"corrected": ["x:en1"], "unknown": ["x:nope"], "not_enriched": [],
                                       "changes": {"neutral -> negative": 1}}
    assert "not stored: x:nope" in done.stderr
    # corrected again: the newest label wins, and the record still says what the model had said
    invoke("correct", "-c", str(filled), "--label", "positive", "--by", "kim", "x:en1")
    store = SqliteStore(tmp_path / "g.db")
    try:
        (mention,) = store.get(["x:en1"])
        record = json.loads(store.get_state(CORRECTION_PREFIX + "x:en1"))
    finally:
        store.close()
    assert mention.sentiment.label == "positive" and mention.sentiment.by_analyst
    assert (record["by"], record["label"], record["model"]["label"]) == ("kim", "positive", "neutral")
    none = invoke("correct", "-c", str(filled), "--label", "negative", "x:nope")
    assert none.exit_code == 1
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert([Mention(source="x", native_id="raw", text="Acme, not enriched yet",
                                                       created_at=T0)]))
    finally:
        store.close()
    raw = invoke("correct", "-c", str(filled), "--label", "negative", "x:raw")
    assert raw.exit_code == 1 and "not enriched yet (run `groundswell enrich` first): x:raw" in raw.stderr
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert store.get(["x:raw"])[0].sentiment is None  # the enrich step will still tag it
    finally:
        store.close()
    bad = invoke("correct", "-c", str(filled), "--label", "angry", "x:en1")
    assert bad.exit_code == 2 and "'angry' is not one of" in bad.output


def test_garbage_spreadsheets_are_refused_with_a_reason_or_scored_never_a_crash(tmp_path):
    import random

    key = key_of([("a", "en", "neutral", False)], {"en": 5})
    rng = random.Random(20261205)
    cases = [b"id,gold\n\x00a,neg\n", b'id,gold\n"' + b"x" * 200_000 + b'"\n', b"", b"\xff\xfe\x00",
             b'id,gold\na,"unterminated\n', b"gold\nneg\n"]
    cases += [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 800))) for _ in range(40)]
    cases += [b"id,gold\n" + bytes(rng.choice(b"a,\"\n\r-+0?neg") for _ in range(300)) for _ in range(40)]
    refused = 0
    for n, content in enumerate(cases):
        path = tmp_path / f"{n}.csv"
        path.write_bytes(content)
        try:
            score_audit(key, read_answers(path, key), rounds=20)
        except ValueError as exc:
            assert str(path) in str(exc)  # names the file, and says why
            refused += 1
    assert 0 < refused < len(cases)
