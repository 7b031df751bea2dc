"""A brand's first day, before any baseline exists (`alerts.first_day`), on a real SQLite store through
`pipeline.detect`: a flood of negatives on a new brand's first evening is raised as a learning alert that gives
counts and the share and never an expected count or a ratio; a handful (the Apple stream's first evening: 7
negatives, 44%) stays quiet; its all-clear claims no expected count; scheduled runs and the backtest say the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from alerts.backtest import run_backtest
from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from alerts.render import as_text, facts
from core.mention import Author, Mention, Sentiment, dump_mention
from groundswell import pipeline
from groundswell.config import parse_config
from groundswell.report import _alert_html
from indexing.sqlite import SqliteStore

FIRST = datetime(2026, 2, 2, 19, 30, tzinfo=UTC)  # both brands' first post: a Monday evening
HOURS = 40
FLOOD = datetime(2026, 2, 2, 22, 0, tzinfo=UTC)  # Newco, 2.5 hours in: 30 negative posts in the hour
HANDFUL = FLOOD  # Quietco at the same hour: 7 negative posts, Apple's first evening
AFTER_FLOOD = FLOOD + timedelta(hours=1, minutes=5)  # the first scheduled run after the flood's hour closed


def _post(brand: str, key: str, at: datetime, label: str) -> Mention:
    return Mention(
        source="x",
        native_id=f"{brand}-{key}",
        text=f"{brand.lower()} thing",
        created_at=at,
        author=Author(handle=f"u{key}", followers=100),
        brand=brand,
        lang="en",
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def corpus() -> list[Mention]:
    """Two brands, each about 8 posts an hour, 15% negative, from FIRST on; Newco's flood, Quietco's handful."""
    rng = np.random.default_rng(11)
    out: list[Mention] = []
    for brand in ("Newco", "Quietco"):
        for h in range(HOURS):
            start = FIRST + timedelta(hours=h)
            for i in range(int(rng.poisson(8))):
                label = "negative" if rng.random() < 0.15 else "neutral"
                out.append(_post(brand, f"{h}-{i}", start + timedelta(minutes=(i * 53) % 60), label))
    out += [_post("Newco", f"flood-{i}", FLOOD + timedelta(minutes=i), "negative") for i in range(30)]
    out += [_post("Quietco", f"handful-{i}", HANDFUL + timedelta(minutes=i), "negative") for i in range(7)]
    return out


def _config(tmp_path):
    brands = [{"name": "Newco", "query": "newco"}, {"name": "Quietco", "query": "quietco"}]
    alerts = {"keyword": {"enabled": False}, "influencer": {"enabled": False}}
    return parse_config({"brands": brands, "store": {"path": str(tmp_path / "gs.db")}, "alerts": alerts})


@pytest.fixture()
def store(tmp_path):
    s = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in s.upsert(corpus()))
    yield s
    s.close()


def test_a_flood_on_a_new_brands_first_evening_is_raised_as_learning_and_a_handful_is_not(tmp_path, store):
    # 3.5 hours after its first post no baseline exists (one needs a day of data, from the brand's second UTC
    # midnight on): the run used to raise nothing at all, whatever the brand's first evening brought.
    found = pipeline.detect(_config(tmp_path), store, now=AFTER_FLOOD)
    spikes = [a for a in found if a.kind == "spike"]
    assert [a.brand for a in spikes] == ["Newco"], [a.summary for a in spikes]  # Quietco's 7 negatives: quiet
    (spike,) = spikes
    assert (spike.detector, spike.window_start, spike.expected) == ("first_day", FLOOD, 0.0)
    share = spike.observed / spike.total
    assert spike.observed >= 30 and share > 0.5 and spike.p_value < 1e-3
    text = as_text(spike)
    assert "learning: 2 hours of history, no usual level yet" in spike.summary
    assert f"{spike.observed:.0f} negative mentions" in spike.summary
    assert f"{share:.0%} of its {spike.total} posts" in text
    for claim in ("expected", "×", "usually", "times"):  # no rate, no ratio, no "usual" anything
        assert claim not in text, (claim, text)
    rows = dict(facts(spike))
    assert rows["Negative / all posts"] == f"{spike.observed:.0f} / {spike.total}"
    assert "Observed / expected" not in rows
    assert "expected" not in _alert_html(spike)  # the HTML report's alert card


def test_the_all_clear_of_a_first_day_episode_claims_no_expected_count(tmp_path, store):
    found = pipeline.detect(_config(tmp_path), store)  # the whole history, as `groundswell run --history`
    spike = next(a for a in found if a.kind == "spike" and a.detector == "first_day" and not a.subject)
    clear = next(a for a in found if a.kind == "all_clear" and a.episode_id == spike.id)
    text = as_text(clear)
    assert clear.detector == "first_day" and "no usual level" in clear.summary
    assert "expected" not in text, text


def test_scheduled_runs_raise_what_the_backtest_raises_on_a_new_brand(tmp_path, store):
    """One rule: each hourly run's first-day alerts are the backtest's, with the same ids; Quietco has none."""
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(dump_mention(m) + "\n" for m in corpus()), encoding="utf-8")
    backtest = {d.alert.id: d.alert for d in run_backtest(posts, AlertsConfig()).detections}
    first_day = {i for i, a in backtest.items() if a.detector == "first_day"}
    assert first_day and {backtest[i].brand for i in first_day} == {"Newco"}
    seen: set[str] = set()
    now = FIRST.replace(minute=0) + timedelta(hours=2, minutes=5)
    while now < FIRST + timedelta(hours=HOURS):
        for brand in ("Newco", "Quietco"):
            for a in detect_alerts(store, _Brand(brand), AlertsConfig(), now=now, explained=False):
                if a.kind in ("spike", "all_clear"):
                    assert a.id in backtest, (now, a.kind, a.brand, a.window_start)
                    seen.add(a.id)
        now += timedelta(hours=1)
    assert first_day <= seen


class _Brand:
    def __init__(self, name: str) -> None:
        self.name, self.crisis_terms = name, []
