"""Stored mentions that repeat a story, on a slice of a real stream (../shared): a retweeted story is stored once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from core.mention import Author, Mention
from tests.conftest import shared_path
from tools.brands.stories import count_stories, main

LIMIT = 1500  # the stream's first tweets: hundreds of retweets of a few posts, seconds to collect


def _m(nid: str, text: str, handle: str, brands: list[str]) -> Mention:
    return Mention(source="x", native_id=nid, text=text, brands=brands, author=Author(handle=handle),
                   created_at=datetime(2015, 8, 7, tzinfo=UTC))


def test_a_story_is_its_author_and_the_start_of_its_text():
    posts = [
        _m("1", "Trump has cam hands. #GOPDebates", "ericstonestreet", ["Donald Trump"]),
        _m("2", "RT @ericstonestreet: Trump has cam hands. #GOPDebates", "a", ["Donald Trump"]),
        _m("3", "Trump has cam hands. #GOPDebates", "someone_else", ["Donald Trump", "Jeb Bush"]),
    ]
    result = count_stories(posts)
    assert (result["stored"], result["stories"], result["repeats"]) == (3, 2, 1)
    assert result["per_brand"]["Donald Trump"] == {"stored": 3, "stories": 2, "inflation": 1.5}
    assert result["per_brand"]["Jeb Bush"] == {"stored": 1, "stories": 1, "inflation": 1.0}


def test_the_debate_stream_stores_each_retweeted_story_once(tmp_path):
    stream = shared_path("data", "streams", "gop-debate-2015")
    out = tmp_path / "stories.json"
    run = CliRunner().invoke(main, ["--stream", str(stream), "--limit", str(LIMIT), "--json", str(out)])
    assert run.exit_code == 0, run.output
    result = json.loads(out.read_text())
    # Before story heads, retweets X cut short and retweets of uncollected posts were over half of what was stored.
    assert 100 * result["repeats"] <= result["stored"]
    # Retweets of posts the slice does not hold are shares of the first one stored, for the viral detector.
    assert result["viral"]["shares_of_stored_retweets"] > 0
    assert "stored mentions repeat a story already stored" in run.output
