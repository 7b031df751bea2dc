"""A store that already holds a post dated 0001-01-01 or 9999-12-31 (written before the import source checked
dates) never stops the spam step: its look-around clamps at the ends of `datetime` (groundswell/spam.py
`shifted`). It raised OverflowError, and the pending range it left (groundswell/spam_pending.py) made every later
`run` and `enrich` fail the same way. Real SQLite store; the posts are written straight into it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from spam_support import CAMPAIGN, Tagger

from core.mention import Author, Mention
from groundswell import pipeline
from groundswell.config import Config
from groundswell.spam import flag_spam
from groundswell.spam_pending import PREFIX
from indexing.sqlite import SqliteStore


def _post(n: int, text: str, when: datetime) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=text, brand="Lumora", created_at=when,
                   author=Author(handle=f"bot{n}"))


@pytest.mark.parametrize("broken", [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=UTC)])
def test_a_stored_post_with_a_broken_date_never_stops_the_spam_step(tmp_path, broken):
    store = SqliteStore(tmp_path / "g.db")
    config = Config.model_validate({"brands": [{"name": "Lumora", "query": "lumora"}]})
    # A copy-paste campaign at the broken date: the step must still read around it and flag it.
    inward = timedelta(minutes=1 if broken.year == 1 else -1)
    campaign = [_post(i, CAMPAIGN, broken + i * inward) for i in range(10)]
    assert all(r.ok for r in store.upsert([*campaign, _post(99, "My Lumora Halo arrived",
                                                             datetime(2026, 11, 3, tzinfo=UTC))]))
    report = pipeline.flag_new_spam(store, pipeline.enrich(config, store, enricher=Tagger()), config)
    assert report.examined == 11 and report.flagged == 10
    assert list(store.state_items(PREFIX)) == []  # settled: no later run trips over it again
    # The step's own arithmetic at both ends of what a datetime holds.
    assert flag_spam(store, broken, broken).examined == 10
    store.close()
