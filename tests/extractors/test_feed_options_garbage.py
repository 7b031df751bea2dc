"""This session's new source options (`time_zones`, `deadline_s`) refuse garbage in the config with an error
naming the source and the option, before anything is collected."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from groundswell.config import parse_config

BAD = [
    ({"type": "rss", "options": {"urls": ["http://x/f"], "time_zones": {"IST": "five"}}},
     r"sources\.0 \(rss\)\.options\.time_zones: 'five' is no UTC offset"),
    ({"type": "rss", "options": {"urls": ["http://x/f"], "time_zones": {"IST": "+15:00"}}},
     r"sources\.0 \(rss\)\.options\.time_zones: .*from -14:00 to \+14:00"),
    ({"type": "rss", "options": {"urls": ["http://x/f"], "time_zones": ["IST"]}},
     r"sources\.0 \(rss\)\.options\.time_zones"),
    ({"type": "rss", "options": {"urls": ["http://x/f"], "deadline_s": 0}}, r"sources\.0 \(rss\)\.options\.deadline_s"),
    ({"type": "hackernews", "options": {"deadline_s": "soon"}}, r"sources\.0 \(hackernews\)\.options\.deadline_s"),
]


@pytest.mark.parametrize(("source", "message"), BAD)
def test_a_bad_new_source_option_is_a_config_error_naming_it(source, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"brands": [{"name": "Acme", "query": "acme"}], "sources": [source]})
