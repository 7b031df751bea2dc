"""Replay already-tagged mentions through the detectors: what would have fired, and when.

Mentions are loaded into a throw-away in-memory embedded store, then `alerts.detect` runs over
the whole history exactly as production does, so a backtest tests the real code path. Every line
stays a mention; the reposts among them are also recorded as shares (`alerts.backtest_shares`), as
collection records the reposts it drops, so viral alerts (`alerts.viral`) are backtested too.

Input files are read as decoded, numbered lines (`NumberedLine`): the CLI hands over
`extractors.textfile.read_lines`, the import source's reading of any encoding (alerts/ may not
import extractors/, tests/test_layers.py). A path given here instead is read as UTF-8, what the
pipeline's own exports are. Either way a line that cannot be decoded is counted and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from alerts.backtest_shares import replayed_shares
from alerts.config import AlertsConfig, rules_for
from alerts.detect import BrandLike, detections
from alerts.kinds import kind_info
from alerts.scoring import Fired, Incident, Score, score
from alerts.series import STEP
from alerts.shares import Shares
from core.alert import Detection
from core.mention import Mention, load_mention
from core.time import as_utc
from indexing.base import Filters
from indexing.sqlite import SqliteStore


class NumberedLine(Protocol):
    """One decoded line of an input file (`extractors.textfile.Line` is one): why it is unreadable, or None."""

    @property
    def number(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def problem(self) -> str | None: ...


@dataclass(frozen=True)
class _Utf8Line:
    number: int
    text: str
    problem: str | None = None


def _utf8_lines(path: str | Path) -> Iterator[_Utf8Line]:
    """A UTF-8 file's lines; one that is not UTF-8 carries a problem instead of stopping the read."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                yield _Utf8Line(number, raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield _Utf8Line(number, "", f"not UTF-8 text (byte {exc.start + 1} of the line)")


Lines = str | Path | Iterable[NumberedLine]


def _lines(source: Lines) -> Iterable[NumberedLine]:
    return _utf8_lines(source) if isinstance(source, str | Path) else source


@dataclass
class LoadReport:
    lines: int = 0
    loaded: int = 0
    duplicates: int = 0  # the same author's same post seen again (re-import, cross-post): counted once
    no_sentiment: int = 0
    no_brand: int = 0
    invalid: int = 0
    shares: int = 0  # loaded reposts of a loaded post: the viral detector's input (`alerts.backtest_shares`)
    problems: list[str] = field(default_factory=list)  # the first few, with line numbers

    def note(self, number: int, message: str) -> None:
        if len(self.problems) < 10:
            self.problems.append(f"line {number}: {message}")


def read_mentions(source: Lines, report: LoadReport) -> Iterator[Mention]:
    """Tagged, branded, de-duplicated mentions from a JSONL mention file; everything else counted in `report`.

    The format is `core.mention.dump_mention`'s: what dashboard exports and collection write.
    """
    seen: set[str] = set()
    for line in _lines(source):
        number = line.number
        if line.problem is None and not line.text.strip():
            continue
        report.lines += 1
        if line.problem is not None:  # undecodable bytes: one bad line, never the end of the backtest
            report.invalid += 1
            report.note(number, line.problem)
            continue
        try:
            mention = load_mention(as_tagged(json.loads(line.text)))
        except ValueError as exc:  # not JSON, or not a valid mention
            report.invalid += 1
            report.note(number, f"not a mention ({_why(exc)})")
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


MAX_FIELD_ERRORS = 5  # a line's validation errors named in its problem; more are counted


def _why(exc: ValueError) -> str:
    """Why a line is not a mention, naming the fields: '2 validation errors for Mention: sentiment.probs: Field
    required; …'. The first line of pydantic's own message gives the count and drops the field names."""
    if not isinstance(exc, ValidationError):
        return str(exc).splitlines()[0]
    errors = exc.errors(include_input=False, include_url=False)
    named = [f"{'.'.join(str(part) for part in e['loc']) or 'the line'}: {e['msg']}" for e in errors]
    more = f"; and {len(named) - MAX_FIELD_ERRORS} more" if len(named) > MAX_FIELD_ERRORS else ""
    count = f"{len(errors)} validation error{'' if len(errors) == 1 else 's'} for {exc.title}"
    return f"{count}: {'; '.join(named[:MAX_FIELD_ERRORS])}{more}"


IMPORTED_LABEL = "import"  # `Sentiment.model` of a label the input gave alone, with no model that gave it


def as_tagged(record: Any) -> Any:
    """`record` with its sentiment as a stored mention has it (`{"label", "probs", "model", "uncertain"}`): a line
    `groundswell sentiment score` wrote has the label as a string, with `probs` and `uncertain` beside it; a line
    labelled by hand or in a spreadsheet may carry `sentiment: {"label": ...}` alone (no `probs`: `{}`, as for a
    string label; no `model`: `IMPORTED_LABEL`). Detectors read only the label. Anything else is returned as it is
    (`load_mention` says what is wrong with it)."""
    if not isinstance(record, dict):
        return record
    sentiment = record.get("sentiment")
    if isinstance(sentiment, dict) and "label" in sentiment:
        record = dict(record)
        record["sentiment"] = {"probs": {}, "model": IMPORTED_LABEL, **sentiment}
        return record
    if not isinstance(sentiment, str):
        return record
    record = dict(record)
    label = record.pop("sentiment")
    probs, uncertain = record.pop("probs", None), record.pop("uncertain", False)
    record["sentiment"] = {"label": label, "probs": probs if isinstance(probs, dict) else {},
                           "model": "sentiment score", "uncertain": bool(uncertain)}
    return record


class BadIncident(ValueError):
    """A labelled incident the backtest cannot score: the message starts with `file:line`."""


@dataclass
class LabelledIncident(Incident):
    """An incident read from a labels file, with where (`file:line`) for the errors about it."""

    where: str = ""


def read_incidents(source: Lines, name: str) -> list[LabelledIncident]:
    """Labelled incidents, one JSON object a line: {"brand","start","end"[, "kind", "onset"]}.

    `name` is the file as the user gave it, for the messages. Unlike mentions, a bad label is not skipped:
    precision and recall scored against the rest would be silently wrong, so it raises BadIncident.
    """
    out: list[LabelledIncident] = []
    for line in _lines(source):
        where = f"{name}:{line.number}"
        if line.problem is not None:
            raise BadIncident(f"{where}: {line.problem}")
        if line.text.strip():
            out.append(_incident(line.text, where))
    return out


def _incident(text: str, where: str) -> LabelledIncident:
    need = "need brand, start, end (ISO 8601 times)[, kind, onset]"
    try:
        row = json.loads(text)
        brand, kind = row["brand"], row.get("kind", "crisis")
        times = {k: _time(row[k]) for k in ("start", "end")}
        onset = _time(row["onset"]) if row.get("onset") else None
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise BadIncident(f"{where}: not an incident line ({type(exc).__name__}: {exc}); {need}") from None
    if not isinstance(brand, str) or not brand or not isinstance(kind, str):
        raise BadIncident(f"{where}: brand and kind must be text; {need}")
    start, end = times["start"], times["end"]
    if end < start:
        raise BadIncident(f"{where}: end ({end.isoformat()}) is before start ({start.isoformat()})")
    if onset is not None and not start <= onset <= end:
        raise BadIncident(f"{where}: onset ({onset.isoformat()}) is not between start and end")
    return LabelledIncident(brand, kind, start, end, onset, where=where)


def _time(value: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"a time must be an ISO 8601 string, not {value!r}")
    return as_utc(datetime.fromisoformat(value))


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
    # Each brand's bucket (`rules_for(...).spike.bucket`): what its histogram and its score counted in.
    buckets: dict[str, str] = field(default_factory=dict)
    # The brands whose rules say `enabled: false` (their own or the global one): replayed all the same, as the
    # backtest asks what the detectors would have fired, never whether they run.
    disabled: list[str] = field(default_factory=list)


def run_backtest(
    source: Lines,
    config: AlertsConfig,
    brands: list[BrandLike] | None = None,
    incidents: list[Incident] | None = None,
    explained: bool = False,
) -> Backtest:
    """Detections over the mentions of `source` (a path, or decoded lines), scored against `incidents` if given.

    `brands`: the config's (with their crisis terms and own alert rules, `alerts.config.rules_for`: each brand is
    judged, and scored in buckets, by its own); None backtests every brand the mentions name. An
    incident for a brand not backtested raises BadIncident: it would score as a missed crisis, or vanish.
    """
    load = LoadReport()
    store = SqliteStore(":memory:")
    try:
        mentions = list(read_mentions(source, load))
        failed = set()
        for result in store.upsert(mentions):
            if not result.ok:
                failed.add(result.id)
                load.invalid += 1
                load.note(0, f"{result.id}: not stored ({result.error})")
        # Every line stays a mention (the spike detectors count each retweet); its reposts are also shares, as
        # collection records them, so the viral detector sees what it sees in production.
        load.shares = Shares(store).record(replayed_shares(m for m in mentions if m.id not in failed))
        configured = brands is not None
        if brands is None:
            names = sorted(store.facet(_all(), "brand"))
            brands = [_Brand(name) for name in names if name != "unknown"]
        wanted = {b.name for b in brands}
        if incidents:  # before the detectors run: a label typo must not cost a whole backtest
            _check_brands(incidents, wanted, "the config's" if configured else "the input's")
        found: list[Detection] = []
        brand_weeks = 0.0
        step = STEP[config.spike.bucket]
        brand_steps: dict[str, timedelta] = {}  # a brand whose own rules count in other buckets: scored in its own
        bucket_of: dict[str, str] = {}
        disabled: list[str] = []
        for brand in brands:
            found += detections(store, brand, config, now=None, explained=explained)
            rules = rules_for(config, brand)
            interval = bucket_of[brand.name] = rules.spike.bucket
            brand_steps[brand.name] = STEP[interval]
            if not rules.enabled:
                disabled.append(brand.name)
            buckets = store.histogram(_all(brand.name), interval)
            if buckets:
                span = buckets[-1].start - buckets[0].start + brand_steps[brand.name]
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
        result = score(fired, incidents, step, brand_weeks, brand_steps=brand_steps)
    return Backtest(load, found, result, [b.name for b in brands], bucket_of, disabled)


def _check_brands(incidents: Iterable[Incident], wanted: Collection[str], whose: str) -> None:
    for incident in incidents:
        if incident.brand not in wanted:
            where = f"{incident.where}: " if isinstance(incident, LabelledIncident) else ""
            raise BadIncident(
                f"{where}brand {incident.brand!r} is not backtested; {whose} brands are "
                + (", ".join(sorted(wanted)) or "none")
            )


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
