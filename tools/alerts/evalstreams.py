"""Seeded, labelled evaluation streams for the crisis detectors.

`python -m tools.alerts.evalstreams --out DIR --seed N [--brands 24] [--weeks 4] [--mentions 2]` writes:

- `counts.jsonl`     one line per brand and hour: {"brand","start","negative","neutral","positive"}
- `incidents.jsonl`  every planted event: {"brand","kind","start","end"}; kind is "sudden" or
                     "slow" (crises that must alert), "viral_positive" (must NOT fire a crisis
                     alert) or "holiday" (a quiet or busy day, must not alert either)
- `mentions.jsonl`   Mention-shaped lines (sentiment already tagged) for the first `--mentions`
                     brands, to replay through `groundswell alerts backtest`

Each stream has an hour-of-day rhythm with its own peak, a weekday/weekend rhythm, gamma-Poisson
(over-dispersed) noise, a jittering negative share, holidays, viral positive bursts, sudden crises
(negatives jump at onset and decay) and slow crises (negatives ramp up over 6-18 hours).
Everything is synthetic and reproducible from the seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import numpy as np

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
# The first week is history only (no events planted in it, the detectors' baseline); events need a week after it.
MIN_WEEKS = 2
OPENERS = ["day", "ticket", "order", "week", "try", "post"]
CRISIS_WORDS = ["recall", "outage", "refund", "lawsuit", "boycott", "leak", "scam", "broken"]


@dataclass
class Stream:
    brand: str
    start: datetime
    negative: np.ndarray
    neutral: np.ndarray
    positive: np.ndarray
    incidents: list[dict] = field(default_factory=list)

    @property
    def total(self) -> np.ndarray:
        return self.negative + self.neutral + self.positive


def make_stream(rng: np.random.Generator, brand: str, weeks: int, start: datetime = EPOCH) -> Stream:
    """One brand's hourly counts with planted, labelled events."""
    n = weeks * 7 * 24
    hours = np.arange(n)
    hod, day = hours % 24, hours // 24
    dow = day % 7
    level = float(np.exp(rng.uniform(np.log(4), np.log(120))))  # mentions/hour, small to big brands
    peak = rng.uniform(11, 20)
    amplitude = rng.uniform(1.5, 4.0)
    rhythm = 1 + amplitude * np.exp(-0.5 * ((hod - peak) / rng.uniform(2.5, 5)) ** 2)
    rhythm /= rhythm.mean()
    weekend = rng.uniform(0.55, 1.15)
    weekly = np.where(dow >= 5, weekend, 1.0)
    trend = np.exp(rng.uniform(-0.2, 0.2) * hours / n)
    rate = level * rhythm * weekly * trend
    share = rng.uniform(0.06, 0.25)
    dispersion = rng.uniform(0.02, 0.12)

    incidents: list[dict] = []
    day_rate = np.ones(n)
    # Holidays: a quiet day (x0.3-0.5) or a busy one (x1.5-2, mostly upbeat), never in week 1.
    for _ in range(int(rng.integers(1, 3))):
        d = int(rng.integers(7, weeks * 7))
        factor = rng.uniform(0.3, 0.5) if rng.random() < 0.6 else rng.uniform(1.5, 2.0)
        day_rate[d * 24 : (d + 1) * 24] = factor
        incidents.append(_label(brand, start, d * 24, (d + 1) * 24, "holiday"))
    rate = rate * day_rate

    gamma = rng.gamma(1 / dispersion, dispersion, n)
    total = rng.poisson(rate * gamma).astype(float)
    hourly_share = np.clip(share * rng.lognormal(0, 0.15, n), 0.01, 0.9)
    negative = rng.binomial(total.astype(int), hourly_share).astype(float)
    rest = total - negative
    positive = rng.binomial(rest.astype(int), rng.uniform(0.3, 0.6)).astype(float)
    neutral = rest - positive

    taken = np.zeros(n, dtype=bool)
    taken[: 8 * 24] = True  # the first week (+1 day) is history only
    for d in range(n // 24):
        if day_rate[d * 24] != 1.0:
            taken[d * 24 : (d + 1) * 24] = True  # keep crises off holidays so labels stay clean

    # Viral positive bursts: 5-20x volume for 2-6 hours, share of negatives at or below normal.
    for _ in range(int(rng.integers(1, 4))):
        length = int(rng.integers(2, 7))
        at = _free_slot(rng, taken, length, n)
        if at is None:
            continue
        boost = rng.uniform(5, 20) * rate[at : at + length] * np.linspace(1, 0.3, length)
        extra = rng.poisson(boost).astype(float)
        neg = rng.binomial(extra.astype(int), share * rng.uniform(0.2, 1.0)).astype(float)
        negative[at : at + length] += neg
        positive[at : at + length] += np.round((extra - neg) * 0.85)
        neutral[at : at + length] += extra - neg - np.round((extra - neg) * 0.85)
        incidents.append(_label(brand, start, at, at + length, "viral_positive"))

    # Crises: sudden (jump then decay) and slow (ramp up over 6-18 hours, then decay).
    kinds = ["sudden"] * int(rng.integers(1, 3)) + (["slow"] if rng.random() < 0.6 else [])
    for kind in kinds:
        if kind == "sudden":
            length = int(rng.integers(3, 13))
            shape = np.exp(-np.arange(length) / rng.uniform(1.5, 5))
        else:
            ramp = int(rng.integers(6, 19))
            length = ramp + int(rng.integers(2, 8))
            shape = np.concatenate([np.linspace(1 / ramp, 1, ramp), np.exp(-np.arange(length - ramp) / 3)])
        at = _free_slot(rng, taken, length, n)
        if at is None:
            continue
        base_neg = rate[at : at + length] * share
        # Peak excess: several times the usual negatives, and at least 8 posts an hour.
        peak_excess = np.maximum(rng.uniform(3, 10) * base_neg.mean(), 8.0)
        extra = rng.poisson(peak_excess * shape).astype(float)
        negative[at : at + length] += extra
        neutral[at : at + length] += rng.poisson(0.15 * extra)  # news coverage of the crisis
        label = _label(brand, start, at, at + length, kind)
        material = at + _material_offset(peak_excess * shape, base_neg, dispersion)
        label["onset"] = (start + timedelta(hours=material)).isoformat()
        incidents.append(label)

    incidents.sort(key=lambda r: r["start"])
    return Stream(brand, start, negative, neutral, positive, incidents)


def _material_offset(excess: np.ndarray, base_neg: np.ndarray, dispersion: float) -> int:
    """Hours from a crisis' first planted post until it is *material*: its expected extra negatives
    reach two standard deviations of that hour's usual negatives (the generator's own noise model:
    gamma-Poisson volume and a jittering share). A sudden crisis is material at once; a slow one
    may spend hours adding less than the usual noise, which no detector can tell from chance.
    """
    sd = np.sqrt(base_neg + (dispersion + 0.15**2) * base_neg**2)
    hits = np.flatnonzero(excess >= 2 * sd)
    return int(hits[0]) if len(hits) else 0


def _free_slot(rng: np.random.Generator, taken: np.ndarray, length: int, n: int) -> int | None:
    for _ in range(200):
        at = int(rng.integers(0, n - length - 24))
        # Keep a quiet day around events so one cannot mask another.
        if not taken[max(0, at - 24) : at + length + 24].any():
            taken[at : at + length] = True
            return at
    return None


def _label(brand: str, start: datetime, a: int, b: int, kind: str) -> dict:
    return {
        "brand": brand,
        "kind": kind,
        "start": (start + timedelta(hours=a)).isoformat(),
        "end": (start + timedelta(hours=b)).isoformat(),
    }


def generate(seed: int, brands: int = 24, weeks: int = 4) -> list[Stream]:
    """`brands` streams of `weeks` weeks (at least MIN_WEEKS), reproducible from `seed`."""
    if weeks < MIN_WEEKS:
        raise ValueError(f"weeks must be at least {MIN_WEEKS} (the first week is history only), got {weeks}")
    rng = np.random.default_rng(seed)
    return [make_stream(rng, f"brand{b:02d}", weeks) for b in range(brands)]


def mentions_of(stream: Stream, rng: np.random.Generator):
    """Mention-shaped dicts for a stream (sentiment already tagged), oldest first."""
    crisis_hours = set()
    for inc in stream.incidents:
        if inc["kind"] in ("sudden", "slow"):
            a = int((datetime.fromisoformat(inc["start"]) - stream.start) / timedelta(hours=1))
            b = int((datetime.fromisoformat(inc["end"]) - stream.start) / timedelta(hours=1))
            crisis_hours.update(range(a, b))
    serial = 0
    for i in range(len(stream.negative)):
        hour = stream.start + timedelta(hours=i)
        for label, count in (
            ("negative", stream.negative[i]),
            ("neutral", stream.neutral[i]),
            ("positive", stream.positive[i]),
        ):
            for _ in range(int(count)):
                serial += 1
                word = CRISIS_WORDS[int(rng.integers(len(CRISIS_WORDS)))]
                if label == "negative" and i in crisis_hours and rng.random() < 0.7:
                    text = f"{stream.brand} {word} again, this is unacceptable"
                elif label == "negative":
                    text = f"not happy with {stream.brand} today"
                elif label == "positive":
                    text = f"love the new {stream.brand} release"
                else:
                    text = f"{stream.brand} posted an update"
                text += f" ({OPENERS[serial % len(OPENERS)]} {serial % 997})"
                yield {
                    "source": "eval",
                    "native_id": f"{stream.brand}-{serial}",
                    "text": text,
                    "created_at": (hour + timedelta(seconds=int(rng.integers(0, 3600)))).isoformat(),
                    "brand": stream.brand,
                    "lang": "en",
                    "author": {"handle": f"user{int(rng.integers(10**6))}", "followers": int(rng.lognormal(5, 2))},
                    "engagement": {"likes": int(rng.poisson(3))},
                    "sentiment": {"label": label, "probs": {label: 1.0}, "model": "evalstreams"},
                }


def write(out: Path, seed: int, brands: int, weeks: int, mention_brands: int) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    streams = generate(seed, brands, weeks)
    with (out / "counts.jsonl").open("w", encoding="utf-8") as f:
        for s in streams:
            for i in range(len(s.negative)):
                row = {
                    "brand": s.brand,
                    "start": (s.start + timedelta(hours=i)).isoformat(),
                    "negative": int(s.negative[i]),
                    "neutral": int(s.neutral[i]),
                    "positive": int(s.positive[i]),
                }
                f.write(json.dumps(row) + "\n")
    with (out / "incidents.jsonl").open("w", encoding="utf-8") as f:
        for s in streams:
            for inc in s.incidents:
                f.write(json.dumps(inc) + "\n")
    rng = np.random.default_rng(seed + 1)
    lines = 0
    with (out / "mentions.jsonl").open("w", encoding="utf-8") as f:
        for s in streams[:mention_brands]:
            for m in mentions_of(s, rng):
                f.write(json.dumps(m, ensure_ascii=False) + "\n")
                lines += 1
    kinds: dict[str, int] = {}
    for s in streams:
        for inc in s.incidents:
            kinds[inc["kind"]] = kinds.get(inc["kind"], 0) + 1
    return {"out": str(out), "seed": seed, "brands": brands, "weeks": weeks, "events": kinds, "mentions": lines}


def weeks_option(command):
    """The `--weeks` option of every command that generates these streams: refused below MIN_WEEKS."""
    return click.option(
        "--weeks",
        default=4,
        show_default=True,
        type=click.IntRange(min=MIN_WEEKS),
        help=f"Weeks of hourly counts per brand (at least {MIN_WEEKS}: the first week is history only)",
    )(command)


@click.command()
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--brands", default=24, show_default=True, type=int)
@weeks_option
@click.option(
    "--mentions",
    "mention_brands",
    default=2,
    show_default=True,
    type=int,
    help="Brands to also write as Mention-shaped JSONL for the backtest",
)
def main(out: Path, seed: int, brands: int, weeks: int, mention_brands: int) -> None:
    """Write seeded, labelled evaluation streams to OUT."""
    click.echo(json.dumps(write(out, seed, brands, weeks, mention_brands)))


if __name__ == "__main__":
    main()
