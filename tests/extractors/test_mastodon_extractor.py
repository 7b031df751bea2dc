"""Mastodon through Mastodon.py: its recorded cassettes replayed, faults from a local server."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import pytest
from extractor_support import Reply, run_collection

from extractors.base import SourceError, Window
from extractors.mastodon import MastodonExtractor, query_hashtags
from indexing.sqlite import SqliteStore

TAG = "fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp"  # the 30-status tag of test_pagination_iterator


def _tape(recordings):
    import vcr

    # Mastodon.py's own vcr_config: neither host nor headers are matched.
    return vcr.VCR(
        cassette_library_dir=str(recordings / "mastodon"),
        record_mode="none",
        match_on=["method", "path", "query", "body"],
        decode_compressed_response=True,
    )


@pytest.mark.network_fixture
def test_replay_paginated_hashtag_timeline_then_rerun(recordings, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    options = {"api_base_url": "http://localhost:3000", "hashtags": [TAG], "limit": 10}
    query = f"#{TAG} toot"
    with _tape(recordings).use_cassette("test_pagination_iterator.yaml", allow_playback_repeats=True):
        stored, batches = run_collection(MastodonExtractor(options), store, "mastodon", "b", query)
        assert [len(b.mentions) for b in batches] == [10, 10, 10, 0]  # pages of 10, then the cursor batch
        assert stored == store.count() == 30
        cursor = store.get_state("cursor:mastodon:b")
        # Second run: the first page is all at/below the cursor, so it stops there and stores nothing new.
        stored_again, batches_again = run_collection(MastodonExtractor(options), store, "mastodon", "b", query)
    assert stored_again == 0 and store.count() == 30
    assert store.get_state("cursor:mastodon:b") == cursor
    m = batches[0].mentions[0]
    assert m.text == f"Toot number 29! #{TAG}"
    assert m.author.handle == "mastodonpy_test_2" and m.url.startswith("http://localhost:3000/@mastodonpy_test_2/")


@pytest.mark.network_fixture
def test_replay_hashtag_timeline_tags_from_the_query(recordings):
    with _tape(recordings).use_cassette("test_hashtag_tl.yaml"):
        batches = list(
            MastodonExtractor({"api_base_url": "http://localhost:3000"}).extract("b", "#hoot", None, Window())
        )
    (m,) = batches[0].mentions
    assert m.text == "#hoot (hashtag toot)" and m.lang == "ja"
    assert m.created_at == datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=UTC)


def test_query_hashtags():
    assert query_hashtags('(#Acme OR acme OR "acme corp") NOT #ad') == ["acme"]
    assert query_hashtags("@acme") == []


def _status(sid, text, when="2026-11-01T10:00:00.000Z"):
    return {
        "id": sid,
        "created_at": when,
        "content": f"<p>{text}</p>",
        "url": f"https://social.example/@ann/{sid}",
        "language": "en",
        "account": {"id": "7", "acct": "ann", "display_name": "Ann", "followers_count": 12},
        "favourites_count": 3,
        "reblogs_count": 1,
        "replies_count": 0,
        "spoiler_text": "",
    }


@pytest.fixture
def local(server, policy):
    def make(**options):
        ex = MastodonExtractor({"api_base_url": server.base, **options})
        ex.retry = policy
        return ex

    return make


def test_rate_limit_waits_until_reset_and_bad_json_is_retried(server, local, clock, caplog):
    # Mastodon.py shifts the reset time onto the real clock (using the Date header), so use real time here.
    reset = datetime.fromtimestamp(time.time() + 30, tz=UTC).isoformat().replace("+00:00", "Z")
    limited = Reply(
        429,
        {"error": "Too many requests"},
        {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    server.route(
        "/api/v1/timelines/tag/acme", limited, Reply(200, '[{"id": "1'), Reply(200, [_status("5", "Acme <b>rocks</b>")])
    )
    with caplog.at_level(logging.WARNING):
        batches = list(local().extract("acme", "acme", None, Window()))
    assert clock.sleeps[0] == pytest.approx(30, abs=1) and clock.sleeps[1] == 2.0
    assert "malformed JSON" in caplog.text
    (m,) = batches[0].mentions
    assert m.text == "Acme rocks" and m.author.followers == 12 and m.engagement.likes == 3


def test_unknown_instance_path_is_fatal(server, local):
    server.route("/api/v1/timelines/tag/acme", Reply(404, {"error": "Record not found"}))
    with pytest.raises(SourceError, match="not found"):
        list(local().extract("acme", "acme", None, Window()))


def test_a_refused_token_is_named_by_its_variable_and_a_missing_one_is_asked_for(server, policy):
    """401 with a token given: the token was refused (its variable named, never its value), not missing."""
    refused = Reply(401, {"error": "The access token is invalid"})
    server.route("/api/v1/timelines/tag/acme", refused, refused)
    token = "mastotok-s3cret-value-123"
    given = MastodonExtractor({"api_base_url": server.base, "access_token_env": "GS_TEST_MASTO"},
                              env={"GS_TEST_MASTO": token})
    given.retry = policy
    with pytest.raises(SourceError) as caught:
        list(given.extract("acme", "acme", None, Window()))
    said = str(caught.value)
    assert "refused the access token in $GS_TEST_MASTO (HTTP 401)" in said and token not in said
    assert "needs a token" not in said
    anonymous = MastodonExtractor({"api_base_url": server.base}, env={})
    anonymous.retry = policy
    with pytest.raises(SourceError, match="needs a token to read this timeline; set access_token_env"):
        list(anonymous.extract("acme", "acme", None, Window()))


def test_query_without_tags_needs_the_option():
    with pytest.raises(SourceError, match="options.hashtags"):
        list(MastodonExtractor({}).extract("acme", '"acme corp"', None, Window()))


@pytest.mark.parametrize("junk", [None, "gone", 42])
def test_an_entry_that_is_not_a_status_is_skipped_and_the_page_goes_on(server, local, junk):
    # Mastodon.py hands the JSON array over as it is: a `null` in it used to stop the whole source.
    page = [_status("7", "Acme one"), junk, _status("5", "Acme two")]
    server.route("/api/v1/timelines/tag/acme", Reply(200, page))
    batches = list(local().extract("acme", "acme", None, Window()))
    assert [m.native_id for b in batches for m in b.mentions] == ["7", "5"]
    (reason,) = [r for b in batches for r in b.skipped]
    assert "entry 2 of the page is not a status" in reason
    assert json.loads(batches[-1].cursor) == {"acme": "7"}


def test_own_posts_skip_an_entry_that_is_not_a_status(server, local):
    server.route("/api/v1/accounts/lookup", Reply(200, {"id": "7", "acct": "ann"}))
    server.route("/api/v1/accounts/7/statuses", Reply(200, [None, _status("5", "reply")]))
    batches = list(local().own_posts("acme", "acme", ["@ann"], None, Window()))
    assert [m.native_id for b in batches for m in b.mentions] == ["5"]
    assert len([r for b in batches for r in b.skipped]) == 1


def test_a_full_page_with_a_bad_entry_still_checks_the_window(server, local):
    # A full page asks for the next one unless it already reaches before the window: that check read every
    # entry's created_at, so a bad entry there stopped the source too.
    since = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    page = [_status(str(100 - i), "Acme", "2026-11-01T10:00:00.000Z") for i in range(18)]
    page += [None, _status("50", "Acme old", "2026-11-01T08:00:00.000Z")]
    server.route("/api/v1/timelines/tag/acme", Reply(200, page))
    batches = list(local().extract("acme", "acme", None, Window(since, datetime(2026, 11, 2, tzinfo=UTC))))
    assert len([m for b in batches for m in b.mentions]) == 18
    # The page reached before the window: no next page asked for.
    assert [p for p, _ in server.requests if p.startswith("/api/v1/timelines")] == ["/api/v1/timelines/tag/acme"]


@pytest.mark.parametrize("status", [408, 520])
def test_a_408_or_a_5xx_mastodon_py_names_no_class_for_is_retried(server, local, clock, status):
    # Mastodon.py raises a plain MastodonAPIError for them: it stopped the source as "request rejected".
    server.route("/api/v1/timelines/tag/acme", Reply(status, {"error": "busy"}), Reply(200, [_status("5", "Acme")]))
    batches = list(local().extract("acme", "acme", None, Window()))
    assert [m.text for b in batches for m in b.mentions] == ["Acme"] and clock.sleeps == [1.0]
