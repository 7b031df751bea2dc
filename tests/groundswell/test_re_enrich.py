"""`groundswell store re-enrich`: labels an older model gave are tagged again by the configured one, once
(real default model, real SQLite; Elasticsearch in tests/indexing/test_es_re_enrich.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cli_config import TWO_BRANDS_SQLITE
from click.testing import CliRunner
from store_faults import CountingWrites, FailingWrite

from core.mention import Mention, Sentiment, analyst_label
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.re_enrich import ALL_PASS_PREFIX, re_enrich
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.sentiment import load_sentiment_model

pytestmark = pytest.mark.model
CONFIG = TWO_BRANDS_SQLITE
T0 = datetime(2026, 11, 1, tzinfo=UTC)
FIRE = "My Acme phone caught fire while charging. Absolutely furious, never again."
PRAISE = "Acme support fixed my problem in five minutes, wonderful people, thank you!"


def old(label: str) -> Sentiment:
    """A label as an older model left it in a store (the name alone: before labels recorded a version)."""
    return Sentiment(label=label, probs={label: 0.9}, model="groundswell-e5-sentiment")


def mention(i: int, text: str, brand: str = "Acme", hours: int = 0, **kw) -> Mention:
    return Mention(source="x", native_id=str(i), text=text, created_at=T0 + timedelta(hours=hours), brand=brand,
                   lang="en", **kw)


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "groundswell.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def fill(tmp_path, mentions: list[Mention]) -> None:
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert(mentions))
    finally:
        store.close()


def stored(tmp_path) -> dict[str, Mention]:
    store = SqliteStore(tmp_path / "g.db")
    try:
        return {m.native_id: m for m in store.iter_mentions(Filters(include_spam=True))}
    finally:
        store.close()


def invoke(config_path, *extra: str) -> tuple[int, dict | str]:
    result = CliRunner().invoke(cli, ["store", "re-enrich", "--config", str(config_path), "--no-progress", *extra])
    if result.exit_code != 0:
        return result.exit_code, result.output
    return 0, json.loads(result.stdout.strip().splitlines()[-1])


def test_old_labels_are_tagged_again_once_and_the_rest_is_kept(tmp_path, config_path):
    current = load_sentiment_model("default").identity
    fill(tmp_path, [
        mention(1, FIRE, sentiment=old("positive"), themes=["battery fire"]),  # an old model's wrong label
        mention(2, PRAISE, sentiment=old("negative"), spam="duplicate_text"),  # flagged: re-tagged, flag kept
        mention(3, "Acme opens a new store in Oslo on Monday.",
                sentiment=Sentiment(label="neutral", probs={"neutral": 0.8}, model=current)),  # already current
        mention(4, "not enriched yet: the enrich step's, not this one's"),
    ])
    before = stored(tmp_path)

    code, dry = invoke(config_path, "--dry-run")
    assert code == 0, dry
    assert dry == {"model": current, "dry_run": True, "examined": 3, "retagged": 2, "already_current": 1,
                   "not_enriched": 1, "analyst_labels": 0, "rule_labels": 0,
                   "by_model_before": {"groundswell-e5-sentiment": 2},
                   "labels_changed": 0, "changes": {}, "resumed_from": None, "retagged_before": 0}
    assert stored(tmp_path) == before  # a dry run writes nothing

    code, report = invoke(config_path)
    assert code == 0, report
    assert (report["retagged"], report["already_current"], report["labels_changed"]) == (2, 1, 2)
    assert report["changes"] == {"positive -> negative": 1, "negative -> positive": 1}
    after = stored(tmp_path)
    assert after["1"].sentiment.label == "negative" and after["2"].sentiment.label == "positive"
    assert {after[i].sentiment.model for i in "123"} == {current}
    assert after["1"].themes == ["battery fire"] and after["2"].spam == "duplicate_text"  # kept
    assert after["1"].brands == ["Acme"] and after["1"].lang == "en"
    assert after["3"] == before["3"] and after["4"] == before["4"]  # current and untagged: untouched
    assert len(after) == 4

    code, again = invoke(config_path)
    assert (code, again["retagged"], again["already_current"]) == (0, 0, 3)


def test_all_window_and_brand_choose_what_is_tagged(tmp_path, config_path):
    current = load_sentiment_model("default").identity
    mine = Sentiment(label="positive", probs={"positive": 0.6}, model=current)
    fill(tmp_path, [
        mention(1, FIRE, sentiment=mine, hours=0),  # current model, but tagged under other settings
        mention(2, FIRE, sentiment=mine, hours=5),
        mention(3, "Globex ruined my weekend, the app is down again", brand="Globex", sentiment=mine, hours=5),
    ])
    code, report = invoke(config_path, "--all", "--since", "2026-11-01T03:00:00", "--brand", "Acme")
    assert code == 0, report
    assert (report["examined"], report["retagged"], report["changes"]) == (1, 1, {"positive -> negative": 1})
    after = stored(tmp_path)
    assert [after[i].sentiment.label for i in "123"] == ["positive", "negative", "positive"]


def test_a_persons_label_is_never_tagged_again(tmp_path, config_path):
    # FIRE reads negative to the model; the person said positive (say, sarcasm the team knows): it stays so.
    fill(tmp_path, [mention(1, FIRE, sentiment=analyst_label("positive")),
                    mention(2, FIRE, sentiment=old("positive"))])
    for flags in ((), ("--all",)):
        code, report = invoke(config_path, *flags)
        assert code == 0, report
        assert (report["analyst_labels"], report["examined"]) == (1, 2)
    after = stored(tmp_path)
    assert after["1"].sentiment == analyst_label("positive") and after["2"].sentiment.label == "negative"
    enrich = CliRunner().invoke(cli, ["enrich", "--config", str(config_path), "--no-progress", "--no-themes"],
                                catch_exceptions=False)
    assert json.loads(enrich.stdout.strip().splitlines()[-1])["other_models"] == {}  # a person is no model build


def test_bad_arguments_name_what_is_wrong(tmp_path, config_path):
    fill(tmp_path, [mention(1, FIRE, sentiment=old("positive"))])
    code, out = invoke(config_path, "--brand", "Initech")
    assert code != 0 and "unknown brand 'Initech'" in out and "Acme, Globex" in out
    code, out = invoke(config_path, "--since", "2026-11-02", "--until", "2026-11-01")
    assert code == 1 and "since (2026-11-02T00:00:00+00:00) must be before until (2026-11-01T00:00:00+00:00)" in out
    code, out = invoke(config_path, "--since", "yesterday")
    assert code == 2 and "--since" in out
    assert stored(tmp_path)["1"].sentiment.label == "positive"  # nothing written


def test_a_failed_write_stops_with_what_landed_and_a_rerun_finishes(tmp_path, config_path):
    fill(tmp_path, [mention(i, FIRE if i % 2 else PRAISE, sentiment=old("neutral"), hours=i) for i in range(1, 6)])
    config = load_config(config_path)
    store = SqliteStore(tmp_path / "g.db")
    try:
        with pytest.raises(RuntimeError, match=r"2 re-tagged before it are stored.*Run it again"):
            re_enrich(config, FailingWrite(store, failing_call=2), batch=2)
    finally:
        store.close()
    half = stored(tmp_path)
    current = load_sentiment_model("default").identity
    assert sorted(i for i, m in half.items() if m.sentiment.model == current) == ["1", "2"]  # batch 1 landed
    config = load_config(config_path)
    store = SqliteStore(tmp_path / "g.db")
    try:
        report = re_enrich(config, store, batch=2)
    finally:
        store.close()
    assert (report.retagged, report.already_current) == (3, 2)
    after = stored(tmp_path)
    assert len(after) == 5 and {m.sentiment.model for m in after.values()} == {current}
    assert [after[i].sentiment.label for i in "12345"] == ["negative", "positive", "negative", "positive", "negative"]


def test_enrich_says_when_older_labels_are_mixed_in_until_re_enrich_runs(tmp_path, config_path):
    fill(tmp_path, [mention(1, FIRE, sentiment=old("positive")), mention(2, PRAISE)])
    enrich = ["enrich", "--config", str(config_path), "--no-progress", "--no-themes"]
    first = CliRunner().invoke(cli, enrich, catch_exceptions=False)
    report = json.loads(first.stdout.strip().splitlines()[-1])
    assert (report["enriched"], report["other_models"]) == (1, {"groundswell-e5-sentiment": 1})
    assert "1 stored mention(s) carry labels another sentiment model gave" in first.stderr
    assert "groundswell store re-enrich" in first.stderr
    assert invoke(config_path)[1]["retagged"] == 1
    again = CliRunner().invoke(cli, enrich, catch_exceptions=False)
    assert json.loads(again.stdout.strip().splitlines()[-1])["other_models"] == {}
    assert "another sentiment model" not in again.stderr


def test_with_intents_off_a_stored_intent_tag_stays(tmp_path, config_path):
    config_path.write_text(CONFIG + "nlp:\n  intents: false\n", encoding="utf-8")
    fill(tmp_path, [mention(1, FIRE, sentiment=old("positive"), intent="complaint")])
    assert invoke(config_path)[1]["retagged"] == 1
    after = stored(tmp_path)["1"]
    assert (after.sentiment.label, after.intent) == ("negative", "complaint")


def test_a_model_change_keeps_intent_tags_and_all_tags_them_again(tmp_path, config_path):
    # Intent tags come from e5's untouched embedding, not from the sentiment model: a new sentiment
    # model leaves them be; --all (a changed setting can change the text) redoes them.
    fill(tmp_path, [mention(1, FIRE, sentiment=old("positive"), intent="praise")])
    assert invoke(config_path)[1]["retagged"] == 1
    kept = stored(tmp_path)["1"]
    assert (kept.sentiment.label, kept.intent) == ("negative", "praise")
    assert invoke(config_path, "--all")[1]["retagged"] == 1
    assert stored(tmp_path)["1"].intent == "complaint"


def _all_pass_marks(tmp_path) -> dict[str, str]:
    store = SqliteStore(tmp_path / "g.db")
    try:
        return store.state_items(ALL_PASS_PREFIX)
    finally:
        store.close()


def _current_but_stale(n: int) -> list[Mention]:
    """Labels the configured model gave under other settings: only --all re-tags them, and the label
    cannot tell how far a pass got."""
    mine = Sentiment(label="positive", probs={"positive": 0.6}, model=load_sentiment_model("default").identity)
    return [mention(i, FIRE if i % 2 else PRAISE, sentiment=mine, hours=i) for i in range(1, n + 1)]


def test_a_stopped_all_pass_continues_where_it_stopped_and_a_finished_one_starts_over(tmp_path, config_path):
    fill(tmp_path, _current_but_stale(5))
    config = load_config(config_path)
    store = SqliteStore(tmp_path / "g.db")
    try:
        with pytest.raises(RuntimeError, match="Run it again"):
            re_enrich(config, FailingWrite(store, failing_call=2), everything=True, batch=2)
    finally:
        store.close()
    (mark,) = _all_pass_marks(tmp_path).values()
    assert json.loads(mark) == {"at": (T0 + timedelta(hours=2)).isoformat(), "done": 2}  # batch 1 landed

    dry = invoke(config_path, "--all", "--dry-run")[1]  # counts what the resumed pass would do, keeps the mark
    assert (dry["resumed_from"], dry["retagged"]) == ("2026-11-01T02:00:00+00:00", 4)
    assert len(_all_pass_marks(tmp_path)) == 1

    store = SqliteStore(tmp_path / "g.db")
    counting = CountingWrites(store)
    try:
        report = re_enrich(load_config(config_path), counting, everything=True, batch=2)
    finally:
        store.close()
    # From the last written batch's last mention (inclusive: ties at that time may not all be done) on.
    assert sorted(counting.written) == ["2", "3", "4", "5"]
    assert (report.resumed_from, report.retagged_before, report.retagged) == ("2026-11-01T02:00:00+00:00", 2, 4)
    assert _all_pass_marks(tmp_path) == {}  # finished: the mark is gone
    assert [stored(tmp_path)[i].sentiment.label for i in "12345"] == [
        "negative", "positive", "negative", "positive", "negative"]
    code, again = invoke(config_path, "--all")  # a new pass after a finished one re-tags everything
    assert code == 0 and (again["resumed_from"], again["retagged"]) == (None, 5)


def test_a_mark_of_other_settings_or_one_that_cannot_be_read_starts_over(tmp_path, config_path):
    fill(tmp_path, _current_but_stale(3))
    config = load_config(config_path)
    store = SqliteStore(tmp_path / "g.db")
    try:
        with pytest.raises(RuntimeError):
            re_enrich(config, FailingWrite(store, failing_call=2), everything=True, batch=1)
    finally:
        store.close()
    assert len(_all_pass_marks(tmp_path)) == 1
    # Another nlp setting since the pass stopped: what it did was under the old one, so all is redone.
    config_path.write_text(CONFIG + "nlp:\n  uncertain_below: 0.4\n", encoding="utf-8")
    code, report = invoke(config_path, "--all", "--dry-run")
    assert code == 0 and (report["resumed_from"], report["retagged"]) == (None, 3)
    # A mark someone edited by hand is ignored (starting over loses nothing), not a crash.
    config_path.write_text(CONFIG, encoding="utf-8")
    store = SqliteStore(tmp_path / "g.db")
    try:
        (key,) = store.state_items(ALL_PASS_PREFIX)
        store.set_state(key, "{not json")
    finally:
        store.close()
    code, report = invoke(config_path, "--all")
    assert code == 0 and (report["resumed_from"], report["retagged"]) == (None, 3)
    assert _all_pass_marks(tmp_path) == {}
