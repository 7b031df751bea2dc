"""`groundswell subject forget` redacts only where Groundswell quotes or names the subject's post: a short post
("Acme", "Yes") or a handle equal to a common word ("apple") never wipes other people's words, fields, headings
or state keys; a handle is theirs only on their own source (real SQLite store, real files of a config)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from subject_corpus import DAY, OTHERS, _post, build

from alerts.history import AlertLog
from alerts.redact import Redaction, redact_alert, redact_json
from core.alert import Alert, DrivingPost
from groundswell.config import load_config
from groundswell.pipeline import open_store
from groundswell.subject import Subject
from groundswell.subject_files import places_of
from groundswell.subject_forget import forget

SHORT = _post("9105", "dave_d", "Acme", 8)  # a post whose whole text is the brand's name


@pytest.fixture
def demo(tmp_path):
    path = build(tmp_path, extra=[SHORT])
    config = load_config(path)
    store = open_store(config)
    yield tmp_path, config, store
    store.close()


def test_forgetting_a_short_post_leaves_everything_else_word_for_word(demo):
    folder, config, store = demo
    store.set_states({"audit:note:x:91050": "Acme Yesterday: Acme", "audit:x:9105x": "kept"})
    alerts_before = {a.id: a for a in AlertLog(store).load()}
    jsonl_before = (folder / "alerts.jsonl").read_text(encoding="utf-8")
    md_before = (folder / "digests" / "2026-11-04.md").read_text(encoding="utf-8").splitlines()

    report = forget(store, Subject(ids=frozenset({SHORT.id})), places_of(config))

    assert report.mentions == 1 and set(report.state) == {"copy"}  # its own copy keys, nothing else's
    assert {a.id: a for a in AlertLog(store).load()} == alerts_before  # no alert quoted it
    assert (folder / "alerts.jsonl").read_text(encoding="utf-8") == jsonl_before
    assert store.get_states(["audit:note:x:91050", "audit:x:9105x"]) == {"audit:note:x:91050": "Acme Yesterday: Acme",
                                                                        "audit:x:9105x": "kept"}
    md_after = (folder / "digests" / "2026-11-04.md").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(md_before, md_after, strict=True) if a != b]
    assert changed == [("- “Acme” — @dave\\_d (negative, 0 interactions)",
                        "- “[removed]” — [removed] (negative, 0 interactions)")]
    digest = json.loads((folder / "digests" / "2026-11-04.json").read_text(encoding="utf-8"))
    brand = digest["brands"][0]
    assert brand["brand"] == "Acme" and SHORT.url not in json.dumps(digest)
    assert [p["text"] for p in brand["notable_posts"]] == [m.text for m in (OTHERS[1], OTHERS[0])]
    assert all(a["summary"].startswith("Acme: @") for a in brand["alerts"])


def _alert(posts: list[DrivingPost], summary: str, source: str | None = None) -> Alert:
    return Alert(kind="influencer", brand="Apple", severity="warning", window_start=DAY,
                 window_end=DAY + timedelta(hours=1), observed=1.0, expected=1.0, statistic="followers", score=1.0,
                 top_posts=posts, summary=summary, key_phrases=["apple", "ann"], source=source,
                 detector="influencer", decided_at=DAY)


def _top(post_id: str, author: str, text: str, source: str) -> DrivingPost:
    return DrivingPost(id=post_id, url=f"https://{source}.example/{author}/{post_id}", text=text, author=author,
                       source=source)


def test_a_handle_is_theirs_only_on_its_source_and_never_as_a_bare_word():
    ann = Redaction()
    ann.add_handle("ann", "x")
    # Mastodon's @ann is someone else: her alert, her row, her URL stay whole.
    mastodon = _alert([_top("mastodon:1", "ann", "hi from the fediverse", "mastodon")],
                      "Apple: @ann with 900 followers posted negatively (mastodon). Post: “hi from the fediverse”")
    assert redact_alert(mastodon, ann) is None
    row = {"notable_posts": [{"text": "hello", "author": "ann", "url": "https://m.social/@ann/1"}]}
    assert redact_json(row, ann) == row  # no source: not claimable by handle alone
    text = "see https://acme.example/ann and mailto bob@ann"
    assert ann.text(text) == text
    apple = Redaction()
    apple.add_handle("apple", "x")
    data = {"brand": "Apple", "key_phrases": ["apple"], "summary": "Apple: volume up at /apple, @apple_b said so"}
    assert redact_json(data, apple) == data
    # On x, her post is dropped and the summary loses her quote and her @handle, not its brand or key phrases.
    on_x = _alert([_top("x:7", "ann", "Apple ate my homework", "x"), _top("x:8", "bob", "Apple is fine", "x")],
                  "Apple: @ann with 900 followers posted negatively (x). Post: “Apple ate my homework” @ann_b agrees")
    redacted = redact_alert(on_x, ann)
    assert redacted is not None and [p.id for p in redacted.top_posts] == ["x:8"]
    assert redacted.summary == ("Apple: [removed] with 900 followers posted negatively (x). Post: “[removed]” "
                                "@ann_b agrees")
    assert redacted.brand == "Apple" and redacted.key_phrases == ["apple", "ann"]
