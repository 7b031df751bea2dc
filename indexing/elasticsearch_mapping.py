"""Index layout for the Elasticsearch store: names, the index template, and Mention <-> document.

Mentions live in monthly indices `<prefix>-mentions-YYYY.MM` (month of `created_at`, UTC),
all created from one composable index template that also puts them behind the read alias
`<prefix>-mentions`. See docs/elasticsearch.md for why monthly indices and not ILM/data streams.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from core.mention import Mention, own_engagement
from core.query import search_document
from core.query.document import VERSION as SEARCH_DOCUMENT_VERSION
from core.time import as_utc
from indexing.elasticsearch_themes import DERIVED as THEME_DERIVED
from indexing.elasticsearch_themes import MAIN_THEMES, THEME_KEYS, THEME_MAPPING
from indexing.theme_rows import main_theme_labels, theme_key, theme_rows

# Built-in language analyzers (module `analysis-common`) used as multi-fields of `text`.
# `text` itself uses the `standard` analyzer: Groundswell's boolean query compiler
# (`indexing.elasticsearch_query.to_elasticsearch`) is written for its tokens, in every language.
LANGUAGE_ANALYZERS = {
    "en": "english",
    "ru": "russian",
    "it": "italian",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "cjk": "cjk",  # Chinese/Japanese/Korean bigrams
}

# Text queries run on `text_folded_v<N>`: `search_document(text)`, the folded tokens (and `#tag`/`@handle`
# tokens) the local matcher and the SQLite FTS index compare, split by the core `whitespace` analyzer.
# Folding in Python, not with an `asciifolding` filter, keeps one folding rule for every store and needs
# no `analysis-common` module (which the integ-test-zip test node does not have).
# The name carries the document format (`core.query.document.VERSION`): an index written with an older
# format lacks the field, so `elasticsearch_migrate.add_search_field` maps and fills it on open, the
# same way it brought in the first one. Queries never read an older field.
SEARCH_FIELD = f"text_folded_v{SEARCH_DOCUMENT_VERSION}"
SEARCH_FIELD_MAPPING = {"type": "text", "analyzer": "whitespace"}
# Search fields of older formats: still in the documents of migrated indices, dropped when read.
OLD_SEARCH_FIELDS = ("text_folded", "text_folded_v2", "text_folded_v3", "text_folded_v4", "text_folded_v5")

# A post's own engagement (`core.mention.own_engagement`: 0 for a repost, whose counts are the original's): what
# top authors sum. Derived because a repost is told by `extra.repost_of`, which is not indexed; indices from
# before it get it on open (`elasticsearch_migrate.add_own_engagement`).
OWN_ENGAGEMENT_FIELD = "own_engagement"

# Fields we add to the document beside the Mention's own (for sorting/aggregations/search);
# removed again when a document is read back into a Mention.
DERIVED_TOP = ("reach", "dedup_key", OWN_ENGAGEMENT_FIELD, SEARCH_FIELD, *OLD_SEARCH_FIELDS, *THEME_DERIVED)

# Every brand a mention belongs to, as a keyword array: a `terms` filter and a `terms` aggregation
# count a mention once per brand natively. `matches` (brand -> query) has brand names as keys, so it
# is kept in _source only (no mapping explosion). They replaced `brand`/`query` (elasticsearch_migrate.py).
BRANDS_MAPPING: dict[str, Any] = {
    "brands": {"type": "keyword", "ignore_above": 1024},
    "matches": {"type": "object", "enabled": False},
}

_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_-]{0,100}$")

_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_LONG = {"type": "long"}
_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}


def check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):  # fullmatch: '$' lets a final '\n' by
        raise ValueError(f"index_prefix {prefix!r} must be lowercase letters, digits, '-' or '_'")
    return prefix


def read_alias(prefix: str) -> str:
    return f"{prefix}-mentions"


def index_pattern(prefix: str) -> str:
    return f"{prefix}-mentions-*"


def month_index(prefix: str, created_at: datetime) -> str:
    """The concrete index a mention is written to. created_at never changes for a post, so neither does this."""
    ts = as_utc(created_at)
    return f"{prefix}-mentions-{ts.year:04d}.{ts.month:02d}"


def parse_month(prefix: str, index: str) -> tuple[int, int] | None:
    match = re.fullmatch(re.escape(prefix) + r"-mentions-(\d{4})\.(\d{2})", index)
    return (int(match.group(1)), int(match.group(2))) if match else None


def state_index(prefix: str) -> str:
    return f"{prefix}-state"


REPLY_FIELD = "reply_to"
REPLY_FIELD_MAPPING = _KEYWORD


def mentions_mappings(language_analyzers: bool = True, icu: bool = False) -> dict[str, Any]:
    """Explicit mappings; `dynamic: strict` so a field we did not plan for is an error, not a surprise."""
    text_fields: dict[str, Any] = {}
    if language_analyzers:
        text_fields = {name: {"type": "text", "analyzer": analyzer} for name, analyzer in LANGUAGE_ANALYZERS.items()}
    if icu:
        text_fields["icu"] = {"type": "text", "analyzer": "icu_analyzer"}
    text: dict[str, Any] = {"type": "text", "analyzer": "standard"}
    if text_fields:
        text["fields"] = text_fields
    count = _LONG
    return {
        "dynamic": "strict",
        "properties": {
            "id": _KEYWORD,
            "source": _KEYWORD,
            "native_id": _KEYWORD,
            "url": _STORED_ONLY,
            "text": text,
            SEARCH_FIELD: SEARCH_FIELD_MAPPING,
            # Still mapped: during a rolling upgrade an older writer sends them, and the mapping is strict.
            **{old: SEARCH_FIELD_MAPPING for old in OLD_SEARCH_FIELDS},
            "created_at": {"type": "date"},
            "collected_at": {"type": "date"},
            "author": {
                "properties": {
                    "id": _KEYWORD,
                    "handle": _KEYWORD,
                    "name": {"type": "text", "fields": {"keyword": _KEYWORD}},
                    "followers": count,
                }
            },
            "engagement": {
                "properties": {"likes": count, "reposts": count, "replies": count, "quotes": count, "total": count}
            },
            "reach": count,
            OWN_ENGAGEMENT_FIELD: count,
            "dedup_key": _KEYWORD,
            **BRANDS_MAPPING,
            "lang": _KEYWORD,
            "sentiment": {
                "properties": {
                    "label": _KEYWORD,
                    "probs": {"type": "object", "enabled": False},
                    "model": _KEYWORD,
                    "uncertain": {"type": "boolean"},
                }
            },
            **THEME_MAPPING,  # themes, and per brand (indexing/elasticsearch_themes.py)
            REPLY_FIELD: REPLY_FIELD_MAPPING,  # the parent post's mention id (alerts.response)
            SPAM_FIELD: _KEYWORD,  # nlp/spam.py's reason; absent/null = not spam
            INTENT_FIELD: _KEYWORD,  # nlp/intents.py's tag; absent/null = not tagged
            # Source-specific facts of any shape: kept in _source, not indexed (no mapping explosion).
            "extra": {"type": "object", "enabled": False},
        },
    }


SPAM_FIELD = "spam"
INTENT_FIELD = "intent"


def mentions_template(prefix: str, language_analyzers: bool = True, icu: bool = False) -> dict[str, Any]:
    """Body of `PUT _index_template/<prefix>-mentions`."""
    return {
        "index_patterns": [index_pattern(prefix)],
        "priority": 200,
        "template": {
            "settings": {
                # One shard per month is plenty up to tens of millions of mentions a month; a replica
                # wherever a second node exists (0 on a single node, so it stays green).
                "number_of_shards": 1,
                "auto_expand_replicas": "0-1",
                "refresh_interval": "1s",
            },
            "mappings": mentions_mappings(language_analyzers, icu),
            "aliases": {read_alias(prefix): {}},
        },
        "_meta": {"owner": "groundswell", "description": "Groundswell mentions, one index per month"},
    }


# A state key is listed by prefix (`state_items`) through this field, so it must be indexed whatever its
# length (a copy key holds a whole URL): Lucene's term limit is 32,766 bytes, 8,191 characters of 4 bytes.
STATE_KEY = {"type": "keyword", "ignore_above": 8191}
STATE_MAPPINGS = {
    "dynamic": "strict",
    "properties": {"key": STATE_KEY, "value": _STORED_ONLY, "updated_at": {"type": "date"}},
}


def field_paths(mappings: dict[str, Any] | None = None) -> set[str]:
    """Every field name a query or a Kibana object can use, multi-fields included (`text.en`)."""
    out: set[str] = set()

    def walk(props: dict[str, Any], prefix: str) -> None:
        for name, spec in props.items():
            path = prefix + name
            if "properties" in spec:
                walk(spec["properties"], path + ".")
                continue
            out.add(path)
            for sub in spec.get("fields", {}):
                out.add(f"{path}.{sub}")

    walk((mappings or mentions_mappings(icu=True))["properties"], "")
    return out


MAX_ID_BYTES = 512  # Elasticsearch refuses a longer _id, and with it the whole bulk request or mget


def doc_id(key: str) -> str:
    """The `_id` of a mention (its `Mention.id`) or state entry (its key): the key itself, or for a key longer
    than an `_id` may be (a 672-character article URL as a post's native id) "sha256:" and its SHA-256. The full
    key stays in the document (`id`, `key`), which reads take it from. Keys that fit are unchanged, so what was
    written before this rule is found. Every write, read, lookup and delete by id goes through here."""
    if len(key.encode()) <= MAX_ID_BYTES:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def to_document(mention: Mention) -> dict[str, Any]:
    doc = mention.model_dump(mode="json")
    doc["engagement"]["total"] = mention.engagement.total
    doc["reach"] = mention.reach
    doc[OWN_ENGAGEMENT_FIELD] = own_engagement(mention.text, mention.extra.get("repost_of"), mention.engagement.total)
    doc["dedup_key"] = mention.dedup_key()
    doc[SEARCH_FIELD] = search_document(mention.text)
    doc[THEME_KEYS] = [theme_key(brand, label) for brand, label in theme_rows(mention)]
    doc[MAIN_THEMES] = main_theme_labels(mention)
    return doc


def from_document(source: dict[str, Any]) -> Mention:
    doc = dict(source)
    for key in DERIVED_TOP:
        doc.pop(key, None)
    if isinstance(doc.get("engagement"), dict):
        doc["engagement"] = {k: v for k, v in doc["engagement"].items() if k != "total"}
    return Mention.model_validate(doc)
