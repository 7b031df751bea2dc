"""An alert says what its counts leave out (surge report, finding 5): the window's reposts recorded as shares, the
posts a spam rule set aside (per rule) and how many of them were negative, read from the store
(`alerts.evidence.left_out`, filled by `alerts.explain.explain`) and shown as the "Left out" fact in every
rendering. SQLite, and Elasticsearch on a real node (tests/es_node.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)

from alerts.evidence import left_out_text
from alerts.explain import explain
from alerts.render import as_json, as_slack, as_teams, as_text, facts
from alerts.shares import Shares, share_of
from core.alert import Alert, LeftOut
from core.mention import Author, Mention, Sentiment
from indexing.base import Store
from indexing.sqlite import SqliteStore

HOUR = datetime(2026, 6, 2, 13, tzinfo=UTC)
WANT = "3 reposts counted as shares, 5 posts flagged spam (copy-paste campaign 3, link farm 2); 5 of them negative"


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened: Store = SqliteStore(tmp_path / "g.db")
        yield opened
        opened.close()
        return
    from indexing.elasticsearch import ElasticsearchStore  # lazy: the Elasticsearch client only for its half

    opened = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=f"gs-left-{uuid.uuid4().hex[:8]}")
    yield opened
    delete_prefix(opened.client, opened.prefix)
    opened.close()


def _post(key: str, minute: int, label: str = "negative", spam: str | None = None, source: str = "x",
          text: str = "acme battery caught fire") -> Mention:  # fmt: skip
    return Mention(source=source, native_id=key, text=f"{text} {key}", created_at=HOUR + timedelta(minutes=minute),
                   author=Author(handle=f"u{key}", followers=100), brands=["Acme"], lang="en",
                   sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"), spam=spam)


def _spike(**scope: str) -> Alert:
    return Alert(kind="spike", brand="Acme", severity="critical", window_start=HOUR,
                 window_end=HOUR + timedelta(hours=1),
                 observed=6, expected=1.0, statistic="negbin", score=6.0, negative_share=0.8, expected_share=0.3,
                 **scope)


def _fill(store: Store) -> None:
    posts = [_post(f"n{i}", i) for i in range(6)] + [_post("p1", 10, "positive")]
    posts += [_post(f"c{i}", 20 + i, spam="copy-paste campaign: 3 authors, 2 min") for i in range(2)]
    posts += [_post("c2", 22, "neutral", spam="copy-paste campaign: 3 authors, 2 min")]
    posts += [_post("l0", 30, spam="link farm: 4 links, 5 words"),
              _post("l1", 31, "positive", spam="link farm: 4 links, 5 words")]
    posts += [_post("old", -120, spam="link farm: 4 links, 5 words")]  # before the window: not left out of it
    posts += [_post("r0", 40, "neutral", source="reddit")]  # another source's post, reposted once
    assert all(r.ok for r in store.upsert(posts))
    original, neutral = posts[0], posts[-1]
    reposts = [Mention(source="x", native_id=f"rt{i}", text=f"RT @un0: {original.text}", brands=["Acme"],
                       created_at=HOUR + timedelta(minutes=45 + i), author=Author(handle=f"fan{i}")) for i in range(2)]
    shares = [share_of(r, original.id) for r in reposts]
    shares.append(share_of(Mention(source="x", native_id="rt9", text="RT @ur0: it", brands=["Acme"],
                                   created_at=HOUR + timedelta(minutes=50), author=Author(handle="fan9")), neutral.id))
    shares.append(share_of(Mention(source="x", native_id="rt8", text="RT @un0: it", brands=["Acme"],  # next hour
                                   created_at=HOUR + timedelta(minutes=70), author=Author(handle="fan8")), original.id))
    assert Shares(store).record(shares) == 4


def test_a_spike_alert_says_what_its_window_left_out_in_every_rendering(store: Store) -> None:
    _fill(store)
    alert = explain(_spike(), store)

    # 2 reposts of a negative post + 1 of a neutral one; 5 flagged (3 copy-paste, 2 link farm), 3 + 2 negative.
    assert alert.left_out == LeftOut(shares=3, spam={"copy-paste campaign": 3, "link farm": 2}, negative=5)
    assert ("Left out", WANT) in facts(alert)
    assert any(line.split() == ["Left", "out", *WANT.split()] for line in as_text(alert).splitlines())
    assert any(f["text"] == f"*Left out*\n{WANT}" for f in as_slack(alert)["blocks"][2]["fields"])
    card = as_teams(alert)["attachments"][0]["content"]
    assert {"title": "Left out", "value": WANT} in next(b for b in card["body"] if b["type"] == "FactSet")["facts"]
    assert as_json(alert)["alert"]["left_out"] == {"shares": 3, "spam": {"copy-paste campaign": 3, "link farm": 2},
                                                   "negative": 5}
    # Stored and read back (the alert log keeps it as JSON).
    assert Alert.model_validate_json(alert.model_dump_json()).left_out == alert.left_out


def test_a_sliced_alert_counts_its_own_slice_and_nothing_left_out_says_nothing(store: Store) -> None:
    _fill(store)
    on_reddit = explain(_spike(source="reddit"), store)
    assert on_reddit.left_out == LeftOut(shares=1, spam={}, negative=0)  # the neutral reddit post's repost
    assert ("Left out", "1 repost counted as shares") in facts(on_reddit)

    clean = explain(_spike(source="mastodon"), store)
    assert clean.left_out is None and all(k != "Left out" for k, _ in facts(clean))


def test_the_fact_names_only_what_is_not_zero() -> None:
    assert left_out_text(LeftOut(spam={"promotion": 1})) == "1 post flagged spam (promotion 1)"
    assert left_out_text(LeftOut(shares=2, negative=2)) == "2 reposts counted as shares; 2 of them negative"
    assert left_out_text(LeftOut()) == "" and left_out_text(None) == ""
