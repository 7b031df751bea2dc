"""An alert's top posts built from stored mentions as they are (full text, no sentiment), for test alerts.
Import as `from driving_posts import driving_posts` (tests/ is on sys.path through tests/conftest.py).

Not `alerts.influencer.post_of`: that is the detectors' view (text cut at 280 characters, the author's name when
there is no handle, the sentiment label); these tests show texts whole."""

from __future__ import annotations

from collections.abc import Iterable

from core.alert import DrivingPost
from core.mention import Mention


def driving_posts(mentions: Iterable[Mention]) -> list[DrivingPost]:
    """One DrivingPost per mention: id, url, text, author handle, followers, total engagement, lang, source."""
    return [
        DrivingPost(
            id=m.id,
            url=m.url,
            text=m.text,
            author=m.author.handle,
            followers=m.author.followers,
            engagement=m.engagement.total,
            lang=m.lang,
            source=m.source,
        )
        for m in mentions
    ]
