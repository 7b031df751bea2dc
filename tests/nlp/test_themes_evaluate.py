"""`python -m tools.themes.evaluate`: themes against the GOP debate stream's gold topics, on a slice."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.conftest import shared_path
from tools.themes.evaluate import DISTINCT_PRECISION, NONE, load_stream, main, run_themes, score


def test_scores_are_recomputed_from_the_assignment():
    """The scoring rule on a hand-made assignment (no model): precision, recall, best theme, distinct."""
    topics = {"a": "Guns", "b": "Guns", "c": "Guns", "d": "Religion", "e": NONE, "f": None, "g": "Religion"}
    assigned = {"a": ["gun · nra"], "b": ["gun · nra"], "d": ["gun · nra"], "c": ["god · church"],
                "g": ["god · church"], "e": ["god · church"], "f": ["gun · nra"]}
    result = score(assigned, topics)
    guns = result["per_topic"]["Guns"]["best"]
    assert (guns["theme"], guns["precision"], guns["recall"]) == ("gun · nra", round(2 / 3, 3), round(2 / 3, 3))
    religion = result["per_topic"]["Religion"]
    # One Religion post in each theme of 3 labelled posts: either is best, at 1/3 precision and 1/2 recall.
    assert (religion["best"]["precision"], religion["best"]["recall"]) == (round(1 / 3, 3), 0.5)
    assert not religion["distinct_theme"]  # 1/3 of "god · church" and 1/3 of "gun · nra": below the bar
    assert result["topics_with_a_distinct_theme"] == 1
    assert result["posts_labelled"] == 6  # the post without a gold topic is left out


SLICE = 1500


@pytest.mark.model
def test_a_slice_of_the_real_stream(tmp_path, capsys):
    folder = shared_path("data", "streams", "gop-debate-2015")
    out = tmp_path / "themes.json"
    main(["--stream", str(folder), "--limit", str(SLICE), "--json", str(out)])
    result = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == result
    assert result["posts"] == SLICE and result["themes"] >= 2
    # No catch-all: the transitive centroid merge (before issue 18's fix, bc5913f) put 75% of this
    # slice's labelled posts in one theme ("fox · jeb · news"); mutual-nearest merging keeps 17%.
    assert result["largest_theme_share"] < 0.5
    assert result["topics_with_a_distinct_theme"] >= 2
    # Independently: rerun the step and check one topic's figures against the gold labels.
    mentions, topics = load_stream(folder, SLICE)
    assigned, _ = run_themes(mentions)
    members_of: dict[str, list[str]] = {}
    for mid, labels in assigned.items():
        for theme in labels:
            if topics.get(mid):
                members_of.setdefault(theme, []).append(mid)
    assert max(len(m) for m in members_of.values()) / result["posts_labelled"] == pytest.approx(
        result["largest_theme_share"], abs=0.001)
    topic, entry = max(result["per_topic"].items(), key=lambda kv: kv[1]["posts"])
    members = members_of[entry["best"]["theme"]]
    hits = Counter(topics[mid] for mid in members)[topic]
    assert entry["best"]["precision"] == round(hits / len(members), 3)
    assert entry["best"]["recall"] == round(hits / entry["posts"], 3)
    assert entry["distinct_theme"] == any(
        Counter(topics[m] for m in ms)[topic] / len(ms) >= DISTINCT_PRECISION for ms in members_of.values()
    )
