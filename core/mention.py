"""The one record every source produces and every later stage reads: a `Mention`."""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.lang_tags import lang_tag
from core.time import as_utc

SentimentLabel = Literal["negative", "neutral", "positive"]
SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
IntentLabel = Literal["question", "complaint", "praise", "suggestion", "purchase_intent", "other"]
INTENT_LABELS: tuple[str, ...] = ("question", "complaint", "praise", "suggestion", "purchase_intent", "other")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_unicode(value: object) -> object:
    """Lone surrogates (a JSON "\\ud800", a post cut mid-emoji) cannot be stored, exported or tokenised: U+FFFD
    instead, in a string or anywhere inside a dict or list (a parsed JSON row)."""
    if isinstance(value, str) and _LONE_SURROGATE.search(value):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {valid_unicode(k): valid_unicode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [valid_unicode(v) for v in value]
    return value


# The largest follower or interaction count a mention carries: far above any real account or post (10^12;
# the largest accounts have a few 10^8 followers), and low enough that the stores' 64-bit sums over millions
# of posts (totals, top authors, reach) stay far from overflowing. A larger count (a malformed payload, or a
# post stored before this bound) is read as this one: capped, never refused, so a stored post stays readable.
MAX_COUNT = 10**12


def _capped(value: int | None) -> int | None:
    return min(value, MAX_COUNT) if value is not None else None


class Author(BaseModel):
    """Who wrote the post, as far as the source tells."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _unicode(cls, value: object) -> object:
        return valid_unicode(value)

    id: str | None = None
    handle: str | None = None
    name: str | None = None
    followers: int | None = Field(default=None, ge=0)

    @field_validator("followers")
    @classmethod
    def _cap(cls, value: int | None) -> int | None:
        return _capped(value)


class Engagement(BaseModel):
    """Public interaction counts; None where the source does not report one."""

    model_config = ConfigDict(extra="ignore")

    likes: int | None = Field(default=None, ge=0)
    reposts: int | None = Field(default=None, ge=0)
    replies: int | None = Field(default=None, ge=0)
    quotes: int | None = Field(default=None, ge=0)

    @field_validator("likes", "reposts", "replies", "quotes")
    @classmethod
    def _cap(cls, value: int | None) -> int | None:
        return _capped(value)

    @property
    def total(self) -> int:
        return sum(v or 0 for v in (self.likes, self.reposts, self.replies, self.quotes))


# `Sentiment.model` of a label a person set (an analyst's correction, an audit's answer): not a model build.
# The store keeps it over any model's later label (indexing.base.keep_enrichment), re-enrich leaves it, and
# the "labels from several models" notes do not count it as one.
ANALYST = "analyst"
# `Sentiment.model` of a label a team's sentiment rule gave: "rule:<name>#<digest>" (groundswell/sentiment_rules.py).
# No model build either: audits and the "labels from several models" notes leave it out.
RULE_PREFIX = "rule:"

# extra[DATED_BY] == COLLECTED: the source gave the post no time, so `created_at` is when it was collected
# (extractors/rss.py, `undated: collected`). Collected again later it arrives with a later time; stores
# keep the first (indexing.base.merge_stored), and a store that files posts by time looks for it elsewhere.
DATED_BY = "dated_by"
COLLECTED = "collected"


class Sentiment(BaseModel):
    """Sentiment as tagged by a model, with the class probabilities it gave (or as a person set it: ANALYST)."""

    label: SentimentLabel
    probs: dict[str, float]
    model: str
    uncertain: bool = False

    @property
    def by_analyst(self) -> bool:
        """A person set this label (`analyst_label`), no model."""
        return self.model == ANALYST

    @property
    def by_rule(self) -> bool:
        """A team's sentiment rule gave this label, no model."""
        return self.model.startswith(RULE_PREFIX)

    @property
    def rule_name(self) -> str | None:
        """The name of the sentiment rule that gave this label (None: no rule gave it)."""
        return self.model.removeprefix(RULE_PREFIX).split("#", 1)[0] if self.by_rule else None

    @property
    def by_model(self) -> bool:
        """A model build gave this label: neither a person nor a rule."""
        return not (self.by_analyst or self.by_rule)


def analyst_label(label: str) -> Sentiment:
    """The sentiment a person set: their label, certain (probability 1), model ANALYST.

    Raises ValueError for a label that is not one of SENTIMENT_LABELS."""
    if label not in SENTIMENT_LABELS:
        raise ValueError(f"unknown sentiment {label!r}; use one of {', '.join(SENTIMENT_LABELS)}")
    return Sentiment(label=label, probs={name: float(name == label) for name in SENTIMENT_LABELS}, model=ANALYST)


def model_builds(by_model: dict[str, int]) -> dict[str, int]:
    """A store's facet of `Sentiment.model` without what is no model build: labels people set (ANALYST),
    labels sentiment rules gave (RULE_PREFIX) and mentions with no label ("unknown")."""
    return {name: n for name, n in by_model.items()
            if name not in (ANALYST, "unknown") and not name.startswith(RULE_PREFIX)}


def label_sources(by_model: dict[str, int]) -> dict[str, int]:
    """A store's facet of `Sentiment.model` as who gave the labels: {"model": any model build, "people": a
    person's correction (ANALYST), "rules": a sentiment rule (RULE_PREFIX)}; mentions with no label are left out."""
    out = {"model": 0, "people": 0, "rules": 0}
    for name, n in by_model.items():
        if name == "unknown":
            continue
        out["people" if name == ANALYST else "rules" if name.startswith(RULE_PREFIX) else "model"] += n
    return out


def spam_reason(value: str | None) -> str | None:
    """The one shape of a spam flag (`Mention.spam`): a reason, or None for "not spam". A blank reason ("", spaces)
    is no flag: one rule, so every store and detector reads it alike (a store's raw rows call this too)."""
    return value if value is not None and value.strip() else None


def _utc(value: datetime) -> datetime:
    try:
        return as_utc(value)  # naive timestamps from exports are UTC, never local time
    except OverflowError:
        # e.g. 0001-01-01T00:00:00+01:00 is before datetime.min in UTC: a bad value, not a crash.
        raise ValueError(f"{value.isoformat()} is outside the dates UTC can represent") from None


class Mention(BaseModel):
    """A post that mentions a monitored brand, from any source.

    `id` is `"<source>:<native_id>"`: stable across re-runs, so every store can
    upsert by it and a second collection of the same post never duplicates it.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = ""
    source: str = Field(min_length=1)
    native_id: str = Field(min_length=1)
    url: str | None = None
    text: str
    created_at: datetime
    collected_at: datetime | None = None
    author: Author = Field(default_factory=Author)
    engagement: Engagement = Field(default_factory=Engagement)
    # Every monitored brand the post belongs to (sorted, unique): a post naming two brands counts
    # for both. `matches` says why: brand -> the query it matched. Set by `groundswell.brands`.
    brands: list[str] = Field(default_factory=list)
    matches: dict[str, str] = Field(default_factory=dict)
    lang: str | None = None
    # Enrichment, filled by the NLP chain; None/empty until then.
    sentiment: Sentiment | None = None
    themes: list[str] = Field(default_factory=list)
    # Per brand, the labels of the themes the themes step clustered this post into for that brand: its top-level
    # theme first, then its aspect (groundswell/themes_step.py). Two brands of one post keep their own themes, so
    # a brand's theme figures never count another brand's clusters. `themes` is the union (plus labels stored
    # before this field, of no known brand).
    brand_themes: dict[str, list[str]] = Field(default_factory=dict)
    # What the post is for (nlp/intents.py): question/support request, complaint, praise/advocacy,
    # suggestion/feature request, purchase_intent or other; None = not tagged (intents off, or before them).
    intent: IntentLabel | None = None
    # The Mention id ("<source>:<native_id>") of the post this one replies to; None for a thread's start
    # or where the source does not say (response times, alerts.response).
    reply_to: str | None = None
    # Why the spam detector (nlp/spam.py) flagged this post ("copy-paste campaign: 37 authors, 12 min"); None = not
    # spam. Stores leave flagged mentions out of counts unless asked (`indexing.base.Filters.include_spam`).
    spam: str | None = None
    # Source-specific facts worth keeping (conversation id, reposted post id, ...).
    extra: dict[str, str | int | float | bool | None] = Field(default_factory=dict)

    @field_validator("*", mode="before")
    @classmethod
    def _unicode(cls, value: object) -> object:
        return valid_unicode(value)

    @model_validator(mode="before")
    @classmethod
    def _legacy_brand(cls, data: Any) -> Any:
        """Records written before multi-brand mentions carry `brand`/`query`: read them as `brands`/`matches`."""
        if not isinstance(data, dict) or ("brand" not in data and "query" not in data):
            return data
        data = dict(data)
        brand, query = data.pop("brand", None), data.pop("query", None)
        if brand:
            data["brands"] = [*(data.get("brands") or []), brand]
            if query:
                data["matches"] = {brand: query, **(data.get("matches") or {})}
        return data

    @field_validator("lang")
    @classmethod
    def _lang(cls, value: str | None) -> str | None:
        """One spelling per language (`ko-KR`, `KO` → `ko`; core/lang_tags.py), whatever the source wrote."""
        return lang_tag(value)

    @field_validator("spam")
    @classmethod
    def _spam(cls, value: str | None) -> str | None:
        """`spam_reason`: a blank reason (an import's empty column) is not spam, on every store."""
        return spam_reason(value)

    @field_validator("brands")
    @classmethod
    def _sorted_brands(cls, value: list[str]) -> list[str]:
        return sorted({b for b in value if b})

    @field_validator("created_at", "collected_at")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _utc(value)

    @model_validator(mode="after")
    def _stable_id(self) -> Mention:
        expected = make_id(self.source, self.native_id)
        if not self.id:
            self.id = expected
        elif self.id != expected:
            raise ValueError(f"id {self.id!r} must be '<source>:<native_id>' = {expected!r}")
        return self

    @property
    def dated_when_collected(self) -> bool:
        """The source gave no time: `created_at` is when the post was collected (`DATED_BY`)."""
        return self.extra.get(DATED_BY) == COLLECTED

    @property
    def enriched(self) -> bool:
        return self.sentiment is not None

    @property
    def reach(self) -> int:
        """Followers of the author plus engagement: a rough 'how many saw it'."""
        return (self.author.followers or 0) + self.engagement.total

    def with_brands(self, brands: Iterable[str], matches: dict[str, str] | None = None) -> Mention:
        """This mention with `brands` added (and `matches`: brand -> the query it matched, which
        replaces an older reason for that brand). Never removes a brand; returns self when nothing changes."""
        union = sorted({*self.brands, *brands, *(matches or {})})
        reasons = {**self.matches, **(matches or {})}
        if union == self.brands and reasons == self.matches:
            return self
        return self.model_copy(update={"brands": union, "matches": reasons})

    def dedup_key(self) -> str:
        """Key that is equal for copies of the same post across sources.

        Same canonical URL, or the same normalised text (reposts, retweets,
        cross-posts) give the same key.
        """
        return dedup_key(self.text, self.url)


def make_id(source: str, native_id: str) -> str:
    return f"{source}:{native_id}"


def split_id(ident: str, sources: Iterable[str]) -> tuple[str, str] | None:
    """The (source, native_id) that `make_id` made `ident` from, when it begins with one of `sources` (the caller
    knows which sources exist), whole, then ':' and a native id; None for any other id (`12:34`,
    `https://x.com/a/status/1`, `777`): such an id is a native id, not one of ours, and splitting it would cut it
    (a URL's native id would be `//x.com/...`). A source name may hold ':' itself (`agency:acme`), so the id is
    not cut at its first ':'; the longest source that fits wins."""
    for source in sorted(set(sources), key=len, reverse=True):
        if source and ident.startswith(source + ":") and len(ident) > len(source) + 1:
            return source, ident[len(source) + 1 :]
    return None


# A retweet-style prefix, 'RT @handle:' (handles with dots too: Bluesky, Mastodon): the one rule of what a
# repost's text looks like, for its fingerprint here and for groundswell/copies.py.
RT_PREFIX = re.compile(r"^\s*RT\s+@[\w.-]+(?:@[\w.-]+)?:\s*", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")


def is_repost(mention: Mention) -> bool:
    """Marked (`extra.repost_of`) or written (`RT_PREFIX`) as a repost: the one rule for collection's copies
    (`groundswell/copies.py`) and the backtest's shares (`alerts/backtest_shares.py`)."""
    return is_repost_of(mention.text, mention.extra.get("repost_of"))


def is_repost_of(text: str | None, repost_of: object) -> bool:
    """`is_repost` from the stored fields alone (a store's query reads these, not a Mention)."""
    return bool(repost_of) or bool(RT_PREFIX.match(text or ""))


def own_engagement(text: str | None, repost_of: object, engagement: int) -> int:
    """The engagement a post earned itself: 0 for a repost, whose counts are the original's (X gives a retweet
    the original's `public_metrics`), so a retweeter is never credited with them; rankings of authors and of
    posts sum this."""
    return 0 if is_repost_of(text, repost_of) else engagement


_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fingerprint_text(text: str) -> str:
    """The text a fingerprint is taken of: case, URLs, a leading 'RT @x:', punctuation and spaces removed."""
    norm = RT_PREFIX.sub("", text)
    norm = _URL.sub(" ", norm)
    return _NON_WORD.sub(" ", norm).strip().lower()


def dedup_key(text: str, url: str | None = None) -> str:
    """Text fingerprint: the hash of `fingerprint_text` (of the URL for a post without words)."""
    norm = fingerprint_text(text)
    if not norm and url:
        norm = url.strip().lower().rstrip("/")
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:20]


# X cuts a retweet's text to fit 140 characters with the "RT @handle: " prefix, ending it with an ellipsis ('…',
# '...' in older clients); the rest of the story is only in the original.
_CUT = re.compile(r"(?:…|\.\.\.)\s*$")
# How long a retweet X cut is: 140 characters as X counted them, an HTML entity ('&amp;') as one. Every retweet
# ending in an ellipsis in the GOP debate stream is 140 so counted (2,682 of them; 140 to 153 code points as stored)
# or at most 136 (10, all the author's own '...': `python -m tools.brands.cut_retweets`). Two of slack for a
# character counted otherwise.
CUT_LENGTH = 138
# The longest last word a cut may have split ('politi…', 'https://t.co/p9…': a link X shortened is 23): a longer
# last "word" is a run of a script written without spaces (Japanese, Thai), which the cut splits at a character.
_LAST_WORD = 24


def reposted_author(text: str) -> str | None:
    """The handle a `RT @handle:` prefix names (lower-cased, without '@'): the author of the reposted post."""
    prefix = RT_PREFIX.match(text)
    return prefix.group(0).strip().split("@", 1)[1].rstrip(":").strip().casefold() if prefix else None


def x_length(text: str) -> int:
    """A text's length as X counted it for its 140-character limit: code points, an HTML entity as one."""
    return len(unicodedata.normalize("NFC", html.unescape(text)))


def ends_in_ellipsis(text: str) -> bool:
    """Whether a text ends with '…' or '...' (trailing spaces aside): how X ends a retweet it cut, or the author's."""
    return bool(_CUT.search(text))


def is_cut_repost(text: str) -> bool:
    """A `RT @x:` text X cut short: it ends with an ellipsis and is about as long as X's limit (`CUT_LENGTH`). A
    shorter one ending in '...' is the author's own, whole."""
    return bool(RT_PREFIX.match(text)) and ends_in_ellipsis(text) and x_length(text.rstrip()) >= CUT_LENGTH


def story_text(text: str) -> str:
    """`fingerprint_text` of what a post says for sure: for a repost cut short (`is_cut_repost`), without the
    ellipsis and what the cut may have split: the last word ('politi…', 'http://t.c…'), or in a script without
    spaces, where the last "word" is long, its last two characters (dropping the word would drop the story)."""
    if is_cut_repost(text):
        text = _CUT.sub("", text).rstrip()
        last = text.rsplit(None, 1)[-1] if text.split() else ""
        if len(last) > _LAST_WORD:
            text = text[:-2]
        else:
            text = text.rsplit(None, 1)[0] if len(text.split()) > 1 else ""
    return fingerprint_text(text)


# -- the JSONL mention format: one `Mention` per line, written by dashboard exports, the extractor CLI
# and the dead-letter file; read by the import source and `alerts backtest`. One writer, one reader.
def mention_record(mention: Mention) -> dict[str, Any]:
    """A mention as a JSON-ready dict (ISO-8601 UTC times, every field): the body of one JSONL line."""
    return mention.model_dump(mode="json")


def dump_mention(mention: Mention) -> str:
    """One line of the JSONL mention format (no trailing newline)."""
    return json.dumps(mention_record(mention), ensure_ascii=False)


def load_mention(data: str | bytes | dict[str, Any]) -> Mention:
    """A mention from one JSONL line (or its parsed object).

    Raises ValueError: `json.JSONDecodeError` for a line that is not JSON, pydantic's
    `ValidationError` (a ValueError) for an object that is not a valid mention.
    """
    record = json.loads(data) if isinstance(data, str | bytes) else data
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    return Mention.model_validate(record)


# A tombstone: what an extractor yields for a post the platform says is deleted or removed (a Reddit comment whose
# body is now "[deleted]"), in place of skipping it, so collection can delete the copy it stored. Its id is the
# post's; it carries no text or author, and is never stored (`groundswell/pipeline.py` takes it out of the batch).
DELETED = "deleted"


def tombstone(source: str, native_id: str, created_at: datetime) -> Mention:
    """The tombstone of the post `source`/`native_id` (module note above `DELETED`)."""
    return Mention(source=source, native_id=native_id, text="", created_at=created_at, extra={DELETED: True})


def is_tombstone(mention: Mention) -> bool:
    """Whether `mention` is a tombstone: the platform deleted or removed the post."""
    return mention.extra.get(DELETED) is True
