"""Crisis terms that inflect and term groups, through real detection, explanation, the alert history and the
dashboard on the embedded store: one crisis told in five languages is one keyword alert, which says which of its
terms matched, and its Explore link finds exactly the posts it counted."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from alerts.explain import explore_query
from alerts.history import load_alerts, save_alerts
from core.mention import Author, Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

START = datetime(2026, 6, 1, tzinfo=UTC)
BURST_AT = 7 * 24 + 15  # day 7, 15:00
# One crisis in five languages, three negative posts each. The Italian and Russian posts use only other forms
# of the configured words (surriscaldamento, перегреваться): an exact match finds none of them.
BURST = {
    "en": ["Acme Pulse overheating while charging", "my Acme is overheating again", "Acme overheating, smoke!"],
    "zh": ["警告：Acme 电池过热", "Acme 过热问题太危险了", "Acme 又过热了"],
    "ko": ["Acme 배터리 과열 조심하세요", "Acme 과열 문제 심각합니다", "Acme 과열, 연기가 났어요"],
    "it": ["Il mio Acme si è surriscaldato in carica", "batteria Acme surriscaldata, è uscito fumo",
           "l'Acme si surriscalda ogni sera"],
    "ru": ["Осторожно: батарея Acme перегревается", "телефоны Acme перегреваются при зарядке",
           "мой Acme перегревался всю ночь"],
}
TERMS = ["overheating", "过热", "과열", {"text": "surriscaldamento", "inflect": "it"}, "перегреваться"]
GROUP = {"name": "overheating", "any": TERMS}


def _mention(key: str, hour: int, label: str, text: str, lang: str = "en") -> Mention:
    return Mention(
        source="x", native_id=key, text=text, created_at=START + timedelta(hours=hour, minutes=len(key) % 50),
        author=Author(handle=f"u{key}", followers=100), brand="Acme", lang=lang,
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def corpus() -> list[Mention]:
    out = []
    for hour in range(8 * 24):
        out += [_mention(f"c{hour}-{i}", hour, "neutral", "acme looks nice today") for i in range(3)]
        out.append(_mention(f"n{hour}", hour, "negative", "acme support is slow"))
    out += [_mention(f"b{lang}{i}", BURST_AT, "negative", text, lang)
            for lang, texts in BURST.items() for i, text in enumerate(texts)]
    return out


@pytest.fixture(scope="module")
def store():
    s = SqliteStore(":memory:")
    assert all(r.ok for r in s.upsert(corpus()))
    yield s
    s.close()


def _keyword(store: SqliteStore, crisis_terms: list, **brand: object):
    config = BrandConfig(name="Acme", query="acme", crisis_terms=crisis_terms, **brand)
    alerts = detect_alerts(store, config, AlertsConfig(), dashboard_url="http://dash.local/")
    return [a for a in alerts if a.kind == "keyword"]


def test_inflected_terms_count_the_italian_and_russian_forms(store) -> None:
    alerts = _keyword(store, [{"text": "surriscaldamento", "inflect": "it"}, "перегреваться"], inflect=["ru"])
    assert {a.subject: a.observed for a in alerts} == {"surriscaldamento": 3, "перегреваться": 3}
    it = next(a for a in alerts if a.subject == "surriscaldamento")
    # The explanation and the link show the posts counted: every form, not the literal word.
    assert sorted(p.text for p in it.top_posts) == sorted(BURST["it"]) and it.lang_mix == {"it": 3}
    assert dict(parse_qsl(explore_query(it)))["q"] == '"surriscaldamento"~it'
    assert "crisis term “surriscaldamento” (every form: \"surriscaldamento\"~it)" in it.summary


@pytest.fixture(scope="module")
def grouped(store):
    (alert,) = _keyword(store, [GROUP], inflect=["ru"])
    return alert


def test_a_group_is_one_alert_where_its_terms_alone_made_five(store, grouped) -> None:
    separate = _keyword(store, TERMS, inflect=["ru"])
    assert sorted(a.subject for a in separate) == sorted(["overheating", "过热", "과열", "surriscaldamento",
                                                          "перегреваться"])
    assert grouped.subject == "overheating" and grouped.observed == 15
    assert grouped.window_start == separate[0].window_start == START + timedelta(hours=BURST_AT)
    # Which of its terms matched, most first, in the alert, its summary and its leading terms.
    assert grouped.term_counts == {"overheating": 3, "过热": 3, "과열": 3, "surriscaldamento": 3, "перегреваться": 3}
    assert "Acme: crisis term group “overheating” in 15 mentions" in grouped.summary
    assert "Terms matched: “overheating” (3), “过热” (3), “과열” (3), “surriscaldamento” (3), “перегреваться” (3)." in (
        grouped.summary
    )
    assert grouped.top_terms[:5] == ["overheating", "过热", "과열", "surriscaldamento", "перегреваться"]
    assert grouped.lang_mix == {lang: 3 for lang in BURST}


def test_a_stored_group_alert_links_to_exactly_its_posts(store, grouped) -> None:
    """The dashboard reads alerts back from the history: the link must come from the alert alone."""
    save_alerts(store, [grouped])
    (loaded,) = [a for a in load_alerts(store) if a.id == grouped.id]
    assert loaded.query == grouped.query and loaded.term_counts == grouped.term_counts
    with TestClient(create_app(store, [BrandConfig(name="Acme", query="acme")]), base_url="http://127.0.0.1") as client:
        (shown,) = [a for a in client.get("/api/alerts").json()["alerts"] if a["id"] == grouped.id]
        found = client.get("/api/search", params={**dict(parse_qsl(shown["explore"])), "size": 100}).json()
    assert found["total"] == shown["observed"] == 15
    assert sorted(h["text"] for h in found["hits"]) == sorted(t for texts in BURST.values() for t in texts)


def test_plain_terms_keep_their_alert_ids_and_links(store) -> None:
    """Series names, and so alert ids, delivery ledger keys and links, are those of before for a plain config."""
    (alert,) = _keyword(store, ["overheating"])
    key = f"keyword|Acme|{(START + timedelta(hours=BURST_AT)).isoformat()}|overheating"
    assert alert.id == hashlib.sha1(key.encode()).hexdigest()[:16] and alert.subject == "overheating"
    assert alert.observed == 3 and alert.term_counts == {}
    assert dict(parse_qsl(explore_query(alert)))["q"] == '"overheating"'
    assert alert.summary.startswith("Acme: crisis term “overheating” in 3 mentions during")
    # A brand's `inflect` now reaches its plain terms: the series keeps its name, so the id stays the same.
    (ru,) = _keyword(store, ["перегреваться"], inflect=["ru"])
    key = f"keyword|Acme|{(START + timedelta(hours=BURST_AT)).isoformat()}|перегреваться"
    assert ru.id == hashlib.sha1(key.encode()).hexdigest()[:16] and ru.observed == 3
