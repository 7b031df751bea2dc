"""Alert explanations on a real SQLite store: key phrases of the surge, rising themes, only the
unusual part of the mix, and top posts that are in the surge (issue 19, "Explanations")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts.explain import explain
from alerts.render import as_slack, as_teams, as_text, facts
from core.alert import Alert
from core.mention import Author, Engagement, Mention, Sentiment
from indexing.sqlite import SqliteStore

START = datetime(2026, 5, 1, tzinfo=UTC)
SURGE = START + timedelta(days=14, hours=15)
DAYS = 14

# The usual complaints: about support and delivery, mostly English, half on X and half on Reddit.
USUAL = [
    ("en", "acme support never answers my tickets"),
    ("en", "acme delivery was late again"),
    ("en", "the acme app keeps logging me out"),
    ("en", "acme customer service put me on hold for an hour"),
    ("en", "why is acme so expensive now"),
    ("en", "acme support chat is useless"),
    ("en", "acme delivery lost my parcel"),
    ("en", "acme app is slow today"),
    ("en", "acme refund took weeks"),
    ("ko", "에이스미 고객센터 연결이 안 돼요"),
]
# The surge: battery fires, in English and (mostly) Korean.
SURGE_EN = [
    "my acme phone battery caught fire while charging",
    "acme battery fire last night, charging overheating again",
    "battery fire on my acme after charging overheating",
    "acme: battery caught fire, refund denied",
]
SURGE_KO = [
    "에이스미 배터리 화재 충전 중 과열",
    "충전 중 과열 되더니 배터리 화재 났어요",
    "배터리 화재 환불 거부 당했습니다",
]


def _mention(key: str, at: datetime, text: str, lang: str, source: str = "x", label: str = "negative",
             followers: int = 200, likes: int = 3, themes: list[str] | None = None,
             extra: dict | None = None) -> Mention:  # fmt: skip
    return Mention(
        source=source,
        native_id=key,
        text=text,
        created_at=at,
        author=Author(handle=f"u{key}", followers=followers),
        engagement=Engagement(likes=likes),
        brand="Acme",
        query="acme OR 에이스미",  # the brand's query: its words are never key phrases
        lang=lang,
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
        themes=themes or [],
        extra=extra or {},
    )


def corpus() -> list[Mention]:
    out: list[Mention] = []
    for hour in range(DAYS * 24):
        at = START + timedelta(hours=hour)
        for i in range(2):  # two usual complaints an hour, one per source
            lang, text = USUAL[(hour * 2 + i) % len(USUAL)]
            theme = "battery safety" if hour % 40 == 0 else "customer service"
            out.append(_mention(f"b{hour}-{i}", at, text, lang, "x" if i else "reddit", themes=[theme]))
        out.append(_mention(f"p{hour}", at, "acme looks great", "en", label="positive"))
    # Old news: a famous post from a week ago, re-shared during the surge by a big account.
    out.append(_mention("old", START + timedelta(days=7), "acme battery fire video is fake", "en", followers=900_000,
                        themes=["battery safety"]))  # fmt: skip
    for k in range(40):  # 40 negatives in one hour, 70% Korean, the same source mix as usual
        at = SURGE + timedelta(minutes=k)
        source = "x" if k % 2 else "reddit"
        if k % 10 < 3:
            text, lang = SURGE_EN[k % len(SURGE_EN)], "en"
        else:
            text, lang = SURGE_KO[k % len(SURGE_KO)], "ko"
        out.append(_mention(f"s{k}", at, text, lang, source, followers=1000 + 100 * k, themes=["battery safety"]))
    # Inside the surge window but not part of it: a huge account complaining about something else...
    out.append(_mention("offtopic", SURGE + timedelta(minutes=5), "acme stock price is a joke", "en",
                        followers=2_000_000, likes=5000, themes=["finance"]))  # fmt: skip
    # ...and a repost of the week-old post (reposts carry the original's text).
    out.append(_mention("repost", SURGE + timedelta(minutes=6), "acme battery fire video is fake", "en",
                        followers=3_000_000, extra={"repost_of": "x:old"}, themes=["battery safety"]))  # fmt: skip
    # A high-reach negative post the day before: outside the window.
    out.append(_mention("yesterday", SURGE - timedelta(days=1), "acme battery fire", "en", followers=5_000_000))
    return out


def _alert() -> Alert:
    return Alert(kind="spike", brand="Acme", window_start=SURGE, window_end=SURGE + timedelta(hours=1),
                 observed=42, expected=2.0, statistic="poisson", score=20.0, p_value=1e-20,
                 negative_share=0.95, expected_share=0.66)  # fmt: skip


@pytest.fixture(scope="module")
def explained() -> Alert:
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(corpus()))
        yield explain(_alert(), store, "http://dash.local", background_days=DAYS)
    finally:
        store.close()


def test_key_phrases_are_the_surges_phrases_in_both_languages(explained):
    phrases = explained.key_phrases
    assert 3 <= len(phrases) <= 5, phrases
    assert "battery fire" in phrases or "battery caught fire" in phrases, phrases
    assert any("배터리 화재" in p or "과열" in p for p in phrases), phrases
    assert sum(" " in p for p in phrases) >= 3  # multi-word phrases, not a bag of words
    words = [w for p in phrases for w in p.split()]
    assert len(words) == len(set(words)), phrases  # no phrase repeats another's word
    # The brand's own name and the usual complaints are never key phrases.
    assert not [p for p in phrases if "acme" in p or "에이스미" in p or "support" in p or "delivery" in p]
    assert "Key phrases: “" in explained.summary and phrases[0] in explained.summary


def test_top_posts_are_in_the_surge_not_merely_loud(explained):
    ids = [p.id.split(":")[1] for p in explained.top_posts]
    # Louder posts in the window (an off-topic rant, a repost of week-old news) are not the surge.
    assert ids and all(i.startswith("s") for i in ids), ids
    assert ids[0] == "s39"  # the surge post with the most reach leads...
    texts = [p.text for p in explained.top_posts]
    assert len(set(texts)) == len(texts)  # ...and each text shows once
    assert "Top post (@us39, 4,900 followers)" in explained.summary


def test_themes_up_only_those_over_represented(explained):
    themes = [s for s in explained.shifts if s.dimension == "theme"]
    assert [s.value for s in themes] == ["battery safety"] and explained.top_themes == ["battery safety"]
    assert themes[0].share > 0.9 and themes[0].usual_share < 0.05
    assert "customer service" not in explained.summary and "Themes up: “battery safety”" in explained.summary


def test_only_the_unusual_part_of_the_mix_is_mentioned(explained):
    mix = [(s.dimension, s.value) for s in explained.shifts if s.dimension != "theme"]
    assert mix == [("lang", "ko")], mix  # the source mix is as usual; English fell, which is not news
    ko = next(s for s in explained.shifts if s.value == "ko")
    assert ko.usual_share == pytest.approx(0.1, abs=0.02) and ko.share > 0.6
    assert f"ko {ko.share:.0%} of the surge vs 10% usually" in explained.summary
    assert "reddit" not in explained.summary and "Mostly on" not in explained.summary


def test_every_channel_shows_the_explanation(explained):
    rows = dict(facts(explained))
    assert rows["Key phrases"] == ", ".join(explained.key_phrases)
    assert rows["Unusual mix"].startswith("ko ") and "Sources" not in rows and "Languages" not in rows
    assert "battery safety" in rows["Themes up"]
    assert "Key phrases" in as_text(explained)
    slack_fields = [f["text"] for b in as_slack(explained)["blocks"] for f in b.get("fields", [])]
    assert any(f.startswith("*Key phrases*") for f in slack_fields)
    card = as_teams(explained)["attachments"][0]["content"]
    titles = [f["title"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]]
    assert {"Key phrases", "Themes up", "Unusual mix"} <= set(titles)


def test_a_surge_like_the_usual_says_nothing_about_mix_or_themes():
    """A window of ordinary complaints: no rising theme, no unusual mix, no phrase."""
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(corpus()))
        quiet = START + timedelta(days=13, hours=3)
        alert = _alert().model_copy(update={"window_start": quiet, "window_end": quiet + timedelta(hours=6), "id": ""})
        explain(alert, store, background_days=7)
        assert alert.shifts == [] and alert.key_phrases == [] and alert.top_posts
        assert "Unusual mix" not in alert.summary and "Themes up" not in alert.summary
    finally:
        store.close()


def test_real_stream_surge_phrases_are_the_surges_words():
    """apple-2014 (real tweets, human sentiment labels): its busiest negative hour, 4 Dec 2014 20-22h
    UTC, is mostly a retweet storm of a band's complaint ("Studio at 45,000 ft. One outlet,
    4 computers. @Apple we need the batteries of the future"); the explanation must say so."""
    import json

    from tests.conftest import shared_path

    folder = shared_path("data", "streams", "apple-2014")
    labels = {}
    with open(folder / "gold.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            labels[row["id"]] = row["sentiment"]
    mentions = []
    with open(folder / "mentions.jsonl", encoding="utf-8") as f:
        for line in f:
            m = Mention.model_validate_json(line)
            label = labels[m.id]
            mentions.append(m.model_copy(update={
                "brands": ["Apple"], "matches": {"Apple": "Apple OR @Apple OR #AAPL OR AAPL"},
                "sentiment": Sentiment(label=label, probs={label: 1.0}, model="gold"),
            }))  # fmt: skip
    store = SqliteStore(":memory:")
    try:
        assert all(r.ok for r in store.upsert(mentions))
        at = datetime(2014, 12, 4, 20, tzinfo=UTC)
        alert = Alert(kind="spike", brand="Apple", window_start=at, window_end=at + timedelta(hours=2),
                      observed=58, expected=10.0, statistic="poisson", score=10.0)  # fmt: skip
        explain(alert, store, background_days=3)
    finally:
        store.close()
    words = {w for p in alert.key_phrases for w in p.split()}
    assert words & {"batteries", "outlet", "charger", "computers", "studio"}, alert.key_phrases
    assert not words & {"apple", "aapl"}  # the brand's own query words
    assert alert.top_posts and any(w in alert.top_posts[0].text.lower() for w in ("batter", "charger", "outlet"))


@pytest.mark.parametrize(
    ("usual", "said"), [(0.0, "none usually"), (0.004, "under 1% usually"), (0.08, "8% usually")]
)
def test_a_shift_reads_as_a_person_would_say_it(usual, said):
    from alerts.wording import shift_text
    from core.alert import Shift

    shift = Shift(dimension="lang", value="ko", count=25, share=0.62, usual_share=usual)
    assert shift_text(shift) == f"ko 62% of the surge vs {said}"  # never "vs 0% usually"
