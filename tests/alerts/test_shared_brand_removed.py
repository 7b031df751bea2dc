"""An alert's "N of these posts also name X" names configured brands only: a brand removed from the config stays
on its stored posts but is no other brand to speak of (docs/brands.md "Counts"; the s63 review saw "also name
Sonique" after Sonique was removed). The shared Shell/BP/Exxon surge of test_shared_brand_surge.py, stored under
all three brands, detected through `groundswell.pipeline.detect` with Exxon removed from the config."""

from __future__ import annotations

from test_shared_brand_surge import BRANDS, SURGE, _config, _posts

from groundswell import pipeline
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore


def test_a_removed_brand_is_not_named_as_sharing_the_posts(tmp_path):
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(_posts(_config(tmp_path))))  # stored while Exxon was configured
        without_exxon = parse_config({
            "brands": [b for b in BRANDS if b["name"] != "Exxon"],
            "store": {"path": str(tmp_path / "gs.db")},
            "alerts": {"keyword": {"enabled": False}, "influencer": {"enabled": False}, "viral": {"enabled": False}},
        })  # fmt: skip
        found = pipeline.detect(without_exxon, store)
        spikes = {a.brand: a for a in found if a.kind == "spike" and a.window_start == SURGE}
        assert set(spikes) == {"Shell", "BP"}, found.failed
        assert "27 of these 30 posts also name BP." in spikes["Shell"].summary, spikes["Shell"].summary
        assert "27 of these 30 posts also name Shell." in spikes["BP"].summary, spikes["BP"].summary
        assert all("Exxon" not in a.summary.split("also name")[-1] for a in spikes.values())
    finally:
        store.close()
