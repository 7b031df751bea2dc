"""Positive opportunity alerts (alerts/opportunity.py) on a real SQLite store: opt-in, fire on a
positive surge (of the brand or of one theme), never on flat data or on a negative crisis."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pytest
from alert_series import START

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from alerts.kinds import detector_for, rule_problems
from alerts.render import facts
from core.mention import Author, Mention, Sentiment
from indexing.sqlite import SqliteStore

DAYS = 16
SURGE_AT = 14 * 24 + 15  # day 14, 15:00
ON = AlertsConfig.model_validate({"opportunity": {"enabled": True}})


@dataclass
class Brand:
    name: str = "Acme"
    crisis_terms: list[str] = field(default_factory=list)


def _mention(key: str, hour: int, label: str, text: str, minute: int = 0, theme: str = "daily use") -> Mention:
    return Mention(
        source="x",
        native_id=key,
        text=text,
        created_at=START + timedelta(hours=hour, minutes=minute),
        author=Author(handle=f"u{key}", followers=100),
        brand="Acme",
        query="acme",
        lang="en",
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
        themes=[theme],
    )


def flat() -> list[Mention]:
    """Two weeks of ordinary talk: ~6 posts an hour, a fifth positive, a busier afternoon."""
    rng = np.random.default_rng(4)
    out: list[Mention] = []
    for hour in range(DAYS * 24):
        rate = 6 * (0.5 + np.exp(-((((hour % 24) - 14) / 4) ** 2)))
        for i in range(rng.poisson(rate)):
            u = rng.random()
            label, text = (
                ("positive", "acme works fine") if u < 0.2
                else ("negative", "acme support is slow") if u < 0.35
                else ("neutral", "acme store opens at nine")
            )  # fmt: skip
            out.append(_mention(f"{hour}-{i}", hour, label, text, minute=(i * 7) % 60))
    return out


def _run(mentions: list[Mention], config: AlertsConfig = ON):
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(mentions))
        return detect_alerts(store, Brand(), config)
    finally:
        store.close()


def _opportunities(alerts):
    return [a for a in alerts if a.kind == "opportunity"]


def test_fires_on_a_positive_surge_explained_by_its_phrases():
    launch = [_mention(f"s{k}-{i}", SURGE_AT + k, "positive", "acme new camera is stunning, night mode rocks",
                       minute=i, theme="new camera")
              for k in range(2) for i in range(30)]  # fmt: skip
    found = _opportunities(_run(flat() + launch))
    assert found, "a positive surge must raise an opportunity"
    first = found[0]
    assert first.window_start == START + timedelta(hours=SURGE_AT) and first.severity == "info"
    # The brand-wide alert; the theme's alert for the same moment is folded into it.
    assert first.counted_sentiment == "positive" and first.subject is None
    assert len(found) == 1
    assert "positive mentions" in first.summary and "Positive share" in first.summary
    assert any("camera" in p for p in first.key_phrases), first.key_phrases
    assert "new camera" in first.top_themes
    share = dict(facts(first))["Positive share"]  # the share it counted, not a negative one
    assert share == f"{first.negative_share:.0%} (usually {first.expected_share:.0%})"
    assert "Negative share" not in dict(facts(first))
    assert all(p.sentiment == "positive" for p in first.top_posts)


def test_fires_on_one_themes_positive_rise_the_brand_total_hides():
    # 6 extra positive posts an hour about one theme: a ripple in the brand's totals.
    rise = [_mention(f"t{k}-{i}", SURGE_AT + k, "positive", "acme loyalty points doubled, thank you", minute=i,
                     theme="loyalty program")
            for k in range(2) for i in range(6)]  # fmt: skip
    config = AlertsConfig.model_validate({"opportunity": {"enabled": True, "min_positive": 3}})
    found = _opportunities(_run(flat() + rise, config))
    assert [a.subject for a in found] == ["loyalty program"], [(a.subject, a.window_start) for a in found]
    assert found[0].window_start == START + timedelta(hours=SURGE_AT)
    assert "about “loyalty program”" in found[0].summary


def test_an_aspects_rise_is_told_once_as_its_top_level_themes():
    """Posts of an aspect also carry its parent's label (the themes step): one alert, the parent's, not two."""
    from nlp.theme_centroids import make_centroid
    from nlp.theme_state import BrandThemes, ThemeState

    rise = [_mention(f"t{k}-{i}", SURGE_AT + k, "positive", "acme loyalty points doubled, thank you", minute=i,
                     theme="loyalty program")
            for k in range(2) for i in range(6)]  # fmt: skip
    for m in rise:
        m.themes.append("loyalty points")
    config = AlertsConfig.model_validate({"opportunity": {"enabled": True, "min_positive": 3}})
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(flat() + rise))
        assert _opportunities(detect_alerts(store, Brand(), config)), "without a theme state both labels are themes"
        rng = np.random.default_rng(0)
        parent, aspect = make_centroid("loyalty program", ["en"], rng.normal(size=(4, 8))), \
            make_centroid("loyalty points", ["en"], rng.normal(size=(4, 8)))
        aspect.parent = "loyalty program"
        ThemeState(store).save("Acme", BrandThemes([parent, aspect]))
        found = _opportunities(detect_alerts(store, Brand(), config))
    finally:
        store.close()
    assert [a.subject for a in found] == ["loyalty program"], [(a.subject, a.window_start) for a in found]


def test_silent_on_flat_data():
    assert _opportunities(_run(flat())) == []


def test_silent_on_a_negative_crisis():
    crisis = [_mention(f"c{k}-{i}", SURGE_AT + k, "negative", "acme charger overheating, it burned my desk", minute=i)
              for k in range(3) for i in range(40)]  # fmt: skip
    alerts = _run(flat() + crisis)
    assert [a for a in alerts if a.kind == "spike"], "the crisis itself is found"
    assert _opportunities(alerts) == []


def test_off_unless_enabled():
    assert not detector_for("opportunity").enabled(AlertsConfig())
    launch = [_mention(f"s{i}", SURGE_AT, "positive", "acme new camera is stunning", minute=i) for i in range(40)]
    assert _opportunities(_run(flat() + launch, AlertsConfig())) == []


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"enabled": "sure"}, "alerts.opportunity.enabled"),
        ({"enabled": True, "min_positive": 0}, "alerts.opportunity.min_positive"),
        ({"enabled": True, "preset": "loud"}, "alerts.opportunity.preset"),
        ({"enabled": True, "treshold": 3}, "alerts.opportunity.treshold"),
    ],
)
def test_config_is_checked(rule, problem):
    problems = rule_problems(AlertsConfig.model_validate({"opportunity": rule}))
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_good_news_never_threads_a_crisis_under_it():
    """An opportunity followed within the incident gap by a negative spike: the spike opens its own
    incident (sent in full, not as an "Update" of the good news), and the opportunity stays apart."""
    from alerts.incidents import assign_incidents, is_followup
    from core.alert import Alert, Detection

    def alert(kind: str, hour: int) -> Detection:
        at = START + timedelta(hours=hour)
        a = Alert(kind=kind, brand="Acme", window_start=at, window_end=at + timedelta(hours=1), observed=30,
                  expected=3, statistic="poisson", score=9)  # fmt: skip
        a.episode_id = a.id
        return Detection(a, at + timedelta(hours=1), hour)

    good, crisis, more_good = alert("opportunity", 10), alert("spike", 12), alert("opportunity", 13)
    assign_incidents([good, crisis, more_good], timedelta(hours=12))
    assert good.alert.incident_id == good.alert.id
    assert crisis.alert.incident_id == crisis.alert.id and not is_followup(crisis.alert)
    assert more_good.alert.incident_id == good.alert.id  # good news threads with good news
