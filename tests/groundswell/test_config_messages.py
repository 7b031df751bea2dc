"""Validation errors a person can act on: a list item (channel, brand, source, sentiment rule, crisis-term group)
named by its name, no pydantic union tag in a path, the YAML line, and the fix for an unquoted `8:00`; and the
values that would fail or do nothing at run time (a dashboard URL without its scheme, an email channel's sender or
recipient that is no address)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from extractors.registry import EXTRACTORS
from groundswell.config import load_config, parse_config

CONFIG = """\
brands: [{name: A, query: a}]
store: {type: sqlite, retention_days: 0}
channels:
  - type: slack
    url_env: S
  - type: email
    name: management-mail
    host: 127.0.0.1
    port: 99999
    from: gs@example.org
    to: [mgmt@example.org]
digest:
  time: 8:00
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return [line.removeprefix("  - ") for line in str(err.value).splitlines()[1:]]


def test_errors_name_the_channel_drop_the_union_tag_and_give_the_line(tmp_path: Path) -> None:
    assert _problems(tmp_path, CONFIG) == [
        "store.retention_days: Input should be greater than or equal to 1 (line 2)",
        "channels.1 (management-mail).port: Input should be less than or equal to 65535 (line 9)",
        'digest.time: YAML reads 8:00 without quotes as the number 480: write it in quotes: time: "08:00" (line 13)',
    ]


def test_a_required_key_has_the_line_of_the_item_that_lacks_it(tmp_path: Path) -> None:
    text = "brands: [{name: A, query: a}]\nchannels:\n  - type: console\n  - type: email\n    to: [a@b.org]\n"
    assert _problems(tmp_path, text) == [
        "channels.1 (email).host: required: add it (line 4)",
        "channels.1 (email).from: required: add it (line 4)",
    ]


NAMED = """\
brands:
  - name: A
    query: a
  - name: Lumora
    query: "(lumora"
    crisis_terms:
      - recall
      - {name: overheating, any: []}
sources:
  - type: mastodon
    options: {limit: 0}
  - type: mastodon
    name: mastodon-eu
    options: {limit: 99}
  - type: mastodn
sentiment_rules:
  - {name: refunds, query: "(", label: neutral}
"""


def test_brands_sources_rules_and_term_groups_are_named_as_channels_are(tmp_path: Path) -> None:
    # A source by its name, else its type: two Mastodon sources must have distinct names, which tell them apart.
    assert _problems(tmp_path, NAMED) == [
        "brands.1 (Lumora).query: bad query: column 8: unclosed parenthesis opened at column 1 (line 5)",
        "brands.1 (Lumora).crisis_terms.1 (overheating).any: List should have at least 1 item after validation, "
        "not 0 (line 8)",
        "sentiment_rules.0 (refunds).query: bad query: column 2: unclosed parenthesis opened at column 1 (line 17)",
        "sources.0 (mastodon).options.limit: Input should be greater than or equal to 1 (line 11)",
        "sources.1 (mastodon-eu).options.limit: Input should be less than or equal to 40 (line 14)",
        # Every type of the registry, so a new source changes no test here.
        f"sources.2 (mastodn).type: unknown source type 'mastodn'; known types: {', '.join(sorted(EXTRACTORS))}",
    ]


def test_the_checks_across_sections_name_the_items_too() -> None:
    data = {
        "brands": [{"name": "A", "query": "a"}, {"name": "A", "query": "b"}, {"name": "B", "query": "b"}],
        "sources": [{"type": "import", "brands": ["Q"], "options": {"path": "x"}},
                    {"type": "import", "options": {"path": "y"}}],
        "channels": [{"type": "console"}, {"type": "console"}],
    }
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert str(err.value).splitlines()[1:] == [
        "  - brands.1 (A).name: brand names must be unique; repeated: A",
        "  - sources.1 (import): give each source of the same type a distinct 'name'; repeated: import",
        "  - channels.1 (console): give each channel of the same type a distinct 'name' (add 'name:'); "
        "repeated: console",
        "  - sources.0 (import).brands: unknown brand 'Q'; known: A, B",
    ]


def test_a_validators_lines_name_the_brand_and_the_group() -> None:
    brand = {"name": "Lumora", "query": "l", "crisis_terms": [{"name": "heat", "any": ["hot", "HOT"]}],
             "aliases": ["Lu", "lu"]}
    with pytest.raises(ConfigError) as err:
        parse_config({"brands": [brand]})
    assert str(err.value).splitlines()[1:] == [
        "  - brands.0 (Lumora).aliases.1: 'lu' repeats aliases.0: remove one",
        "  - brands.0 (Lumora).crisis_terms.0 (heat).any.1: 'HOT' repeats crisis_terms.0.any.0: remove one",
    ]


def test_a_union_tag_inside_a_list_item_is_left_out() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"brands": [{"name": "A", "query": "a", "crisis_terms": [{"name": "g", "any": []}]}]})
    assert "  - brands.0 (A).crisis_terms.0 (g).any: List should have at least 1 item" in str(err.value)


def test_a_quoted_time_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(CONFIG.replace("retention_days: 0", "retention_days: 9").replace("99999", "25")
                    .replace("8:00", '"08:00"'), encoding="utf-8")
    assert load_config(path).digest.time == "08:00"


# --- values that parse but fail or do nothing at run time ---


def _one_problem(**sections: object) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config({"brands": [{"name": "A", "query": "a"}], **sections})
    (line,) = str(err.value).splitlines()[1:]
    return line.removeprefix("  - ")


@pytest.mark.parametrize(
    ("url", "fix"),
    [("localhost:8050", "http://localhost:8050"), ("javascript:alert(1)", "http://HOST:PORT"),
     ("ftp://dash.example.org", "http://HOST:PORT"), ("http://", "http://HOST:PORT")],
)
def test_a_dashboard_url_that_alerts_could_not_link_is_refused(url: str, fix: str) -> None:
    assert _one_problem(dashboard_url=url) == (
        f"dashboard_url: '{url}' is not an http(s) URL, so alerts would carry no link: write {fix}"
    )


@pytest.mark.parametrize("url", [None, "http://localhost:8050", "https://dash.example.org/groundswell/"])
def test_an_http_dashboard_url_is_kept(url: str | None) -> None:
    assert parse_config({"brands": [{"name": "A", "query": "a"}], "dashboard_url": url}).dashboard_url == url


def _email(**fields: object) -> dict:
    return {"type": "email", "name": "management-mail", "host": "h", "from": "gs@example.org",
            "to": ["mgmt@example.org"], **fields}


def test_an_email_sender_or_recipient_that_is_no_address_is_refused_naming_the_channel() -> None:
    assert _one_problem(channels=[_email(**{"from": "groundswell"})]) == (
        "channels.0 (management-mail).from: 'groundswell' is not an email address: "
        'write name@example.org or "Name <name@example.org>"'
    )
    assert _one_problem(channels=[_email(to=["mgmt-at-example.org"])]) == (
        "channels.0 (management-mail).to: item 0: 'mgmt-at-example.org' is not an email address: "
        'write name@example.org or "Name <name@example.org>"'
    )


def test_display_names_are_addresses() -> None:
    channel = _email(**{"from": "Groundswell <gs@example.org>"}, to=["Mgmt <mgmt@example.org>", "x@example.org"])
    assert parse_config({"brands": [{"name": "A", "query": "a"}], "channels": [channel]}).channels[0].key


def test_an_unknown_source_option_points_to_the_page_that_lists_source_options(tmp_path: Path) -> None:
    # A source's options are listed per source in docs/sources.md; the rest of the file in docs/configuration.md.
    text = ("brands: [{name: A, query: a}]\nsources:\n  - type: mastodon\n    options: {hashtag: [a]}\n"
            "nlp: {batch_sise: 1}\n")
    assert _problems(tmp_path, text) == [
        "nlp.batch_sise: unknown key: remove it or check its spelling against docs/configuration.md (line 5)",
        "sources.0 (mastodon).options.hashtag: unknown key: remove it or check its spelling against docs/sources.md "
        "(line 4)",
    ]
