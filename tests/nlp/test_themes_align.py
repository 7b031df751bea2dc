"""nlp/theme_align.py: which new cluster continues which stored theme, the names written, a post's place."""

from __future__ import annotations

from nlp.theme_align import MATCH_MIN, match, names, path


def _ids(prefix: str, n: int) -> set[str]:
    return {f"{prefix}{i}" for i in range(n)}


def test_a_split_theme_keeps_its_name_on_the_larger_part_and_a_new_cluster_matches_nothing():
    old = {"battery": _ids("b", 100), "delivery": _ids("d", 40)}
    new = {"battery life": sorted(_ids("b", 70)), "battery drain": sorted(_ids("b", 100) - _ids("b", 70)),
           "shipping": sorted(_ids("d", 40) | _ids("new", 60)), "recall": sorted(_ids("new", 50))}
    # New posts ("new…") are not stored under any theme: they do not count against the match.
    assert match(old, new) == {"battery life": "battery", "shipping": "delivery"}


def test_two_merged_themes_leave_the_name_to_the_one_the_merge_is_most_like():
    old = {"price": _ids("p", 30), "cost": _ids("c", 60)}
    assert match(old, {"money": sorted(_ids("p", 30) | _ids("c", 60))}) == {"money": "cost"}


def test_too_little_overlap_is_a_new_theme():
    old = {"camera": _ids("c", 100)}
    few = round(100 * MATCH_MIN) - 1
    assert match(old, {"zoom": sorted(_ids("c", few))}) == {}


def test_names_carry_over_and_a_new_label_that_collides_is_made_unique():
    assert names(["a", "b", "c"], {"a": "battery", "c": "old c"}) == {"a": "battery", "b": "b", "c": "old c"}
    assert names(["x", "battery"], {"x": "battery"}) == {"x": "battery", "battery": "battery (2)"}


def test_a_stored_post_keeps_a_theme_that_lives_on_else_the_new_clustering_places_it():
    parent = {"battery": None, "battery › drain": "battery", "recall": None, "recall › refunds": "recall"}
    kept = {"battery", "battery › drain"}
    assert path(["battery", "battery › drain"], ["recall", "recall › refunds"], kept, parent) == \
        ["battery", "battery › drain"]
    assert path(["gone"], ["recall", "recall › refunds"], kept, parent) == ["recall", "recall › refunds"]
    assert path([], [], kept, parent) == []
    # An aspect of the theme it keeps: the stored one where it lives on, else none from another theme.
    assert path(["battery"], ["recall", "recall › refunds"], kept, parent) == ["battery"]
