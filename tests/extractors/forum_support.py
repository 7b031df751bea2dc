"""A made-up forum source for tests of the source contract (no product source): it yields the posts it is given,
each built through `Selector`, under the registry type "forum" (`register`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from extractors.base import Batch, Extractor, Selector, SourceOptions, Window
from extractors.registry import EXTRACTORS


class ForumOptions(SourceOptions):
    base_url: str = "https://forum.example"
    # The bug a contributor made: the config key (`name`) where the registry type belongs.
    source_from_key: bool = False


class ForumExtractor(Extractor[ForumOptions]):
    """Posts 1 and 2 of every forum: ids numbered per site, as a forum's are."""

    type = "forum"
    Options = ForumOptions
    ids_per_site: ClassVar[bool] = True

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        source = self.source_key if self.options.source_from_key else self.type
        selector = Selector(source, brand, query, window)
        batch = Batch([])
        for pid in ("1", "2"):
            selector.add(batch, pid, lambda pid=pid: {
                "native_id": pid, "text": f"acme post {pid}", "created_at": datetime(2026, 1, 1, tzinfo=UTC)})
        yield batch


def register(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make "forum" a registry type for this test only."""
    monkeypatch.setitem(EXTRACTORS, "forum", "forum_support:ForumExtractor")
