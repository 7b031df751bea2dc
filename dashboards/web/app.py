"""The dashboard's FastAPI app: its pages and the JSON API behind them (reads, and six analyst writes).

Pages: /overview, /explore, /themes, /alerts (plain HTML + JS, plotly.js served
locally from the installed `plotly` package — no CDN, no build step).

API (GET only; bad parameters get a 4xx JSON body `{"error": ..., "param": ...}`):
    /api/meta       brands, sentiments, sources and languages present
    /api/overview   volume by sentiment, net sentiment, share of voice, splits, totals, top authors, alerts
    /api/search     filtered full-text search, highlighted, paged by cursor
    /api/export     the whole result of a search as CSV or JSONL mentions (streamed)
    /api/themes     recurring and rising themes with sentiment mix and sample posts
    /api/alerts     the alert timeline with each alert's explanation
    /api/replies    own accounts' replies: answered share, median/p90 time to first reply, the needs-reply queue
    /api/faq        recurring questions and complaint reasons (posts of that intent grouped by meaning)

Six writes (POST, JSON body, same origin only: `auth.same_origin_write`), each an analyst's judgement
kept beside the data, or its undo: /api/spam/not-spam, /api/spam/undo, /api/sentiment/correct,
/api/sentiment/undo, /api/alerts/verdict and /api/alerts/verdict/undo (a verdict on an incident: real, false
alarm or taken on, groundswell/alert_verdicts.py). They are recorded
as made by "dashboard", or by the user a sign-in proxy names in `user_header` (`auth.signed_in_user`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from alerts.history import load_alerts, select_alerts
from core.alert import Alert
from core.escaping import one_line
from core.mention import SENTIMENT_LABELS, label_sources, model_builds
from dashboards.web import export as export_rows
from dashboards.web import faq as faq_view
from dashboards.web import replies as replies_view
from dashboards.web import views
from dashboards.web.auth import (
    LoopbackHostMiddleware,
    TokenMiddleware,
    check_token,
    same_origin_write,
    signed_in_user,
)
from dashboards.web.cursors import CursorSigner, search_scope
from dashboards.web.errors import ApiError
from dashboards.web.head import HeadAsGetMiddleware
from dashboards.web.intent_precision import intent_precision
from dashboards.web.pages import PAGES, render_page
from dashboards.web.params import (
    API_PARAMS,
    MAX_ID_CHARS,
    MAX_PAGE_SIZE,
    MAX_WRITE_BODY,
    MAX_WRITE_IDS,
    Period,
    parse_bom,
    parse_choice,
    parse_cursor,
    parse_days,
    parse_filters,
    parse_int,
    parse_keep_alive,
    parse_period,
    parse_tz,
    reject_unknown,
)
from dashboards.web.renamed import moved_query
from dashboards.web.runner import StoreRunner
from groundswell import advocates as advocate_ranking
from groundswell import alert_export
from groundswell.alert_verdicts import VerdictError, alert_files, card_verdict, set_verdict, undo_verdict
from groundswell.alert_verdicts import verdicts as stored_verdicts
from groundswell.audit_results import audit_view
from groundswell.config import Config
from groundswell.health_check import collection_rows
from groundswell.health_probe import store_problem
from groundswell.health_rules import STALE_POST_DAYS, overall
from groundswell.sentiment_corrections import correct_sentiment, undo_corrections
from groundswell.spam import excluded, mark_not_spam, undo_not_spam
from indexing.base import Filters, Store, StoreUnavailable
from indexing.elasticsearch_query import QueryTooDeep
from indexing.elasticsearch_shards import QueryTooBroad
from indexing.sqlite import BUSY_TIMEOUT_S, store_busy
from nlp.embeddings import SentenceEmbeddings

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)
SORTS = ("newest", "oldest", "engagement", "relevance")
META_TTL_S = 300.0  # sources/languages present: a full scan on a big store, so kept for a while
HEALTHZ_TIMEOUT_S = 2.0  # /healthz's wait for the store thread: well under Compose's 5 s healthcheck timeout
# /api/health's answer is kept this long: every page load asks for it, and it costs a state read and one newest-post
# search per brand (bench/health_api_latency.py); health records change once a collection pass (15 min in Airflow).
HEALTH_TTL_S = 30.0
SECURITY_HEADERS = {
    # plotly.js sets inline styles on its SVG; scripts come only from this server.
    # Nothing is sent elsewhere: no fetch, form, frame or plugin reaches another origin (plotly's cloud buttons
    # are off too, common.js CONFIG).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self'; frame-src 'none'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    # A popup a script opens on another origin gets no handle back to post the page's data into.
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Links out to original posts must not carry the dashboard's address (or a token) along.
    "Referrer-Policy": "no-referrer",
}


def _plotly_js() -> Path:
    try:
        import plotly
    except ImportError as exc:  # pragma: no cover - plotly is in requirements.txt
        raise RuntimeError("the dashboard needs plotly for its charts: pip install plotly") from exc
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.exists():
        raise RuntimeError(f"plotly.min.js not found at {path}; reinstall plotly")
    return path


def _brand_infos(config_or_brands: Any) -> list[views.BrandInfo]:
    """Accept a `Config`, a list of `BrandConfig`-like objects, or plain brand names."""
    items: Iterable[Any] = getattr(config_or_brands, "brands", config_or_brands)
    infos = []
    for item in items:
        if isinstance(item, str):
            infos.append(views.BrandInfo(item))
        elif isinstance(item, views.BrandInfo):
            infos.append(item)
        else:
            infos.append(views.BrandInfo(item.name, bool(getattr(item, "competitor", False)),
                                         getattr(item, "market", None)))  # share of voice within its market
    if not infos:
        raise ValueError("the dashboard needs at least one brand")
    return infos


def _plain_id(value: object) -> bool:
    """A mention id a write may carry: a non-empty string of at most MAX_ID_CHARS that UTF-8 can encode (a lone
    surrogate from JSON's "\\ud800" cannot be stored or looked up)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_CHARS:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def create_app(
    store: Store,
    config_or_brands: Any,
    token: str | None = None,
    dashboard_title: str = "Groundswell",
    alert_loader: Callable[[], list[Alert]] | None = None,
    user_header: str | None = None,
    newest_ttl_s: float = 30.0,
    timezone: str | None = None,
    warm_faq: bool = False,
    read_token: str | None = None,
) -> FastAPI:
    """Build the dashboard over `store` for the brands of `config_or_brands`.

    `token`, when given, is required on every request (see `dashboards.web.auth`); `read_token`, when given, is
    accepted too, for GET and HEAD only (a BI tool's: every write with it is a 403);
    without either, only requests addressed to a loopback host name are answered.
    `alert_loader` overrides where alerts come from (default: `load_alerts(store)`
    plus any `jsonl` alert channel files in the config).
    `user_header`, when given, names the header in which a sign-in proxy says who is signed in: writes are
    recorded as made by that user, and refused without it (otherwise they are recorded as "dashboard").
    `newest_ttl_s`: how long the newest mention's time is kept before a period preset asks the store again
    (0: every request asks, as a test of a moving window needs).
    `timezone`: the IANA zone whose days the pages show (day buckets, dates, labels), unless a request's `tz`
    names another; default the config's `digest.timezone` (UTC without one), so a day here is the digest's day.
    `warm_faq`: encode the FAQ page's default view (default brand, 7 days) in the background at start, so its
    first visit only clusters (`dashboards/web/faq.py` `encode_posts`; `serve` turns it on).
    """
    check_token(token, read_token)
    brands = _brand_infos(config_or_brands)
    names = [b.name for b in brands]
    configured = tuple(names)  # `Filters.brands` of a view naming no brand: a removed brand's posts stay out
    default_brand = next((b.name for b in brands if not b.competitor), names[0])
    default_tz = parse_tz({"tz": timezone or getattr(getattr(config_or_brands, "digest", None), "timezone", "UTC")},
                          "UTC")
    jsonl_paths = alert_files(config_or_brands)
    reply_settings = replies_view.reply_settings(config_or_brands)
    get_alerts = alert_loader or (lambda: load_alerts(store, jsonl_paths))
    runner = StoreRunner.for_store(store)  # fast reads, heavy reads and writes on lanes of their own (runner.py)
    cursors = CursorSigner()
    newest = views.NewestMention(store, ttl_s=newest_ttl_s)
    plotly_js = _plotly_js()
    meta_cache: dict[str, Any] = {}
    # How precise each intent tag measured on real posts (nlp/models/intents/precision.json, shipped with the model and
    # written by make eval-intents): the intent filter says so, and marks the unreliable ones (intent_precision.py).
    intents_measured = intent_precision()

    def facets() -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, Any] | None]:
        # Which model builds gave the stored labels: more than one, and trends mix them (docs/dashboard.md);
        # and how accurate they are here, by the latest audit (groundswell/audit_results.py).
        everyone = Filters(brands=configured)  # the configured brands' posts, as every figure counts them
        models = model_builds(store.facet(everyone.replace(include_spam=True), "model"))
        return store.facet(everyone, "source"), store.facet(everyone, "lang"), models, audit_view(store, models)

    async def refresh_meta() -> None:
        sources, langs, models, audit = await runner.heavy(facets)  # a scan of every stored post
        meta_cache.update(at=time.monotonic(), sources=sources, langs=langs, models=models, audit=audit)

    async def warm_meta() -> None:
        try:
            await refresh_meta()
        except Exception:  # the store may be down at start; /api/meta retries and reports it
            log.warning("could not pre-load the dashboard's source/language lists", exc_info=True)

    async def warm_faq_view() -> None:
        """The FAQ's default view encoded before anyone asks (a cold first visit took 21-24 s on the Apple store)."""
        try:
            def read() -> faq_view.Posts:
                scope = Filters(brand=default_brand)
                period = views.default_period(store, scope, None, None, None, newest, tz=default_tz)
                return faq_view.faq_posts(store, scope, period)

            posts = await runner.heavy(read)
            if not faq_stop.is_set():
                await asyncio.to_thread(faq_view.encode_posts, posts, faq_embeddings, faq_lock, faq_stop)
        except Exception:  # the store or the model may be missing at start; the page then encodes on demand
            log.warning("could not pre-encode the FAQ page's posts", exc_info=True)
        finally:
            app.state.faq_warmed.set()

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        # Warm the meta cache in the background: the first page load should not pay for a full scan.
        warm = asyncio.create_task(warm_meta())
        faq_warm = asyncio.create_task(warm_faq_view()) if warm_faq else None
        yield
        warm.cancel()
        if faq_warm:
            # Stop the warm-up between chunks and wait for its thread: cancelling the task alone left the
            # thread encoding, and the process waited for all of it on Ctrl+C (9.5 s); now at most one chunk.
            faq_stop.set()
            await faq_warm
        runner.shutdown()

    app = FastAPI(title=f"{dashboard_title} dashboard", docs_url=None, redoc_url=None, lifespan=lifespan)
    if token or read_token:
        app.add_middleware(TokenMiddleware, token=token, read_token=read_token)
    else:
        app.add_middleware(LoopbackHostMiddleware)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    # Outermost (added last): the token check, the headers and the routes see the GET a HEAD mirrors.
    app.add_middleware(HeadAsGetMiddleware)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(sqlite3.OperationalError)
    async def store_error(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        if not store_busy(exc):
            log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
            return JSONResponse({"error": "internal error (logged)"}, status_code=500)
        # Another process (a run, `maintain`, a copy) held the store's write lock past the wait: try again soon.
        return JSONResponse(
            {"error": f"the store is busy: another process held its write lock past {BUSY_TIMEOUT_S:g} s; "
                      "try again in a minute"},
            status_code=503, headers={"Retry-After": "60"},
        )

    @app.exception_handler(QueryTooBroad)
    @app.exception_handler(QueryTooDeep)
    async def query_too_broad(_: Request, exc: QueryTooBroad | QueryTooDeep) -> JSONResponse:
        # The user's to narrow (a longer prefix, the whole word) or flatten (fewer nested groups on Elasticsearch):
        # a bad query, never a wrong number or a 500.
        return JSONResponse({"error": str(exc), "param": "q"}, status_code=400)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        # Unreachable, or part of the index did not answer (a closed month, a red shard): the cluster is to fix.
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": "60"})

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid request')}"}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if request.url.path.startswith("/api/") or exc.status_code != 404:
            return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)
        return HTMLResponse(render_page(None, dashboard_title, not_found=True), status_code=404)

    def params_of(request: Request) -> dict[str, str]:
        """The query parameters of an API call, each at most once and each one its endpoint takes."""
        params = request.query_params
        repeated = sorted({k for k in params if len(params.getlist(k)) > 1})
        if repeated:
            raise ApiError(f"parameter {repeated[0]!r} is given more than once", param=repeated[0])
        reject_unknown(params, API_PARAMS[request.url.path])
        return dict(params)

    # ---- pages ---------------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/overview", status_code=307)

    def page_route(page: str) -> Callable[..., Any]:
        async def show(request: Request) -> Response:
            # A link sent before a brand rename names the old brand or alert id: sent on to the new ones.
            if moved := await runner.call(lambda: moved_query(store, request.query_params, names)):
                return RedirectResponse(f"/{page}?{moved}", status_code=307)
            return HTMLResponse(render_page(page, dashboard_title))

        show.__name__ = f"page_{page}"
        return show

    for page in PAGES:
        app.get(f"/{page}", include_in_schema=False)(page_route(page))

    @app.get("/static/plotly.min.js", include_in_schema=False)
    async def plotly_asset() -> FileResponse:
        return FileResponse(plotly_js, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/static/{name}", include_in_schema=False)
    async def static_asset(name: str) -> FileResponse:
        path = STATIC / name
        # Only plain files directly in static/ (no '..', no sub-paths).
        if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
            raise ApiError(f"no such file: {name}", status=404)
        media = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}.get(path.suffix)
        return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)  # pages carry an inline icon; this only quiets old clients

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        # A real read (`groundswell.health_probe`: a state key and a count stopped at one row) on the store's own
        # thread, so a damaged file, a red cluster or a thread stuck behind a long call is a 503 a load balancer or
        # Compose's healthcheck acts on. Open without a token (auth.OPEN_PATHS): status and a one-line reason only.
        name = getattr(store, "name", type(store).__name__)
        try:
            problem = await asyncio.wait_for(runner.call(store_problem, store), HEALTHZ_TIMEOUT_S)
        except TimeoutError:
            problem = f"the store did not answer within {HEALTHZ_TIMEOUT_S:g} s (busy)"
        headers = {"Cache-Control": "no-store"}
        if problem:
            return JSONResponse({"status": "unavailable", "store": name, "reason": problem}, status_code=503,
                                headers=headers)
        return JSONResponse({"status": "ok", "store": name}, headers=headers)

    # ---- API -----------------------------------------------------------------------------------
    health_config = config_or_brands if isinstance(config_or_brands, Config) else None
    health_cache: dict[str, Any] = {}

    @app.get("/api/health")
    async def collection_health(request: Request) -> dict[str, Any]:
        # `groundswell health`'s rows read from the store (groundswell/health_check.py), those not ok only: every
        # page shows them above its charts, so a dip that is a source failing or gone quiet says so. Without a
        # Config (a dashboard built over brand names) there is nothing configured to check.
        # A source's problem shared by several brands is one row with a `brands` list (`group_sources`). The answer
        # is kept for HEALTH_TTL_S (`checked_at` says when it was read).
        params_of(request)
        if health_cache.get("at", -HEALTH_TTL_S) + HEALTH_TTL_S > time.monotonic():
            return health_cache["answer"]
        now = datetime.now(UTC)
        rows = [] if health_config is None else await runner.call(
            collection_rows, health_config, store, now, None, STALE_POST_DAYS)
        hidden = ("record", "records")  # the records behind a row are the CLI's (--json), not the page's
        answer = {"status": overall(rows), "checked_at": now.isoformat(timespec="seconds"),
                  "rows": [{k: v for k, v in r.as_dict().items() if k not in hidden}
                           for r in rows if r.status != "ok"]}
        health_cache.update(at=time.monotonic(), answer=answer)
        return answer

    @app.get("/api/meta")
    async def meta(request: Request) -> dict[str, Any]:
        params_of(request)
        if meta_cache.get("at", 0.0) + META_TTL_S < time.monotonic():
            await refresh_meta()
        else:
            # The audit is one state read, not a scan: read each time, so a score saved a minute ago shows now.
            meta_cache["audit"] = await runner.call(lambda: audit_view(store, meta_cache["models"]))
        return {
            "title": dashboard_title,
            "store": getattr(store, "name", type(store).__name__),
            "brands": views.brand_meta(brands),  # name, competitor, market (with markets only)
            "default_brand": default_brand,
            "timezone": default_tz,  # digest.timezone: the days every page shows unless a request names its tz
            "sentiments": list(SENTIMENT_LABELS),
            "sources": sorted(meta_cache["sources"]),
            "langs": sorted(meta_cache["langs"]),
            "sentiment_models": meta_cache["models"],  # build -> labels, most first
            "sentiment_audit": meta_cache["audit"],  # the latest scored audit, or None
            "limits": {"page_size": MAX_PAGE_SIZE, "export_rows": None},  # None: an export streams every row
            "intent_precision": intents_measured,  # per intent: measured precision on real posts, reliable
        }

    @app.get("/api/overview")
    async def overview(request: Request) -> dict[str, Any]:
        params = params_of(request)
        tz = parse_tz(params, default_tz)
        filters = parse_filters(params, names, brand_required=True, default_brand=default_brand, tz=tz)
        interval = parse_choice(params, "interval", views.OVERVIEW_INTERVALS, None)
        days = parse_days(params)
        alerts = await runner.call(get_alerts)

        def compute() -> dict[str, Any]:
            period = views.default_period(
                store, filters.replace(since=None, until=None), filters.since, filters.until, days, newest, tz=tz
            )
            data = views.overview(store, brands, filters, period, interval or views.overview_interval(period), alerts,
                                  stored_verdicts(store), tz=tz, now=datetime.now(UTC))
            # The replies tile: figures only (the queue is /api/replies).
            brand = filters.brand or default_brand
            data["replies"] = replies_view.replies(
                store, brand, reply_settings.get(brand), period, datetime.now(UTC), limit=0
            )
            scope = filters.replace(since=period.since, until=period.until)
            # who gave the labels these figures count: the model, people's corrections, sentiment rules
            data["labelled_by"] = label_sources(store.facet(scope, "model"))
            return {**data, "spam": spam_in_view(scope)}

        return await runner.heavy(compute)

    def spam_in_view(filters: Filters) -> dict[str, Any]:
        """How many mentions of this view the spam rules leave out, how many of the brands' own posts are
        set aside the same way, and whether they are shown now (spam=include)."""
        left_out = excluded(store, filters)
        return {"in_view": left_out["spam"], "own_posts": left_out["own_posts"], "included": filters.include_spam}

    def search_filters(params: dict[str, str]) -> tuple[Filters, int | None, str]:
        """A search's or an export's filters; with no `brand`, every configured brand's posts (`brands`), never a
        removed brand's that are still stored (docs/brands.md "Counts": every figure counts configured brands)."""
        tz = parse_tz(params, default_tz)
        filters = parse_filters(params, names, brand_required=False, tz=tz)
        return (filters.replace(brands=configured) if filters.brand is None else filters), parse_days(params), tz

    def with_days(filters: Filters, days: int | None, tz: str) -> Filters:
        """The period a search or an export reads, by the one rule of every page (`views.default_period`, runs on
        a store thread): a preset (`days`: the N days up to the brand's newest post), an end alone (the 7 days,
        or `days`, up to it) or a start alone (up to the brand's newest post) read the period /api/overview,
        /api/themes, /api/faq and /api/advocates read for the same parameters; with neither start, end nor days a
        search reads every post (Explore's "auto"). A start alone after that end is a 400 (an empty page or file
        would read as "no mentions")."""
        if (filters.since is not None and filters.until is not None) or not (days or filters.since or filters.until):
            return filters
        period = views.default_period(store, filters.replace(since=None, until=None), filters.since, filters.until,
                                      days, newest, tz=tz)
        return filters.replace(since=period.since, until=period.until)

    def pinned_window(asked: Filters, scoped: Filters) -> Period | None:
        """The window `with_days` resolved (None when the request named both ends, or no period at all)."""
        if scoped.since is None or scoped.until is None or (asked.since, asked.until) == (scoped.since, scoped.until):
            return None
        return Period(scoped.since, scoped.until)

    @app.get("/api/search")
    async def search(request: Request) -> dict[str, Any]:
        params = params_of(request)
        filters, days, tz = search_filters(params)
        size = parse_int(params, "size", 20, 1, MAX_PAGE_SIZE)
        sort = parse_choice(params, "sort", SORTS, "relevance" if filters.text else "newest")
        scope = search_scope(params, sort or "newest")
        cursor, pinned = cursors.open(parse_cursor(params), scope)
        keep_alive = parse_keep_alive(params)  # asked: an engagement order pages one snapshot (SQLite: held for it)

        def read() -> tuple[dict[str, Any], Filters]:
            # Later pages read the window page one resolved (carried in the cursor), not a moved one.
            scoped = filters.replace(since=pinned.since, until=pinned.until) if pinned else with_days(filters, days, tz)
            return views.search(store, scoped, size, cursor, sort, keep_alive), scoped

        try:
            page, scoped = await runner.call(read)
        except ValueError as exc:
            # Stores raise ValueError for a cursor they did not issue (or one from a different sort).
            if cursor:
                raise ApiError(
                    f"cursor is not valid for this search ({exc}); start again without a cursor", param="cursor"
                ) from None
            raise
        if cursor is None:  # page one says how many spam mentions the view leaves out; later pages do not recount
            page["spam"] = await runner.call(lambda: spam_in_view(scoped))
        window = pinned_window(filters, scoped)
        if filters.intent is not None:  # how often that tag is right on real posts, as measured
            page["intent_precision"] = {"intent": filters.intent, "source": intents_measured["source"],
                                        "error": intents_measured["error"],
                                        **intents_measured["intents"].get(filters.intent, {"measured": False})}
        return {**page, "next_cursor": cursors.sign(page["next_cursor"], scope, window)}

    @app.get("/api/export")
    async def export(request: Request) -> StreamingResponse:
        params = params_of(request)
        filters, days, tz = search_filters(params)
        # The period resolved before the stream: a since after its end is a 400, not an empty file.
        scoped = await runner.call(lambda: with_days(filters, days, tz))
        # 'json' is the JSONL mention format too (the page's and old links' name for it).
        fmt = parse_choice(params, "format", ("csv", "jsonl", "json"), "csv")
        bom = parse_bom(params, fmt)
        fmt = "jsonl" if fmt == "json" else fmt
        # No cap: the whole result, streamed from one snapshot of the store (export.export_mentions); `limit` only
        # when the caller wants the first N rows.
        limit = parse_int(params, "limit", None, 1)
        # No sort: oldest first, as before; Explore's links carry the Order the page shows (explore.js).
        sort = parse_choice(params, "sort", SORTS, None)
        make = export_rows.csv_rows if fmt == "csv" else export_rows.jsonl_rows
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson; charset=utf-8"
        # The first chunk is read before the answer starts: a store error is a 500, not an empty 200 file.
        chunks = await runner.heavy(lambda: export_rows.with_bom(export_rows.primed(
            export_rows.cut_short(make(store, scoped, limit, sort), fmt)), bom))
        return StreamingResponse(
            runner.stream(lambda: chunks),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="groundswell-mentions.{fmt}"'},
        )

    @app.get("/api/themes")
    async def themes(request: Request) -> Any:
        """The view's themes as JSON, or (format=csv) one row per theme as an attachment (export.themes_csv)."""
        params = params_of(request)
        tz = parse_tz(params, default_tz)
        filters = parse_filters(params, names, brand_required=True, default_brand=default_brand, tz=tz)
        days = parse_days(params)
        n = parse_int(params, "n", 10, 1, 50) or 10
        min_count = parse_int(params, "min_count", 3, 1) or 1
        samples = parse_int(params, "samples", 3, 0, 10)
        fmt = parse_choice(params, "format", ("json", "csv"), "json")
        bom = parse_bom(params, fmt)

        def compute() -> Any:
            period = views.default_period(
                store, filters.replace(since=None, until=None), filters.since, filters.until, days, newest, tz=tz
            )
            data = views.themes(store, filters, period, n, min_count, samples or 0, tz)
            if fmt != "csv":
                return data
            # a theme's share: of every mention of the view (its brand, period, facets and spam rule)
            return export_rows.themes_csv(data, store.count(filters.replace(since=period.since, until=period.until)))

        answer = await runner.heavy(compute)
        return export_rows.csv_attachment(answer, "groundswell-themes.csv", bom) if fmt == "csv" else answer

    @app.get("/api/alerts")
    async def alerts(request: Request) -> Any:
        """The alert timeline as JSON, or (format=csv) one row per alert as an attachment
        (groundswell/alert_export.py, the rows `groundswell alerts list` prints)."""
        params = params_of(request)
        brand = params.get("brand") or None
        if brand is not None and brand not in names:
            if moved := await runner.call(lambda: moved_query(store, params, names)):  # renamed since (a sent link)
                return RedirectResponse(f"/api/alerts?{moved}", status_code=307)
            raise ApiError(f"unknown brand {brand!r}; configured brands: {', '.join(names)}", param="brand", status=404)
        tz = parse_tz(params, default_tz)  # the page's zone: each alert's summary_local says its times there
        since, until = parse_period(params, tz)
        severity = parse_choice(params, "severity", ("info", "warning", "critical"), None)
        asked = parse_int(params, "limit", None, 1, 1000)
        limit = asked or 200
        days = parse_days(params)
        fmt = parse_choice(params, "format", ("json", "csv"), "json")
        bom = parse_bom(params, fmt)
        every = await runner.call(get_alerts)
        if days and since is None and every:
            # 'The last N days' of alerts ends at the newest alert, like the other pages' periods.
            since = (until or max(a.window_end for a in every)) - timedelta(days=days)
        selected = select_alerts(every, brand=brand, since=since, until=until, severity=severity)
        judged = await runner.call(lambda: stored_verdicts(store))
        if fmt == "csv":
            # Every alert of the selection (the incident cards show them all), newest first; a limit given keeps
            # the newest N, as the JSON's `alerts`.
            rows = alert_export.alert_rows(selected[:asked] if asked else selected, judged)
            return export_rows.csv_attachment(alert_export.alerts_csv(rows), "groundswell-alerts.csv", bom)
        return {"total": len(selected), **views.alert_feed(selected, limit, verdicts=judged, tz=tz)}

    @app.get("/api/replies")
    async def replies(request: Request) -> dict[str, Any]:
        params = params_of(request)
        tz = parse_tz(params, default_tz)
        filters = parse_filters(params, names, brand_required=True, default_brand=default_brand, tz=tz)
        days = parse_days(params)
        limit = parse_int(params, "limit", 50, 1, 500) or 50
        brand = filters.brand or default_brand

        def compute() -> dict[str, Any]:
            period = views.default_period(store, Filters(brand=brand), filters.since, filters.until, days, newest,
                                          tz=tz)
            return replies_view.replies(store, brand, reply_settings.get(brand), period, datetime.now(UTC), limit)

        return await runner.heavy(compute)

    faq_embeddings = SentenceEmbeddings()  # kept between requests: a post is encoded once per dashboard process
    faq_lock = threading.Lock()  # one FAQ computation at a time: the kept embeddings are not thread-safe
    faq_stop = threading.Event()  # set at shutdown: the start-up encoding stops before its next chunk
    app.state.faq_embeddings, app.state.faq_warmed = faq_embeddings, threading.Event()  # for tests and bench
    app.state.faq_lock, app.state.faq_stop = faq_lock, faq_stop

    @app.get("/api/faq")
    async def faq(request: Request) -> Any:
        """The view's recurring groups; with group=<id> (a group's `id`) all that group's posts, as JSON or
        (format=csv) as Explore's export rows: Explore cannot filter by a list of posts (dashboards/web/faq.py)."""
        params = params_of(request)
        tz = parse_tz(params, default_tz)
        filters = parse_filters(params, names, brand_required=True, default_brand=default_brand, tz=tz)
        days = parse_days(params)
        n = parse_int(params, "n", 10, 1, 50) or 10
        min_count = parse_int(params, "min_count", 2, 1) or 2
        examples = parse_int(params, "examples", 3, 0, 10)
        group_id = params.get("group") or None
        if group_id is not None and not _plain_id(group_id):
            raise ApiError(f"group must be a group's id from /api/faq (at most {MAX_ID_CHARS} characters)",
                           param="group")
        fmt = parse_choice(params, "format", ("json", "csv"), "json")
        bom = parse_bom(params, fmt)
        if fmt == "csv" and group_id is None:
            raise ApiError("format=csv exports one group's posts: add group=<id> (a group's id in the JSON)",
                           param="format")

        def read() -> tuple[Any, faq_view.Posts]:
            period = views.default_period(
                store, filters.replace(since=None, until=None), filters.since, filters.until, days, newest, tz=tz
            )
            return period, faq_view.faq_posts(store, filters, period)

        def grouped(period: Any, posts: faq_view.Posts) -> Any:
            with faq_lock:
                if group_id is None:
                    return faq_view.faq_groups(posts, period, faq_embeddings, n, min_count, examples or 0)
                found = faq_view.faq_group(posts, period, faq_embeddings, min_count, group_id)
            if fmt == "csv":
                return export_rows.csv_attachment(faq_view.group_csv(found), "groundswell-faq-group.csv", bom)
            return faq_view.group_json(found)

        period, posts = await runner.heavy(read)
        # Encoding and clustering off the store threads: the other pages stay answered meanwhile.
        return await asyncio.to_thread(grouped, period, posts)

    @app.get("/api/advocates")
    async def advocates(request: Request) -> Any:
        """Authors with repeated positive (kind=advocates) or negative (kind=detractors) mentions; CSV or JSON."""
        params = params_of(request)
        tz = parse_tz(params, default_tz)
        filters = parse_filters(params, names, brand_required=True, default_brand=default_brand, tz=tz)
        kind = parse_choice(params, "kind", ("advocates", "detractors"), "advocates")
        fmt = parse_choice(params, "format", ("json", "csv"), "json")
        bom = parse_bom(params, fmt)
        n = parse_int(params, "n", 20, 1, 500) or 20
        days = parse_days(params)

        def compute() -> tuple[Period, list[advocate_ranking.Advocate]]:
            period = views.default_period(
                store, filters.replace(since=None, until=None), filters.since, filters.until, days, newest, tz=tz
            )
            label = "positive" if kind == "advocates" else "negative"
            own = reply_settings[filters.brand].own if filters.brand in reply_settings else None
            return period, advocate_ranking.advocates(
                store, filters.brand, period.since, period.until, sentiment=label, n=n, own=own, facets=filters
            )

        period, rows = await runner.heavy(compute)
        if fmt == "csv":
            return StreamingResponse(
                export_rows.with_bom(advocate_ranking.advocates_csv(rows), bom),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="groundswell-{kind}.csv"'},
            )
        authors = [advocate_ranking.advocate_record(i, a) for i, a in enumerate(rows, 1)]
        # the period ranked over, as every other endpoint answers it (a preset resolves to it)
        return {"brand": filters.brand, "kind": kind, "authors": authors,
                "period": {"since": period.since.isoformat(), "until": period.until.isoformat()}, "timezone": tz}

    async def write_request(request: Request, example: str) -> tuple[dict[str, Any], str]:
        """The JSON object of a same-origin write (403 / 400 / 413 otherwise), and who makes it; `example` is
        the body to show in an error."""
        params_of(request)
        refusal = same_origin_write(request)
        if refusal:
            raise ApiError(refusal, status=403)
        writer = "dashboard"
        if user_header is not None:
            writer = signed_in_user(request, user_header) or ""
            if not writer:
                raise ApiError(f"changes here are recorded with the user the sign-in proxy names in {user_header}, "
                               "and this request has none: open the dashboard through that proxy", status=403)
        raw = bytearray()
        try:
            async for chunk in request.stream():  # read with a cap: a body is never held whole past the limit
                raw += chunk
                if len(raw) > MAX_WRITE_BODY:
                    raise ApiError(f"the body is over {MAX_WRITE_BODY:,} bytes: send fewer ids at a time",
                                   status=413)
        except ClientDisconnect:  # gone mid-body (or cut by serve's body timeout): nothing written, no traceback
            raise ApiError("the client went away before its body was complete: nothing was written") from None
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested past Python's limit
            raise ApiError(f"the body is not valid JSON: send {example}") from None
        return (body if isinstance(body, dict) else {}), writer

    async def write_body(request: Request, example: str) -> tuple[dict[str, Any], str]:
        """The JSON object of a same-origin write with its `ids` checked (403 / 400 otherwise), and who makes
        it; `example` is the body to show in an error."""
        body, writer = await write_request(request, example)
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_WRITE_IDS or not all(map(_plain_id, ids)):
            raise ApiError(f"send {example} with 1 to {MAX_WRITE_IDS} mention ids (strings of at most "
                           f"{MAX_ID_CHARS} characters)", param="ids")
        return body, writer

    @app.post("/api/spam/not-spam")
    async def not_spam(request: Request) -> dict[str, Any]:
        """Mark flagged mentions as false positives: {"ids": [...]}; they stay unflagged on later runs."""
        body, writer = await write_body(request, '{"ids": ["<mention id>", ...]}')
        ids = body["ids"]
        marked = await runner.write(lambda: mark_not_spam(store, ids, by=writer, now=datetime.now(UTC)))
        return {"marked": marked, "unknown": sorted(set(ids) - set(marked))}

    @app.post("/api/spam/undo")
    async def undo_spam(request: Request) -> dict[str, Any]:
        """Withdraw a "not spam": {"ids": [...]}; each gets back the flag it cleared (groundswell/spam.py)."""
        body, writer = await write_body(request, '{"ids": ["<mention id>", ...]}')
        report = await runner.write(lambda: undo_not_spam(store, body["ids"], by=writer, now=datetime.now(UTC)))
        if report.reflagged or report.unflagged:
            # Stored with the withdrawn record too (groundswell/withdrawals.py); the log is for who watches it.
            log.warning("%s withdrew \"not spam\" from %s", writer,
                        ", ".join(map(one_line, [*report.reflagged, *report.unflagged])))
        return {"reflagged": report.reflagged, "unflagged": report.unflagged,
                "not_overridden": report.not_overridden, "unknown": report.unknown}

    @app.post("/api/sentiment/correct")
    async def correct(request: Request) -> dict[str, Any]:
        """Set the sentiment of mentions as a person reads it: {"ids": [...], "label": "negative"}; no model
        run changes it again (groundswell/sentiment_corrections.py)."""
        body, writer = await write_body(request, '{"ids": ["<mention id>", ...], "label": "negative"}')
        label = body.get("label")
        if label not in SENTIMENT_LABELS:
            raise ApiError(f"label must be one of {', '.join(SENTIMENT_LABELS)}", param="label")
        labels = dict.fromkeys(body["ids"], label)
        report = await runner.write(lambda: correct_sentiment(store, labels, by=writer, now=datetime.now(UTC)))
        return {"corrected": report.corrected, "unknown": report.unknown, "not_enriched": report.not_enriched,
                "label": label}

    @app.post("/api/sentiment/undo")
    async def undo(request: Request) -> dict[str, Any]:
        """Give corrected mentions back the model's label: {"ids": [...]}; answers each one's label now."""
        body, writer = await write_body(request, '{"ids": ["<mention id>", ...]}')
        report = await runner.write(lambda: undo_corrections(store, body["ids"], by=writer, now=datetime.now(UTC)))
        if report.restored:
            # Stored with the withdrawn record too (groundswell/withdrawals.py); the log is for who watches it.
            log.warning("%s gave the model's label back to %s", writer, ", ".join(map(one_line, report.restored)))
        return {"restored": report.restored, "unknown": report.unknown, "not_corrected": report.not_corrected,
                "no_model_label": report.no_model_label}

    verdict_example = '{"incident": "<incident id>", "verdict": "real", "note": "optional"}'

    async def verdict_body(request: Request, example: str, fields: set[str]) -> tuple[dict[str, Any], str]:
        """A verdict write's JSON object, holding only `fields` (400 naming the first other one), and its writer."""
        body, writer = await write_request(request, example)
        if not body:
            raise ApiError(f"send a JSON object: {example}", param="incident")
        extra = sorted(set(body) - fields)
        if extra:
            raise ApiError(f"unknown field {extra[0]!r}: send {example}", param=extra[0])
        return body, writer

    def verdict_answer(change: Any) -> dict[str, Any]:
        return {"incident": change.incident, "verdict": card_verdict(change.verdict), "changed": change.changed}

    @app.post("/api/alerts/verdict")
    async def verdict(request: Request) -> dict[str, Any]:
        """Judge an incident: {"incident": id, "verdict": "real" | "false_alarm" | "ack", "note": optional}; the
        verdict it replaces is kept in the incident's history (groundswell/alert_verdicts.py)."""
        body, writer = await verdict_body(request, verdict_example, {"incident", "verdict", "note"})
        incident, given, note = body.get("incident"), body.get("verdict"), body.get("note")
        shown = await runner.call(get_alerts)

        def write() -> Any:
            return set_verdict(store, shown, incident, given, by=writer, now=datetime.now(UTC), note=note)

        try:
            change = await runner.write(write)
        except VerdictError as exc:  # checked before anything is written
            raise ApiError(str(exc), param=exc.param) from None
        return verdict_answer(change)

    @app.post("/api/alerts/verdict/undo")
    async def undo_verdict_route(request: Request) -> dict[str, Any]:
        """Withdraw an incident's verdict: {"incident": id}; the verdict it had replaced, if any, is back."""
        body, writer = await verdict_body(request, '{"incident": "<incident id>"}', {"incident"})
        shown = await runner.call(get_alerts)
        try:
            change = await runner.write(
                lambda: undo_verdict(store, shown, body.get("incident"), by=writer, now=datetime.now(UTC))
            )
        except VerdictError as exc:
            raise ApiError(str(exc), param=exc.param) from None
        if change.changed:
            log.warning("%s withdrew the verdict on incident %s", writer, one_line(change.incident))
        return verdict_answer(change)

    # Every API route declares its parameters in API_PARAMS (the fuzz suite relies on the table).
    undeclared = {r.path for r in app.routes if getattr(r, "path", "").startswith("/api/")} - set(API_PARAMS)
    if undeclared:
        raise RuntimeError(f"API routes missing from params.API_PARAMS: {sorted(undeclared)}")
    return app
