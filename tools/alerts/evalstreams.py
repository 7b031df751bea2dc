"""Seeded, labelled evaluation streams for the crisis detectors.

`python -m tools.alerts.evalstreams --out DIR --seed N [--brands 24] [--weeks 4] [--mentions 2]` writes:

- `counts.jsonl`     one line per brand and hour: {"brand","start","negative","neutral","positive"}
- `incidents.jsonl`  every planted event: {"brand","kind","start","end"[,"onset","lang"]}; kind is
                     "sudden", "slow", "after_lull" or "language" (crises that must alert),
                     "viral_positive", "controversial_ad" or "outage" (must NOT fire a crisis
                     alert) or "holiday" (a quiet or busy day, must not alert either)
- `mentions.jsonl`   Mention-shaped lines (sentiment already tagged) for the first `--mentions`
                     brands, to replay through `groundswell alerts backtest`

Each stream has an hour-of-day rhythm with its own peak, a weekday/weekend rhythm, gamma-Poisson
(over-dispersed) noise, a jittering negative share, holidays, viral positive bursts, sudden crises
(negatives jump at onset and decay) and slow crises (negatives ramp up over 6-18 hours); each
brand is also one of the CASES below (high negative baseline, noisy labels, a second language
community, collector outages, lull then surge, controversial ads).
Everything is synthetic and reproducible from the seed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import numpy as np

from alerts.scoring import NOT_CRISES

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
    case: str = "base"  # which kind of brand stream (CASES)
    # Per-language (negative, total) counts when the brand has more than one language community.
    langs: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def total(self) -> np.ndarray:
        return self.negative + self.neutral + self.positive


# Which kind of brand each stream is, in turn (brand b gets CASES[b % len(CASES)]):
# - base: the streams described above;
# - high_negative: 60-85% of posts are negative anyway (an airline, a telco); crises add
#   1.5-4x the usual negatives, since doubling them is already a crisis there;
# - noisy_labels: sentiment from a ~70%-accurate classifier: every post is read right with
#   p = 0.7, else as one of the other two labels, and a crisis's extra posts read 50-55% negative;
# - language: a second language community (10-30% of posts) with a crisis of its own, confined to it;
# - outage: the collector was down for 2-8 hours (no posts), then collected the backlog
#   (60-100% of the missing posts) in the hour it came back: must not alert;
# - lull_surge: a sudden crisis, a lull of 2-5 hours, then a second surge (0.5-1.5x the first):
#   both must alert, the second usually inside the episode the first opened;
# - controversial_ad: 1-2 hours-long bursts at 2.5-3.5x volume whose negative share is
#   1.25-1.5x the usual: people argue about an ad; not a crisis, must not alert.
CASES = ("base", "base", "high_negative", "noisy_labels", "language", "outage", "lull_surge", "controversial_ad")
CLASSIFIER_ACCURACY = 0.7


def make_stream(
    rng: np.random.Generator, brand: str, weeks: int, start: datetime = EPOCH, case: str = "base"
) -> Stream:
    """One brand's hourly counts with planted, labelled events (`case`: one of CASES)."""
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
    if case == "high_negative":
        share = rng.uniform(0.6, 0.85)
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
    hourly_share = np.clip(share * rng.lognormal(0, 0.15, n), 0.01, 0.95)
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

    counts = [negative, neutral, positive]
    read_share = share
    if case == "noisy_labels":
        counts = _misread(rng, counts)
        read_share = CLASSIFIER_ACCURACY * share + (1 - CLASSIFIER_ACCURACY) / 2 * (1 - share)
    if case == "controversial_ad":
        for _ in range(int(rng.integers(1, 3))):
            _plant_ad(rng, counts, rate, share, taken, brand, start, incidents)

    # Crises: sudden (jump then decay) and slow (ramp up over 6-18 hours, then decay).
    kinds = ["sudden"] * int(rng.integers(1, 3)) + (["slow"] if rng.random() < 0.6 else [])
    if case == "lull_surge":
        kinds = ["lull_surge"] + kinds[1:]
    for kind in kinds:
        if kind == "lull_surge":
            _plant_lull_surge(rng, counts, rate * read_share, dispersion, taken, brand, start, incidents)
            continue
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
        base_neg = rate[at : at + length] * read_share
        # Peak excess: several times the usual negatives, and at least 8 posts an hour (where
        # most posts are negative anyway, 1.5-4 times: twice the usual negatives is a crisis there).
        multiple = rng.uniform(1.5, 4) if case == "high_negative" else rng.uniform(3, 10)
        peak_excess = np.maximum(multiple * base_neg.mean(), 8.0)
        _add_crisis(rng, counts, at, peak_excess * shape, case == "noisy_labels")
        label = _label(brand, start, at, at + length, kind)
        material = at + _material_offset(peak_excess * shape, base_neg, dispersion)
        label["onset"] = (start + timedelta(hours=material)).isoformat()
        incidents.append(label)

    langs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if case == "language":
        langs = _plant_language_crisis(rng, counts, rate * read_share, dispersion, taken, brand, start, incidents)
    if case == "outage":
        for _ in range(int(rng.integers(1, 3))):
            _plant_outage(rng, counts, taken, brand, start, incidents)

    incidents.sort(key=lambda r: r["start"])
    negative, neutral, positive = counts
    return Stream(brand, start, negative, neutral, positive, incidents, case, langs)


def _misread(rng: np.random.Generator, counts: list[np.ndarray]) -> list[np.ndarray]:
    """Labels as a CLASSIFIER_ACCURACY-accurate classifier reads them: each post right with that
    probability, else one of the other two labels at random."""
    out = [np.zeros_like(c) for c in counts]
    for k, c in enumerate(counts):
        wrong = rng.binomial(c.astype(int), 1 - CLASSIFIER_ACCURACY).astype(float)
        to_first = rng.binomial(wrong.astype(int), 0.5).astype(float)
        others = [j for j in range(3) if j != k]
        out[k] += c - wrong
        out[others[0]] += to_first
        out[others[1]] += wrong - to_first
    return out


def _add_crisis(rng: np.random.Generator, counts: list[np.ndarray], at: int, excess: np.ndarray, noisy: bool) -> None:
    """Add a crisis's expected extra negatives `excess` (per hour from `at`) to the counts.

    With noisy labels the extra posts read only 50-55% negative (the rest neutral), so there are
    about twice as many of them for the same extra negatives."""
    negative, neutral, _ = counts
    span = slice(at, at + len(excess))
    if noisy:
        read = rng.uniform(0.5, 0.55)
        posts = rng.poisson(excess / read)
        neg = rng.binomial(posts, read).astype(float)
        negative[span] += neg
        neutral[span] += posts - neg
        return
    extra = rng.poisson(excess).astype(float)
    negative[span] += extra
    neutral[span] += rng.poisson(0.15 * extra)  # news coverage of the crisis


def _plant_lull_surge(rng, counts, neg_rate, dispersion, taken, brand, start, incidents) -> None:
    """A sudden crisis, a lull of 2-5 hours, then a second surge of 0.5-1.5x the first."""
    n = len(neg_rate)
    length1, lull, length2 = int(rng.integers(3, 6)), int(rng.integers(2, 6)), int(rng.integers(3, 6))
    at = _free_slot(rng, taken, length1 + lull + length2, n)
    if at is None:
        return
    peak = max(rng.uniform(3, 10) * float(neg_rate[at : at + length1].mean()), 8.0)
    second = at + length1 + lull
    surges = ((at, length1, "sudden", peak), (second, length2, "after_lull", peak * rng.uniform(0.5, 1.5)))
    for a, length, kind, size in surges:
        excess = size * np.exp(-np.arange(length) / rng.uniform(1.5, 3))
        _add_crisis(rng, counts, a, excess, False)
        label = _label(brand, start, a, a + length, kind)
        onset = a + _material_offset(excess, neg_rate[a : a + length], dispersion)
        label["onset"] = (start + timedelta(hours=onset)).isoformat()
        incidents.append(label)


def _plant_ad(rng, counts, rate, share, taken, brand, start, incidents) -> None:
    """A controversial ad: v = 2.5-3.5x volume for 2-6 hours, negative share r = 1.25-1.5x usual."""
    n = len(rate)
    length = int(rng.integers(2, 7))
    at = _free_slot(rng, taken, length, n)
    if at is None:
        return
    v, r = rng.uniform(2.5, 3.5), rng.uniform(1.25, 1.5)
    extra = rng.poisson((v - 1) * rate[at : at + length])
    neg = rng.binomial(extra, min((r * share * v - share) / (v - 1), 1.0)).astype(float)
    negative, neutral, positive = counts
    negative[at : at + length] += neg
    positive[at : at + length] += np.round((extra - neg) / 2)
    neutral[at : at + length] += extra - neg - np.round((extra - neg) / 2)
    incidents.append(_label(brand, start, at, at + length, "controversial_ad"))


def _plant_outage(rng, counts, taken, brand, start, incidents) -> None:
    """The collector down 2-8 hours (no posts), then 60-100% of the missing posts in the next hour."""
    n = len(counts[0])
    gap = int(rng.integers(2, 9))
    at = _free_slot(rng, taken, gap + 1, n)
    if at is None:
        return
    kept = rng.uniform(0.6, 1.0)
    for c in counts:
        missing = int(c[at : at + gap].sum())
        c[at : at + gap] = 0.0
        c[at + gap] += rng.binomial(missing, kept)
    incidents.append(_label(brand, start, at, at + gap + 1, "outage"))


def _plant_language_crisis(rng, counts, neg_rate, dispersion, taken, brand, start, incidents):
    """Split the posts into 'en' and a 10-30% 'es' community; plant a sudden crisis in 'es' only.

    Returns the per-language (negative, total) counts; `counts` become their sums."""
    minority = rng.uniform(0.1, 0.3)
    es = [rng.binomial(c.astype(int), minority).astype(float) for c in counts]
    en = [c - e for c, e in zip(counts, es, strict=True)]
    n = len(counts[0])
    length = int(rng.integers(3, 9))
    at = _free_slot(rng, taken, length, n)
    if at is not None:
        base_neg = minority * neg_rate[at : at + length]
        # At least 5 extra posts an hour: a small community's crisis is small in the brand's totals.
        peak = max(rng.uniform(3, 10) * float(base_neg.mean()), 5.0)
        excess = peak * np.exp(-np.arange(length) / rng.uniform(1.5, 4))
        _add_crisis(rng, es, at, excess, False)
        label = _label(brand, start, at, at + length, "language")
        label["lang"] = "es"
        label["onset"] = (start + timedelta(hours=at + _material_offset(excess, base_neg, dispersion))).isoformat()
        incidents.append(label)
    for k in range(3):
        counts[k] = en[k] + es[k]
    return {"en": (en[0], en[0] + en[1] + en[2]), "es": (es[0], es[0] + es[1] + es[2])}


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
    return [make_stream(rng, f"brand{b:02d}", weeks, case=CASES[b % len(CASES)]) for b in range(brands)]


def mentions_of(stream: Stream, rng: np.random.Generator):
    """Mention-shaped dicts for a stream (sentiment already tagged), oldest first."""
    crisis_hours = set()
    for inc in stream.incidents:
        if inc["kind"] not in NOT_CRISES:
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
