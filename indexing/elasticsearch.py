"""`Store` on Elasticsearch (official `elasticsearch` client, 9.x), for teams.

Layout: monthly indices behind a read alias, from one index template
(`indexing.elasticsearch_mapping`); a small `<prefix>-state` index for cursors and
sent alerts. Writes: `helpers.streaming_bulk` with `_id = Mention.id`, retries with
backoff on 429/503 and lost connections (`indexing.elasticsearch_bulk`). Reads:
filters as a bool `filter`, the boolean text query compiled by
`indexing.elasticsearch_query.to_elasticsearch`, search_after (+ point in time) pagination.
Alerts: a copy of the alert log as documents in `<prefix>-alerts`, for Kibana (`indexing.elasticsearch_alerts`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout

from core.alert import Alert
from core.lang_tags import filter_lang
from core.logsafe import MASK, looks_secret, redact, split_urls
from core.mention import Mention
from core.query import Query, parse
from core.state import claim_free, claim_owner, claim_value
from core.time import as_utc
from indexing import elasticsearch_rows as es_rows
from indexing.base import (
    NO_LONGER_STORED,
    AuthorStat,
    Bucket,
    Filters,
    Hit,
    Interval,
    PostRow,
    SearchPage,
    SearchSort,
    StoreUnavailable,
    ThemeCount,
    UnreadableDocs,
    WriteResult,
    check_search_args,
    log_no_longer_stored,
    merge_stored,
)
from indexing.config import EsConnection
from indexing.elasticsearch_alerts import (
    alerts_index,
    backfill_decided_at,
    delete_alerts_before,
    ensure_alerts_index,
    indexed_alert_ids,
    write_alerts,
)
from indexing.elasticsearch_authors import OWN_ENGAGEMENT
from indexing.elasticsearch_authors import top_authors as threshold_top_authors
from indexing.elasticsearch_bulk import BulkPolicy, delete_all, is_conflict, read_with_backoff, write_all
from indexing.elasticsearch_cursor import decode_cursor, encode_cursor
from indexing.elasticsearch_lang_migrate import normalise_lang_tags
from indexing.elasticsearch_mapping import (
    SEARCH_FIELD,
    SPAM_FIELD,
    STATE_KEY,
    STATE_MAPPINGS,
    check_prefix,
    doc_id,
    from_document,
    index_pattern,
    mentions_template,
    month_index,
    parse_month,
    read_alias,
    state_index,
    to_document,
)
from indexing.elasticsearch_migrate import (
    add_intent_field,
    add_own_engagement,
    add_reply_field,
    add_search_field,
    add_spam_field,
    check_reader_format,
    move_brand_to_brands,
    record_reader_format,
)
from indexing.elasticsearch_months import MonthIndices, winning_template
from indexing.elasticsearch_query import no_lang_query, to_elasticsearch
from indexing.elasticsearch_shards import checked, shard_error
from indexing.elasticsearch_theme_migrate import add_theme_fields
from indexing.elasticsearch_themes import (
    count_sources,
    histogram_aggs,
    histogram_series,
    recount_aggs,
    recounted,
    shared_labels,
    theme_counts,
    theme_filter,
)
from indexing.elasticsearch_vacuum import DEFAULT_TIMEOUT_S as VACUUM_TIMEOUT_S
from indexing.elasticsearch_vacuum import expunge_deletes
from indexing.snippet import query_spans, snippet

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

_SORTS: dict[str, list[dict[str, Any]]] = {
    "newest": [{"created_at": "desc"}, {"id": "desc"}],
    "oldest": [{"created_at": "asc"}, {"id": "asc"}],
    "engagement": [{"engagement.total": {"order": "desc", "missing": "_last"}}, {"id": "desc"}],
    "relevance": [{"_score": "desc"}, {"created_at": "desc"}, {"id": "desc"}],
}
_FACET_FIELDS = {
    "lang": "lang", "source": "source", "brand": "brands", "sentiment": "sentiment.label", "spam": "spam",
    "intent": "intent", "model": "sentiment.model",
}
_INTERVALS = {"hour": "1h", "day": "1d"}


def _bucketing(interval: Interval, tz: str) -> dict[str, str]:
    """A date_histogram's interval and zone: days from local midnight to local midnight in `tz` (a calendar day,
    23 or 25 hours across a DST change, as `indexing.base.day_start`), hours as UTC hours in every zone."""
    ZoneInfo(tz)  # an unknown zone fails here, as in the SQLite store, not as a search error
    if interval == "day" and tz != "UTC":
        return {"calendar_interval": "1d", "time_zone": tz}
    return {"fixed_interval": _INTERVALS[interval], "time_zone": "UTC"}
log = logging.getLogger(__name__)
# Searches and counts: a closed or missing index behind the alias is an error, never skipped (a count without a
# month is a wrong count; `elasticsearch_shards`). A month without posts has no index and is not behind the alias,
# so it needs no leniency; `allow_no_indices` keeps a store with no index yet answering 0.
_READ_OPTS = {"ignore_unavailable": False, "allow_no_indices": True}
# Housekeeping (refresh, settings, listing indices): a closed index is skipped, as it has nothing to refresh.
_ADMIN_OPTS = {"ignore_unavailable": True, "allow_no_indices": True}
PIT_KEEP_ALIVE = "5m"  # scans (`_scan`): their pages are read back to back, the consumer working in between
# A paged search's point in time lives this long after each page (every page renews it): the pause between two
# pages, not the whole paging. Explore's "more" comes after a person read a page (20 posts by default); exports and
# API loops ask at once. A later page reads the live alias in order (`search_after`), as after any expiry. Short,
# because a search that is never paged on (most Explore page ones) holds its contexts this long.
SEARCH_KEEP_ALIVE = "2m"
COMPOSITE_PAGE = 10_000  # buckets per composite request: under search.max_buckets (65,536), few round trips
RECOUNT_PAGE = 500  # labels several brands share, recounted per request (one `filters` bucket each)
CONFLICT_ROUNDS = 3  # reads and merges of a post another writer keeps changing, before it fails (and is parked)


def _needs_snapshot(sort: str) -> bool:
    """Whether paging in `sort` order needs a point in time to list each post once. The time orders do not:
    their key (created_at, then id) never changes for a stored post (`indexing.base.merge_stored` keeps the time
    it was first stored under, and the id is the post's), so a post is before a page's `search_after` position
    or after it for good, and the live alias lists it once; a post stored meanwhile shows up only if it sorts
    after the position. Engagement changes with every re-collect and a score with the index's statistics, so a
    post could cross the position between two pages."""
    return sort not in ("newest", "oldest")


def _skip_months(filters: Filters | None) -> dict[str, Any]:
    """For a search bounded in time: ask every shard first whether it can match (`pre_filter_shard_size: 1`), so
    the months outside the period are skipped, not searched (by default Elasticsearch asks only from 128 shards
    up; a year is 13 monthly indices). It reads each shard's own time range: an answer never changes."""
    if filters is not None and (filters.since is not None or filters.until is not None):
        return {"pre_filter_shard_size": 1}
    return {}


def _iso(value: datetime) -> str:
    return as_utc(value).isoformat()


# Seconds one request may wait for an answer, connecting included (`store.timeout_s`, docs/elasticsearch.md
# "Timeouts"). A node that drops packets (a firewall that drops rather than refuses, a hung node) fails after this.
DEFAULT_TIMEOUT_S = 10.0
# A bulk request (one chunk of up to 500 documents or 10 MB, `BulkPolicy`) may take this many times as long: a big
# batch on a loaded cluster takes seconds, and a bulk write timed out is only sent again (`write_all`).
BULK_TIMEOUT_FACTOR = 3


# What this version's client talks to: the 9.x client sends `compatible-with=9`, which only Elasticsearch 9 servers
# accept (elasticsearch-py's compatibility matrix, elastic/elasticsearch-py#2928). docs/elasticsearch.md
# "Tested engine and versions".
SUPPORTED_SERVERS = "Elasticsearch 9.x"


def _client(connection: EsConnection, request_timeout: float) -> Elasticsearch:
    """The client for `connection` (docs/elasticsearch.md, "Connecting to a secured cluster")."""
    try:
        from elasticsearch import Elasticsearch
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("the Elasticsearch store needs the client: pip install 'elasticsearch>=9,<10'") from exc
    tls: dict[str, Any] = {}
    if connection.ca_certs:
        tls["ca_certs"] = connection.ca_certs
    if connection.ssl_assert_fingerprint:
        tls["ssl_assert_fingerprint"] = connection.ssl_assert_fingerprint
    if not connection.verify_certs:
        # One loud line per open instead of urllib3's warning on every request.
        log.warning("store.verify_certs is false: the Elasticsearch cluster's TLS certificate is NOT checked, so "
                    "anyone between this machine and %s can read and change what is sent, credentials included; "
                    "use store.ca_certs or store.ssl_assert_fingerprint outside a test cluster",
                    _shown(connection))
        tls |= {"verify_certs": False, "ssl_show_warn": False}
    where: dict[str, Any] = ({"cloud_id": connection.cloud_id} if connection.cloud_id
                             else {"hosts": list(connection.hosts)})
    try:
        return Elasticsearch(
            **where,
            api_key=connection.api_key,
            basic_auth=connection.basic_auth,
            request_timeout=request_timeout,
            # 429/503 reach our bulk code, which retries them with backoff; the transport's own
            # retries (immediate, no backoff) are kept for connection errors only (refused, reset).
            retry_on_status=(),
            max_retries=2,
            # A timed-out request is not sent again at once: on one node that only multiplied the wait for a node
            # that drops packets (3 x 30 s per call, 180 s to open a store), and Elastic advises against re-sending
            # a request the cluster has not answered yet. Bulk writes retry a timeout after a backoff (`write_all`).
            retry_on_timeout=False,
            **tls,
        )
    except ValueError as exc:  # the client's own check of a URL or of conflicting options: the config's to fix
        from core.errors import ConfigError  # lazy: only a bad store config needs it

        raise ConfigError(f"store: the Elasticsearch client refused the connection settings ({redact(str(exc))}): "
                          "check store.url / store.hosts (or the variable url_env names: "
                          "scheme://host:port, several comma-separated)") from None


_REASONS = (
    ("refused", "connection refused"),
    ("Name or service not known", "unknown host name"),
    ("nodename nor servname", "unknown host name"),
    ("Temporary failure in name resolution", "host name did not resolve"),
    ("timed out", "timed out"),
    ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted"),
    ("Fingerprints did not match", "TLS certificate does not match store.ssl_assert_fingerprint"),
    ("SSL", "TLS handshake failed"),
)
_TLS_ADVICE = (
    "the cluster's certificate is signed by a CA this machine does not trust (Elasticsearch 8 and 9 make their own): "
    "set store.ca_certs to that CA's PEM file (config/certs/http_ca.crt on a self-managed node) or "
    "store.ssl_assert_fingerprint to its SHA-256 fingerprint (docs/elasticsearch.md, \"Connecting to a secured "
    "cluster\")"
)


def _where(target: str | EsConnection | None) -> list[str]:
    """scheme://host:port (and a plain path) of each node a store talks to: never user:password@ or a query."""
    if isinstance(target, EsConnection):
        if target.cloud_id:
            return ["Elastic Cloud (store.cloud_id_env)"]
        urls = list(target.hosts)
    else:
        urls = split_urls(target)
    shown = []
    for url in urls:
        try:
            parts = urlsplit(url if "://" in url else f"http://{url}")
            host = parts.hostname
            port = parts.port
        except ValueError:  # unparsable (an unclosed IPv6 '['): nothing of it can be shown safely
            host, port = None, None
        if not host:
            shown.append(MASK)
            continue
        host = f"[{host}]" if ":" in host else host
        # A path tells apart clusters behind one proxy (/es-prod, /es-staging); one holding a token is masked.
        path = parts.path.rstrip("/")
        if any(looks_secret(segment) for segment in path.split("/")):
            path = f"/{MASK}"
        shown.append(redact(f"{parts.scheme}://{host}" + (f":{port}" if port else "") + path))
    return shown


def _shown(target: str | EsConnection | None) -> str:
    """Where the store is, as messages show it: each node's scheme://host:port (`_where`), whatever the
    log filter masks (the URL may come whole from a variable, whose credentials alone are secrets); "(client)" for a
    store built on a client."""
    where = _where(target)
    return ", ".join(where) if where else "(client)"


def _refused(target: str | EsConnection | None, prefix: str, exc: Exception) -> str:
    """One line for a cluster that answered 401 or 403 while the store set itself up: what to fix, worded by the
    credentials in use."""
    status = getattr(exc, "status_code", None)
    auth = target.auth if isinstance(target, EsConnection) else "none"
    who = {"api key": "the API key", "basic": "the user"}.get(auth, "the credentials")
    if status == 401:
        fix = {
            "api key": "check the API key in the variable store.api_key_env names (its `encoded` value, or id:api_key)",
            "basic": "check the user name and password (store.username_env / store.password_env, or user:password@ "
                     "in the URL of the variable url_env names)",
        }.get(auth, "the cluster needs credentials: set store.api_key_env, or store.username_env and "
                    "store.password_env")
        return f"Elasticsearch at {_shown(target)} refused the credentials (HTTP 401): {fix}"
    return (f"Elasticsearch at {_shown(target)} refused a request of the store's setup (HTTP {status}): {who} "
            f"needs to manage the index template and the indices {prefix}-* (create, write, read)")


def _unreachable(target: str | EsConnection | None, exc: Exception) -> str:
    """One line: which nodes (scheme://host:port), why, and what to check."""
    shown = _shown(target)
    text = str(exc)
    reason = next((why for needle, why in _REASONS if needle in text), type(exc).__name__)
    if "CERTIFICATE_VERIFY_FAILED" in text or "Fingerprints did not match" in text:
        return f"cannot reach Elasticsearch at {shown} ({reason}): {_TLS_ADVICE}"
    return (
        f"cannot reach Elasticsearch at {shown} ({reason}): check store.url (or store.hosts, or the variable url_env "
        "names, default $GROUNDSWELL_ES_URL) and that the cluster is running and reachable from this machine"
    )


def _wrong_server(target: str | EsConnection | None, client: Elasticsearch, exc: Exception) -> str | None:
    """One line for a server this client cannot talk to (an older Elasticsearch major answers the 9.x client's
    `compatible-with=9` with 400 media_type_header_exception; a server that is not Elasticsearch); None otherwise."""
    from elasticsearch import BadRequestError, UnsupportedProductError  # lazy: as `_client`

    if isinstance(exc, UnsupportedProductError):
        return (f"the server at {_shown(target)} is not Elasticsearch (Groundswell supports {SUPPORTED_SERVERS}; "
                "OpenSearch and other look-alikes are not supported)")
    if not (isinstance(exc, BadRequestError) and "media_type_header_exception" in str(exc)):
        return None
    try:  # plain JSON, without the compatibility header the server refused
        answer = client.transport.perform_request("GET", "/", headers={"accept": "application/json"})
        runs = f"runs Elasticsearch {answer.body['version']['number']}"
    except Exception:  # noqa: BLE001 - the version is a detail of the message, not needed for it
        runs = "runs another major version"
    return (f"Elasticsearch at {_shown(target)} {runs}; this version of Groundswell (client elasticsearch-py 9.x) "
            f"supports {SUPPORTED_SERVERS} only: upgrade the cluster, or use a Groundswell release built for its "
            "version (docs/elasticsearch.md, \"Tested engine and versions\")")


def _snippet(text: str, query: Query | None) -> str:
    """The hit's snippet: what the query matched, by matching's own rules, and the shortening rule every store
    follows (`indexing.snippet`). Not Elasticsearch's highlighter: it marks by its analyzer's tokens, not by the
    query's rules (word forms, Hangul word starts, folding), and a post must read the same on both stores.
    @handles are read by every platform's rules, as the search field holds them (`core.query.document`)."""
    return snippet(text, query_spans(text, query))


class ElasticsearchStore:
    """Mentions in Elasticsearch. Create with a URL (and API key), a `connection` (several hosts, Cloud ID, Basic
    auth, TLS options: `indexing.config.EsConnection`) or an existing client."""

    name = "elasticsearch"

    def __init__(
        self,
        url: str | None = None,
        index_prefix: str = "groundswell",
        api_key: str | None = None,
        *,
        client: Elasticsearch | None = None,
        bulk: BulkPolicy | None = None,
        refresh_after_write: bool = True,
        request_timeout: float = DEFAULT_TIMEOUT_S,
        connection: EsConnection | None = None,
    ):
        if client is None and connection is None:
            if not url:
                raise ValueError("ElasticsearchStore needs a url (or a connection, or a client)")
            connection = EsConnection(hosts=(url,), api_key=api_key)
        # Where messages say the store is: the nodes' scheme://host:port, never credentials (`_shown`).
        target: EsConnection | None = connection if client is None else None
        self.prefix = check_prefix(index_prefix)
        self.alias = read_alias(self.prefix)
        self.state_index = state_index(self.prefix)
        self.alerts_index = alerts_index(self.prefix)
        self.client = client if client is not None else _client(connection, request_timeout)  # type: ignore[arg-type]
        # Bulk writes get longer (a store built on a client keeps that client's own settings).
        self.bulk_client = self.client if client is not None else self.client.options(
            request_timeout=request_timeout * BULK_TIMEOUT_FACTOR)
        self.unreadable = UnreadableDocs()
        self._one_shard: set[str] = set()  # indices known to have one shard (`_single_shard`)
        self.months = MonthIndices(self.client, self.prefix)  # month indices checked readable (`setup`, `_write_once`)
        self.bulk = bulk or BulkPolicy()
        # Readers expect what a job just wrote (detect right after collect): refresh once per upsert call.
        self.refresh_after_write = refresh_after_write
        from elasticsearch import (
            AuthenticationException,
            AuthorizationException,
            BadRequestError,
            UnsupportedProductError,
        )

        try:
            self.setup()
        except (TransportConnectionError, ConnectionTimeout) as exc:  # also TLS errors; a timeout is no ConnectionError
            raise StoreUnavailable(_unreachable(target, exc)) from None
        except (AuthenticationException, AuthorizationException) as exc:
            raise StoreUnavailable(_refused(target, self.prefix, exc)) from None
        except (BadRequestError, UnsupportedProductError) as exc:
            wrong = _wrong_server(target, self.client, exc)
            if wrong is None:
                raise
            raise StoreUnavailable(wrong) from None

    # -- setup -------------------------------------------------------------------------------------
    def engine_modules(self) -> set[str]:
        """Modules and plugins present on every node (decides which analyzers the template uses)."""
        info = self.client.nodes.info(metric="plugins", filter_path="nodes.*.modules.name,nodes.*.plugins.name")
        sets = [
            {m["name"] for m in node.get("modules", [])} | {p["name"] for p in node.get("plugins", [])}
            for node in info.body.get("nodes", {}).values()
        ]
        return set.intersection(*sets) if sets else set()

    def setup(self) -> None:
        """Install the index template, the state index and the alerts index (idempotent; runs on every open)."""
        recorded = check_reader_format(self)  # a store written by a newer version: refused before anything is written
        if not self.client.indices.exists(index=self.state_index):
            self.client.options(ignore_status=400).indices.create(
                index=self.state_index,
                settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                mappings=STATE_MAPPINGS,
            )
        else:  # a state index from before long keys were listed (ignore_above 1024): an updatable setting
            self.client.indices.put_mapping(index=self.state_index, properties={"key": STATE_KEY})
        # Raised before the first step that writes mentions (`indexing.reader_format`): a step rewriting data for a
        # raised format, killed part-way, leaves a store older versions refuse, not one they misread.
        record_reader_format(self, recorded)
        try:
            modules: set[str] | None = self.engine_modules()
        except (TransportConnectionError, ConnectionTimeout):
            raise  # nothing to learn by trying: the cluster is not there (or does not answer)
        except Exception:  # noqa: BLE001 - an API key without cluster:monitor rights: find out by trying
            modules = None
        if modules is not None:
            template = mentions_template(
                self.prefix, language_analyzers="analysis-common" in modules, icu="analysis-icu" in modules
            )
            self.client.indices.put_index_template(name=self.alias, **template)
        else:
            from elasticsearch import BadRequestError

            try:
                self.client.indices.put_index_template(name=self.alias, **mentions_template(self.prefix))
            except BadRequestError:  # no language analyzers on this cluster
                template = mentions_template(self.prefix, language_analyzers=False)
                self.client.indices.put_index_template(name=self.alias, **template)
        ensure_alerts_index(self.client, self.alerts_index)
        self.alerts_backfilled = backfill_decided_at(self.bulk_client, self.alerts_index, self.bulk)
        current = month_index(self.prefix, datetime.now(UTC))
        # Before any month index is made: another team's template of higher priority would make it unreadable.
        winning_template(self.client, self.prefix, current)
        # Every month index behind the alias with our mapping, before the migrations below map fields on them.
        self.months.check_all()
        # The alias exists from the first call on, even before the first mention arrives.
        self.months.ensure({current})
        add_search_field(self)  # indices from before accent-insensitive search
        add_own_engagement(self)  # indices from before top authors left reposts' engagement out
        add_reply_field(self)  # indices from before reply_to
        add_spam_field(self)  # indices from before spam flags
        add_intent_field(self)  # indices from before intent tags
        add_theme_fields(self)  # indices from before per-brand themes
        self.langs_normalised = normalise_lang_tags(self)  # tags an older version stored as written (`ko-KR`)
        # Documents from before multi-brand mentions; how many moved is reported by `store migrate`.
        self.legacy_brands_moved = move_brand_to_brands(self)

    def close(self) -> None:
        self.client.close()

    # -- writes ------------------------------------------------------------------------------------
    def upsert(self, mentions: Iterable[Mention], window: int = 5000, *,
               replace_labels: bool = False, fields: frozenset[str] | None = None) -> Iterator[WriteResult]:
        """Index mentions by id, `window` at a time; one WriteResult per mention, failures included.
        `replace_labels`, `fields`: see `indexing.base.keep_enrichment`."""
        batch: list[Mention] = []
        wrote = False
        try:
            for mention in mentions:
                batch.append(mention)
                if len(batch) >= window:
                    yield from self._write(batch, replace_labels, fields)
                    wrote, batch = True, []
            if batch:
                yield from self._write(batch, replace_labels, fields)
                wrote = True
        finally:
            if wrote and self.refresh_after_write:
                self._refresh()

    def _refresh(self) -> None:
        try:
            self.client.indices.refresh(index=self.alias, **_ADMIN_OPTS)
        except Exception:  # noqa: BLE001 - a failed refresh only delays visibility by ~1s
            pass

    def _write(self, batch: list[Mention], replace_labels: bool = False,
               fields: frozenset[str] | None = None) -> Iterator[WriteResult]:
        by_id: dict[str, Mention] = {}
        for mention in batch:  # the last copy of an id in a batch wins, as it would across batches
            by_id[mention.id] = mention
        results: dict[str, WriteResult] = {}
        todo = list(by_id.values())
        for _ in range(CONFLICT_ROUNDS):
            if not todo:
                break
            # Another writer (an analyst's correction, the spam step) changed a post between our read and our
            # write: read it again and merge with what it wrote, never overwrite it.
            written = self._write_once(todo, replace_labels, fields)
            results |= written
            todo = [by_id[i] for i, r in written.items() if is_conflict(r)]
        for mention in batch:  # one result per input, duplicates included
            yield results[mention.id]

    def _write_once(self, mentions: list[Mention], replace_labels: bool,
                    fields: frozenset[str] | None) -> dict[str, WriteResult]:
        """One read-merge-write of distinct ids; each write only if the post is still as read (a version
        conflict otherwise: `elasticsearch_bulk.is_conflict`)."""
        merged, unread, homes, versions = self._merge_stored(mentions, replace_labels, fields)
        actions = [self._action(m, homes.get(m.id), versions.get(m.id)) for m in merged]
        ids = {doc_id(m.id): m.id for m in merged}  # the bulk answers by _id: back to the mention's id
        # Each month index made (or checked) first: never left to the bulk write, which would make it without
        # the template's checks where automatic creation is on, and fail where it is off (`elasticsearch_months`).
        refused = self.months.ensure({a["_index"] for a in actions})
        unread |= {ids[a["_id"]]: refused[a["_index"]] for a in actions if a["_index"] in refused}
        actions = [a for a in actions if a["_index"] not in refused]
        results = {ids[r.id]: replace(r, id=ids[r.id]) for r in write_all(self.bulk_client, actions, self.bulk)}
        # A later step's write (`fields`) over a post no longer stored writes nothing: a `create` would bring
        # back what retention deleted (`indexing.base.merge_stored`).
        written = {m.id for m in merged} | set(unread)
        gone = {m.id: WriteResult(id=m.id, ok=True, error=NO_LONGER_STORED) for m in mentions if m.id not in written}
        log_no_longer_stored(gone.values())
        return results | gone | {i: WriteResult(id=i, ok=False, error=why) for i, why in unread.items()}

    def _action(self, mention: Mention, home: str | None, version: tuple[int, int] | None) -> dict[str, Any]:
        """The bulk action writing a merged mention: over the copy read (`if_seq_no`), or, when none was
        stored, as a new document (`create`): a copy written meanwhile is a conflict, not overwritten."""
        action: dict[str, Any] = {
            "_index": home or month_index(self.prefix, mention.created_at), "_id": doc_id(mention.id),
            "_source": to_document(mention),
        }
        if version is None:
            return action | {"_op_type": "create"}
        return action | {"_op_type": "index", "if_seq_no": version[0], "if_primary_term": version[1]}

    def _merge_stored(self, mentions: list[Mention], replace_labels: bool = False,
                      fields: frozenset[str] | None = None
                      ) -> tuple[list[Mention], dict[str, str], dict[str, str], dict[str, tuple[int, int]]]:
        """Read-merge-write: what is stored under these ids keeps its brands and enrichment
        (`indexing.base.merge_stored`). Two writers racing on one id agree anyway: each computed the
        mention's brands from its text with the same rule (`groundswell.brands`).

        Returns the mentions to write; by id, why the others are not written: their stored copy could
        not be read (the read failed, or the node answered an error for that document). Writing them
        unmerged could erase a stored label, a person's correction or brands, so they fail instead (the
        pipeline parks them and a later run writes them); and by id, the index a copy found in another
        month lives in, which the write goes to (`_stored_elsewhere`); and by id, the version of each copy
        read (`_seq_no`, `_primary_term`), which the write must still find."""
        docs = [{"_index": month_index(self.prefix, m.created_at), "_id": doc_id(m.id)} for m in mentions]
        by_id = {m.id: m for m in mentions}
        ids = {doc_id(m.id): m.id for m in mentions}  # the answer names documents by _id
        try:
            found = read_with_backoff(lambda: self.client.mget(docs=docs).body["docs"], self.bulk)
        except Exception as exc:  # noqa: BLE001 - every failure of the read means the same: do not write blind
            why = f"could not read the stored copy to merge with ({type(exc).__name__}: {exc}); not written"
            return [], {m.id: why for m in mentions}, {}, {}
        stored: dict[str, Mention] = {}
        unread: dict[str, str] = {}
        missing: list[str] = []
        versions: dict[str, tuple[int, int]] = {}
        for doc in found:
            error, mention_id = doc.get("error"), ids[doc["_id"]]
            if doc.get("found"):
                try:
                    stored[mention_id] = from_document(doc["_source"])
                    versions[mention_id] = (doc["_seq_no"], doc["_primary_term"])
                except ValueError as exc:  # a stored document this version cannot read: never overwrite it
                    unread[mention_id] = f"the stored copy is unreadable ({exc}); not written"
            elif error and not (isinstance(error, dict) and error.get("type") == "index_not_found_exception"):
                # a month's index not there yet means nothing stored; any other error, an unread copy
                reason = error.get("reason") if isinstance(error, dict) else error
                unread[mention_id] = f"could not read the stored copy to merge with ({reason}); not written"
            elif by_id[mention_id].dated_when_collected:
                missing.append(mention_id)
        homes: dict[str, str] = {}
        if missing:
            elsewhere, unlooked = self._stored_elsewhere(missing)
            unread |= unlooked
            for mention_id, (index, mention, version) in elsewhere.items():
                stored[mention_id], homes[mention_id], versions[mention_id] = mention, index, version
        merged = [merge_stored(m, stored.get(m.id), replace_labels, fields) for m in mentions if m.id not in unread]
        return [m for m in merged if m is not None], unread, homes, versions

    def _stored_elsewhere(
        self, ids: list[str]
    ) -> tuple[dict[str, tuple[str, Mention, tuple[int, int]]], dict[str, str]]:
        """Copies of these ids stored in another month's index, by id: (index, mention, version); and by id,
        why one could not be looked for.

        Asked only for posts dated when collected (`Mention.dated_when_collected`): a feed entry without a
        date still in the feed when a month begins arrives dated in the new month, and looked for only in
        that month's index it would be stored twice. The stored copy keeps its time
        (`indexing.base.merge_stored`) and its index. Every other post's time comes from its source and
        never moves, so no other write pays for this search, or fails when an old month's shard is down.
        The search sees what was refreshed (within a second): every earlier run's writes."""
        why = "could not look for a copy stored in another month ({}); not written"
        try:  # part of the alias not answering raises too (`_search`): a copy may be there, and would be stored twice
            by_doc = {doc_id(i): i for i in ids}
            res = self._search(query={"ids": {"values": list(by_doc)}}, size=len(ids), seq_no_primary_term=True)
        except Exception as exc:  # noqa: BLE001 - a failed look means the same as a failed read: do not write blind
            return {}, {i: why.format(f"{type(exc).__name__}: {exc}") for i in ids}
        elsewhere: dict[str, tuple[str, Mention, tuple[int, int]]] = {}
        unread: dict[str, str] = {}
        for hit in res["hits"]["hits"]:
            try:
                version = (hit["_seq_no"], hit["_primary_term"])
                elsewhere[by_doc[hit["_id"]]] = (hit["_index"], from_document(hit["_source"]), version)
            except ValueError as exc:
                unread[by_doc[hit["_id"]]] = f"the stored copy is unreadable ({exc}); not written"
        return elsewhere, unread

    # -- queries -----------------------------------------------------------------------------------
    def _query(self, filters: Filters | None, scoring_text: bool = False) -> dict[str, Any]:
        f = filters or Filters()
        clauses: list[dict[str, Any]] = []
        for field, value in (("brands", f.brand), ("source", f.source), ("intent", f.intent)):
            if value is not None:
                clauses.append({"term": {field: value}})
        if f.lang is not None:  # one spelling per language; "unknown": the posts without one (core/lang_tags.py)
            lang = filter_lang(f.lang)
            clauses.append({"term": {"lang": lang}} if lang is not None else no_lang_query("lang"))
        if f.theme is not None:  # a brand's own themes, any brand's without one (elasticsearch_themes.py)
            clauses.append(theme_filter(f))
        if f.sentiment is not None:
            clauses.append({"term": {"sentiment.label": f.sentiment}})
        if f.brands:
            clauses.append({"terms": {"brands": list(f.brands)}})
        if f.since is not None or f.until is not None:
            rng: dict[str, str] = {}
            if f.since is not None:
                rng["gte"] = _iso(f.since)
            if f.until is not None:
                rng["lt"] = _iso(f.until)
            clauses.append({"range": {"created_at": rng}})
        if f.collected_since is not None:  # a post without collected_at fails the range, as on SQLite
            clauses.append({"range": {"collected_at": {"gte": _iso(f.collected_since)}}})
        if f.min_followers is not None and f.min_followers > 0:
            # "At least 0" is no minimum: a post without a follower count counts, as on SQLite (which stores
            # it as 0); from 1 up, a missing count fails the range on both stores.
            clauses.append({"range": {"author.followers": {"gte": f.min_followers}}})
        if f.uncertain is not None:
            clauses.append({"term": {"sentiment.uncertain": f.uncertain}})
        must: list[dict[str, Any]] = []
        if f.text:
            # QuerySyntaxError propagates to the caller
            text_query = to_elasticsearch(parse(f.text), text_field=SEARCH_FIELD, folded=True)
            (must if scoring_text else clauses).append(text_query)
        # Spam (nlp/spam.py) is out of every count unless asked for: see Filters.include_spam.
        must_not = [] if f.include_spam else [{"exists": {"field": SPAM_FIELD}}]
        if not clauses and not must and not must_not:
            return {"match_all": {}}
        body: dict[str, Any] = {"filter": clauses}
        if must:
            body["must"] = must
        if must_not:
            body["must_not"] = must_not
        return {"bool": body}

    def _search(self, what: str = "search", **body: Any) -> dict[str, Any]:
        """A search's answer from every shard, else `QueryTooBroad` / `StoreUnavailable` (`elasticsearch_shards`):
        never the hits or counts of the shards that happened to answer."""
        if "pit" in body:
            return checked(lambda: self.client.search(**body), what)
        return checked(lambda: self.client.search(index=self.alias, **_READ_OPTS, **body), what)

    def get(self, ids: Iterable[str]) -> list[Mention]:
        return self._get(ids, from_hit=lambda hit: from_document(hit["_source"]))

    def get_readable(self, ids: Iterable[str]) -> list[Mention]:
        """`get`, skipping (and counting) what this version cannot read (`Store.get_readable`)."""
        return self._get(ids, from_hit=self._read)

    def _get(self, ids: Iterable[str], from_hit: Callable[[dict[str, Any]], Mention | None]) -> list[Mention]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Mention] = {}
        for start in range(0, len(wanted), 1000):
            part = {doc_id(i): i for i in wanted[start : start + 1000]}
            # A missing mention must mean "not stored": retention's clean-up deletes a correction or a "not spam"
            # whose mention get() does not return (indexing.base.prune_mention_keyed); `_search` raises
            # StoreUnavailable when part of the index did not answer.
            res = self._search("read mentions by id", query={"ids": {"values": list(part)}}, size=len(part))
            for hit in res["hits"]["hits"]:
                mention = from_hit(hit)
                if mention is not None:
                    found[part[hit["_id"]]] = mention
        return [found[i] for i in wanted if i in found]

    def count(self, filters: Filters | None = None) -> int:
        query = self._query(filters)
        return checked(lambda: self.client.count(index=self.alias, query=query, **_READ_OPTS), "count")["count"]

    def iter_mentions(self, filters: Filters | None = None, page: int = 1000) -> Iterator[Mention]:
        """Oldest first, through a point in time so a concurrent write cannot shift the pages."""
        for hit in self._scan(self._query(filters), [{"created_at": "asc"}, {"id": "asc"}], page):
            mention = self._read(hit)
            if mention is not None:
                yield mention

    def iter_rows(self, filters: Filters | None = None, *, replies_only: bool = False,
                  page: int = 5000) -> Iterator[PostRow]:
        """`PostRow`s of `iter_mentions(filters)`, in its order, from the few `_source` fields a row needs."""
        query = self._query(filters)
        for hit in self._scan(es_rows.replies_only(query) if replies_only else query,
                              [{"created_at": "asc"}, {"id": "asc"}], page, source=es_rows.ROW_SOURCE):
            source = hit.get("_source") or {}
            row = self.unreadable.read(source.get("id") or hit["_id"],  # type: ignore[arg-type, return-value]
                                       lambda: es_rows.post_row(source, hit["_id"]))  # noqa: B023 (called now)
            if row is not None:
                yield row  # type: ignore[misc]

    def _read(self, hit: dict[str, Any]) -> Mention | None:
        """A scanned hit's mention, or None when this version cannot read it (skipped: `UnreadableDocs`)."""
        mention_id = (hit.get("_source") or {}).get("id") or hit["_id"]  # the full id (`doc_id` may be a hash)
        return self.unreadable.read(mention_id, lambda: from_document(hit["_source"]))

    def _scan(
        self, query: dict[str, Any], sort: list[dict[str, Any]], page: int, source: Any = True,
        seq_no: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Every hit of `query`, from a point-in-time snapshot; with `seq_no`, each with the `_seq_no` and
        `_primary_term` it had then (for a write conditional on nobody having written it since)."""
        try:
            pit = self.client.open_point_in_time(
                index=self.alias, keep_alive=PIT_KEEP_ALIVE, ignore_unavailable=False
            ).body["id"]
        except Exception as exc:  # noqa: BLE001
            if getattr(exc, "status_code", None) == 404:
                return
            raise shard_error(exc, "read every mention") or exc from None  # a closed month: say which
        after: list[Any] | None = None
        try:
            while True:
                extra: dict[str, Any] = {"search_after": after} if after is not None else {}
                if seq_no:
                    extra["seq_no_primary_term"] = True
                res = self._search(
                    pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE},
                    query=query,
                    sort=sort,
                    size=page,
                    source=source,
                    track_total_hits=False,
                    **extra,
                )
                pit = res.get("pit_id", pit)
                hits = res["hits"]["hits"]
                yield from hits
                if len(hits) < page:
                    return
                after = hits[-1]["sort"]
        finally:
            self._close_pit(pit)

    def _close_pit(self, pit: str) -> None:
        try:
            self.client.close_point_in_time(id=pit)
        except Exception:  # noqa: BLE001 - it expires on its own after PIT_KEEP_ALIVE
            pass

    def unenriched(self, limit: int = 1000) -> list[Mention]:
        query = {"bool": {"must_not": [{"exists": {"field": "sentiment.label"}}]}}
        out: list[Mention] = []
        for hit in self._scan(query, [{"created_at": "asc"}, {"id": "asc"}], min(limit, 5000)):
            mention = self._read(hit)
            if mention is not None:
                out.append(mention)
            if len(out) >= limit:
                break
        return out

    def search(
        self,
        filters: Filters,
        size: int = 20,
        cursor: str | None = None,
        sort: SearchSort = "newest",
        page_on: bool = True,
        keep_alive: str | None = None,
    ) -> SearchPage:
        """One page of matches with highlights; `next_cursor` continues with search_after, on the point in time
        page one opened when the order can change between pages (`_needs_snapshot`) and the caller may page on.
        `keep_alive`: how long that point in time waits for the next page (default `SEARCH_KEEP_ALIVE`); each
        page's call passes it again (the cursor does not carry it)."""
        check_search_args(sort, size)
        keep_alive = keep_alive or SEARCH_KEEP_ALIVE
        state = decode_cursor(cursor, _SORTS) if cursor else {}
        if state and state.get("sort") != sort:
            raise ValueError("invalid page cursor: it belongs to a search with another sort order")
        body: dict[str, Any] = {
            "query": self._query(filters, scoring_text=sort == "relevance"),
            "sort": _SORTS[sort],
            "size": size + 1,  # one extra tells whether a next page exists
            "track_total_hits": True,
        }
        query = parse(filters.text) if filters.text else None
        if state.get("after") is not None:
            body["search_after"] = state["after"]
        pit = state.get("pit")
        if not cursor and page_on and _needs_snapshot(sort):
            # Page one of a search that may be paged, in an order a re-collect can change: the pages after must
            # read what this one read, or a post whose engagement (or score) moved across the page boundary is
            # listed twice or never (`tests/indexing/test_es_paging_snapshot.py`).
            pit = self._open_pit(filters, keep_alive)
        res = None
        if pit:
            try:
                res = self._search(pit={"id": pit, "keep_alive": keep_alive}, **body, **_skip_months(filters))
                pit = res.get("pit_id", pit)
            except Exception as exc:  # noqa: BLE001
                if getattr(exc, "status_code", None) != 404:
                    raise
                pit = None  # expired: search_after on the live alias still continues in order
        if res is None:
            if "search_after" in body:  # a point in time adds its own tie-breaker (`_shard_doc`); the alias has none
                body["search_after"] = body["search_after"][: len(_SORTS[sort])]
            res = self._search(**body, **_skip_months(filters))
        raw = res["hits"]["hits"]
        more = len(raw) > size
        raw = raw[:size]
        # An unreadable document is skipped (`UnreadableDocs`): the page is one short, the cursor unchanged.
        hits = [
            Hit(mention=mention, highlight=_snippet(mention.text, query), score=h.get("_score"))
            for h in raw
            if (mention := self._read(h)) is not None
        ]
        next_cursor = None
        if more:
            next_cursor, kept = encode_cursor(sort, raw[-1]["sort"], pit)
            if pit and not kept:  # too long for a URL with it (`elasticsearch_cursor`): later pages read the alias
                self._close_pit(pit)
        elif pit:
            self._close_pit(pit)  # the last page (or the only one): nothing will read it again
        return SearchPage(hits=hits, total=res["hits"]["total"]["value"], next_cursor=next_cursor)

    def _open_pit(self, filters: Filters, keep_alive: str = SEARCH_KEEP_ALIVE) -> str | None:
        """A point in time for a paged search, over the months its period can match (`index_filter`: one search
        context per shard it spans, so a week's search does not hold a year's)."""
        rng = {k: _iso(v) for k, v in (("gte", filters.since), ("lt", filters.until)) if v is not None}
        months = {"index_filter": {"range": {"created_at": rng}}} if rng else {}
        try:
            return self.client.open_point_in_time(
                index=self.alias, keep_alive=keep_alive, ignore_unavailable=False, **months
            ).body["id"]
        except Exception:  # noqa: BLE001 - engines without PIT page on the live alias; a closed month fails below
            return None

    # -- aggregations ------------------------------------------------------------------------------
    def _aggs(self, filters: Filters | None, aggs: dict[str, Any], *, total: bool = False,
              skip_months: bool = True) -> dict[str, Any]:
        """The aggregations' answer (with `total`: and the exact count of matches, under "_total").
        `skip_months=False` where a shard without a match still counts (`significant_text`'s background)."""
        skip = _skip_months(filters) if skip_months else {}
        res = self._search("aggregate", query=self._query(filters), size=0, aggs=aggs, track_total_hits=total, **skip)
        out = res.get("aggregations", {})
        return {**out, "_total": res["hits"]["total"]["value"]} if total else out

    def histogram(self, filters: Filters, interval: Interval = "hour", tz: str = "UTC") -> list[Bucket]:
        if interval not in _INTERVALS:
            raise ValueError(f"interval must be one of {', '.join(_INTERVALS)}")
        aggs = {
            "t": {
                "date_histogram": {"field": "created_at", "min_doc_count": 1, **_bucketing(interval, tz)},
                "aggs": {"s": {"terms": {"field": "sentiment.label", "missing": "unknown", "size": 10}}},
            }
        }
        out = []
        for b in self._aggs(filters, aggs).get("t", {}).get("buckets", []):
            counts = {s["key"]: s["doc_count"] for s in b["s"]["buckets"]}
            start = datetime.fromtimestamp(b["key"] / 1000, tz=UTC)
            out.append(
                Bucket(start=start, **{k: counts.get(k, 0) for k in ("negative", "neutral", "positive", "unknown")})
            )
        return out

    def facet(
        self, filters: Filters, field: Literal["lang", "source", "brand", "sentiment", "spam", "intent", "model"]
    ) -> dict[str, int]:
        if field not in _FACET_FIELDS:
            raise ValueError(f"cannot facet on '{field}'")
        aggs = {"f": {"terms": {"field": _FACET_FIELDS[field], "missing": "unknown", "size": 1000}}}
        counts = {b["key"]: b["doc_count"] for b in self._aggs(filters, aggs).get("f", {}).get("buckets", [])}
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def _composite(self, filters: Filters | None, sources: list[dict[str, Any]],
                   metrics: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every bucket of a `composite` aggregation, `COMPOSITE_PAGE` at a time (after_key paging).

        Exact where a `terms` aggregation over many indices is not: a terms ranking is merged from each
        shard's own top list, and with one index per month an author first in the whole period but in no
        single month's top list was left out. Pages are separate requests: a write between two pages can
        show in the later one."""
        after: dict[str, Any] | None = None
        while True:
            spec: dict[str, Any] = {"size": COMPOSITE_PAGE, "sources": sources}
            if after is not None:
                spec["after"] = after
            res = self._aggs(filters, {"c": {"composite": spec, **({"aggs": metrics} if metrics else {})}})
            page = res.get("c", {})
            yield from page.get("buckets", [])
            after = page.get("after_key")
            if after is None or len(page.get("buckets", [])) < COMPOSITE_PAGE:
                return

    def top_themes(self, filters: Filters, n: int = 10) -> list[ThemeCount]:
        """Themes by mention count, with their sentiment split: theme x label counted exactly (`_composite`);
        for one brand only the themes clustered for it (indexing/elasticsearch_themes.py)."""
        buckets = list(self._composite(filters, count_sources(filters)))
        # Several brands: a label two of them gave one post is in both keys' buckets; those counted once a post.
        shared = shared_labels(filters, buckets)
        exact: dict[str, ThemeCount] = {}
        for start in range(0, len(shared), RECOUNT_PAGE):
            exact.update(recounted(self._aggs(filters, recount_aggs(filters, shared[start:start + RECOUNT_PAGE]))))
        return theme_counts(filters, buckets, n, exact)

    def theme_histogram(
        self, filters: Filters, themes: Iterable[str], interval: Interval = "day", tz: str = "UTC"
    ) -> dict[str, dict[datetime, int]]:
        if interval not in _INTERVALS:
            raise ValueError(f"interval must be one of {', '.join(_INTERVALS)}")
        wanted = list(dict.fromkeys(themes))
        if not wanted:
            return {}
        buckets = {"date_histogram": {"field": "created_at", "min_doc_count": 1, **_bucketing(interval, tz)}}
        # For named brands, their own theme keys and unattributed ones (indexing/elasticsearch_themes.py).
        return histogram_series(filters, self._aggs(filters, histogram_aggs(filters, wanted, buckets)))

    def top_authors(self, filters: Filters, n: int = 10) -> list[AuthorStat]:
        """Authors (handle x source) by summed own engagement (`elasticsearch_authors.OWN_ENGAGEMENT`: a repost
        earns 0), then mentions, as the SQLite store's GROUP BY ranks them:
        from the authors of most engagement when a threshold test proves that exact (`elasticsearch_authors`),
        else every pair summed exactly (`_composite`) and ranked here."""
        exact = threshold_top_authors(lambda aggs: self._aggs(filters, aggs), self._single_shard, n)
        if exact is not None:  # proven exact from the few authors of most engagement (`elasticsearch_authors`)
            return exact
        sources = [{"h": {"terms": {"field": "author.handle"}}}, {"src": {"terms": {"field": "source"}}}]
        metrics = {"eng": {"sum": OWN_ENGAGEMENT}, "fol": {"max": {"field": "author.followers"}}}
        stats = [
            AuthorStat(
                handle=b["key"]["h"],
                source=b["key"]["src"],
                mentions=b["doc_count"],
                engagement=int(b["eng"]["value"] or 0),
                followers=int(b["fol"]["value"] or 0),
            )
            for b in self._composite(filters, sources, metrics)
        ]
        return sorted(stats, key=lambda a: (-a.engagement, -a.mentions, a.handle))[:n]

    def _single_shard(self, names: set[str]) -> bool:
        """Whether each of these indices has one shard (the template's; `elasticsearch_authors` relies on it).
        Indices once seen with one shard are remembered: a shard count cannot change after creation."""
        if not names <= self._one_shard:
            settings = self.client.indices.get_settings(index=self.alias, name="index.number_of_shards",
                                                        **_ADMIN_OPTS).body
            self._one_shard |= {name for name, s in settings.items()
                                if s.get("settings", {}).get("index", {}).get("number_of_shards") == "1"}
        return names <= self._one_shard

    def totals(self, filters: Filters | None = None) -> dict[str, int]:
        """Mentions, summed engagement and reach (the web dashboard uses this instead of streaming every
        mention): the `Store` contract's keys, as the SQLite store answers."""
        aggs = {"eng": {"sum": {"field": "engagement.total"}}, "reach": {"sum": {"field": "reach"}}}
        res = self._aggs(filters, aggs, total=True)  # the count in the same request (exact: track_total_hits)
        return {"mentions": res["_total"], "engagement": int(res["eng"]["value"] or 0),
                "reach": int(res["reach"]["value"] or 0)}

    def significant_terms(self, foreground: Filters, background: Filters, n: int = 10) -> list[tuple[str, float]]:
        """`significant_text` on a sample of the foreground, against the background's term statistics.

        No `filter_duplicate_text`: in a spike, reposts of the same text are the signal, not noise.
        """
        aggs = {
            "sample": {
                "sampler": {"shard_size": 5000},
                "aggs": {
                    "sig": {
                        "significant_text": {
                            "field": "text",
                            "size": n,
                            "background_filter": self._query(background),
                            "min_doc_count": 2,
                        }
                    }
                },
            }
        }
        # Every shard searched: a month the foreground misses still holds the background's statistics.
        found = self._aggs(foreground, aggs, skip_months=False)
        buckets = found.get("sample", {}).get("sig", {}).get("buckets", [])
        return [(b["key"], float(b["score"])) for b in buckets]

    # -- state -------------------------------------------------------------------------------------
    def get_state(self, key: str) -> str | None:
        res = self.client.options(ignore_status=404).get(index=self.state_index, id=doc_id(key))
        return res.body["_source"]["value"] if res.body.get("found") else None

    def set_state(self, key: str, value: str) -> None:
        self.client.index(
            index=self.state_index,
            id=doc_id(key),
            document={"key": key, "value": value, "updated_at": datetime.now(UTC).isoformat()},
        )  # no refresh: get_state reads by id, which is realtime; state_items refreshes before searching

    def get_states(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(keys))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), 1000):
            part = wanted[start : start + 1000]
            docs = self.client.mget(index=self.state_index, ids=[doc_id(k) for k in part]).body["docs"]
            out.update({d["_source"]["key"]: d["_source"]["value"] for d in docs if d.get("found")})
        return out

    def set_states(self, items: Mapping[str, str]) -> None:
        if not items:
            return
        now = datetime.now(UTC).isoformat()
        actions = [
            {"_op_type": "index", "_index": self.state_index, "_id": doc_id(key),
             "_source": {"key": key, "value": value, "updated_at": now}}
            for key, value in items.items()
        ]
        failed = [r for r in write_all(self.client, actions, self.bulk) if not r.ok]
        if failed:  # as set_state raises: a state write the caller counts on must not vanish
            raise StoreUnavailable(f"Elasticsearch did not store {len(failed)} state key(s) (first: {failed[0].error})")

    def state_items(self, prefix: str) -> dict[str, str]:
        """All state entries whose key starts with `prefix` (e.g. every stored alert)."""
        self.client.indices.refresh(index=self.state_index)  # see what set_state just wrote
        out: dict[str, str] = {}
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after else {}
            res = self.client.search(
                index=self.state_index, query={"prefix": {"key": prefix}}, sort=[{"key": "asc"}], size=1000, **extra
            ).body
            hits = res["hits"]["hits"]
            out.update({h["_source"]["key"]: h["_source"]["value"] for h in hits})
            if len(hits) < 1000:
                return out
            after = hits[-1]["sort"]

    def delete_state(self, keys: Iterable[str]) -> int:
        """Delete these state keys (documents by id); return how many existed."""
        # A key that is not there is no failure; any other failed delete raises (an undo or a finished pass
        # would otherwise silently keep its state).
        return delete_all(self.client, self.state_index, [doc_id(key) for key in keys], self.bulk, "state key(s)")

    def claim(self, key: str, owner: str, expires_at: datetime) -> bool:
        """`StateStore.claim`: a free key is created (`op_type=create`: of racing creators one wins, the others get
        409); a key whose claim expired (or is `owner`'s) is overwritten only if unchanged since it was read
        (`if_seq_no`/`if_primary_term`: of racing takers one wins). Reads by id are realtime: no refresh needed."""
        doc = {"key": key, "value": claim_value(owner, expires_at), "updated_at": datetime.now(UTC).isoformat()}
        client, key_id = self.client.options(ignore_status=(404, 409)), doc_id(key)
        for _ in range(3):  # a claim released between our create and our read: try the create again
            res = client.create(index=self.state_index, id=key_id, document=doc)
            if res.meta.status in (200, 201):
                return True
            held = client.get(index=self.state_index, id=key_id)
            if not held.body.get("found"):
                continue
            if not claim_free(held.body["_source"]["value"], owner, datetime.now(UTC)):
                return False
            res = client.index(
                index=self.state_index, id=key_id, document=doc,
                if_seq_no=held.body["_seq_no"], if_primary_term=held.body["_primary_term"],
            )
            return res.meta.status in (200, 201)  # 409: another caller took it first
        return False  # taken and released under us three times: someone else is busy with it

    def release(self, key: str, owner: str) -> bool:
        """`StateStore.release`: deleted only if still `owner`'s claim, unchanged since read (`if_seq_no`)."""
        client, key_id = self.client.options(ignore_status=(404, 409)), doc_id(key)
        held = client.get(index=self.state_index, id=key_id)
        if not held.body.get("found") or claim_owner(held.body["_source"]["value"]) != owner:
            return False
        seq = {"if_seq_no": held.body["_seq_no"], "if_primary_term": held.body["_primary_term"]}
        res = client.delete(index=self.state_index, id=key_id, **seq)
        return res.meta.status == 200

    # -- alerts, for Kibana (a copy of the alert log; the pipeline keeps it in step) ----------------------------
    def index_alerts(self, alerts: Iterable[Alert], incident: Callable[[Alert], str]) -> Iterator[WriteResult]:
        """Write alerts as documents of `<prefix>-alerts` by id (`incident`: the incident id of an alert); one
        result per alert, failures included (`indexing.elasticsearch_alerts.write_alerts`)."""
        return write_alerts(self.client, self.alerts_index, alerts, incident, self.bulk)

    def indexed_alert_ids(self) -> set[str]:
        """The ids of the alerts `<prefix>-alerts` holds."""
        return indexed_alert_ids(self.client, self.alerts_index)

    def prune_alert_index(self, cutoff: datetime) -> int:
        """Delete the alert documents whose window ended before `cutoff` (the alert log's retention rule)."""
        return delete_alerts_before(self.client, self.alerts_index, cutoff, self.bulk)

    def rename_brand(self, old: str, new: str, ids: Iterable[str]) -> int:
        """`indexing.base.RenamesBrands` (`indexing.elasticsearch_rename.rename_mentions`)."""
        from indexing.elasticsearch_rename import rename_mentions  # lazy: only `groundswell brands rename` needs it

        return rename_mentions(self, old, new, ids)

    def delete_alert_documents(self, ids: Iterable[str]) -> int:
        """Delete these alert documents of `<prefix>-alerts` (a renamed brand's old ids); return how many went."""
        from indexing.elasticsearch_rename import delete_alert_documents  # lazy: as `rename_brand`

        return delete_alert_documents(self, ids)

    def delete_ids(self, ids: Iterable[str]) -> int:
        """Delete these mentions by id, wherever they live: each document is found in its monthly index by an
        `ids` query over the alias (a post is stored in the month of its `created_at`), deleted there by bulk
        (retried, refreshed), and the alias refreshed so the next read no longer sees it."""
        wanted = list(dict.fromkeys(ids))
        deleted = 0
        for start in range(0, len(wanted), 1000):
            part = [doc_id(i) for i in wanted[start : start + 1000]]
            while True:
                # An id can sit in two monthly indices (a post re-stored after its created_at was corrected): the
                # total says whether every copy came back; what did not is found again once these are gone.
                res = self._search("find mentions to delete", query={"ids": {"values": part}},
                                   size=min(10_000, 2 * len(part)), _source=False, track_total_hits=True)
                homes: dict[str, list[str]] = {}
                for hit in res["hits"]["hits"]:
                    homes.setdefault(hit["_index"], []).append(hit["_id"])
                done = sum(delete_all(self.client, index, found, self.bulk, "mention(s)")
                           for index, found in homes.items())
                deleted += done
                if res["hits"]["total"]["value"] <= len(res["hits"]["hits"]) or not done:
                    break
                self._refresh()
        self._refresh()
        return deleted

    # -- retention ---------------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> int:
        """Drop whole months before the cutoff; in the cutoff's own month delete the older mentions by id.

        (The integ-test/OSS builds have no `_delete_by_query`: it lives in the `reindex`
        module, so ids are found with a point-in-time scan and removed with bulk deletes.)
        """
        cutoff = as_utc(cutoff)
        names = list(self.client.indices.get(index=index_pattern(self.prefix), **_ADMIN_OPTS).body)
        deleted = 0
        boundary = []
        for name in sorted(names):
            month = parse_month(self.prefix, name)
            if month is None:
                continue
            year, mon = month
            next_month = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=UTC)
            if next_month <= cutoff:
                deleted += self.client.count(index=name).body["count"]
                self.client.indices.delete(index=name)
            elif datetime(year, mon, 1, tzinfo=UTC) < cutoff:
                boundary.append(name)
        if boundary:
            from elasticsearch import helpers

            query = {"range": {"created_at": {"lt": cutoff.isoformat()}}}
            actions = (
                {"_op_type": "delete", "_index": hit["_index"], "_id": hit["_id"]}
                for hit in self._scan(query, [{"created_at": "asc"}, {"id": "asc"}], 1000, source=False)
                if hit["_index"] in boundary
            )
            ok, errors = helpers.bulk(self.client, actions, raise_on_error=False, stats_only=True, refresh=True)
            deleted += ok
            if errors:  # they stay, older than the cutoff: the next `groundswell maintain` deletes them
                log.warning("retention: %d mention(s) older than %s could not be deleted; the next run retries",
                            errors, cutoff.isoformat())
        self._refresh()
        return deleted

    def vacuum(self, timeout_s: float = VACUUM_TIMEOUT_S) -> dict[str, Any]:
        """Merge away the deleted documents the mentions, state and alerts indices still hold on disk (what
        retention, an erasure or an overwrite deleted), as SQLite's VACUUM does; `groundswell maintain` runs it
        last. I/O heavy: run it off-hours (`indexing/elasticsearch_vacuum.py`). Returns what it merged."""
        indices = [index_pattern(self.prefix), self.state_index, self.alerts_index]
        return expunge_deletes(self.client, indices, timeout_s)
