"""A huge post: the models read its first `nlp.max_text_chars` characters, the store keeps all of it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from core.mention import Mention
from nlp.config import NlpConfig
from nlp.enrich import Enricher

pytestmark = pytest.mark.model


def test_a_10mb_post_is_enriched_from_its_capped_prefix(default_model):
    head = "Worst customer service ever, still no refund. Never again. "
    huge = head + "la la la lorem ipsum dolor " * 400_000  # ~10.8 MB: once took > 400 s to enrich
    enricher = Enricher(NlpConfig(max_text_chars=10_000))
    enricher._model = default_model  # the session's instance: same as Enricher would load
    mentions = [
        Mention(source="t", native_id="big", text=huge, created_at=datetime(2026, 11, 1, tzinfo=UTC)),
        Mention(source="t", native_id="cap", text=huge[:10_000], created_at=datetime(2026, 11, 1, tzinfo=UTC)),
    ]
    started = time.perf_counter()
    big, capped = enricher.enrich(mentions)
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"enriching a 10 MB post took {elapsed:.0f} s"
    assert big.text == huge  # nothing cut from what is stored, displayed and exported
    assert (big.lang, big.sentiment.probs) == (capped.lang, capped.sentiment.probs)
