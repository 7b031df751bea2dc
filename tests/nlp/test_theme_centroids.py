"""Centroid assignment and drift (nlp/theme_centroids.py) on hand-made unit vectors: no model needed."""

from __future__ import annotations

import numpy as np

from nlp.theme_centroids import DRIFT_MARGIN, DRIFT_MIN_NEW, Centroid, assign, drifted, make_centroid


def _around(axis: int, n: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = rng.normal(0, noise, (n, 8))
    rows[:, axis] += 1
    return rows.astype(np.float32)


def test_a_post_goes_to_the_nearest_theme_of_its_language_group_it_fits():
    a = make_centroid("charger · hot", ["en"], _around(0, 40, 0.1, 1))
    b = make_centroid("delivery · late", ["en"], _around(1, 40, 0.1, 2))
    ko = make_centroid("충전기 · 과열", ["ko"], _around(0, 40, 0.1, 3))
    posts = np.vstack([_around(0, 1, 0.05, 4), _around(1, 1, 0.05, 5), _around(0, 1, 0.05, 6), _around(2, 1, 0.05, 7)])
    assert assign([a, b, ko], posts, ["en", "en", "ko", "en"]) == [a.label, b.label, ko.label, None]
    assert assign([], posts, ["en"] * 4) == [None] * 4


def test_the_radius_is_what_most_members_reach_and_never_below_the_floor():
    tight = make_centroid("t", ["en"], _around(0, 100, 0.05, 1))
    loose = make_centroid("l", ["en"], np.random.default_rng(0).normal(0, 1, (100, 8)).astype(np.float32))
    assert tight.radius > 0.9
    assert loose.radius == 0.3
    members = _around(0, 100, 0.05, 1)
    assert sum(label is not None for label in assign([tight], members, ["en"] * 100)) >= 89


def test_drift_needs_enough_new_posts_and_a_clear_rise_over_the_baseline():
    unfit = [None] * DRIFT_MIN_NEW
    assert drifted(unfit, baseline=0.2)
    assert not drifted(unfit[:-1], baseline=0.2)  # too few to judge
    half = ["x", None] * DRIFT_MIN_NEW
    assert not drifted(half, baseline=0.5 - DRIFT_MARGIN + 0.01)
    assert drifted(half, baseline=0.5 - DRIFT_MARGIN - 0.01)


def test_centroids_survive_the_state_round_trip_exactly():
    c = make_centroid("배터리 · 과열", ["ko", "en"], _around(3, 10, 0.2, 9))
    back = Centroid.from_json(c.to_json())
    assert (back.label, back.groups, back.radius, back.count) == (c.label, c.groups, c.radius, c.count)
    assert np.array_equal(back.vector, c.vector)
