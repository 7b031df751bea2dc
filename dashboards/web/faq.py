"""The FAQ view: recurring questions and complaint reasons of a brand in a period (groundswell/faq.py).

Two parts, so the dashboard's one store thread is held only for reading: `faq_posts` reads the
tagged posts (store thread), `faq_groups` encodes and clusters them (any other thread).

A group's drill-down (`faq_group`, /api/faq?group=<id>): Explore's filters cannot name a list of posts, so
the FAQ answers with the group's posts itself, all of them (JSON for the page, or CSV: the rows and the one
formula-injection rule of Explore's export, dashboards/web/export.py). The id is the group's label post;
the same view clusters the same posts the same way, so it finds the same group again.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from core.mention import Mention
from dashboards.web import export as export_rows
from dashboards.web.errors import ApiError
from dashboards.web.params import Period
from dashboards.web.serialize import mention_json
from groundswell.faq import MAX_POSTS, Group, Recurring, group, tagged_posts
from groundswell.intents_backfill import untagged_count
from indexing.base import Filters, Store
from nlp.embeddings import SentenceEmbeddings
from nlp.model_source import ModelUnavailable
from nlp.normalize import normalize
from nlp.theme_state import aspect_parents

log = logging.getLogger(__name__)

# What the page shows, in order: the intent and its section's name.
SECTIONS = (("question", "questions"), ("complaint", "complaints"))
RELATED = 5  # other groups of a group's theme named in the JSON (all are counted)



@dataclass
class Posts:
    """What the FAQ reads from the store: per section, the newest tagged posts of the period and how many there
    are; and the brand's aspect -> theme labels, so a group's theme is a top-level one (groundswell/faq.py)."""

    sections: dict[str, tuple[list[Mention], int]]
    parents: dict[str, str]
    # Posts of the period with no intent tag yet (stored before intent tags, not yet reached by the upgrade
    # backfill, groundswell/upgrade_backfill.py): the sections leave them out, so the page says how many.
    untagged: int = 0


def faq_posts(store: Store, filters: Filters, period: Period) -> Posts:
    """The posts and theme tree the FAQ groups (runs on the store thread)."""
    current = filters.replace(since=period.since, until=period.until)
    sections = {name: tagged_posts(store, current, intent, MAX_POSTS) for intent, name in SECTIONS}
    return Posts(sections, aspect_parents(store, filters.brand), untagged_count(store, current))


WARM_CHUNK = 32  # texts per step of the start-up encoding: how long a shutdown may wait for it (~0.5 s on CPU)


def encode_posts(
    posts: Posts, embeddings: SentenceEmbeddings, lock: threading.Lock, stop: threading.Event | None = None
) -> int:
    """Encode every post `posts` holds into `embeddings` (under `lock`, the FAQ's), so a later request for that
    view only clusters them; the number of texts encoded. The dashboard calls it at start for its default view
    (`create_app(warm_faq=True)`): encoding is the whole cost of a first FAQ visit (~900 texts, 14 s of 21 s on
    the Apple 2014 store, `bench/faq_latency.py`), clustering and JSON ~0.1 s. It encodes `WARM_CHUNK` texts at a
    time and stops between them once `stop` is set, so a shutdown (Ctrl+C) waits for one chunk, not all."""
    texts = [normalize(m.text) for mentions, _ in posts.sections.values() for m in mentions]
    done = 0
    for start in range(0, len(texts), WARM_CHUNK):
        with lock:  # per chunk: a request for the page is not held behind the whole warm-up
            if stop is not None and stop.is_set():
                break
            before = embeddings.encoded
            embeddings.for_texts(texts[start : start + WARM_CHUNK])
            done += embeddings.encoded - before
    return done


@contextmanager
def model_answer() -> Iterator[None]:
    """The encoder unable to run in this install (its cache cannot be written, a package is missing:
    `ModelUnavailable`) answers 503 with its one line, which says what to set or install, not a bare 500."""
    try:
        yield
    except ModelUnavailable as exc:
        log.warning("the FAQ cannot encode posts: %s", exc)
        raise ApiError(f"the FAQ cannot group posts on this server: {exc}", status=503) from None


def faq_groups(
    posts: Posts, period: Period, embeddings: SentenceEmbeddings, n: int, min_count: int, examples: int
) -> dict[str, Any]:
    """/api/faq: per section, the recurring groups (label, count, languages, example posts, ids of all their
    posts, distinct texts, theme and the other groups of it) and how many posts of that intent the period has,
    how many were clustered (the newest `max_posts`), grouped, and how many stand alone; `untagged`: the period's
    posts with no intent tag yet, which no section holds."""
    out: dict[str, Any] = {"period": _period(period), "untagged": posts.untagged}
    for intent, name in SECTIONS:
        mentions, total = posts.sections[name]
        with model_answer():
            found = group(mentions, total, intent, embeddings, min_count=min_count, n=n, examples=examples,
                          parents=posts.parents)
        out[name] = _json(found)
    return out


def faq_group(posts: Posts, period: Period, embeddings: SentenceEmbeddings, min_count: int, group_id: str) -> dict:
    """/api/faq?group=<id>: the group of either section whose label post is `group_id`, with all its posts
    (newest first). A 404 when the view has no such group (new posts since the page loaded may regroup them)."""
    for intent, name in SECTIONS:
        mentions, total = posts.sections[name]
        with model_answer():
            found = group(mentions, total, intent, embeddings, min_count=min_count, n=len(mentions), examples=0,
                          parents=posts.parents)
        for g in found.groups:
            if g.id == group_id:
                by_id = {m.id: m for m in mentions}
                return {"period": _period(period), "section": name, "group": _group_json(g),
                        "posts": [by_id[i] for i in g.ids]}
    raise ApiError(
        f"no FAQ group {group_id!r} in this view: reload the FAQ page (new posts may have regrouped them)",
        status=404, param="group",
    )


def group_json(found: dict) -> dict[str, Any]:
    """`faq_group`'s answer as JSON: its posts as mention cards."""
    return {**found, "posts": [mention_json(m) for m in found["posts"]]}


def group_csv(found: dict) -> str:
    """`faq_group`'s posts as CSV: the columns, rows and cell rule of Explore's export (`export.csv_rows`)."""
    posts: list[Mention] = found["posts"]
    return "".join(export_rows.csv_rows(_Listed(posts), Filters(), len(posts)))  # type: ignore[arg-type]


class _Listed:
    """Posts already read, as `export.csv_rows` reads a store (`iter_mentions`): given order, no filtering."""

    def __init__(self, posts: list[Mention]) -> None:
        self.posts = posts

    def iter_mentions(self, filters: Filters) -> Iterator[Mention]:
        return iter(self.posts)


def _period(period: Period) -> dict[str, str]:
    return {"since": period.since.isoformat(), "until": period.until.isoformat()}


def _group_json(g: Group) -> dict[str, Any]:
    return {
        "id": g.id,
        "label": g.label,
        "count": g.count,
        "distinct": g.distinct,
        "langs": g.langs,
        "theme": g.theme,
        "related": _related(g.related),
        "ids": g.ids,
    }


def _related(others: list[Group]) -> dict[str, Any] | None:
    """The other groups of a group's theme: how many, their posts and languages, and the largest few by name."""
    if not others:
        return None
    langs: Counter[str] = Counter()
    for o in others:
        langs.update(o.langs)
    return {
        "groups": len(others),
        "posts": sum(o.count for o in others),
        "langs": dict(langs.most_common()),
        "largest": [{"id": o.id, "label": o.label, "count": o.count, "langs": o.langs} for o in others[:RELATED]],
    }


def _json(found: Recurring) -> dict[str, Any]:
    return {
        "intent": found.intent,
        "total": found.total,
        "clustered": found.posts,
        "max_posts": MAX_POSTS,
        "ungrouped": found.ungrouped,
        "found": found.found,
        "groups": [{**_group_json(g), "examples": [mention_json(m) for m in g.examples]} for g in found.groups],
    }
