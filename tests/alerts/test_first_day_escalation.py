"""A first-day episode escalates as any other (`alerts.spike._first_day`, `_Episode.grows`), on a real SQLite store
through `pipeline.detect`. A brand added because something is happening (the GOP debate: Trump 57 negatives at
01:00, 375 at 02:00, both about 73% negative) used to say nothing between its first hour and the all-clear: the
bigger hour was tested against a share its own first hour had set, and at the same share it could never pass."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from alerts.render import as_text, facts
from core.mention import Mention
from groundswell import pipeline
from indexing.sqlite import SqliteStore
from tests.alerts.new_brand import FIRST, hour, spike_only_config

OPENING = (40, 10)  # (negative, other) posts in its first hour: 80% negative
GROWN = (200, 50)  # the next hour: five times the negatives, the same 80%
HOURS = 12


def corpus() -> list[Mention]:
    """The crisis's first two hours, then ordinary hours (about 8 posts, 15% negative)."""
    rng = np.random.default_rng(3)
    out = hour(0, *OPENING) + hour(1, *GROWN)  # the brand's first hour is already the crisis
    for h in range(2, HOURS):
        total = int(rng.poisson(8))
        negative = int(rng.binomial(total, 0.15))
        out += hour(h, negative, total - negative)
    return out


def test_a_first_day_episode_whose_negatives_grow_fivefold_at_the_same_share_escalates(tmp_path):
    config = spike_only_config(tmp_path)
    store = SqliteStore(tmp_path / "gs.db")
    try:
        assert all(r.ok for r in store.upsert(corpus()))
        found = pipeline.detect(config, store, now=FIRST + timedelta(hours=2, minutes=5))
    finally:
        store.close()
    spikes = sorted((a for a in found if a.kind == "spike"), key=lambda a: a.window_start)
    assert [(a.window_start, a.subject) for a in spikes] == [
        (FIRST, None), (FIRST + timedelta(hours=1), "escalation-1")
    ], [(a.window_start, a.subject, a.detector) for a in spikes]
    opener, grown = spikes
    assert (grown.detector, grown.episode_id, grown.observed, grown.total) == ("first_day", opener.id, *map(float, (
        GROWN[0], sum(GROWN))))
    assert round(grown.negative_share, 2) == round(opener.negative_share, 2)  # the same share, five times the count
    # Still no invented usual level: no expected count, no ratio, and the share is tested against what was known
    # before the episode (nothing but the prior here), not against the episode's own first hour.
    assert grown.expected == 0.0 and grown.expected_share is None
    text = as_text(grown)
    assert grown.summary.startswith("Still growing: Newco (learning:"), grown.summary
    assert "too few posts before the episode to know its own share" in grown.summary
    for claim in ("expected", "×", "usually", "times"):
        assert claim not in text, (claim, text)
    assert dict(facts(grown))["Negative / all posts"] == f"{GROWN[0]} / {sum(GROWN)}"
