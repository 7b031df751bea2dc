"""What an upgrade leaves to the data: intent tags and spam flags for posts stored before they existed.

Opening a store brings its format up to date (indexing/); the labels themselves come from passes over the
stored posts. Each `groundswell run` (after its spam step) does one bounded slice of each, and
`groundswell maintain` one bigger slice of the spam pass (intent tags need the encoder the run has loaded), so
a big store catches up over a few runs without stalling one:

- intents: up to `INTENTS_PER_PASS` enriched, untagged posts, oldest first, tagged with the enrich step's rule
  (groundswell/intents_backfill.py, as `groundswell store tag-intents`);
- spam: the stored posts from the oldest on, one `SPAM_WINDOW` at a time, until `SPAM_POSTS_PER_PASS` were
  examined, each window through `groundswell.spam.flag_spam` (the run's rule, the same 24 h look-around), up to
  the moment the backfill began (what came later the run's own spam step examined).

Where each got to is kept in the store's state (`STATE_PREFIX`); once nothing is left it says so, and a later
pass costs one state read (intents: and one count of the enriched posts without a tag while `nlp.intents` is on, so
posts enriched while it was off are tagged once it is on again). A store the first run filled from empty is marked
done at once (intents only when the run tagged them: `nlp.intents` on). Idempotent:
flags are sticky and only untagged posts are tagged, so a pass killed part-way is run again safely.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from core.time import as_utc
from groundswell.config import Config
from groundswell.intents_backfill import tag_intents_slice, untagged_enriched
from groundswell.own_accounts import own_accounts
from groundswell.spam import SpamReport, flag_spam
from indexing.base import Filters, Store
from nlp.embeddings import SentenceEmbeddings

STATE_PREFIX = "upgrade-backfill:"
INTENTS_KEY = STATE_PREFIX + "intents"
SPAM_KEY = STATE_PREFIX + "spam"
INTENTS_PER_PASS = 2_000  # about 23 s: 87 posts/s on 2 cores at load average 3.6, 96% of it the encoder
INTENT_POSTS_PER_S = 87  # (bench/intents_backfill.py, bench/results/intents_backfill.json): for the log's estimate
SPAM_POSTS_PER_PASS = 20_000  # posts read by the spam detector per pass (windows with their look-around)
MAINTAIN_SPAM_POSTS = 5 * SPAM_POSTS_PER_PASS  # `groundswell maintain` runs off-hours: bigger slices
SPAM_WINDOW = timedelta(days=1)

log = logging.getLogger(__name__)


def catch_up(
    config: Config, store: Store, *, now: datetime | None = None, embeddings: SentenceEmbeddings | None = None,
    fresh: bool = False, intents_limit: int = INTENTS_PER_PASS, spam_limit: int = SPAM_POSTS_PER_PASS,
) -> dict[str, Any]:
    """One slice of each backfill; what it did, for the run summary. `fresh`: every stored post came in this
    run (the run's own steps examined them all), so both are marked done without a pass."""
    now = now or datetime.now(UTC)
    if fresh:
        # Intent tags only when the run tagged them (`nlp.intents` on); off, the posts stay untagged until it is on.
        keys = (INTENTS_KEY, SPAM_KEY) if config.nlp.intents else (SPAM_KEY,)
        for key in keys:
            if _read(store, key).get("done") is not True:
                _write(store, key, {"done": True, "at": as_utc(now).isoformat(), "fresh": True})
        intents = {"done": True} if config.nlp.intents else {"done": False, "skipped": "nlp.intents is off"}
        return {"intents": intents, "spam": {"done": True}}
    return {"intents": backfill_intents(config, store, embeddings=embeddings, limit=intents_limit),
            "spam": backfill_spam(config, store, now=now, limit=spam_limit)}


def backfill_intents(config: Config, store: Store, *, embeddings: SentenceEmbeddings | None = None,
                     limit: int = INTENTS_PER_PASS) -> dict[str, Any]:
    """Tag one slice of the enriched posts that have no intent tag; {"tagged", "remaining", "done"}. Done is
    re-checked (one count) while tags are on: posts enriched while `nlp.intents` was off, after the backfill had
    finished, are tagged from the oldest on."""
    if not config.nlp.intents:  # tags are off: nothing to catch up with (yet); turned on, the backfill resumes
        state = _read(store, INTENTS_KEY)
        return {"done": True} if state.get("done") is True else {"done": False, "skipped": "nlp.intents is off"}
    state = _read(store, INTENTS_KEY)
    left = untagged_enriched(store)
    if state.get("done") is True:
        if not left:
            return {"done": True}
        log.info("upgrade backfill: %d enriched post(s) have no intent tag (enriched while nlp.intents was off): "
                 "tagging them again from the oldest", left)
        state = {}
    since = _moment(state.get("through"))
    if left:
        log.info("upgrade backfill: tagging the intent of up to %d of %d older post(s) without one: about %d s",
                 min(limit, left), left, max(1, min(limit, left) // INTENT_POSTS_PER_S))
    report, through, exhausted = tag_intents_slice(config, store, since, limit, embeddings=embeddings)
    remaining = max(0, left - report.tagged)
    done = exhausted or remaining == 0
    _write(store, INTENTS_KEY, {"done": done, "through": through.isoformat() if through else None})
    if report.tagged or done:
        log.info("upgrade backfill: tagged the intent of %d older post(s); %d left%s", report.tagged, remaining,
                 " (done)" if done else "")
    return {"tagged": report.tagged, "remaining": remaining, "done": done}


def backfill_spam(config: Config, store: Store, *, now: datetime, limit: int = SPAM_POSTS_PER_PASS) -> dict[str, Any]:
    """Examine one slice of the stored posts for spam with the run's rule; {"examined", "flagged", "remaining",
    "done"}. The first pass fixes the end: `now` (later posts are the run's own spam step's)."""
    state = _read(store, SPAM_KEY)
    if state.get("done") is True:
        return {"done": True}
    end = _moment(state.get("end")) or as_utc(now)
    through = _moment(state.get("through"))
    own = own_accounts(config)
    report, finished = SpamReport(), False
    announced = False
    while report.examined < limit:
        first = next(iter(store.iter_mentions(Filters(since=through, until=end, include_spam=True))), None)
        if first is None:
            finished = True
            break
        if not announced:
            left = store.count(Filters(since=first.created_at, until=end, include_spam=True))
            log.info("upgrade backfill: examining older posts for spam, %d left from %s, up to %d this pass",
                     left, first.created_at.isoformat(), limit)
            announced = True
        start = first.created_at
        stop = min(start + SPAM_WINDOW, end)
        report = report.add(flag_spam(store, start, stop, own=own))
        through = stop
        # Saved per window: a pass killed part-way goes on from here (flags are sticky, so re-examining is harmless).
        _write(store, SPAM_KEY, {"done": False, "end": end.isoformat(), "through": through.isoformat()})
    remaining = 0 if finished else store.count(Filters(since=through, until=end, include_spam=True))
    done = finished or remaining == 0
    _write(store, SPAM_KEY, {"done": done, "end": end.isoformat(), "through": through.isoformat() if through else None})
    if report.examined or done:
        log.info("upgrade backfill: examined %d older post(s) for spam (with their 24 h around), flagged %d; "
                 "%d left%s", report.examined, report.flagged + report.own_posts, remaining, " (done)" if done else "")
    return {"examined": report.examined, "flagged": report.flagged, "own_posts": report.own_posts,
            "remaining": remaining, "done": done}


def _read(store: Store, key: str) -> dict[str, Any]:
    raw = store.get_state(key)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        log.warning("upgrade backfill: unreadable state %s=%r: starting that backfill over", key, raw[:80])
        return {}
    return value if isinstance(value, dict) else {}


def _write(store: Store, key: str, value: dict[str, Any]) -> None:
    store.set_state(key, json.dumps(value))


def _moment(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(raw))
    except ValueError:
        return None
