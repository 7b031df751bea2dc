"""Response times and the needs-reply list (alerts.response), read back from a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.response import percentile, response_report
from core.accounts import OwnAccounts, account_key
from core.mention import Mention, Sentiment
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OWN = OwnAccounts.of({"x": ["@LumoraSupport"], "mastodon": ["@lumora@mastodon.social"]})


def post(nid, minutes, author="ann", label="negative", reply_to=None, source="x", **extra):
    return Mention(
        source=source,
        native_id=nid,
        text=f"post {nid}",
        created_at=T0 + timedelta(minutes=minutes),
        author={"handle": author},
        brand="lumora",
        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t") if label else None,
        reply_to=reply_to,
        extra=extra,
    )


def save(store, mentions):
    assert all(r.ok for r in store.upsert(mentions))  # upsert is lazy: consume it


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    yield s
    s.close()


def test_percentile_is_linear_between_ranks():
    assert percentile([], 50) is None
    assert percentile([7.0], 90) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    # rank 0.9 * 9 = 8.1: between the 9th (9) and 10th (100) values
    assert percentile([float(v) for v in [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]], 90) == pytest.approx(18.1)


def test_answered_share_median_p90_and_needs_reply(store):
    mentions = [
        post("1", 0),  # answered after 10 min, and again later (the first reply counts)
        post("r1", 10, author="LumoraSupport", reply_to="x:1", label="neutral"),
        post("r1b", 50, author="lumorasupport", reply_to="x:1", label="neutral"),
        post("2", 5, label="positive"),  # answered after 40 min
        post("r2", 45, author="@LumoraSupport", reply_to="x:2", label=None),
        post("3", 20),  # negative, unanswered, waited 100 min at `now`
        post("4", 100),  # negative, unanswered, but only 20 min old: within the 30-min goal
        post("5", 30, label="positive"),  # unanswered, not negative: counted, not in the queue
        post("6", 40, reply_to="x:r1"),  # a customer's follow-up to our reply: a customer post
        post("7", 1, author="bob", repost_of="x:1"),  # a repost: nothing to answer
        post("8", 2, author="cara", reply_to="x:1"),  # someone else answering is not us answering
        # Mastodon: local account (acct without domain) of the instance read is our @lumora@mastodon.social.
        post("9", 60, source="mastodon"),
        post("r9", 61, author="lumora", reply_to="mastodon:9", source="mastodon"),
        post("10", 62, source="mastodon"),
        post("r10", 63, author="lumora@other.example", reply_to="mastodon:10", source="mastodon"),  # not us
    ]
    assert all(r.ok for r in store.upsert(mentions))
    now = T0 + timedelta(minutes=120)
    report = response_report(store, "lumora", OWN, 30, T0, T0 + timedelta(days=1), now=now)

    # customer posts: 1, 2, 3, 4, 5, 6, 8, 9, 10 and the stranger's r10 (own r1/r1b/r2/r9, the repost 7 are not)
    assert report.overall.posts == 10 and report.own_posts == 4
    assert report.overall.answered == 3  # 1 (10 min), 2 (40 min), 9 (1 min)
    assert sorted(report.overall.minutes) == [1.0, 10.0, 40.0]
    assert report.overall.median_minutes == 10.0
    assert report.overall.p90_minutes == pytest.approx(10 + 0.8 * 30)  # rank 1.8 of [1, 10, 40]
    assert report.overall.share == pytest.approx(3 / 10)
    assert report.within_goal == 2
    # 10 was answered by a stranger of the same name on another instance; 4 is within the goal
    assert [(w.mention.native_id, round(w.minutes)) for w in report.needs_reply] == [
        ("8", 118),
        ("3", 100),
        ("6", 80),
        ("10", 58),
        ("r10", 57),
    ]
    assert [d.day for d in report.days] == [T0.date()]


def test_replies_after_now_do_not_count_yet_and_the_goal_moves_the_queue(store):
    save(store, [post("1", 0), post("r1", 90, author="LumoraSupport", reply_to="x:1")])
    until = T0 + timedelta(hours=1)  # the reply comes after the window: it is still looked for
    early = response_report(store, "lumora", OWN, 30, T0, until, now=T0 + timedelta(minutes=60))
    assert early.overall.answered == 0 and [w.mention.native_id for w in early.needs_reply] == ["1"]
    patient = response_report(store, "lumora", OWN, 90, T0, until, now=T0 + timedelta(minutes=60))
    assert patient.needs_reply == []  # 60 min old, a 90-min goal
    later = response_report(store, "lumora", OWN, 30, T0, until, now=T0 + timedelta(minutes=95))
    assert later.overall.answered == 1 and later.overall.minutes == (90.0,) and later.needs_reply == []


def test_days_are_utc_days_of_the_customer_post(store):
    late_night = T0.replace(hour=23, minute=50)
    save(
        store,
        [
            post("1", 0),
            post("r1", 5, author="LumoraSupport", reply_to="x:1"),
            Mention(
                source="x", native_id="2", text="b", created_at=late_night, author={"handle": "ann"}, brand="lumora"
            ),
            Mention(
                source="x",
                native_id="r2",
                text="r",
                created_at=late_night + timedelta(minutes=20),
                author={"handle": "LumoraSupport"},
                brand="lumora",
                reply_to="x:2",
            ),
        ],
    )
    report = response_report(store, "lumora", OWN, 30, T0.replace(hour=0), T0 + timedelta(days=2))
    assert [(d.day.isoformat(), d.posts, d.answered, d.median_minutes) for d in report.days] == [
        ("2026-11-02", 2, 2, 12.5),
    ]
    # the reply on the next day belongs to the post's day; the next day has no customer posts
    assert sorted(report.overall.minutes) == [5.0, 20.0]


def test_without_own_accounts_nothing_is_answered_and_nothing_is_own(store):
    save(store, [post("1", 0), post("r1", 5, author="LumoraSupport", reply_to="x:1")])
    report = response_report(store, "lumora", OwnAccounts(), 30, T0, T0 + timedelta(days=1))
    assert not report.configured and report.overall.answered == 0 and report.overall.posts == 2


@pytest.mark.parametrize(
    ("source", "written", "key"),
    [
        ("x", "@LumoraSupport", "lumorasupport"),
        ("reddit", "u/lumora_team", "lumora_team"),
        ("reddit", "/u/Lumora_Team", "lumora_team"),
        ("mastodon", "@lumora@mastodon.social", "lumora@mastodon.social"),
        ("bluesky", "@Lumora.bsky.social", "lumora.bsky.social"),
        ("bluesky", "did:plc:abc123", "did:plc:abc123"),
    ],
)
def test_account_key(source, written, key):
    assert account_key(source, written) == key


@pytest.mark.parametrize(
    ("source", "written"),
    [("x", "@much_too_long_handle"), ("reddit", "u/a"), ("mastodon", "@a@"), ("bluesky", "lumora"), ("x", "")],
)
def test_account_key_rejects_with_the_expected_form(source, written):
    with pytest.raises(ValueError, match=f"{source} account .* write it as"):
        account_key(source, written)


def test_config_validates_own_accounts_and_warns_where_replies_are_not_collected():
    from core.errors import ConfigError
    from groundswell.config import config_warnings, parse_config

    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "brands": [
                    {
                        "name": "L",
                        "query": "l",
                        "response_goal_minutes": 0,
                        "own_accounts": {"x": ["@not a handle"], "tiktok": ["@l"]},
                    }
                ]
            }
        )
    text = str(err.value)
    assert "brands.0 (L).own_accounts: own_accounts.x: x account '@not a handle' is not a valid" in text
    assert "own_accounts.tiktok: unknown source type 'tiktok'" in text
    assert "brands.0 (L).response_goal_minutes: Input should be greater than or equal to 1" in text
    config = parse_config(
        {
            "brands": [{"name": "L", "query": "l", "own_accounts": {"x": ["@l"], "hackernews": ["pg"]}}],
            "sources": [{"type": "hackernews"}],
        }
    )
    assert config.brands[0].response_goal_minutes == 30
    warnings = [w for w in config_warnings(config, env={}) if "own_accounts" in w]
    assert warnings == [
        "brands.0 (L).own_accounts.x: no 'x' source is configured, so these accounts' replies are not collected",
        "brands.0 (L).own_accounts.hackernews: this source cannot list an account's posts; "
        "only replies it collects count",
    ]


def test_a_mastodon_namesake_on_another_instance_is_not_the_brand():
    # "@lumora" is the account of the instance read: lumora@evil.example is someone else. An account given
    # with its instance is a local "lumora" only on that instance (the post's own URL names it).
    def by(acct: str, url: str | None) -> Mention:
        return Mention(source="mastodon", native_id="1", text="hi", created_at=T0, author={"handle": acct},
                       url=url)

    local_key, full_key = OwnAccounts.of({"mastodon": ["@lumora"]}), OwnAccounts.of(
        {"mastodon": ["@lumora@mastodon.social"]})
    assert local_key.owns(by("lumora", "https://mastodon.social/@lumora/1"))
    assert not local_key.owns(by("lumora@evil.example", "https://evil.example/@lumora/1"))
    assert full_key.owns(by("lumora", "https://mastodon.social/@lumora/1"))
    assert full_key.owns(by("lumora@mastodon.social", "https://mastodon.social/@lumora/1"))
    assert not full_key.owns(by("lumora", "https://fosstodon.org/@lumora/1"))  # read from another instance
    assert not full_key.owns(by("lumora@evil.example", None))
    # An instance may serve its accounts' domain (example.com) from a subdomain (social.example.com).
    web = OwnAccounts.of({"mastodon": ["@lumora@example.com"]})
    assert web.owns(by("lumora", "https://social.example.com/@lumora/1"))
    assert not web.owns(by("lumora", "https://notexample.com/@lumora/1"))
    # A malformed URL in the payload names no instance: taken as the key's, not a crash of the spam step.
    assert web.owns(by("lumora", "https://[broken/@lumora/1"))
