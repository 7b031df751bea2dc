"""Re-tag stored mentions with the configured sentiment model: `groundswell store re-enrich`.

A store keeps the labels it was enriched with. After the model changes (a new default in an
upgrade, another `nlp.sentiment_model`, the int8 variant), older mentions still carry the old
model's labels, and trends, alerts and reports mix the two. Each label records the model that gave
it (`Sentiment.model`, "name@version": `SentimentModel.identity`), so this step finds the ones
another model gave and tags them again, the way the enrich step tags new ones (same model text,
same pieces: `pipeline.enrich_in_pieces`).

Only the sentiment is redone: intent tags come from e5's untouched sentence embedding, which no
sentiment model changes, so they are kept and the encoder runs half the layers (`re_enricher`). A
changed setting (`nlp.mask_brand_names`, `nlp.max_text_chars`, `nlp.uncertain_below`) is not part of
the version: `everything=True` re-tags every enriched mention in the window, intents included.

Safe to stop and run again: each batch is written before the next is read, and a re-tagged mention
records the configured model, so a second run continues where the first stopped and then finds
nothing. With `everything` the label cannot tell (the model is the same), so a pass saves how far it
got after each written batch (`groundswell.pass_mark`, under ``re_enrich:all:``) and the same command run
again continues from there; a finished pass deletes its mark, so the next `--all` starts over. What the store merges
on write keeps the rest: brands, themes, spam flags, a language the source gave. Labels a person set
(`Sentiment.by_analyst`: a correction, an audit's answer) are never re-tagged. The config's sentiment rules
(groundswell/sentiment_rules.py) are applied too: a stored mention a rule now matches takes its label without
the model, and one whose rule label is stale (the rule edited or removed) is tagged by the model again.
Alerts already raised stay as they were; scheduled detection reads the new labels for the recent
windows it judges, and `groundswell detect --history --no-send` judges the whole history again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.batches import batched
from core.mention import Mention
from core.state import ListableState
from core.time import check_range
from groundswell.config import Config
from groundswell.pass_mark import PassMark
from groundswell.pipeline import enrich_in_pieces, progress_bar
from groundswell.sentiment_rules import SentimentRules
from groundswell.targets import check_brand
from indexing.base import ENRICHED, SENTIMENT, Filters, Store
from nlp.embeddings import SentenceEmbeddings
from nlp.enrich import Enricher

# Mentions read, tagged and written together: a crash loses at most this much work, never data.
BATCH = 2048


@dataclass
class ReEnrichReport:
    """What `re_enrich` found and did; `dry_run` says whether anything was written."""

    model: str  # the identity the re-tagged labels record
    dry_run: bool = False
    examined: int = 0  # enriched mentions in the window
    retagged: int = 0  # tagged again (with `dry_run`: would be)
    already_current: int = 0  # their label is already the configured model's: left alone
    not_enriched: int = 0  # in the window but never tagged: the enrich step's work, left alone
    analyst_labels: int = 0  # labels a person set (`groundswell sentiment correct`, an audit): left alone
    rule_labels: int = 0  # of `retagged`: given a sentiment rule's label (groundswell/sentiment_rules.py), no model run
    by_model_before: dict[str, int] = field(default_factory=dict)  # re-tagged, by the model that had tagged them
    labels_changed: int = 0  # re-tagged mentions whose label is now another one
    changes: dict[str, int] = field(default_factory=dict)  # "negative -> neutral": count (changed labels only)
    # `everything`: where an earlier pass of the same command stopped (ISO time), and what it had re-tagged
    resumed_from: str | None = None
    retagged_before: int = 0


# `core/state.py`'s key prefix for `everything` passes (`groundswell.pass_mark`).
ALL_PASS_PREFIX = "re_enrich:all:"


def all_pass_mark(state: ListableState, config: Config, model: str, since: datetime | None, until: datetime | None,
                  brand: str | None) -> PassMark:
    """Where an `everything` pass got. Its scope is the window, the brand, the model and every `nlp` setting
    but the batch size: after another change of settings the same command starts over. Retention: a
    finished pass deletes its mark; an abandoned one is one small entry."""
    settings = config.nlp.model_dump(mode="json", exclude={"batch_size"})
    scope = {"since": since, "until": until, "brand": brand, "model": model, "nlp": settings}
    return PassMark(state, ALL_PASS_PREFIX, scope)


def re_enrich(
    config: Config,
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    brand: str | None = None,
    everything: bool = False,
    dry_run: bool = False,
    progress: bool = False,
    enricher: Enricher | None = None,
    batch: int = BATCH,
) -> ReEnrichReport:
    """Tag again every enriched mention in [since, until) (of `brand`, spam included) whose label another
    model gave; `everything`: every enriched one. `dry_run`: count them, write nothing.

    Raises ValueError (UnknownTarget for a brand the config lacks) before reading anything."""
    check_brand(config, brand)
    check_range(since, until)
    if enricher is None:
        enricher = re_enricher(config, everything)
    report = ReEnrichReport(model=enricher.model.identity, dry_run=dry_run)
    mark = all_pass_mark(store, config, report.model, since, until, brand) if everything else None
    start = since
    saved = mark.saved() if mark is not None else None
    if saved is not None:
        start, report.retagged_before = saved
        report.resumed_from = start.isoformat()
    filters = Filters(brand=brand, since=start, until=until, include_spam=True)
    bar = progress_bar(progress, "re-enrich", total=store.count(filters) if progress else None)
    try:
        rules = SentimentRules(config.sentiment_rules)
        for chunk in batched(_to_retag(store.iter_mentions(filters), report, everything, dry_run, bar, rules), batch):
            _retag(config, store, enricher, chunk, report, bar, mark, rules, everything)
    finally:
        bar.close()
    if mark is not None and not dry_run:
        mark.finish()
    return report


def _to_retag(mentions: Iterator[Mention], report: ReEnrichReport, everything: bool, dry_run: bool,
              bar: Any, rules: SentimentRules) -> Iterator[Mention]:
    """The mentions to tag again, in store order, counting the rest into `report` (dry run: counting them too,
    yielding none). A mention a sentiment rule matches needs its rule's label, not the model (unless
    `everything`); a label of a rule that no longer matches it (edited, removed) needs the model again."""
    for mention in mentions:
        if mention.sentiment is None:
            report.not_enriched += 1
            bar.update()
            continue
        report.examined += 1
        if mention.sentiment.by_analyst:  # a person's label outranks every model's (indexing.base.keep_enrichment)
            report.analyst_labels += 1
            bar.update()
            continue
        ruled = rules.label_for(mention) if rules else None
        current = ruled.model if ruled is not None else report.model
        if not everything and mention.sentiment.model == current:
            report.already_current += 1
            bar.update()
            continue
        before = mention.sentiment.model
        report.by_model_before[before] = report.by_model_before.get(before, 0) + 1
        if dry_run:
            report.retagged += 1
            report.rule_labels += int(ruled is not None and not everything)
            bar.update()
            continue
        yield mention


def re_enricher(config: Config, everything: bool) -> Enricher:
    """The Enricher for re-tagging. Another sentiment model changes only the sentiment: intent tags come from
    the untouched e5 embedding of the same text, so they are kept and the encoder runs the sentiment branch
    alone (half the layers: docs/model-card.md, "Speed"). `everything` (a changed nlp setting, which can
    change the text every model reads) tags intents again too."""
    if everything and config.nlp.intents:
        return Enricher(config.nlp, SentenceEmbeddings(backend=config.nlp.backend), text=config.model_text())
    return Enricher(config.nlp.model_copy(update={"intents": False}), text=config.model_text())


def _retag(
    config: Config,
    store: Store,
    enricher: Enricher,
    mentions: list[Mention],
    report: ReEnrichReport,
    bar: Any,
    mark: PassMark | None,
    rules: SentimentRules,
    everything: bool,
) -> None:
    """Tag one batch (in store order) and write it; counted, and `mark` moved, only once written (a failed
    write raises, naming how far it got). Mentions a rule matches take its label without the model (unless
    `everything`, which redoes intents too)."""
    old = {m.id: m.sentiment.label for m in mentions if m.sentiment is not None}
    last = mentions[-1].created_at  # before tagging: enrich_in_pieces orders its pieces by length
    # `apply` returns a mention no rule matches as it is: one evaluation of the rules per mention
    ruled = [] if everything or not rules else [
        after for before, after in zip(mentions, rules.apply(mentions), strict=True) if after is not before]
    ruled_ids = {m.id for m in ruled}
    modelled = [m for m in mentions if m.id not in ruled_ids]
    bar.update(len(ruled))
    done = [*ruled, *(enrich_in_pieces(enricher, modelled, config.nlp.batch_size, bar, rules) if modelled else [])]
    # Only what this pass redid is written: a spam flag or theme set since the batch was read stays.
    failed = [r for r in store.upsert(done, fields=ENRICHED if everything else SENTIMENT) if not r.ok]
    if failed:
        raise RuntimeError(
            f"could not store re-tagged mentions ({len(failed)} of a batch of {len(done)}; {report.retagged} "
            f"re-tagged before it are stored): {failed[0].error}. Run it again to continue."
        )
    report.retagged += len(done)
    report.rule_labels += len(ruled)
    if mark is not None:
        mark.save(last, report.retagged_before + report.retagged)
    for mention in done:
        new = mention.sentiment.label if mention.sentiment else None
        if new != old.get(mention.id):
            report.labels_changed += 1
            key = f"{old.get(mention.id)} -> {new}"
            report.changes[key] = report.changes.get(key, 0) + 1
