"""Sentiment rules: checked with the config, matched as brand queries are, applied by the enrich step and
by re-enrich (a new rule reaches stored posts without the model; an edited one is undone), never over a
person's label, and never counted as a model build (real SQLite; the real default model where marked)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.errors import ConfigError
from core.mention import Mention, Sentiment, analyst_label, model_builds
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.pipeline import enrich
from groundswell.sentiment_audit import in_population
from groundswell.sentiment_rules import SentimentRuleConfig, SentimentRules
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 5, 9, tzinfo=UTC)
BASE = """\
brands:
  - name: Apple
    query: apple OR aapl
  - name: Globex
    query: globex
store:
  type: sqlite
  path: g.db
"""
RULES = """\
sentiment_rules:
  - name: block-trades
    query: '"block trade detected"'
    label: neutral
  - name: killer-app
    query: '"killer app" AND lang:en'
    label: positive
    brands: [Apple]
"""
MODEL = Sentiment(label="negative", probs={"negative": 0.7, "neutral": 0.2, "positive": 0.1}, model="m@1")


def post(i: int, text: str, brand: str = "Apple", lang: str | None = "en", **kw) -> Mention:
    return Mention(source="x", native_id=str(i), text=text, brand=brand, lang=lang,
                   created_at=T0 + timedelta(minutes=i), **kw)


def rules_of(text: str) -> list[SentimentRuleConfig]:
    return [SentimentRuleConfig.model_validate(r) for r in json.loads(text)]


def test_rules_are_checked_with_the_config(tmp_path):
    path = tmp_path / "groundswell.yaml"
    for rules, problem in [
        ("[{name: Bad Name, query: x, label: neutral}]", "sentiment_rules.0 (Bad Name).name"),
        ("[{name: a, query: '(x', label: neutral}]", "unclosed parenthesis"),
        ("[{name: a, query: x, label: angry}]", "sentiment_rules.0 (a).label"),
        ("[{name: a, query: x, label: neutral, brands: [Nope]}]", "unknown brand 'Nope'; known: Apple, Globex"),
        ("[{name: a, query: x, label: neutral}, {name: a, query: y, label: positive}]", "'a' is used twice"),
    ]:
        path.write_text(BASE + "sentiment_rules: " + rules + "\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="sentiment_rules|unclosed") as caught:
            load_config(path)
        assert problem in str(caught.value)
    path.write_text(BASE + RULES, encoding="utf-8")
    assert [r.name for r in load_config(path).sentiment_rules] == ["block-trades", "killer-app"]


def test_the_first_matching_rule_gives_the_label_within_its_brands_and_languages():
    rules = SentimentRules(rules_of('''[
        {"name": "killer-app", "query": "\\"killer app\\" AND lang:en", "label": "positive", "brands": ["Apple"]},
        {"name": "killer", "query": "killer", "label": "neutral"}]'''))
    assert rules.label_for(post(1, "The Watch is the killer app of 2015")).rule_name == "killer-app"
    assert rules.label_for(post(2, "Globex has the killer app", brand="Globex")).rule_name == "killer"
    assert rules.label_for(post(3, "la killer app di Apple", lang="it")).rule_name == "killer"
    assert rules.label_for(post(4, "Apple shares fall")) is None
    ruled = rules.label_for(post(1, "killer app"))
    assert ruled.probs == {"negative": 0.0, "neutral": 0.0, "positive": 1.0} and ruled.by_rule and not ruled.by_model
    corrected, raw = post(5, "killer app", sentiment=analyst_label("negative")), post(6, "killer app")
    assert SentimentRules(rules_of('[{"name": "k", "query": "killer", "label": "neutral"}]')).apply(
        [corrected, raw]) == [corrected, raw]  # a person's label, and a post not enriched yet, are left


def test_an_edited_rule_has_another_identity():
    rule = rules_of('[{"name": "k", "query": "killer", "label": "neutral"}]')[0]
    assert rule.identity.startswith("rule:k#")
    assert rule.model_copy(update={"label": "positive"}).identity != rule.identity
    assert rule.model_copy(update={"brands": ["Apple"]}).identity != rule.identity


def test_rule_labels_are_no_model_build_and_no_audit_population():
    rules = SentimentRules(rules_of('[{"name": "k", "query": "killer", "label": "neutral"}]'))
    ruled = rules.label_for(post(1, "killer"))
    assert model_builds({"m@1": 5, ruled.model: 3, "analyst": 2, "unknown": 1}) == {"m@1": 5}
    assert not in_population(post(1, "killer", sentiment=ruled)) and in_population(post(2, "x", sentiment=MODEL))


def _rules_config(tmp_path) -> Path:
    path = tmp_path / "groundswell.yaml"
    path.write_text(BASE + RULES, encoding="utf-8")
    return path


def _read_back(tmp_path, filters: Filters) -> list:
    """What the store holds, read after a command (which opened it on its own) ran."""
    store = SqliteStore(tmp_path / "g.db")
    try:
        return list(store.iter_mentions(filters))
    finally:
        store.close()


@pytest.mark.model
def test_the_enrich_step_and_re_enrich_apply_the_rules(tmp_path):
    path = _rules_config(tmp_path)
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert([
            post(1, "Block trade detected in $AAPL, 40,000 shares"),
            post(2, "My Apple Watch died after two days, furious"),
        ]))
        report = enrich(load_config(path), store)
        assert report.enriched == 2 and sum(report.by_rule.values()) == 1
        got = {m.native_id: m for m in store.iter_mentions(Filters())}
        assert got["1"].sentiment.rule_name == "block-trades" and got["1"].sentiment.label == "neutral"
        assert got["1"].intent is not None  # the model still read it: language and intent
        assert got["2"].sentiment.by_model
        model = got["2"].sentiment.model
        # Stored before a rule existed: a model label a new rule matches, a person's label it matches too,
        # and a label of a rule since edited.
        assert all(r.ok for r in store.upsert([
            post(3, "Apple Watch: the killer app is health", sentiment=got["2"].sentiment),
            post(4, "Another block trade detected in AAPL", sentiment=analyst_label("negative")),
            post(5, "Apple Watch: killer app? No, a killer battery drain",
                 sentiment=Sentiment(label="positive", probs={"positive": 1.0}, model="rule:killer-app#00000000")),
        ]))
    finally:
        store.close()
    path.write_text(BASE + RULES.replace('AND lang:en', 'AND health'), encoding="utf-8")  # the rule edited
    result = CliRunner().invoke(cli, ["store", "re-enrich", "-c", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["retagged"], report["rule_labels"], report["analyst_labels"]) == (2, 1, 1)
    got = {m.native_id: m for m in _read_back(tmp_path, Filters())}
    assert got["3"].sentiment.rule_name == "killer-app" and got["3"].sentiment.label == "positive"
    assert got["4"].sentiment == analyst_label("negative")  # a person outranks every rule
    assert got["5"].sentiment.model == model  # its rule no longer matches: the model's label again
    again = json.loads(CliRunner().invoke(cli, ["store", "re-enrich", "-c", str(path), "--no-progress"]
                                          ).stdout.strip().splitlines()[-1])
    assert again["retagged"] == 0


def test_a_preview_shows_what_the_rules_would_change_and_writes_nothing(tmp_path):
    path = _rules_config(tmp_path)
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert([
            post(1, "Block trade detected in $AAPL", sentiment=MODEL),  # negative: would become neutral
            post(2, "block trade detected again", sentiment=MODEL.model_copy(update={"label": "neutral"})),
            post(3, "Block trade detected, I checked", sentiment=analyst_label("positive")),
            post(4, "Apple's killer app", sentiment=MODEL, spam="copy-paste campaign"),  # spam counts too
            post(5, "Apple shares fall", sentiment=MODEL),
            post(6, "block trade detected, not tagged yet"),
        ]))
        before = list(store.iter_mentions(Filters(include_spam=True)))
    finally:
        store.close()
    result = CliRunner().invoke(cli, ["sentiment", "rules", "-c", str(path), "--no-progress"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("block-trades: matches 2, would change 1 (negative -> neutral: 1); "
                        "1 corrected by people, left as they are")
    assert lines[1] == "    negative -> neutral  x:1  Block trade detected in $AAPL"
    assert lines[2] == "killer-app: matches 1, would change 1 (negative -> positive: 1)"
    assert json.loads(lines[-1])["block-trades"]["would_change"] == 1
    assert _read_back(tmp_path, Filters(include_spam=True)) == before
    path.write_text(BASE, encoding="utf-8")
    bare = CliRunner().invoke(cli, ["sentiment", "rules", "-c", str(path), "--no-progress"])
    assert bare.exit_code == 1 and "no sentiment_rules" in bare.output
