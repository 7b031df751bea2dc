"""An alert calls a theme "up" only when its share of the surge is clearly above its usual share
(alerts/evidence.py, `theme_evidence`).

The demo's crisis-term alerts (과열, 过热, recall, surriscaldamento) said "Themes up: “pulse battery
overheating …” 100% of the surge vs 100% usually": the rising rule of nlp/trends.py compares a theme's
*count* with the span before, and every theme of a surge has more posts than before, while the term's
posts had always been in that theme. Each test builds a real SQLite store of `Mention`s, explains a real
`Alert` and reads what every channel shows: the summary (text and email, Slack, Teams, the JSON
webhook, the dashboard's incident card, the HTML report) and the fact rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.explain import explain
from alerts.render import as_json, as_slack, as_teams, as_text, facts
from core.alert import Alert
from core.mention import Mention, Sentiment
from groundswell.report import _alert_html
from indexing.sqlite import SqliteStore

START = datetime(2026, 11, 1, tzinfo=UTC)
SURGE = START + timedelta(days=14, hours=14)  # 14 days of history before the alert hour
HOUR = timedelta(hours=1)
BATTERY, APP, SOUND = "battery overheating", "app crashes", "sound quality"


def _post(key: str, at: datetime, text: str, theme: str, label: str = "negative", lang: str = "en") -> Mention:
    sentiment = Sentiment(label=label, probs={label: 0.9}, model="test")
    return Mention(source="x", native_id=key, text=text, created_at=at, brand="Lumora", query="Lumora",
                   lang=lang, themes=[theme], sentiment=sentiment)  # fmt: skip


def _background() -> list[Mention]:
    """Two weeks of everyday talk: praise of the sound every hour, an app complaint every other hour."""
    posts = [_post(f"s{h}", START + h * HOUR, f"Lumora sound is lovely {h}", SOUND, "positive") for h in range(14 * 24)]
    posts += [_post(f"a{h}", START + h * HOUR + timedelta(minutes=30), f"Lumora app crashed again {h}", APP)
              for h in range(0, 14 * 24, 2)]  # fmt: skip
    return posts


def _store(posts: list[Mention]) -> SqliteStore:
    store = SqliteStore(":memory:")
    assert all(r.ok for r in store.upsert(posts))
    return store


def _keyword_alert(term: str, observed: int) -> Alert:
    # As the demo's KeywordDetector makes it with `negative_only: false` (counted_sentiment None).
    return Alert(kind="keyword", brand="Lumora", window_start=SURGE, window_end=SURGE + HOUR, observed=observed,
                 expected=0.01, statistic="poisson", score=9.0, p_value=1e-9, subject=term)  # fmt: skip


def _spike_alert(observed: int) -> Alert:
    return Alert(kind="spike", brand="Lumora", window_start=SURGE, window_end=SURGE + HOUR, observed=observed,
                 expected=1.0, statistic="negative_binomial", score=8.0, p_value=1e-8, negative_share=0.9,
                 expected_share=0.3)  # fmt: skip


def _everywhere(a: Alert) -> list[str]:
    """Every text a reader of the alert sees: message bodies of each channel, fact rows, report card."""
    slack = as_slack(a)
    return [
        a.summary or "",
        as_text(a),
        slack["text"] + str(slack["blocks"]),
        str(as_teams(a)),
        as_json(a)["text"],
        " ".join(f"{k}: {v}" for k, v in facts(a)),
        _alert_html(a),
    ]


def _theme_shifts(a: Alert) -> list[tuple[str, float, float]]:
    return [(s.value, s.share, s.usual_share) for s in a.shifts if s.dimension == "theme"]


def test_crisis_term_always_in_one_theme_is_not_called_up():
    """The reviewer's case with a baseline big enough to judge: 24 posts with the term in the week
    before, all in the battery theme, then 6 in the alert hour, all in it: 100% vs 100%, not "up"."""
    posts = _background()
    posts += [_post(f"b{i}", SURGE - timedelta(days=6, hours=-7 * i), f"Lumora battery overheating again {i}", BATTERY)
              for i in range(24)]  # fmt: skip
    posts += [_post(f"n{i}", SURGE + timedelta(minutes=5 * i), f"my Lumora is overheating while charging {i}", BATTERY)
              for i in range(6)]  # fmt: skip
    store = _store(posts)
    try:
        alert = explain(_keyword_alert("overheating", 6), store)
    finally:
        store.close()
    assert _theme_shifts(alert) == [] and alert.top_themes == []  # the dashboard card's "themes up" row stays empty
    for shown in _everywhere(alert):
        assert "Themes up" not in shown and "100% usually" not in shown, shown
    assert "Theme:" not in alert.summary  # a share as usual is not news: the baseline could judge it


@pytest.mark.parametrize(
    ("before", "said"),
    [
        (3, "3 such mentions in the 7 days before, all of them in it"),  # the demo's 과열 alert
        (0, "no such mentions in the 7 days before"),  # the demo's перегрев alert
    ],
)
def test_crisis_term_with_a_thin_baseline_names_no_theme_its_fields_lack(before, said):
    """The demo's 과열 alert: 3 Korean posts with the term in the hour, and only 3 (or none) in the week
    before, all in the battery theme. Too few to call any share usual: not "up", and not named at all."""
    text = "Lumora Pulse 과열 문제 심각합니다. 당장 리콜하세요 {}"
    posts = _background()
    posts += [_post(f"k{i}", SURGE - timedelta(hours=2 + i), text.format(i), BATTERY, lang="ko") for i in range(before)]
    posts += [_post(f"m{i}", SURGE + timedelta(minutes=10 * i), text.format(10 + i), BATTERY, lang="ko")
              for i in range(3)]  # fmt: skip
    store = _store(posts)
    try:
        alert = explain(_keyword_alert("과열", 3), store)
    finally:
        store.close()
    assert _theme_shifts(alert) == [] and alert.top_themes == []
    for shown in _everywhere(alert):
        assert "Themes up" not in shown and "100% usually" not in shown, shown
    # The summary names no theme the alert's `top_themes` lacks (the agency review: BP's summary named a theme
    # its fields did not hold); the counts stay computed (`ThemeCounts`), said nowhere.
    for shown in _everywhere(alert):
        assert BATTERY not in shown and "Theme:" not in shown, shown


def _spike_store(surge: dict[str, int]) -> SqliteStore:
    """Negatives before: an app complaint every other hour (as `_background`), a battery one every tenth
    hour (about 16% of negatives); then `surge` negatives per theme in the alert hour."""
    posts = _background()
    posts += [_post(f"t{h}", START + h * HOUR + timedelta(minutes=40), f"Lumora battery got warm {h}", BATTERY)
              for h in range(0, 14 * 24, 10)]  # fmt: skip
    for theme, n in surge.items():
        posts += [_post(f"{theme[:3]}{i}", SURGE + timedelta(minutes=i), f"Lumora {theme} now {i}", theme)
                  for i in range(n)]  # fmt: skip
    return _store(posts)


def test_a_theme_that_truly_rises_is_up_and_one_whose_share_fell_is_not():
    """24 battery and 6 app complaints in the hour: battery 80% of the negatives vs 16% usually is up;
    app has 6 posts where it usually has one an hour or less (a rise by nlp.trends' count rule) but
    fell from 84% to 20% of the negatives: never "up"."""
    store = _spike_store({BATTERY: 24, APP: 6})
    try:
        alert = explain(_spike_alert(30), store)
    finally:
        store.close()
    ((theme, share, usual),) = _theme_shifts(alert)
    assert theme == BATTERY and share == pytest.approx(0.8) and usual == pytest.approx(0.16, abs=0.01)
    assert alert.top_themes == [BATTERY]
    assert f"Themes up: “{BATTERY}” 80% of the surge vs 16% usually." in alert.summary, alert.summary
    assert dict(facts(alert))["Themes up"] == f"“{BATTERY}” 80% of the surge vs 16% usually"
    themes_up = alert.summary.split("Themes up: ")[1].split(".")[0]
    assert APP not in themes_up and APP not in dict(facts(alert))["Themes up"] and "Theme:" not in alert.summary


def test_a_small_surge_above_the_usual_share_by_chance_is_not_up():
    """3 battery complaints of 7 negatives (43%) vs 16% usually: more posts than usual (nlp.trends calls
    the theme rising) and 27 points above its share, but seven posts drawn from the usual mix give
    that often enough (one-sided Fisher exact test, p = 0.12): not "up". Nor is app, 4 of 7 (57%) vs 84%."""
    store = _spike_store({BATTERY: 3, APP: 4})
    try:
        alert = explain(_spike_alert(7), store)
    finally:
        store.close()
    assert _theme_shifts(alert) == [] and alert.top_themes == []
    for shown in _everywhere(alert):
        assert "Themes up" not in shown, shown
