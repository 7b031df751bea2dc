"""The language enrich stores for a post without one is the language collection's `lang:` judged it by: both
detect on `ModelText.language_text` (every configured brand's name as `@user`), the one rule in one place.

Before, collection masked every configured brand's name while enrich masked only the post's own brands, so a post
naming another monitored brand ('Sonne beats Lumora', attributed to Lumora alone) was collected as English and
stored as French. Real lingua, the real Enricher (tiny checkpoint), a config loaded as the CLI loads it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from core.mention import Mention
from groundswell.brands import collection_lang_of
from groundswell.config import load_config
from nlp.enrich import Enricher

# Posts naming a monitored brand that is not theirs; each such name sways lingua ('Sonne' reads French).
POSTS = ["Sonne beats Lumora", "got Sonne not Lumora", "Lumora or Sonne?", "Lumora battery died again"]


def test_enrich_stores_the_language_collection_matched_by(tiny_checkpoint, tmp_path: Path) -> None:
    path = tmp_path / "groundswell.yaml"
    path.write_text(
        "brands:\n  - {name: Lumora, query: Lumora}\n  - {name: Sonne, query: 'Sonne lang:de'}\n"
        f"sources: []\nstore: {{type: sqlite, path: {tmp_path / 'g.db'}}}\n"
        f"report: {{path: {tmp_path / 'report.html'}}}\n"
        f"nlp: {{themes: false, sentiment_model: {tiny_checkpoint}}}\n", encoding="utf-8")
    config = load_config(str(path))
    mentions = [Mention(source="reddit", native_id=str(i), text=t, brands=["Lumora"],
                        created_at=datetime(2026, 11, 1, tzinfo=UTC)) for i, t in enumerate(POSTS)]
    collected = [collection_lang_of(config)(m.text) for m in mentions]
    stored = [m.lang for m in Enricher(config.nlp, text=config.model_text()).enrich(mentions)]
    assert stored == collected
    assert collected[:2] == ["en", "en"]  # the other brand's name is no evidence either way
