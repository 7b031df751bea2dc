"""`Newest`: the one helper the time/id-based sources keep their cursor with."""

from __future__ import annotations

from extractors.state import Newest


def test_keeps_the_newest_value_per_key_by_its_order():
    newest: Newest[str] = Newest({"#a": "90"}, order=int)
    for tag, sid in (("#a", "100"), ("#a", "95"), ("#b", "7"), ("#b", "not-an-id"), ("#a", None)):
        newest.offer(sid, tag)
    assert newest.values == {"#a": "100", "#b": "7"}  # "100" > "95" as numbers, not as strings
    assert newest.moved


def test_unchanged_cursor_is_not_saved_again_and_unreadable_saved_value_is_replaced():
    same: Newest[int] = Newest({"": 5})
    same.offer(3)
    assert not same.moved and same.get() == 5
    broken: Newest[str] = Newest({"": "garbage"}, order=int)
    broken.offer("12")
    assert broken.get() == "12" and broken.moved
