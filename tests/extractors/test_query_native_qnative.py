"""How a brand query is sent to each source's API (querypro findings 4, 6, 7): a query longer than X's or
Reddit's limit is split into several searches (ORed) read under one cursor, or refused before any request;
a wildcard under AND is left out of the search (the store-side match narrows it) instead of blocking the
source; Mastodon follows only the tags that name the brand."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from extractor_support import X_ARCHIVE, Reply, x_tweet
from reddit_replay import ENV as REDDIT_ENV

from core.query import QueryCompileError, parse
from extractors.base import SourceError, Window
from extractors.mastodon import MastodonExtractor, query_hashtags
from extractors.query_native import REDDIT_QUERY_LIMIT, reddit_searches, search_terms, to_reddit, to_x, x_searches
from extractors.reddit import RedditExtractor
from extractors.x import XExtractor
from groundswell.cli import cli

NAMES = ["acme", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]
QUERY = " OR ".join(NAMES)  # 55 characters
# A realistic brand query: 60 names, context words, 30 exclusions (X: 1,000+ characters compiled).
BRAND = " OR ".join(["apple", *(f'"iphone {i}"' for i in range(3, 40)), *(f"product{i}" for i in range(22))])
EXCLUDED = " OR ".join(f"fruit{i}" for i in range(30))
LONG = f"({BRAND}) AND (battery OR screen OR overheat* OR crash*) AND NOT ({EXCLUDED})"


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # praw paces itself with time.sleep


# -- finding 4: length ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", [512, 1024])
def test_a_long_query_is_split_into_searches_within_the_limit_whose_union_is_a_superset(limit):
    query = parse(LONG)
    assert len(to_x(query)) > limit
    for compiled in (x_searches(query, limit), reddit_searches(query, limit)):
        assert len(compiled.searches) > 1 and all(len(s) <= limit for s in compiled.searches)
        assert compiled.whole > limit and f"sent as {len(compiled.searches)} searches" in compiled.note()
        joined = " ".join(compiled.searches)
        for name in ("apple", '"iphone 39"', "product21"):
            assert name in joined  # every name is searched for somewhere
    # Short queries go in one piece, as before.
    assert x_searches(parse(QUERY), 512).searches == (QUERY,)
    assert reddit_searches(parse(QUERY)).searches == (QUERY,)
    assert REDDIT_QUERY_LIMIT == 512


def test_a_part_that_cannot_be_split_is_refused_naming_the_limit():
    words = " ".join(f"word{i}" for i in range(100))  # one AND: nothing to split at
    with pytest.raises(QueryCompileError, match=r"689 characters, and X takes at most 512"):
        x_searches(parse(words), 512)


def test_x_sends_each_part_within_the_limit_and_saves_one_cursor_after_all(server, policy):
    page = {"data": [x_tweet(1), x_tweet(2)], "meta": {"result_count": 2}}
    server.route(X_ARCHIVE, Reply(200, page))
    ex = XExtractor({"api_base_url": server.base, "endpoint": "all", "max_query_length": 25},
                    env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    batches = list(ex.extract("acme", QUERY, None, Window()))
    sent = [p["query"] for path, p in server.requests if path == X_ARCHIVE]
    assert len(sent) > 1 and all(len(q) <= 25 for q in sent)
    assert {w for q in sent for w in q.split(" OR ")} == set(NAMES)
    # Every search found both tweets: each is yielded once.
    assert sorted(m.native_id for b in batches for m in b.mentions) == sorted([x_tweet(1)["id"], x_tweet(2)["id"]])
    assert all(b.cursor is None for b in batches[:-1]) and batches[-1].cursor == x_tweet(2)["id"]


def test_x_stopped_between_two_searches_saves_no_cursor(server, policy):
    page = {"data": [x_tweet(1)], "meta": {"result_count": 1}}
    server.route(X_ARCHIVE, Reply(200, page), Reply(401, {"title": "Unauthorized", "status": 401}))
    ex = XExtractor({"api_base_url": server.base, "endpoint": "all", "max_query_length": 25},
                    env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    seen = []
    with pytest.raises(SourceError):
        for batch in ex.extract("acme", QUERY, None, Window()):
            seen.append(batch)
    assert seen and all(b.cursor is None for b in seen)  # the next run reads every search again


def test_x_native_query_over_the_limit_fails_before_any_request(server):
    ex = XExtractor({"api_base_url": server.base, "native_query": "a " * 300}, env={"X_BEARER_TOKEN": "t"})
    with pytest.raises(SourceError, match="native_query is 600 characters, and an X search may have 512"):
        list(ex.extract("acme", "acme", None, Window()))
    assert server.requests == []


def _reddit_post(pid: str, title: str, ts: float) -> dict:
    return {"kind": "t3", "data": {"name": f"t3_{pid}", "id": pid, "title": title, "selftext": "", "created_utc": ts,
                                   "author": "bob", "score": 1, "permalink": f"/r/acme/comments/{pid}/_/",
                                   "subreddit": "acme", "url": f"https://www.reddit.com/r/acme/comments/{pid}/_/"}}


def test_reddit_reads_one_listing_per_search_and_yields_a_post_once(server, policy):
    server.route("/api/v1/access_token",
                 Reply(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"}))
    listing = {"kind": "Listing", "data": {"after": None, "children": [
        _reddit_post("a1", "acme news", 1_700_000_100.0), _reddit_post("a2", "golf and acme", 1_700_000_000.0)]}}
    server.route("/r/acme/search", Reply(200, listing))
    ex = RedditExtractor({"subreddits": ["acme"], "reddit_url": server.base, "oauth_url": server.base}, env=REDDIT_ENV)
    ex.retry = policy
    query = " OR ".join(f"name{i:03d}" for i in range(60)) + " OR acme"  # 629 characters
    batches = list(ex.extract("acme", query, None, Window()))
    sent = [p["q"] for path, p in server.requests if path == "/r/acme/search"]
    assert len(sent) == 2 and all(len(q) <= 512 for q in sent)
    assert {w for q in sent for w in q.split(" OR ")} == set(query.split(" OR "))
    assert sorted(m.native_id for b in batches for m in b.mentions) == ["t3_a1", "t3_a2"]
    assert [b.cursor is not None for b in batches] == [False, True]


def _config(tmp_path, query: str, sources: list[dict]) -> str:
    path = tmp_path / "groundswell.yaml"
    path.write_text(yaml.safe_dump({
        "brands": [{"name": "Apple", "query": query}],
        "sources": sources,
        "store": {"type": "sqlite", "path": str(tmp_path / "gs.db")},
    }), encoding="utf-8")
    return str(path)


def test_config_check_says_a_query_is_split_and_warns_when_it_cannot_be(tmp_path):
    runner = CliRunner(env={"X_BEARER_TOKEN": "t", "REDDIT_CLIENT_ID": "i", "REDDIT_CLIENT_SECRET": "s"})
    path = _config(tmp_path, LONG, [{"type": "x"}, {"type": "reddit"}])
    result = runner.invoke(cli, ["config", "check", path])
    assert result.exit_code == 0, result.output
    x_len, r_len = len(to_x(parse(LONG))), len(to_reddit(parse(LONG)))
    assert f"note: sources.0 (x): brand 'Apple': the compiled X query is {x_len:,} characters, over the 512" \
        in result.output
    assert f"the compiled Reddit query is {r_len:,} characters, over the 512" in result.output
    path = _config(tmp_path, " ".join(f"word{i}" for i in range(100)), [{"type": "x"}])
    result = runner.invoke(cli, ["config", "check", path])
    assert result.exit_code != 0
    assert "sources.0 (x): brand 'Apple' cannot be collected here: the compiled X query is 689 characters" \
        in result.output


# -- finding 6: wildcards under AND ------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "x", "terms"), [
    ("apple AND overheat*", "apple", ["apple"]),
    ("(apple OR iphone) AND (battery OR overheat*)", "apple OR iphone", ["apple", "iphone"]),
    ("apple NEAR/3 overheat*", "apple", ["apple"]),
    ("삼성 AND *과열", "삼성", ["삼성"]),
])
def test_a_wildcard_under_and_is_left_out_of_the_search(query, x, terms):
    assert to_x(parse(query)) == x
    assert to_reddit(parse(query)) == x
    assert search_terms(parse(query)) == terms
    if "apple" in query:
        assert parse(query).matches("apple overheating") and not parse(query).matches("apple pie")  # store narrows


@pytest.mark.parametrize("query", ["apple OR overheat*", "overheat* lang:en", "(apple AND pie) OR crash*"])
def test_a_wildcard_that_is_all_a_branch_has_is_still_refused(query):
    for compile_ in (to_x, to_reddit, search_terms):
        with pytest.raises(QueryCompileError, match=r"no prefix wildcard, so '(overheat|crash)\*'"):
            compile_(parse(query))


def test_config_check_passes_a_brand_and_wildcard_query_for_every_api_source(tmp_path):
    runner = CliRunner(env={"X_BEARER_TOKEN": "t", "REDDIT_CLIENT_ID": "i", "REDDIT_CLIENT_SECRET": "s"})
    sources = [{"type": "x"}, {"type": "reddit"}, {"type": "hackernews"}, {"type": "bluesky"}]
    result = runner.invoke(cli, ["config", "check", _config(tmp_path, "lumora AND (overheat* OR recall)", sources)])
    assert result.exit_code == 0, result.output
    assert "cannot be collected" not in result.output


# -- finding 7: Mastodon's tags ----------------------------------------------------------------------------------

def test_mastodon_tags_are_the_brand_names_never_context_words_or_stems():
    assert query_hashtags("lumora AND (overheat* OR recall)") == ["lumora"]
    assert query_hashtags("Люмора~ru OR *과열") == ["люмора"]
    assert query_hashtags("(apple OR #iphone OR \"apple watch\") AND (love OR sucks) -pie") == ["apple", "iphone"]
    assert query_hashtags("(lumora NEAR/3 battery) OR #lumorafail") == ["lumora", "lumorafail"]
    assert query_hashtags('(#Acme OR acme OR "acme corp") NOT #ad') == ["acme"]


def test_mastodon_reads_only_the_brand_tag_timeline(server, policy):
    status = {"id": "100", "created_at": "2026-11-01T10:00:00.000Z", "content": "<p>lumora recall</p>",
              "url": "https://social.example/@ann/100", "language": "en", "spoiler_text": "",
              "account": {"id": "7", "acct": "ann", "display_name": "Ann", "followers_count": 1},
              "favourites_count": 0, "reblogs_count": 0, "replies_count": 0}
    server.route("/api/v1/timelines/tag/lumora", Reply(200, [status]), Reply(200, []))
    ex = MastodonExtractor({"api_base_url": server.base})
    ex.retry = policy
    batches = list(ex.extract("lumora", "lumora AND (overheat* OR recall OR love)", None, Window()))
    assert {path for path, _ in server.requests if "/timelines/" in path} == {"/api/v1/timelines/tag/lumora"}
    assert [m.native_id for b in batches for m in b.mentions] == ["100"]
