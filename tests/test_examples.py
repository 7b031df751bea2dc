"""examples/: every shipped config passes `groundswell config check`, and says what it claims."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from groundswell.cli import EXIT_PARTIAL, cli
from groundswell.config import load_config
from groundswell.demo import DEMO_CONFIG

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONFIGS = sorted(EXAMPLES.glob("*.yaml"))


def test_the_common_cases_are_there():
    names = {p.name for p in CONFIGS}
    assert {"brand-and-competitors.yaml", "multilingual.yaml", "elasticsearch.yaml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_example_passes_config_check(path):
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    # Valid; the only warnings allowed are what a deployment supplies: its secrets (*_env variables)
    # and its own export files (`config check` exits EXIT_PARTIAL for "valid, with warnings").
    assert result.exit_code in (0, EXIT_PARTIAL), result.output
    # Notes (`config_notes`: a store file not created yet) are information, wherever `config check` prints them.
    lines = [line for line in result.output.splitlines() if line.strip() and "note:" not in line]
    assert lines[0].startswith((f"{path}: OK", f"{path}: valid")), result.output
    warnings = lines[1:]
    assert all(" is not set" in w or "import file not found" in w for w in warnings), result.output
    assert path.read_text(encoding="utf-8").lstrip().startswith("#")  # each one says what it is for


def test_the_demo_config_passes_config_check(tmp_path):
    # Its import file carries the care account's replies: no "no 'x' source" warning, exit 0.
    (tmp_path / "groundswell.yaml").write_text(DEMO_CONFIG, encoding="utf-8")
    (tmp_path / "corpus.jsonl").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(tmp_path / "groundswell.yaml")])
    assert result.exit_code == 0, result.output
    assert ": OK (" in result.output and "will fail" not in result.output


def test_brand_and_competitors_has_competitors():
    brands = load_config(EXAMPLES / "brand-and-competitors.yaml").brands
    assert [b.competitor for b in brands].count(False) == 1 and len(brands) >= 3


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("新しいルモラのイヤホン、最高", "ja"),
        ("루모라는 배터리가 오래 가요", "ko"),
        ("我买了露莫拉耳机", "zh"),
        ("Купил наушники Люморы", "ru"),
        ("Доволен Люморой", "ru"),  # a form no one listed: inflect: [ru]
        ("سماعات لومورا رائعة", "ar"),
        ("Lumora earbuds are great", "en"),
    ],
)
def test_multilingual_brand_matches_its_name_in_each_script(text, lang):
    brand = load_config(EXAMPLES / "multilingual.yaml").brand("Lumora")
    assert brand.terms().matches(text, lang)  # the query OR an alias


def test_elasticsearch_example_takes_the_url_from_the_environment(monkeypatch):
    store = load_config(EXAMPLES / "elasticsearch.yaml").store
    monkeypatch.setenv(store.url_env, "http://elasticsearch:9200")
    assert store.type == "elasticsearch" and store.resolved_url() == "http://elasticsearch:9200"
