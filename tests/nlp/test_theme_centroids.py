"""Centroid assignment and drift (nlp/theme_centroids.py) on hand-made unit vectors: no model needed."""

from __future__ import annotations

import numpy as np

from nlp.theme_centroids import DRIFT_MARGIN, DRIFT_MIN_NEW, Centroid, assign, assign_paths, drifted, make_centroid


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


def test_a_new_post_gets_its_theme_and_the_aspect_of_it_it_fits():
    flight = make_centroid("flight", ["en"], np.vstack([_around(0, 40, 0.1, 1), _around(1, 40, 0.1, 2)]))
    delays = make_centroid("flight delayed", ["en"], _around(0, 40, 0.1, 1))
    delays.parent = "flight"
    bags = make_centroid("lost luggage", ["en"], _around(1, 40, 0.1, 2))
    bags.parent = "flight"
    other = make_centroid("app · update", ["en"], _around(3, 40, 0.1, 3))
    posts = np.vstack([_around(0, 1, 0.05, 4), _around(1, 1, 0.05, 5), _around(3, 1, 0.05, 6), _around(5, 1, 0.05, 7)])
    paths = assign_paths([flight, delays, bags, other], posts, ["en"] * 4)
    assert paths == [["flight", "flight delayed"], ["flight", "lost luggage"], ["app · update"], []]


def test_a_new_post_like_a_nested_theme_gets_both_labels_though_outside_the_parents_radius():
    # A nested theme (nlp.theme_merge.nest_pairs) is related to its parent, not one topic with it: its
    # posts lie farther from the parent's centre than the parent's own, mostly outside its radius.
    own, related = _around(0, 80, 0.05, 1), _around(0, 6, 0.05, 2)
    related[:, 1] += 1.0  # halfway between the parent's topic and another
    crisis = make_centroid("battery overheating", ["all"], np.vstack([own, related]))
    charging = make_centroid("overheating while charging", ["all"], related)
    charging.parent = "battery overheating"
    post = related.mean(axis=0, keepdims=True)  # right at the nested theme's centre
    assert assign([crisis], post, ["all"]) == [None]  # outside the parent's radius...
    # ...yet a post of the parent's aspect is a post of the parent.
    assert assign_paths([crisis, charging], post, ["all"]) == [["battery overheating", "overheating while charging"]]


def test_parent_and_details_survive_the_state_round_trip():
    c = make_centroid("lost luggage", ["en"], _around(1, 10, 0.2, 9))
    c.parent, c.info = "flight", {"labels": {"en": "lost luggage"}, "merged": [{"parts": ["a", "b"]}]}
    back = Centroid.from_json(c.to_json())
    assert (back.parent, back.info) == (c.parent, c.info)
    old = {k: v for k, v in c.to_json().items() if k not in ("parent", "info")}  # stored before aspects existed
    assert (Centroid.from_json(old).parent, Centroid.from_json(old).info) == (None, {})
