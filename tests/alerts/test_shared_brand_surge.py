"""One surge naming three brands, on the real detection path (alerts.detect.detect_alerts, explained).

The agency review's case (docs/alerts.md, "Key phrases"): posts naming Shell, BP and Exxon raised three
critical spikes; Exxon's read "Key phrases: “shell”", BP's "“exxon and shell”" (another configured brand's
name is no evidence of anything), while "spill" and "oil", context words of Shell's and BP's queries, could
never be key phrases; nothing said the three alerts share their posts, and "600.0× the 0.1 expected" was a
rounding of 0.05. A real SQLite store, each post attributed by the brands' own queries
(`groundswell.brands.attribute`), labelled as the model would (negative surge, mixed background).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from alerts.detect import detect_alerts
from core.alert import Alert
from core.mention import Author, Mention, Sentiment
from groundswell.brands import attribute
from groundswell.config import Config, parse_config
from indexing.sqlite import SqliteStore

START = datetime(2026, 11, 1, tzinfo=UTC)
SURGE = START + timedelta(days=14, hours=13)
HOUR = timedelta(hours=1)
BRANDS = [
    {"name": "Shell", "query": "(Shell AND (petrol OR fuel OR oil OR station OR spill)) OR @shell"},
    {"name": "BP", "query": "(BP AND (petrol OR fuel OR oil OR station)) OR @bp_plc"},
    {"name": "Exxon", "query": "Exxon OR ExxonMobil"},
]
EVERYDAY = {  # each brand's usual talk, a few posts a day, one in four negative
    "Shell": ["Shell station coffee is fine", "filled up at the Shell station", "Shell fuel card works"],
    "BP": ["BP station near me reopened", "BP petrol price today", "BP fuel rewards app"],
    "Exxon": ["Exxon quarterly results out", "Exxon station on route 9", "ExxonMobil hiring engineers"],
}
WHERE = ["in the bay", "at the terminal", "off the coast", "near the harbour", "by the refinery"]
FEELING = ["disgusting", "absolutely shameful", "I'm furious", "boycott them all", "terrible for wildlife"]


def _config(tmp_path) -> Config:
    return parse_config({
        "brands": BRANDS,
        "store": {"path": str(tmp_path / "gs.db")},
        "alerts": {"keyword": {"enabled": False}, "influencer": {"enabled": False}, "viral": {"enabled": False}},
    })  # fmt: skip


def _post(config: Config, key: str, at: datetime, text: str, label: str) -> Mention:
    m = Mention(source="x", native_id=key, text=text, created_at=at, author=Author(handle=f"u{key}", followers=50),
                lang="en", sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"))  # fmt: skip
    return attribute(m, config.brands)


def _posts(config: Config) -> list[Mention]:
    rng = random.Random(3)
    posts = []
    for name, texts in EVERYDAY.items():
        for h in range(0, 14 * 24, 4):
            label = "negative" if h % 16 == 0 else "neutral"
            posts.append(_post(config, f"{name}-{h}", START + h * HOUR, f"{rng.choice(texts)} {h}", label))
    order = ["Shell, BP and Exxon", "Exxon, Shell and BP", "BP, Exxon and Shell"]
    for i in range(27):  # the shared story: every post names all three
        text = f"{rng.choice(order)} oil spill {rng.choice(WHERE)}, {rng.choice(FEELING)} #{i}"
        posts.append(_post(config, f"all-{i}", SURGE + timedelta(minutes=2 * i), text, "negative"))
    for name in EVERYDAY:  # and three posts each naming one brand alone
        for i in range(3):
            text = f"{name} oil spill {rng.choice(WHERE)}, {rng.choice(FEELING)} #{name}{i}"
            posts.append(_post(config, f"{name}-only-{i}", SURGE + timedelta(minutes=55 + i), text, "negative"))
    return posts


@pytest.fixture(scope="module")
def alerts(tmp_path_factory) -> dict[str, Alert]:
    """Each brand's spike alert of the surge hour, as a `--history` run decides and explains it."""
    config = _config(tmp_path_factory.mktemp("shared"))
    store = SqliteStore(":memory:")
    try:
        posts = _posts(config)
        assert {p.native_id: p.brands for p in posts}["all-0"] == ["BP", "Exxon", "Shell"]
        assert all(r.ok for r in store.upsert(posts))
        found = {}
        for brand in config.brands:
            spikes = [a for a in detect_alerts(store, brand, config.alerts)
                      if a.kind == "spike" and a.window_start == SURGE]  # fmt: skip
            assert len(spikes) == 1, (brand.name, spikes)
            found[brand.name] = spikes[0]
        return found
    finally:
        store.close()


def test_no_brand_s_key_phrases_name_a_configured_brand(alerts):
    """No key phrase of any of the three alerts holds a word of any configured brand's name; each alert still
    has key phrases (the surge is explained)."""
    names = {"shell", "bp", "exxon", "exxonmobil"}
    for brand, alert in alerts.items():
        assert alert.key_phrases, (brand, alert.summary)
        for p in alert.key_phrases:
            assert not names & set(re.findall(r"\w+", p.lower())), (brand, alert.key_phrases)


def test_context_words_of_a_brand_s_query_can_be_key_phrases(alerts):
    """"oil" and "spill" are in Shell's and BP's queries as context, not names: what the surge is about."""
    for brand, alert in alerts.items():
        assert any("spill" in p for p in alert.key_phrases), (brand, alert.key_phrases)


def test_the_summary_says_the_posts_also_name_the_other_brands(alerts):
    assert "27 of these 30 posts also name BP and Exxon." in alerts["Shell"].summary, alerts["Shell"].summary
    assert "27 of these 30 posts also name Exxon and Shell." in alerts["BP"].summary, alerts["BP"].summary
    assert "27 of these 30 posts also name BP and Shell." in alerts["Exxon"].summary, alerts["Exxon"].summary


def test_the_expected_count_is_written_to_three_significant_digits(alerts):
    """The figure in the sentence is the alert's `expected` (3 significant digits), and the multiple is
    observed / expected the same way: never "0.1" for 0.05."""
    for brand, alert in alerts.items():
        m = re.search(r"([\d,.]+)× the ([\d,.]+) expected", alert.summary)
        assert m, alert.summary
        ratio, expected = (float(x.replace(",", "")) for x in m.groups())
        assert expected == pytest.approx(alert.expected, rel=0.005), (brand, alert.expected, alert.summary)
        assert ratio == pytest.approx(alert.observed / alert.expected, rel=0.005), (brand, alert.summary)
