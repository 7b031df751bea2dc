"""An all-clear counts what the window it names holds (`alerts.spike._all_clear`): every bucket from the episode's
start to its last active bucket, the quiet ones between included. It used to add up only the active buckets while
naming the whole window: the Apple stream's 6 December all-clear said "26 negative mentions in all" for 04:00-08:00,
whose hours hold 7, 11, 2 and 8 (28, as its own language and source mix said)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from alert_series import add_negative, rhythm_series, series

from alerts.spike import detect_spikes
from core.mention import Mention
from groundswell import pipeline
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from tests.alerts.new_brand import FIRST, hour, spike_only_config

# (negative, other) posts per hour from its first: a crisis hour, a quiet one (3 negatives, 38%), the crisis back
# (active, not an alert: not twice the first), then ordinary hours until the all-clear.
HOURS = [(40, 10), (3, 5), (30, 5)] + [(1, 7)] * 6


def corpus() -> list[Mention]:
    out = []
    for h, (negative, other) in enumerate(HOURS):
        out += hour(h, negative, other, lambda i: "de" if i % 3 else "en")
    return out


def test_a_first_day_all_clear_counts_its_whole_window_as_its_message_and_the_store_do(tmp_path):
    config = spike_only_config(tmp_path)
    store = SqliteStore(tmp_path / "gs.db")
    try:
        assert all(r.ok for r in store.upsert(corpus()))
        found = pipeline.detect(config, store)  # the whole history, explained
        (clear,) = [a for a in found if a.kind == "all_clear"]
        stored = sum(1 for m in store.iter_mentions(Filters(brand="Newco", sentiment="negative",
                                                            since=clear.window_start, until=clear.window_end)))
    finally:
        store.close()
    assert (clear.window_start, clear.window_end) == (FIRST, FIRST + timedelta(hours=3))
    window = sum(negative for negative, _ in HOURS[:3])  # the quiet hour's 3 included
    assert clear.observed == window == stored == sum(clear.lang_mix.values()) == sum(clear.source_mix.values())
    assert f"({window} negative mentions in all;" in clear.summary, clear.summary


def test_a_baseline_all_clear_counts_over_its_whole_window():
    negative, total = rhythm_series(days=15, level=20, seed=4)
    at = 14 * 24 + 13
    add_negative(negative, total, at, [60])
    negative[at + 1] = 2.0  # a quiet hour inside the episode: fewer negatives than usual
    add_negative(negative, total, at + 2, [50])
    s = series(negative, total)
    found = [d.alert for d in detect_spikes(s, "Acme")]
    opener = next(a for a in found if a.kind == "spike" and not a.subject)
    (clear,) = [a for a in found if a.kind == "all_clear" and a.episode_id == opener.id]
    first = int((clear.window_start - s.start) / s.step)
    last = int((clear.window_end - s.start) / s.step)
    assert first == at and last > at + 2, (first, last)
    assert clear.observed == float(np.sum(negative[first:last]))
    assert clear.expected > opener.expected  # summed over the same hours


def test_an_all_clear_expects_a_collector_outage_hours_once():
    """A collector outage inside an episode: its empty hours' expectation moves into their backlog hour (where their
    posts are counted), so an all-clear over both counts it once. It used to count it twice (218.917 for a 19-hour
    window of flat hours expecting 9.951 each, 189.065)."""
    usual, crisis = (10.0, 90.0), [(80.0, 120.0)] * 2
    hours = [usual] * (24 * 8) + crisis + [(0.0, 0.0)] * 3 + [(90.0, 360.0)] + crisis + [usual] * 30
    negative = np.array([h[0] for h in hours])
    total = negative + np.array([h[1] for h in hours])
    s = series(negative, total)
    found = [d.alert for d in detect_spikes(s, "Acme")]
    opener = next(a for a in found if a.kind == "spike" and not a.subject)
    (clear,) = [a for a in found if a.kind == "all_clear" and a.episode_id == opener.id]
    first = int((clear.window_start - s.start) / s.step)
    last = int((clear.window_end - s.start) / s.step)
    assert first < 24 * 8 + 2 and last > 24 * 8 + 6, (first, last)  # the outage and its backlog are inside
    assert clear.observed == float(np.sum(negative[first:last]))
    # Flat history: every hour expects what the opener's hour did, empty ones included (in their backlog hour).
    assert clear.expected == pytest.approx(opener.expected * (last - first), abs=0.05)  # opener rounded to 3 places
