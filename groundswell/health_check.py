"""The health rows read from an open store: each configured source × brand, each channel, each brand's newest post
(the rules of groundswell/health_rules.py on the records of groundswell/health.py), a problem one source has for
several brands made one row (`group_sources`: a source failing for 60 brands is one row, not 60). `groundswell
health` prints them after its store and model rows; the dashboard's `/api/health` shows those not ok above every
page, so a dip in a chart that is a collection gap says so."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.detect import newest_mention
from extractors.registry import get_extractor_class
from extractors.state import CursorState, owed_by
from groundswell.config import Config
from groundswell.health import channel_records, source_key, source_records
from groundswell.health_rules import Row, brand_row, channel_row, group_sources, source_row, with_backlog
from indexing.base import Store


def collection_rows(config: Config, store: Store, now: datetime, interval: timedelta | None,
                    stale_days: float) -> list[Row]:
    """Sources (configured source × brand; one row per problem of a source shared by several brands), then
    channels, then brands, in the config's order."""
    rows: list[Row] = []
    records = {source_key(r.source, r.brand): r for r in source_records(store)}
    channels = channel_records(store)
    for source in config.sources:
        for brand in config.brands_for(source):
            record = records.get(source_key(source.key, brand.name))
            row = source_row(source.key, brand.name, source.type, record, now, interval, brand.query)
            # What its cursor still owes (a pass stopped with pages left): the store misses posts since then.
            owed = owed_by(CursorState(store).get(source.key, brand.name), get_extractor_class(source.type).owed_time)
            rows.append(with_backlog(row, source.key, brand.name, owed, now))
    for channel in config.channels:
        rows.append(channel_row(channel.key, channel.type, channels.get(channel.key), now))
    for brand in config.brands:
        rows.append(brand_row(brand.name, newest_mention(store, brand.name), now, stale_days))
    return group_sources(rows)
