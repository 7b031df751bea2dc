"""Replay already-tagged mentions through the detectors: what would have fired, and when.

Mentions are loaded into a throw-away in-memory embedded store, then `alerts.detect` runs over
the whole history exactly as production does, so a backtest tests the real code path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from alerts.config import AlertsConfig
from alerts.detect import BrandLike, detections
from alerts.kinds import kind_info
from alerts.scoring import Fired, Incident, Score, score
from alerts.series import STEP
from core.alert import Detection
from core.mention import Mention, load_mention
from indexing.base import Filters
from indexing.sqlite import SqliteStore


@dataclass
class LoadReport:
    lines: int = 0
    loaded: int = 0
    duplicates: int = 0  # the same author's same post seen again (re-import, cross-post): counted once
    no_sentiment: int = 0
    no_brand: int = 0
    invalid: int = 0
    problems: list[str] = field(default_factory=list)  # the first few, with line numbers

    def note(self, number: int, message: str) -> None:
        if len(self.problems) < 10:
            self.problems.append(f"line {number}: {message}")


def read_mentions(path: str | Path, report: LoadReport) -> Iterator[Mention]:
    """Tagged, branded, de-duplicated mentions from a JSONL mention file; everything else counted in `report`.

    The format is `core.mention.dump_mention`'s: what dashboard exports and collection write.
    """
    seen: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            report.lines += 1
            try:
                mention = load_mention(line)
            except ValueError as exc:  # not JSON, or not a valid mention
                report.invalid += 1
                report.note(number, f"not a mention ({str(exc).splitlines()[0]})")
                continue
            if mention.sentiment is None:
                report.no_sentiment += 1
                report.note(number, "no sentiment: backtests need tagged data (run `groundswell sentiment score`)")
                continue
            if not mention.brands:
                report.no_brand += 1
                report.note(number, "no brand")
                continue
            key = _repeat_key(mention)
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            report.loaded += 1
            yield mention


def _repeat_key(mention: Mention) -> str:
    """Equal for the same post seen again: the same author's same words (re-import, cross-post) count once.

    The same words from different people are different voices and all count. A post with no author
    (some sources and imports carry none) cannot be told to be someone's repeat: only its own id repeats it.
    """
    author = mention.author.handle or mention.author.id
    brands = ",".join(mention.brands)
    if not author:
        return f"{brands}|id:{mention.id}"
    return f"{brands}|author:{author}|{mention.dedup_key()}"


@dataclass
class Backtest:
    load: LoadReport
    detections: list[Detection]
    score: Score | None
    brands: list[str]


def run_backtest(
    path: str | Path,
    config: AlertsConfig,
    brands: list[BrandLike] | None = None,
    incidents: list[Incident] | None = None,
    explained: bool = False,
) -> Backtest:
    load = LoadReport()
    store = SqliteStore(":memory:")
    try:
        for result in store.upsert(read_mentions(path, load)):
            if not result.ok:
                load.invalid += 1
                load.note(0, f"{result.id}: not stored ({result.error})")
        if brands is None:
            names = sorted(store.facet(_all(), "brand"))
            brands = [_Brand(name) for name in names if name != "unknown"]
        found: list[Detection] = []
        brand_weeks = 0.0
        step = STEP[config.spike.bucket]
        for brand in brands:
            found += detections(store, brand, config, now=None, explained=explained)
            buckets = store.histogram(_all(brand.name), config.spike.bucket)
            if buckets:
                span = buckets[-1].start - buckets[0].start + step
                brand_weeks += max(span - timedelta(days=1), timedelta(0)) / timedelta(weeks=1)
    finally:
        store.close()
    result = None
    if incidents is not None:
        fired = [
            Fired(d.alert.brand, d.alert.window_start, d.alert.window_end, d.decided_at, opens=not d.alert.subject)
            for d in found
            if kind_info(d.alert.kind).crisis  # precision and recall are the crisis (spike) alerts
        ]
        wanted = {b.name for b in brands}
        result = score(fired, [i for i in incidents if i.brand in wanted], step, brand_weeks)
    return Backtest(load, found, result, [b.name for b in brands])


@dataclass
class _Brand:
    name: str
    crisis_terms: list[str] = field(default_factory=list)


def _all(brand: str | None = None):
    return Filters(brand=brand)


def alert_line(d: Detection, explained: bool) -> dict:
    """One backtest output line: the alert's fields, its slice (`lang`/`source`) when it has one."""
    a = d.alert
    row = {
        "id": a.id,
        "kind": a.kind,
        "brand": a.brand,
        "start": a.window_start.isoformat(),
        "end": a.window_end.isoformat(),
        "decided_at": d.decided_at.isoformat(),
        "severity": a.severity,
        "statistic": a.statistic,
        "score": a.score,
        "p_value": a.p_value,
        "observed": a.observed,
        "expected": a.expected,
        "subject": a.subject,
        "detector": a.detector,
        "incident_id": a.incident_id,
    }
    # A slice's alert (`alerts.split_by`) names its slice, or it reads like the brand-level one.
    row.update({k: v for k, v in (("lang", a.lang), ("source", a.source)) if v})
    if explained:
        row["summary"] = a.summary
    return row
