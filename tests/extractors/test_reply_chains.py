"""Reply chains from recorded real traffic: every source's `reply_to` points at the id its parent is
stored under, own accounts' posts are collected apart from the query, and response times come out
of a real store (alerts.response)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml
from bluesky_replay import bluesky_tape, convert_bskyr
from extractor_support import Reply
from reddit_replay import ENV as REDDIT_ENV
from reddit_replay import reddit_tape

from alerts.response import response_report
from core.accounts import OwnAccounts
from core.mention import Sentiment
from extractors.base import Window
from extractors.bluesky import native_post_id
from extractors.mastodon import MastodonExtractor
from extractors.reddit import RedditExtractor
from extractors.x import XExtractor
from groundswell.config import parse_config
from groundswell.pipeline import collect_one
from indexing.sqlite import SqliteStore


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)  # praw paces itself; as praw's own tests do


def _store(tmp_path):
    return SqliteStore(tmp_path / "g.db")


def _save(store, mentions):
    assert all(r.ok for r in store.upsert(mentions))


# -- X: a real v2 search body with a reply chain (python-twitter's recorded body) ---------------------
@pytest.mark.network_fixture
def test_x_reply_chain_and_response_time_of_an_own_account(server, policy, recordings, tmp_path):
    page = json.loads(
        (recordings / "twitter" / "pytwitter_bodies" / "apis/searches/search_tweets_query.json").read_text()
    )
    server.route("/2/tweets/search/recent", Reply(200, page))
    ex = XExtractor({"api_base_url": server.base}, env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    batches = list(ex.extract("labs", "snowman OR labs OR happycamper OR error OR search", None, Window()))
    mentions = {m.native_id: m for b in batches for m in b.mentions}
    sent = server.requests[0][1]
    assert "in_reply_to_user_id" in sent["tweet.fields"] and "conversation_id" in sent["tweet.fields"]
    # @happycamper replies (06-25 06:14:19) to @snowman (06-24 04:52:46), both in the page: the stored id.
    reply = mentions["1276035977375477760"]
    assert reply.reply_to == "x:1275653067283759104" == mentions["1275653067283759104"].id
    assert reply.extra["in_reply_to_user_id"] == "17200003"
    assert mentions["1275653067283759104"].reply_to == "x:1274086728471461889"  # its parent: not collected

    store = _store(tmp_path)
    for m in mentions.values():  # the stats count negatives in the queue: tag them as a model would
        m.sentiment = Sentiment(label="negative", probs={"negative": 1.0}, model="test")
    _save(store, mentions.values())
    since, until = datetime(2020, 6, 24, tzinfo=UTC), datetime(2020, 6, 26, tzinfo=UTC)
    own = OwnAccounts.of({"x": ["@happycamper"]})
    report = response_report(store, "labs", own, 30, since, until, now=until)
    assert report.own_posts == 1 and report.overall.posts == len(mentions) - 1
    assert report.overall.answered == 1
    assert report.overall.minutes == pytest.approx((24 * 60 + 81 + 33 / 60,))  # 06-24 04:52:46 -> 06-25 06:14:19
    assert {w.mention.native_id for w in report.needs_reply} == set(mentions) - {
        "1276035977375477760",
        "1275653067283759104",
    }


# -- Reddit: a real comments listing and a real user overview, through praw ---------------------------
@pytest.mark.network_fixture
def test_reddit_comments_reply_to_the_fullnames_we_store(recordings, tmp_path):
    options = {"mode": "comments", "subreddits": ["askreddit"], "limit": 100}
    with reddit_tape(recordings / "reddit" / "praw").use_cassette("TestSubredditListings.test_comments.json"):
        batches = list(RedditExtractor(options, env=REDDIT_ENV).extract("b", "the", None, Window()))
    mentions = [m for b in batches for m in b.mentions]
    assert mentions and all(m.reply_to and m.reply_to.startswith(("reddit:t1_", "reddit:t3_")) for m in mentions)
    assert all(m.reply_to == f"reddit:{m.extra['parent_id']}" for m in mentions)
    # A parent collected in the same listing resolves to the stored mention.
    store = _store(tmp_path)
    _save(store, mentions)
    ids = {m.id for m in mentions}
    inside = [m for m in mentions if m.reply_to in ids]
    assert [p.id for p in store.get([m.reply_to for m in inside])] == [m.reply_to for m in inside]


@pytest.mark.network_fixture
def test_reddit_own_posts_are_the_users_overview_whatever_the_query(recordings):
    ex = RedditExtractor({"limit": 100}, env=REDDIT_ENV)
    with reddit_tape(recordings / "reddit" / "praw").use_cassette("TestRedditorListings.test_overview__new.json"):
        batches = list(ex.own_posts("b", "nothing_matches_this_query", ["u/spez"], None, Window()))
    mentions = [m for b in batches for m in b.mentions]
    assert len(mentions) == 100  # 90 comments + 10 posts, none of them mention the query
    own = OwnAccounts.of({"reddit": ["u/spez"]})
    assert all(own.owns(m) for m in mentions)
    comments = [m for m in mentions if m.native_id.startswith("t1_")]
    assert len(comments) == 90 and all(m.reply_to and m.reply_to.startswith("reddit:t") for m in comments)
    assert all(m.reply_to is None for m in mentions if m.native_id.startswith("t3_"))
    assert json.loads(batches[-1].cursor)["created_utc"] == max(m.created_at.timestamp() for m in mentions)


# -- Bluesky: bskyr's recorded bsky.social search and author feed, through the atproto SDK -------------
def _combined_cassette(recordings, tmp_path):
    """One vcrpy cassette with the search and the author feed (both bsky.social, matched by path)."""
    parts = [
        json.loads(convert_bskyr(recordings / "bluesky" / "bskyr" / name, tmp_path / f"{name}.json").read_text())
        for name in ("f_search.yml", "f_autfeed.yml")
    ]
    combined = {"version": 1, "interactions": [i for p in parts for i in p["interactions"]]}
    (tmp_path / "both.json").write_text(json.dumps(combined))
    return tmp_path


@pytest.mark.network_fixture
def test_bluesky_search_and_own_author_feed_through_the_pipeline(recordings, tmp_path):
    feed = yaml.safe_load((recordings / "bluesky" / "bskyr" / "f_autfeed.yml").read_text())
    items = json.loads(feed["http_interactions"][0]["response"]["body"]["string"])["feed"]
    own_items = [i for i in items if not i.get("reason")]  # reposts are other people's posts
    config = parse_config(
        {
            "brands": [
                {"name": "civics", "query": "redistricting", "own_accounts": {"bluesky": ["@chriskenny.bsky.social"]}}
            ],
            "sources": [{"type": "bluesky", "options": {"base_url": "https://bsky.social", "max_pages": 1}}],
            "store": {"path": str(tmp_path / "g.db")},
        }
    )
    store = _store(tmp_path)
    folder = _combined_cassette(recordings, tmp_path)
    for _run in (1, 2):
        with bluesky_tape(folder).use_cassette("both.json", allow_playback_repeats=True):
            report = collect_one(config, store, config.sources[0], "civics", Window())
        assert report.errors == {}
    own = OwnAccounts.of(config.brand("civics").own_accounts)
    stored = list(store.iter_mentions())
    mine = [m for m in stored if own.owns(m)]
    assert len(stored) == 25 + len(own_items) and len(mine) == len(own_items)  # the rerun added nothing
    assert store.get_state("cursor:bluesky#own:civics") and store.get_state("cursor:bluesky:civics")
    # Each reply points at its parent's stored id form, from record.reply.parent.uri.
    replies = [i["post"] for i in own_items if i["post"]["record"].get("reply")]
    assert len(replies) == 24
    by_id = {m.id: m for m in stored}
    for post in replies:
        m = by_id["bluesky:" + native_post_id(post["uri"])]
        assert m.reply_to == "bluesky:" + native_post_id(post["record"]["reply"]["parent"]["uri"])
        assert m.extra["conversation_id"] == "bluesky:" + native_post_id(post["record"]["reply"]["root"]["uri"])


# -- Mastodon: in_reply_to_id is the instance's id of the parent, which is the id we store it under ----
def test_mastodon_reply_to_is_the_parents_stored_id(server, policy):
    def status(sid, text, reply_to=None, acct="ann"):
        return {
            "id": sid,
            "created_at": "2026-11-01T10:00:00.000Z",
            "content": f"<p>{text}</p>",
            "in_reply_to_id": reply_to,
            "url": f"https://social.example/@{acct}/{sid}",
            "language": "en",
            "account": {"id": "7", "acct": acct, "display_name": "", "followers_count": 1},
            "spoiler_text": "",
        }

    page = [
        status("113000000000000002", "#lumora sorry about that", "113000000000000001", acct="lumora"),
        status("113000000000000001", "#lumora broke again"),
    ]
    server.route("/api/v1/timelines/tag/lumora", Reply(200, page))
    ex = MastodonExtractor({"api_base_url": server.base, "hashtags": ["lumora"]})
    ex.retry = policy
    mentions = {m.native_id: m for b in ex.extract("b", "lumora", None, Window()) for m in b.mentions}
    assert mentions["113000000000000002"].reply_to == mentions["113000000000000001"].id
    assert mentions["113000000000000001"].reply_to is None
    assert OwnAccounts.of({"mastodon": ["@lumora@social.example"]}).owns(mentions["113000000000000002"])


# -- own posts of X and Mastodon: from a local server (no recording of these calls exists) --------------
def test_x_own_posts_are_a_from_search_kept_whatever_the_query(server, policy, recordings):
    page = json.loads(
        (recordings / "twitter" / "pytwitter_bodies" / "apis/searches/search_tweets_query.json").read_text()
    )
    server.route("/2/tweets/search/recent", Reply(200, page))
    ex = XExtractor({"api_base_url": server.base}, env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    batches = list(ex.own_posts("labs", "nothing_matches", ["@snowman", "happycamper"], None, Window()))
    assert server.requests[0][1]["query"] == "(from:snowman OR from:happycamper)"
    assert sum(len(b.mentions) for b in batches) == len(page["data"])  # kept although the query matches none
    assert batches[-1].cursor == "1276035977375477760"


def test_mastodon_own_posts_look_the_account_up_then_read_its_statuses(server, policy, recordings):
    cassette = yaml.safe_load((recordings / "mastodon" / "test_account_lookup.yaml").read_text())
    found = [i for i in cassette["interactions"] if i["request"]["uri"].endswith("acct=mastodonpy_test")]
    account = json.loads(found[0]["response"]["body"]["string"])  # the real lookup answer
    statuses = [
        {
            "id": sid,
            "created_at": "2026-11-01T10:00:00.000Z",
            "content": "<p>Sorry! DM us</p>",
            "in_reply_to_id": parent,
            "account": account,
            "spoiler_text": "",
            "language": "en",
        }
        for sid, parent in (("113000000000000009", "113000000000000001"), ("113000000000000008", None))
    ]
    server.route("/api/v1/accounts/lookup", Reply(200, account), Reply(200, account))
    server.route(f"/api/v1/accounts/{account['id']}/statuses", Reply(200, statuses), Reply(200, statuses[:1]))
    ex = MastodonExtractor({"api_base_url": server.base})
    ex.retry = policy
    batches = list(ex.own_posts("b", "lumora", ["@mastodonpy_test"], None, Window()))
    mentions = [m for b in batches for m in b.mentions]
    assert [m.reply_to for m in mentions] == ["mastodon:113000000000000001", None]
    assert all(OwnAccounts.of({"mastodon": ["@mastodonpy_test"]}).owns(m) for m in mentions)
    sent = dict(server.requests)
    assert sent["/api/v1/accounts/lookup"]["acct"] == "mastodonpy_test"
    assert sent[f"/api/v1/accounts/{account['id']}/statuses"]["exclude_reblogs"] in ("1", "true", "True")
    cursor = batches[-1].cursor
    assert json.loads(cursor) == {"mastodonpy_test": "113000000000000009"}
    # The next run: everything up to the cursor was read before.
    again = list(ex.own_posts("b", "lumora", ["@mastodonpy_test"], cursor, Window()))
    assert [m for b in again for m in b.mentions] == []
