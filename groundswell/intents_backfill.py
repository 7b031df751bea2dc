"""Intent tags for mentions enriched before intent tags existed: the data step of migration "intent tags".

The schema step is automatic (a store gains its intent table or field on open); the tags themselves
need the model, so `groundswell store tag-intents` runs this once on an older store. New mentions are
tagged by the enrich step (`nlp/enrich.py`); safe to run again: only enriched, untagged posts are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.batches import batched
from groundswell.config import Config
from indexing.base import INTENT, Filters, Store
from nlp.embeddings import SentenceEmbeddings
from nlp.intents import shipped_tagger
from nlp.normalize import normalize


@dataclass
class BackfillReport:
    """How many stored mentions were tagged, and with what."""

    tagged: int = 0
    by_intent: dict[str, int] = field(default_factory=dict)


def tag_missing_intents(
    config: Config, store: Store, embeddings: SentenceEmbeddings | None = None, batch: int = 512
) -> BackfillReport:
    """Tag every enriched mention that has no intent yet (spam included: a flag can be lifted later)."""
    report = BackfillReport()
    embeddings = embeddings or SentenceEmbeddings(backend=config.nlp.backend)
    stored = store.iter_mentions(Filters(include_spam=True))
    untagged = (m for m in stored if m.sentiment is not None and m.intent is None)
    for chunk in batched(untagged, batch):
        _tag(config, store, embeddings, chunk, report)
    return report


def _tag(config: Config, store: Store, embeddings: SentenceEmbeddings, mentions: list, report: BackfillReport) -> None:
    model_text = config.model_text()
    texts = [normalize(model_text(m)) for m in mentions]
    vectors = embeddings.for_texts(texts, batch_size=config.nlp.batch_size)
    intents = shipped_tagger().predict(vectors, texts, [m.lang for m in mentions])
    tagged = [m.model_copy(update={"intent": intent}) for m, intent in zip(mentions, intents, strict=True)]
    failed = [r for r in store.upsert(tagged, fields=INTENT) if not r.ok]
    if failed:
        raise RuntimeError(f"could not store intent tags: {failed[0].error}")
    report.tagged += len(tagged)
    for intent in intents:
        report.by_intent[intent] = report.by_intent.get(intent, 0) + 1
