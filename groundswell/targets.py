"""What one collection run covers: the source × brand pairs. One planning rule for the CLI and Airflow.

A source collects for the brands it lists, or for every brand when it lists none (`brands` left
out). `brands: []` lists none: the source stays configured but collects for no brand. Naming a
source or brand the config lacks is an error that says what the config has.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors.config import SourceConfig
from groundswell.config import Config


class UnknownTarget(ValueError):
    """A source or brand name the config does not have (the message lists the ones it has)."""


@dataclass(frozen=True)
class Target:
    """One unit of collection: one source for one brand (what Airflow maps a task over)."""

    source: SourceConfig
    brand: str


def check_brand(config: Config, brand: str | None) -> None:
    """UnknownTarget, listing the config's brands, when `brand` is not one of them (None: every brand)."""
    brand_names = [b.name for b in config.brands]
    if brand is not None and brand not in brand_names:
        raise UnknownTarget(f"unknown brand '{brand}'; the config has: {', '.join(brand_names)}")


def plan_targets(config: Config, *, source: str | None = None, brand: str | None = None) -> list[Target]:
    """Every source × brand pair to collect, in config order; `source` / `brand` narrow it."""
    check_brand(config, brand)
    brand_names = [b.name for b in config.brands]
    source_keys = [s.key for s in config.sources]
    if source is not None and source not in source_keys:
        raise UnknownTarget(f"unknown source '{source}'; the config has: {', '.join(source_keys) or '(none)'}")
    return [
        Target(src, name)
        for src in config.sources
        if source is None or src.key == source
        for name in src.collects_for(brand_names)
        if brand is None or name == brand
    ]


def collected_sources(config: Config, brand: str) -> frozenset[str] | None:
    """The `Mention.source` values the config collects for `brand` (each extractor stores its type there),
    for detectors that judge sources (alerts.silence): a source removed from the config, or narrowed to
    other brands, is then no longer expected to bring anything. None when that cannot be told: a config
    without sources (mentions come from `groundswell ingest`) or with an `import` source for the brand
    (a file's mentions carry whatever source they were exported from)."""
    types = {t.source.type for t in plan_targets(config, brand=brand)}
    if not config.sources or "import" in types:
        return None
    return frozenset(types)
