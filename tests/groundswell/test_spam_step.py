"""The pipeline's spam step on a real SQLite store: flags, history across runs, overrides that stick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from store_faults import FailingStateDeletes

from core.accounts import OwnAccounts
from core.mention import Author, Mention, Sentiment
from groundswell.spam import (
    OVERRIDE_PREFIX,
    flag_spam,
    mark_not_spam,
    override_records,
    overrides,
    spam_excluded,
    undo_not_spam,
    withdrawn_overrides,
)
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 3, 12, tzinfo=UTC)
T1 = T0 + timedelta(days=1)  # when "not spam" is withdrawn
CAMPAIGN = "Lumora Pulse is the best earbuds ever, get yours now"


def post(n: int, text: str, minutes: float, sentiment: str | None = "positive") -> Mention:
    return Mention(
        source="x",
        native_id=f"p{n}",
        text=text,
        brand="Lumora",
        created_at=T0 + timedelta(minutes=minutes),
        author=Author(handle=f"bot{n}"),
        sentiment=Sentiment(label=sentiment, probs={sentiment: 1.0}, model="t") if sentiment else None,
    )


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    yield s
    s.close()


def _write(store: SqliteStore, mentions: list[Mention]) -> None:
    assert all(r.ok for r in store.upsert(mentions))


def test_flags_are_written_and_leave_the_counts(store) -> None:
    campaign = [post(i, CAMPAIGN, minutes=i) for i in range(10)]
    person = post(99, "My Lumora Halo arrived today and it sounds lovely", minutes=3)
    _write(store, [*campaign, person])
    report = flag_spam(store, T0, T0 + timedelta(minutes=10))
    assert (report.examined, report.flagged, report.by_reason) == (11, 10, {"copy-paste campaign": 10})
    assert store.count() == 1 and spam_excluded(store) == 10
    assert store.get(["x:p0"])[0].spam == "copy-paste campaign: 10 authors, 9 min"
    # Idempotent: the same data again changes nothing.
    assert flag_spam(store, T0, T0 + timedelta(minutes=10)).flagged == 0
    assert store.count(Filters(include_spam=True)) == 11


def test_a_campaign_split_across_two_runs_is_caught_by_the_second(store) -> None:
    _write(store, [post(i, CAMPAIGN, minutes=i) for i in range(5)])
    assert flag_spam(store, T0, T0 + timedelta(minutes=5)).flagged == 0  # five authors: not yet a campaign
    _write(store, [post(i, CAMPAIGN, minutes=i) for i in range(5, 10)])
    # The second run only brought posts 5-9; the stored history around them completes the picture.
    assert flag_spam(store, T0 + timedelta(minutes=5), T0 + timedelta(minutes=9)).flagged == 10


def test_a_false_positive_marked_by_an_analyst_stays_unflagged(store) -> None:
    _write(store, [post(i, CAMPAIGN, minutes=i) for i in range(10)])
    flag_spam(store, T0, T0 + timedelta(minutes=10))
    assert mark_not_spam(store, ["x:p3", "x:nope"], by="ana", now=T0) == ["x:p3"]
    assert store.get(["x:p3"])[0].spam is None and store.count() == 1
    assert overrides(store) == {"x:p3"}
    report = flag_spam(store, T0, T0 + timedelta(minutes=10))  # the next pipeline run
    assert (report.flagged, report.overridden) == (0, 1)
    assert store.get(["x:p3"])[0].spam is None


def test_a_withdrawn_not_spam_puts_back_the_flag_it_cleared(store) -> None:
    _write(store, [post(i, CAMPAIGN, minutes=i) for i in range(10)])
    flag_spam(store, T0, T0 + timedelta(minutes=10))
    flag = store.get(["x:p3"])[0].spam
    mark_not_spam(store, ["x:p3", "x:p4"], by="ana", now=T0)
    mark_not_spam(store, ["x:p3"], by="bo", now=T0 + timedelta(hours=1))  # again: the flag first cleared stays
    assert override_records(store)["x:p3"] == {"by": "bo", "at": "2026-11-03T13:00:00+00:00", "flag": flag}
    assert store.count() == 2
    report = undo_not_spam(store, ["x:p3", "x:p3", "x:p5", "x:nope"], by="lee", now=T1)
    assert report.reflagged == {"x:p3": flag} and report.not_overridden == ["x:p5"] and report.unknown == ["x:nope"]
    assert store.get(["x:p3"])[0].spam == flag and store.count() == 1 and overrides(store) == {"x:p4"}
    assert undo_not_spam(store, ["x:p3"], by="lee", now=T1).not_overridden == ["x:p3"]  # again: no change
    # Who withdrew it, and what was withdrawn, stays in the store (not only in a log).
    assert withdrawn_overrides(store) == {"x:p3": [{"by": "bo", "at": "2026-11-03T13:00:00+00:00", "flag": flag,
                                                     "undone_by": "lee", "undone_at": T1.isoformat()}]}


def test_a_crash_before_the_override_is_deleted_is_completed_by_running_it_again(store) -> None:
    _write(store, [post(i, CAMPAIGN, minutes=i) for i in range(10)])
    flag_spam(store, T0, T0 + timedelta(minutes=10))
    mark_not_spam(store, ["x:p1"], by="ana", now=T0)
    with pytest.raises(OSError):
        undo_not_spam(FailingStateDeletes(store), ["x:p1"], by="lee", now=T1)
    assert store.get(["x:p1"])[0].spam is not None and overrides(store) == {"x:p1"}  # flagged; override left
    assert undo_not_spam(store, ["x:p1"], by="lee", now=T1).reflagged == {"x:p1": store.get(["x:p1"])[0].spam}
    assert overrides(store) == set()
    assert [e["undone_by"] for e in withdrawn_overrides(store)["x:p1"]] == ["lee"]  # kept once, not per attempt


def test_a_not_spam_with_no_flag_recorded_is_withdrawn_and_counted_until_flagged_again(store) -> None:
    _write(store, [post(i, CAMPAIGN, minutes=i) for i in range(10)])
    mark_not_spam(store, ["x:p2"], by="ana", now=T0)  # before any spam pass flagged it
    store.set_state(OVERRIDE_PREFIX + "x:p6", "{damaged")
    report = undo_not_spam(store, ["x:p2", "x:p6"], by="lee", now=T1)
    assert report.unflagged == ["x:p2", "x:p6"] and report.reflagged == {} and overrides(store) == set()
    assert flag_spam(store, T0, T0 + timedelta(minutes=10)).flagged == 10  # the next pass flags them


def test_a_recollected_post_keeps_its_flag(store) -> None:
    _write(store, [post(i, CAMPAIGN, minutes=i) for i in range(10)])
    flag_spam(store, T0, T0 + timedelta(minutes=10))
    _write(store, [post(0, CAMPAIGN, minutes=0, sentiment=None)])  # a bare re-collect, as a source sends it
    assert store.get(["x:p0"])[0].spam is not None


def test_the_brands_own_accounts_are_set_aside_not_spam(store, tmp_path) -> None:
    """A care team answering complaints with one text, many times an hour, is not a copy-paste bot; its
    posts leave the counts as the brand's own (OWN_POST), and response times read them back."""
    from core.accounts import OwnAccounts
    from groundswell.spam import OWN_POST

    reply = "Lumora Care here: thank you for telling us, please DM us your order number"
    answers = [post(i, f"@fan{i} {reply}", minutes=i * 5) for i in range(8)]
    answers = [m.model_copy(update={"author": Author(handle="LumoraCare")}) for m in answers]
    _write(store, answers)
    report = flag_spam(store, T0, T0 + timedelta(minutes=40), own=OwnAccounts.of({"x": ["@LumoraCare"]}))
    assert (report.flagged, report.own_posts, report.by_reason) == (0, 8, {})
    assert store.count() == 0 and {m.spam for m in store.iter_mentions(Filters(include_spam=True))} == {OWN_POST}

    other = SqliteStore(tmp_path / "other.db")  # the same posts from an account that is not the brand's
    _write(other, answers)
    assert flag_spam(other, T0, T0 + timedelta(minutes=40)).by_reason == {"copy-paste campaign": 8}
    other.close()


def test_a_not_spam_on_an_own_post_holds_when_the_detector_finds_nothing(store) -> None:
    """Own posts are set aside whatever the detector finds, so an analyst's "not spam" on one must be read
    even in a window with no spam at all; else the next pass sets the post aside again."""
    own = OwnAccounts.of({"x": ["LumoraCare"]})
    care = post(1, "Sorry to hear that, please DM us", minutes=0).model_copy(
        update={"author": Author(handle="LumoraCare")}
    )
    _write(store, [care])
    assert flag_spam(store, T0, T0 + timedelta(hours=1), own=own).own_posts == 1
    assert mark_not_spam(store, [care.id], by="ana", now=T0) == [care.id] and store.count() == 1

    report = flag_spam(store, T0, T0 + timedelta(hours=1), own=own)  # nothing detected in this window
    assert (report.own_posts, report.overridden) == (0, 1)
    assert store.get([care.id])[0].spam is None and store.count() == 1


def test_a_post_whose_text_holds_a_link_no_url_parser_reads_is_judged_not_a_crash(store) -> None:
    # "http://[x" in a post's text raised ValueError in link_domains and stopped the spam step (and the run).
    _write(store, [post(1, "my order http://[x never came", 1), post(2, "see https://[::1 or http://[", 2)])
    report = flag_spam(store, T0, T0 + timedelta(minutes=10))
    assert report.examined == 2 and report.flagged == 0
