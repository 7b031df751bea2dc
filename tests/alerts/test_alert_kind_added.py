"""Adding an alert kind is one detector and one `register` call: nothing else changes.

The detector here ('volume_drop': a brand's mentions falling to a fraction of the previous day's
hourly mean — a feed that went quiet) lives only in this file. Registered, it runs through
`pipeline.detect` on a real SQLite store, reads its rule from `alerts.volume_drop` in the config,
is explained, stored, loaded back, rendered and delivered to a JSONL channel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import Field

from alerts.detector import DetectContext, Detector, Kind
from alerts.history import load_alerts
from alerts.kinds import register, unregister
from alerts.render import title
from core.alert import Alert, Detection
from core.errors import ConfigError
from core.mention import Author, Mention, Sentiment
from core.strict import StrictModel
from groundswell import pipeline
from groundswell.config import parse_config
from indexing.base import Filters
from indexing.sqlite import SqliteStore

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
HOURS = 48  # ten mentions an hour, then one in the last hour


class VolumeDropRule(StrictModel):
    enabled: bool = True
    ratio: float = Field(default=0.5, gt=0, lt=1, description="Alert below this fraction of the usual hourly volume")


class VolumeDropDetector(Detector):
    name = "volume_drop"
    kinds = {"volume_drop": Kind("Volume drop")}
    rule_model = VolumeDropRule

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: VolumeDropRule = self.rule(ctx.config)
        total = ctx.series.total
        out = []
        for i in range(24, len(total)):
            usual = float(total[i - 24 : i].mean())
            if usual and total[i] < rule.ratio * usual:
                start = ctx.series.time(i)
                alert = Alert(
                    kind="volume_drop",
                    brand=ctx.brand.name,
                    window_start=start,
                    window_end=start + ctx.step,
                    observed=float(total[i]),
                    expected=round(usual, 3),
                    statistic="ratio",
                    score=round(float(total[i]) / usual, 3),
                )
                out.append(Detection(alert, start + ctx.step, i))
        return out

    def filters(self, alert: Alert, base: Filters) -> Filters:
        return base  # every mention in the window, not only negatives

    def describe(self, alert: Alert) -> list[str]:
        return [f"{alert.brand}: only {alert.observed:.0f} mentions, {alert.expected:.1f} usual."]


@pytest.fixture
def volume_drop() -> Iterator[Detector]:
    detector = register(VolumeDropDetector())
    yield detector
    unregister(detector.name)


def _mentions() -> list[Mention]:
    out = []
    for hour in range(HOURS + 1):
        for n in range(1 if hour == HOURS else 10):
            out.append(
                Mention(
                    source="import",
                    native_id=f"acme-{hour}-{n}",
                    text=f"acme post {hour} {n}",
                    created_at=DAY0 + timedelta(hours=hour, minutes=n),
                    author=Author(handle=f"user{n}"),
                    brand="acme",
                    lang="en",
                    sentiment=Sentiment(label="neutral", probs={"neutral": 0.9}, model="test"),
                )
            )
    return out


def _config(tmp_path: Path, rule: dict) -> dict:
    return {
        "brands": [{"name": "acme", "query": "acme"}],
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
        "alerts": {"volume_drop": rule, "keyword": {"enabled": False}},
        "channels": [{"type": "jsonl", "path": str(tmp_path / "alerts.jsonl")}],
    }


def test_a_registered_kind_is_detected_stored_loaded_and_delivered(tmp_path: Path, volume_drop: Detector) -> None:
    config = parse_config(_config(tmp_path, {"ratio": 0.3}))
    store = SqliteStore(config.store.path)
    try:
        assert all(r.ok for r in store.upsert(_mentions()))
        now = DAY0 + timedelta(hours=HOURS + 1)
        found = pipeline.detect(config, store, now=now)
        drops = [a for a in found if a.kind == "volume_drop"]
        assert len(drops) == 1 and not found.failed
        drop = drops[0]
        assert (drop.observed, drop.expected) == (1.0, 10.0)
        assert drop.summary.startswith("acme: only 1 mentions, 10.0 usual.")
        assert drop.top_posts and drop.top_posts[0].text == "acme post 48 0"  # explained by its own filters
        assert title(drop).endswith("Volume drop: acme")

        assert [a for a in load_alerts(store) if a.kind == "volume_drop"] == [drop]
        report = pipeline.notify(config, store, list(found), now=now)  # the run's clock: its alert is fresh
        assert report.sent == len(found) and report.failed == 0
        lines = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()]
        assert [line["id"] for line in lines if line["kind"] == "volume_drop"] == [drop.id]

        # Its rule is read from the config: a lower ratio and the same hour is no longer a drop.
        quieter = parse_config(_config(tmp_path, {"ratio": 0.05}))
        assert not [a for a in pipeline.detect(quieter, store, now=now) if a.kind == "volume_drop"]
    finally:
        store.close()


def test_a_registered_kinds_rule_is_validated_when_the_config_loads(tmp_path: Path, volume_drop: Detector) -> None:
    with pytest.raises(ConfigError, match=r"alerts\.volume_drop\.ratio: Input should be less than 1"):
        parse_config(_config(tmp_path, {"ratio": 2}))


def test_a_rule_of_no_registered_kind_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"alerts\.volume_drop: unknown key: no alert kind of that name"):
        parse_config(_config(tmp_path, {"ratio": 0.3}))


def test_a_kind_is_registered_once(volume_drop: Detector) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(VolumeDropDetector())


def test_a_stored_alert_of_a_kind_no_longer_registered_still_reads() -> None:
    old = Alert(kind="volume_drop", brand="acme", window_start=DAY0, window_end=DAY0, observed=1, expected=10,
                statistic="ratio", score=0.1)  # fmt: skip
    assert title(old).endswith("volume_drop: acme")
