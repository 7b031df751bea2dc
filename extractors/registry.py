"""Source type name → extractor class, imported lazily so unused clients never load."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.state import StateStore
    from extractors.base import Extractor
    from extractors.config import SourceConfig

# type name -> "module:Class". Modules are imported only when a source of that type is used.
EXTRACTORS: dict[str, str] = {
    "import": "extractors.import_file:ImportExtractor",
    "x": "extractors.x:XExtractor",
    "reddit": "extractors.reddit:RedditExtractor",
    "mastodon": "extractors.mastodon:MastodonExtractor",
    "bluesky": "extractors.bluesky:BlueskyExtractor",
    "hackernews": "extractors.hackernews:HackerNewsExtractor",
    "rss": "extractors.rss:RssExtractor",
}


def get_extractor_class(type_name: str) -> type[Extractor]:
    try:
        target = EXTRACTORS[type_name]
    except KeyError:
        known = ", ".join(sorted(EXTRACTORS))
        raise ValueError(f"unknown source type '{type_name}'; known types: {known}") from None
    module_name, _, class_name = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def build_extractor(source: SourceConfig, state: StateStore | None = None) -> Extractor:
    """The source's extractor, keyed by `source.key`; pass the store as `state` to meter read budgets."""
    from extractors.http import RetryPolicy  # lazy: the registry stays a plain dict at import (DAG parsing)

    extractor = get_extractor_class(source.type)(source.options)
    extractor.source_key = source.key
    extractor.config_brands = source.config_brands
    extractor.retry = RetryPolicy(max_wait=source.max_wait_s)  # the source's own rate-limit wait ceiling
    if state is not None:
        extractor.bind(state, source.key)
    return extractor
