"""A post dated a little ahead of the run's clock (within CLOCK_SKEW: a fast phone clock, a feed's wrong
time zone) is kept but never becomes the cursor: as a time cursor it would make every real post of the
hours until its date look already collected. Real feedparser on a feed file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from extractors.base import Window
from extractors.rss import RssExtractor


def _feed(path, *items: tuple[str, datetime]) -> None:
    entries = "".join(f"<item><guid>{g}</guid><title>acme {g}</title><pubDate>{format_datetime(t)}</pubDate></item>"
                      for g, t in items)
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>')


def _run(path, cursor: str | None) -> tuple[list[str], str | None]:
    texts, moved = [], cursor
    for batch in RssExtractor({"urls": [str(path)]}).extract("acme", "acme", cursor, Window()):
        texts += [m.text for m in batch.mentions]
        moved = batch.cursor or moved
    return texts, moved


def test_an_entry_dated_hours_ahead_is_kept_but_posts_before_its_date_are_still_collected(tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    path = tmp_path / "feed.xml"
    _feed(path, ("ahead", now + timedelta(hours=20)), ("a", now - timedelta(hours=2)))
    texts, cursor = _run(path, None)
    assert texts == ["acme ahead", "acme a"]  # kept: within a day of the clock, it may be a clock's error
    # Published after the first run, dated before the entry that was ahead.
    _feed(path, ("b", now - timedelta(minutes=30)), ("ahead", now + timedelta(hours=20)),
          ("a", now - timedelta(hours=2)))
    texts, _ = _run(path, cursor)
    assert "acme b" in texts
