"""Theme lists count top-level themes only, each carrying its aspects (alerts/theme_tree.py, issue 18).

A real SQLite store holds posts labelled as the themes step labels them: every post of an aspect also
carries its parent's label. On the crisis day the flat label counts rank an aspect second, above a
real top-level theme; every list (report, digest, period report, alert evidence, run summary) must
rank the top-level theme there instead and show the aspect under its parent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from alerts.evidence import rising_themes
from alerts.theme_tree import summary_rows, top_level_counts, top_themes, window_themes
from core.mention import Mention, Sentiment
from groundswell.config import parse_config
from groundswell.digest import build_digest
from groundswell.digest import render_markdown as digest_markdown
from groundswell.period_render import render_html, render_markdown
from groundswell.period_report import build_period_report
from groundswell.periods import period_containing
from groundswell.report import _rising_chart, _themes_chart
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.theme_centroids import make_centroid
from nlp.theme_state import BrandThemes, ThemeState, aspect_parents

START = datetime(2026, 11, 1, tzinfo=UTC)
CRISIS = datetime(2026, 11, 11, tzinfo=UTC)
DAY = Filters(brand="Lumora", since=CRISIS, until=CRISIS + timedelta(days=1))
OVERHEATING, CHARGING = "battery overheating", "battery charging"


def _post(key: str, when: datetime, themes: list[str], label: str = "negative") -> Mention:
    return Mention(source="x", native_id=key, text=f"Lumora {' '.join(themes)} {key}", created_at=when,
                   brand="Lumora", lang="en", themes=themes,
                   sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"))


def _centroid(label: str, parent: str | None = None):
    c = make_centroid(label, ["en"], np.random.default_rng(len(label)).normal(size=(4, 8)))
    c.parent = parent
    return c


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "tree.db")
    posts = [_post(f"s{d}.{i}", START + timedelta(days=d, hours=i), ["sound"], "positive")
             for d in range(11) for i in range(8)]  # fmt: skip
    # The crisis: 40 battery posts, 30 of them about overheating and 6 about charging (both labels each).
    posts += [_post(f"b{i}", CRISIS + timedelta(hours=10, minutes=i),
                    ["battery"] + ([OVERHEATING] if i < 30 else [CHARGING] if i < 36 else []))
              for i in range(40)]  # fmt: skip
    assert all(r.ok for r in store.upsert(posts))
    themes = [_centroid("sound"), _centroid("battery"), _centroid(OVERHEATING, "battery"),
              _centroid(CHARGING, "battery")]
    ThemeState(store).save("Lumora", BrandThemes(themes))
    yield store
    store.close()


def _config():
    return parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}]})


def test_flat_counts_rank_an_aspect_above_a_top_level_theme(store):
    """The situation every list must handle: without the tree the aspect takes the second place."""
    assert [t.theme for t in store.top_themes(DAY, n=2)] == ["battery", OVERHEATING]


def test_top_themes_are_top_level_with_their_aspects(store):
    rows = top_themes(store, DAY, n=2)
    assert [(r.theme, r.count) for r in rows] == [("battery", 40), ("sound", 8)]
    assert rows[0].aspects_json() == [{"theme": OVERHEATING, "count": 30}, {"theme": CHARGING, "count": 6}]
    assert rows[0].sentiment == {"negative": 40} and rows[1].aspects == []
    assert top_level_counts(store, Filters(brand="Lumora"))(DAY.since, DAY.until, 2) == {"battery": 40, "sound": 8}


def test_rising_is_the_top_level_theme_with_its_aspects(store):
    day = window_themes(store, Filters(brand="Lumora"), DAY.since, DAY.until)
    rising = day.rising()
    assert [r.theme for r, _ in rising] == ["battery"]  # the aspects rose as much, but are not themes of their own
    assert [a.theme for a in rising[0][1].aspects] == [OVERHEATING, CHARGING]
    assert OVERHEATING not in {r.theme for r in day.trends.themes}


def test_digest_lists_top_level_themes_with_aspects(store):
    (lumora,) = build_digest(_config(), store, CRISIS.date())["brands"]
    assert [t["theme"] for t in lumora["top_themes"]] == ["battery", "sound"]
    assert lumora["top_themes"][0]["aspects"] == [{"theme": OVERHEATING, "count": 30}, {"theme": CHARGING, "count": 6}]
    assert [t["theme"] for t in lumora["rising_themes"]] == ["battery"]
    assert lumora["rising_themes"][0]["aspects"][0] == {"theme": OVERHEATING, "count": 30}
    text = digest_markdown(build_digest(_config(), store, CRISIS.date()))
    assert "battery (40: battery overheating 30 · battery charging 6), sound (8)" in text


def test_period_report_lists_top_level_themes_with_aspects(store):
    report = build_period_report(_config(), store, period_containing("week", CRISIS.date()))
    (lumora,) = report["brands"]
    # The week of Mon 9 - Sun 15 Nov: 3 days of 8 sound posts; the flat top 2 would be battery and its aspect.
    assert [(t["theme"], t["count"]) for t in lumora["top_themes"][:2]] == [("battery", 40), ("sound", 24)]
    assert [a["theme"] for a in lumora["top_themes"][0]["aspects"]] == [OVERHEATING, CHARGING]
    assert "battery (40: battery overheating 30 · battery charging 6)" in render_markdown(report)
    assert "battery (40: battery overheating 30 · battery charging 6)" in render_html(report)


def test_report_charts_show_top_level_themes_and_aspects_in_the_hover(store):
    themes = _themes_chart(store, "Lumora")
    # All time: sound 88, battery 40 (its aspects not beside it), least first as Plotly draws bottom-up.
    assert list(themes.data[0].y) == ["battery", "sound"]
    assert list(themes.data[0].hovertext) == ["battery overheating 30 · battery charging 6", ""]
    rising = _rising_chart(store, "Lumora", CRISIS)
    assert list(rising.data[0].y) == ["battery (new)"]
    assert list(rising.data[0].hovertext) == ["battery overheating 30 · battery charging 6"]


def test_alert_evidence_rising_themes_are_top_level(store):
    assert [s.value for s in rising_themes(store, DAY)] == ["battery"]


def test_alert_names_the_aspect_a_rising_theme_is_mostly_about(store):
    """30 of the crisis day's 40 battery posts are about overheating: the alert says so beside the theme."""
    from alerts.wording import shift_text

    (shift,) = rising_themes(store, DAY)
    assert shift.aspect == OVERHEATING
    assert shift_text(shift).startswith(f"“battery” (mostly “{OVERHEATING}”) ")
    # No leading aspect when the biggest one holds under 40% of the theme's posts.
    from alerts.evidence import leading_aspect
    from alerts.theme_tree import ThemeRow
    from indexing.base import ThemeCount

    spread = ThemeRow("battery", 40, {}, [ThemeCount(CHARGING, 15), ThemeCount(OVERHEATING, 12)])
    assert leading_aspect(spread) is None
    assert leading_aspect(ThemeRow("battery", 40, {}, [ThemeCount(CHARGING, 16)])) == CHARGING
    assert "mostly" not in shift_text(shift.model_copy(update={"aspect": None}))


def test_run_summary_rows_nest_aspects():
    passed = [{"label": "battery", "count": 40}, {"label": OVERHEATING, "count": 30, "parent": "battery"},
              {"label": "sound", "count": 8}, {"label": CHARGING, "count": 6, "parent": "battery"}]
    assert summary_rows(passed, 2) == [
        {"label": "battery", "count": 40,
         "aspects": [{"label": OVERHEATING, "count": 30}, {"label": CHARGING, "count": 6}]},
        {"label": "sound", "count": 8, "aspects": []},
    ]


def test_aspect_parents_of_every_brand_when_no_brand_is_given(store):
    ThemeState(store).save("Sonique", BrandThemes([_centroid("fit"), _centroid("fit loose", "fit")]))
    assert aspect_parents(store, "Lumora") == {OVERHEATING: "battery", CHARGING: "battery"}
    assert aspect_parents(store, None) == {OVERHEATING: "battery", CHARGING: "battery", "fit loose": "fit"}
    store.set_state("themes:Broken", "{not json")  # an unreadable entry: no aspects from it, no error
    assert aspect_parents(store, None)["fit loose"] == "fit" and aspect_parents(store, "Broken") == {}
