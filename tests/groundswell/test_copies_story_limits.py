"""Where a retweet's story stops being its original's (`core.stories`, `core.mention.story_text`): a script written
without spaces, a cut story too short to tell two posts apart, a short retweet ending in the author's own '...',
and identical retweets of a post whose head key another of the author's posts holds. Through the real collect
path on SQLite; the cut-length threshold also on the real debate stream (../shared)."""

from __future__ import annotations

from pathlib import Path

from core import stories
from core.mention import CUT_LENGTH, is_cut_repost, story_text
from groundswell import pipeline
from groundswell.copies import HEADS_INDEXED, PREFIX, CopyIndex
from indexing.sqlite import SqliteStore
from tests.conftest import shared_path
from tests.groundswell.test_copies_cut_retweets import config, row, shares, stored
from tools.brands.cut_retweets import measure

# Two different posts of @ann in Japanese, each longer than a retweet keeps: X cuts at a character, inside one
# run without spaces.
PRAISE = "Lumora " + "新型パルスは最高です、バッテリーが二日もつ。" * 7
FIRE = "Lumora " + "パルスが今朝机の上で発火、サポートは一時間待ち。" * 7


def cut(text: str, author: str = "ann") -> str:
    """What X shows for a retweet of `text`: 140 characters, the last one an ellipsis."""
    return f"RT @{author}: {text}"[:139] + "…"


def collect(tmp_path: Path, lines: list[dict]) -> SqliteStore:
    store = SqliteStore(tmp_path / "gs.db")
    pipeline.collect(config(tmp_path, lines), store)
    return store


def test_two_different_cut_retweets_in_japanese_are_two_stories(tmp_path):
    store = collect(tmp_path, [row("rt1", cut(PRAISE), "bob", 0), row("rt2", cut(FIRE), "cat", 5)])

    assert set(stored(store)) == {"x:rt1", "x:rt2"} and shares(store) == {}


def test_a_cut_retweet_in_japanese_is_a_copy_of_its_stored_original(tmp_path):
    store = collect(tmp_path, [row("o1", PRAISE[:140], "ann", 0), row("rt3", cut(PRAISE[:140]), "cat", 5)])

    assert set(stored(store)) == {"x:o1"} and shares(store) == {"x:rt3": "x:o1"}


def test_cut_retweets_whose_story_is_shorter_than_a_head_are_kept_apart(tmp_path):
    # Two retweets of @ann's link posts: cut by X, all they say for sure is "Lumora recall" and links.
    links = [" ".join(f"https://t.co/{c}{n:09d}" for n in range(6)) for c in "ab"]
    first, second = (cut(f"Lumora recall {text}") for text in links)
    assert is_cut_repost(first) and story_text(first) == "lumora recall" and stories.HEAD > len("lumora recall")

    store = collect(tmp_path, [row("rt1", first, "bob", 0), row("rt2", second, "cat", 5)])

    assert set(stored(store)) == {"x:rt1", "x:rt2"} and shares(store) == {}


def test_a_short_retweet_ending_in_the_authors_own_dots_is_whole(tmp_path):
    other = "Lumora polls close at eight tonight and then we will see who wins Iowa"
    whole = "RT @ann: Lumora polls close at eight tonight and then we will see what..."
    assert len(whole) < CUT_LENGTH

    store = collect(tmp_path, [row("o2", other, "ann", 0), row("rt4", whole, "bob", 5)])

    assert set(stored(store)) == {"x:o2", "x:rt4"} and shares(store) == {}


# Two posts of @ann that share their first 40 normalised characters (one head key): O2 stored, X never collected.
HEAD = "Lumora Pulse recall update from our newsroom: "
X = HEAD + "batteries in the 2026 units overheat when charged overnight, owners should stop charging now"
O2 = HEAD + "the company says refunds start Monday"


def test_identical_retweets_of_a_post_are_copies_whoever_holds_its_head_key(tmp_path):
    lines = [row("o2", O2, "ann", 0)] + [row(f"r{n}", cut(X), f"fan{n}", 1 + n) for n in range(5)]

    store = collect(tmp_path, lines)

    assert set(stored(store)) == {"x:o2", "x:r0"}
    assert shares(store) == {f"x:r{n}": "x:r0" for n in range(1, 5)}


def test_indexing_heads_leaves_a_stand_in_its_key_when_a_later_original_tells_another_story(tmp_path):
    # The stand-in for X is stored first, then O2: collection leaves the shared head key with the stand-in.
    store = collect(tmp_path, [row("r0", cut(X), "fan", 0), row("o2", O2, "ann", 5)])
    head = [k for k in store.state_items(PREFIX) if k.startswith(f"{PREFIX}head:")]
    collected = {k: store.get_state(k) for k in head}
    assert set(collected.values()) == {"x:r0"}
    # As an older version left the store: no story keys, no mark; then the pass that gives them.
    store.delete_state([k for k in store.state_items(PREFIX) if k.startswith((f"{PREFIX}head:", f"{PREFIX}retweet:"))]
                       + [HEADS_INDEXED])

    CopyIndex(store).index_heads()

    assert {k: store.get_state(k) for k in head} == collected


def test_every_cut_retweet_of_the_debate_stream_is_long_enough_to_be_cut():
    found = measure(shared_path("data", "streams", "gop-debate-2015", "mentions.jsonl"))

    # X's cut: 140 characters as it counted them; the rest, far shorter, end in the author's own dots.
    assert found["cut"] == found["as_x_counted"].get(140) > 2000
    assert all(length < CUT_LENGTH for length in found["as_x_counted"] if length != 140)
    assert len(found["under_threshold"]) == found["ending_in_ellipsis"] - found["cut"] > 0
