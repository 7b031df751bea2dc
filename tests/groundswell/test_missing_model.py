"""A sentiment model that cannot be loaded (`nlp.sentiment_model` naming a path that does not exist): `config check`
says so without loading anything; `run` prints its summary with `failed_step: enrich` and one clear line, exits 1
(README "Exit codes"), and detection still runs on what is stored: a keyword alert that needs no sentiment fires, one
that counts negatives only finds none among the unlabelled posts, and the catch-up mark stays put for the next run.
The review's run: 49 lines of traceback, nothing on stdout, no alert. Also: the JSON log lines (`--log-format json`)
carry the run id and step, with a secret in the path masked in them and in the summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from alerts.catchup import DetectedUpTo
from alerts.config import AlertsConfig
from alerts.detect import sentiment_rules
from alerts.history import AlertLog
from groundswell.cli import cli
from indexing.sqlite import SqliteStore
from nlp.model_source import model_problem

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok-9f8e7d6c5b4a3f2e1d"  # a fake secret: its variable's name marks it as one (core/logsafe.py)


def _config(tmp_path: Path, model: str, negative_only: bool = False) -> Path:
    # Three quiet days of one post an hour, then 12 posts of the crisis term in one hour.
    quiet = [(f"q{h}", "I like my Lumora speaker", f"2026-03-{1 + h // 24:02d}T{h % 24:02d}:05:00Z") for h in range(72)]
    crisis = [(f"r{i}", f"Lumora recall now {i}", f"2026-03-04T10:{i:02d}:00Z") for i in range(12)]
    rows = [{"native_id": n, "text": text, "created_at": at, "author": {"handle": f"a{n}"}, "source": "x",
             "url": f"https://x.example/a/{n}"} for n, text, at in quiet + crisis]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        "brands": [{"name": "Lumora", "query": "Lumora", "crisis_terms": ["recall"]}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
        "alerts": {"keyword": {"negative_only": negative_only}},
        "nlp": {"sentiment_model": model, "themes": False},
    }), encoding="utf-8")
    return config


def test_config_check_names_the_missing_model_path(tmp_path):
    missing = str(tmp_path / "models" / "e5-finetuned")
    result = CliRunner().invoke(cli, ["config", "check", str(_config(tmp_path, missing))])
    assert result.exit_code == 3, result.output  # was 0: "OK"
    assert f"nlp.sentiment_model: '{missing}' is a local path that does not exist" in result.output


def test_a_hub_name_not_in_the_cache_offline_is_said_so():
    problem = model_problem("nobody-here/no-such-model-s65", env={"HF_HUB_OFFLINE": "1"})
    assert problem and "not in the local Hugging Face cache" in problem and "HF_HUB_OFFLINE" in problem
    assert model_problem("nobody-here/no-such-model-s65", env={"HF_HUB_OFFLINE": "0"}) is None  # the hub may answer
    assert model_problem("default") is None and model_problem("minilm") is None


def test_run_without_its_model_still_detects_and_says_enrich_failed(tmp_path):
    missing = str(tmp_path / "models" / "e5-finetuned")
    result = CliRunner().invoke(cli, ["run", "--no-progress", "--no-report", "--no-send", "--history",
                                      "-c", str(_config(tmp_path, missing))])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["failed_step"] == "enrich" and summary["detected_without_labels"] == 84
    assert "is a local path that does not exist" in summary["enrich_error"]
    assert summary["alerts_fired"] >= 1 and {a["kind"] for a in summary["alerts"]} == {"keyword"}
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: enrich failed: ValueError: nlp.sentiment_model:") and "without new sentiment" in last


def test_alerts_that_count_negatives_skip_unlabelled_posts_and_keep_the_mark(tmp_path):
    missing = str(tmp_path / "models" / "e5-finetuned")
    config = _config(tmp_path, missing, negative_only=True)
    result = CliRunner().invoke(cli, ["run", "--no-progress", "--no-report", "--no-send", "-c", str(config)])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["alerts_fired"] == 0 and summary["failed_step"] == "enrich"
    store = SqliteStore(tmp_path / "g.db")
    try:  # not judged as done: the next run, labelled, judges the same buckets again
        assert DetectedUpTo(store).get("Lumora") is None
    finally:
        store.close()


def test_json_logs_carry_the_run_id_and_step_and_mask_secrets(tmp_path):
    missing = str(tmp_path / "models" / TOKEN)
    config = _config(tmp_path, missing)
    env = {**os.environ, "GROUNDSWELL_LOG_FORMAT": "json", "LUMORA_API_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "groundswell", "run", "--no-progress", "--no-report", "--no-send",
                           "--history", "-c", str(config)], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stderr
    assert TOKEN not in done.stdout and TOKEN not in done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    logs = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    (failed,) = [x for x in logs if x["message"].startswith("enrich failed")]
    assert {"time", "level", "logger", "message", "run_id", "step"} <= set(failed)
    assert (failed["level"], failed["logger"], failed["step"]) == ("ERROR", "groundswell.pipeline", "enrich")
    assert failed["run_id"] == summary["run_id"] and "***" in failed["message"]
    assert all(x["run_id"] == summary["run_id"] for x in logs)


# A crisis under way when the model goes missing (the diff review's repro): run 1 (labelled) sees its first hour,
# run 2 (no model) collects ten more hours of it, run 3 (the model back) those hours again, labelled, and the calm
# after. Texts vary so the spam detector does not take the burst for a bot campaign.
_W = (["caught fire", "stopped working", "broke after a day", "overheats badly", "died on me", "will not charge"],
      ["terrible", "awful", "the worst", "a disgrace", "dangerous", "useless", "pathetic", "infuriating"],
      ["I want my money back", "never buying again", "support ignored me", "shame on them", "avoid it", "so angry"])


def _rows(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("".join(json.dumps({"native_id": n, "text": text, "created_at": at, "author": {"handle": f"a{n}"},
                                        "source": "x", "url": f"https://x.example/a/{n}"}) + "\n"
                            for n, text, at in rows), encoding="utf-8")
    return path


def _bad(k: int) -> str:
    return (f"My Lumora speaker {_W[0][k % 6]} and it is {_W[1][k * 5 % 8]}, {_W[2][k * 7 % 6]} "
            f"#{k} {k * 7919 % 100003}")


def _outage_config(tmp_path: Path, model: str, files: list[Path]) -> Path:
    config = tmp_path / "g.yaml"
    config.write_text(json.dumps({
        # `recall` with keyword `negative_only: false`: a rule that reads no label, so it judges unlabelled posts.
        "brands": [{"name": "Lumora", "query": "Lumora", "crisis_terms": ["recall"]}],
        "sources": [{"type": "import", "name": f"imp{i}", "options": {"path": str(f)}} for i, f in enumerate(files)],
        "store": {"path": str(tmp_path / "g.db")}, "report": {"path": str(tmp_path / "report.html")},
        "alerts": {"keyword": {"negative_only": False}},
        "nlp": {"sentiment_model": model, "themes": False},
    }), encoding="utf-8")
    return config


def _run_history(config: Path) -> tuple[int, dict, dict]:
    result = CliRunner().invoke(cli, ["run", "--no-progress", "--no-report", "--no-send", "--history", "-c",
                                      str(config)])
    store = SqliteStore(Path(json.loads(config.read_text())["store"]["path"]))
    try:
        logged = {a.id: a for a in AlertLog(store).load()}
    finally:
        store.close()
    return result.exit_code, json.loads(result.stdout.splitlines()[-1]), logged


def test_a_crisis_under_way_is_not_declared_over_while_enrich_fails(tmp_path):
    day = "2026-03-{:02d}T{:02d}:{:02d}:00Z".format
    quiet = [(f"q{h}", "I like my Lumora speaker, great sound", day(1 + h // 24, h % 24, 5)) for h in range(96)]
    first = _rows(tmp_path / "a.jsonl", quiet + [(f"s{i}", _bad(i), day(5, 0, i)) for i in range(15)])
    # The crisis goes on, 15 negative posts an hour from 01:00 to 10:59, and a recall is announced at 03:00.
    later = _rows(tmp_path / "b.jsonl", [(f"c{h}_{i}", _bad(100 * h + i), day(5, h, i)) for h in range(1, 11)
                                         for i in range(15)]
                  + [(f"r{i}", f"Lumora recall announced for batch {i}", day(5, 3, 20 + i)) for i in range(12)])
    calm = _rows(tmp_path / "c.jsonl", [(f"k{h}", "I like my Lumora speaker, great sound", day(5 + h // 24, h % 24, 5))
                                        for h in range(11, 48)])

    code, _, run1 = _run_history(_outage_config(tmp_path, "default", [first]))
    assert code == 0
    spikes1 = {i for i, a in run1.items() if a.kind == "spike"}
    assert spikes1 and not [a for a in run1.values() if a.kind == "all_clear"]

    missing = str(tmp_path / "models" / "e5-finetuned")
    code, summary, run2 = _run_history(_outage_config(tmp_path, missing, [first, later]))
    assert code == 1 and summary["failed_step"] == "enrich"
    # The review's run: an all_clear at 04:00 for a crisis still growing, saved and offered to the channels.
    assert {a.kind for a in run2.values()} == {"spike", "keyword"}, sorted((a.kind, a.window_start) for a in
                                                                            run2.values())
    assert {i for i, a in run2.items() if a.kind == "spike"} == spikes1  # no negative alert judged unlabelled
    (keyword,) = [a for a in run2.values() if a.kind == "keyword"]  # a rule that reads no label still fires
    assert keyword.subject == "recall" and keyword.window_start.hour == 3
    note = summary["detect_notes"]["Lumora"]
    assert note.startswith("sentiment labels missing from 2026-03-05 01:00 UTC on (enrich failed)") and "spike" in note
    assert "keyword" not in note  # negative_only: false reads no label

    code, summary, run3 = _run_history(_outage_config(tmp_path, "default", [first, later, calm]))
    assert code == 0 and "failed_step" not in summary and not summary["detect_notes"]
    spikes3 = [a for a in run3.values() if a.kind == "spike"]
    assert spikes1 <= {a.id for a in spikes3}  # the episode goes on under its first alert's id
    # One incident: the spike opened it; the recall and the all-clear follow it up.
    incident = run1[min(spikes1, key=lambda i: run1[i].window_start)].incident_id
    assert {a.incident_id for a in run3.values()} == {incident}
    (clear,) = [a for a in run3.values() if a.kind == "all_clear"]
    assert clear.window_end >= datetime(2026, 3, 5, 11, tzinfo=UTC)  # over once the crisis posts stop, not before


def test_the_rules_that_read_sentiment_labels_are_named_by_their_settings():
    # Held back where labels are missing; silence, a keyword of any sentiment and a viral rule of any post are not.
    assert sentiment_rules(AlertsConfig()) == ["spike", "keyword", "influencer", "viral"]
    loose = AlertsConfig.model_validate({"keyword": {"negative_only": False}, "viral": {"sentiment": "any"},
                                         "unanswered": {"enabled": True}, "opportunity": {"enabled": True}})
    assert sentiment_rules(loose) == ["spike", "influencer", "unanswered", "opportunity"]
