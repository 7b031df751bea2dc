"""Intent tags for mentions enriched before intent tags existed: the data step of migration "intent tags".

The schema step is automatic (a store gains its intent table or field on open); the tags themselves
need the model. Each run and `groundswell maintain` tag a bounded slice of them, oldest first
(`tag_intents_slice`, called by groundswell/upgrade_backfill.py), until none is left;
`groundswell store tag-intents` tags all of them at once. New mentions are tagged by the enrich step
(`nlp/enrich.py`, the same rule: model text, normalised, the shipped head on its e5 embedding); safe to run
again: only enriched, untagged posts are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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


def tag_intents_slice(
    config: Config, store: Store, since: datetime | None, limit: int,
    embeddings: SentenceEmbeddings | None = None, scan: int | None = None, batch: int = 512,
) -> tuple[BackfillReport, datetime | None, bool]:
    """Tag up to `limit` enriched, untagged mentions created at or after `since` (None: the oldest), oldest first,
    reading at most `scan` stored mentions (default 50 x `limit`): one bounded slice of the backfill.

    Returns (report, where the next slice starts: the creation time of the last mention read, whether every
    stored mention from `since` on was read). The next slice re-reads that instant's mentions; those tagged
    here are skipped, so nothing is tagged twice or missed."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    scan = scan or 50 * limit
    todo: list = []
    through, read, exhausted = since, 0, True
    for mention in store.iter_mentions(Filters(since=since, include_spam=True)):
        read += 1
        through = mention.created_at
        if mention.sentiment is not None and mention.intent is None:
            todo.append(mention)
        if len(todo) >= limit or read >= scan:
            exhausted = False
            break
    report = BackfillReport()
    if todo:
        embeddings = embeddings or SentenceEmbeddings(backend=config.nlp.backend)
        for chunk in batched(todo, batch):
            _tag(config, store, embeddings, chunk, report)
    return report, through, exhausted


def untagged_count(store: Store, filters: Filters) -> int:
    """Mentions matching `filters` (their intent filter aside) that carry no intent tag yet: what an intent
    view leaves out until the enrich step or the upgrade backfill tags them (one facet query)."""
    return store.facet(filters.replace(intent=None), "intent").get("unknown", 0)


def untagged_enriched(store: Store) -> int:
    """Stored mentions (spam included) enriched but not tagged: what the backfill still has to tag."""
    everything = Filters(include_spam=True)
    unknown = store.facet(everything, "intent").get("unknown", 0)
    return max(0, unknown - store.facet(everything, "sentiment").get("unknown", 0))


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
