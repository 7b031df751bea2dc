"""Demo-like data for the dashboard tests: the real demo corpus in a real SqliteStore.

The corpus (`groundswell.demo_corpus.generate`) is raw, as collected: no brand, language
or sentiment. Running the transformer here would make the dashboard tests slow
and test the model instead, so the labels are read back from how the generator
built each post (its template, its author's language pool, its planted event).
That gives exact, deterministic labels for checking what the dashboard shows.
"""

from __future__ import annotations

import functools
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from driving_posts import driving_posts

from alerts.history import save_alerts
from core.alert import Alert
from core.mention import Mention, Sentiment
from groundswell import demo_corpus as demo
from indexing.sqlite import SqliteStore

BRANDS = [("Lumora", False), ("Sonique", True)]
_RT = re.compile(r"^RT @\w+: ")
_HANDLE_LANG = re.compile(r"^demo_([a-z]{2})_\d+$")


@functools.cache
def _template_patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    out = []
    for lang, by_label in demo.TEMPLATES.items():
        for label, templates in by_label.items():
            for template in templates:
                pattern = re.escape(template)
                for slot in ("brand", "product", "feat"):
                    pattern = pattern.replace(re.escape("{" + slot + "}"), ".+?")
                out.append((lang, label, re.compile(pattern)))
    return out


def _label(record: dict, text: str) -> str:
    planted = record["extra"].get("planted")
    if planted == "planted-crisis":
        return "negative"
    if planted == "planted-launch":
        return "positive"
    for _, label, pattern in _template_patterns():
        if pattern.match(text):
            return label
    return "neutral"


def _themes(lang: str, text: str, planted: str | None) -> list[str]:
    english = demo.FEATURES["en"]
    found = [english[i] for i, word in enumerate(demo.FEATURES[lang]) if word.lower() in text.lower()]
    if planted == "planted-crisis":
        found.append("battery overheating")
    if planted == "planted-launch":
        found.append("launch")
    return sorted(set(found))


def demo_mentions(seed: int = 7) -> list[Mention]:
    """The demo corpus as enriched mentions (brand, lang, sentiment, themes filled as described above)."""
    mentions = []
    records = demo.generate(seed)
    lang_of = {
        f"{r['source']}:{r['native_id']}": m.group(1)
        for r in records
        if (m := _HANDLE_LANG.match(r["author"]["handle"]))
    }
    for record in records:
        text = _RT.sub("", record["text"])
        # The care account answers in its parent post's language.
        lang = lang_of.get(f"{record['source']}:{record['native_id']}") or lang_of[record["reply_to"]]
        brand = "Sonique" if "sonique" in text.lower() else "Lumora"
        label = _label(record, text)
        # Questions stand in for the posts a model is unsure about: flagged uncertain, top probability 0.45.
        unsure = "?" in text
        top, rest = (0.45, 0.275) if unsure else (0.8, 0.1)
        probs = {k: (top if k == label else rest) for k in ("negative", "neutral", "positive")}
        mentions.append(
            Mention(
                **{k: v for k, v in record.items() if k != "extra"},
                extra={k: v for k, v in record["extra"].items() if v is not None},
                brand=brand,
                lang=lang,
                sentiment=Sentiment(label=label, probs=probs, model="test-fixture-template-labels", uncertain=unsure),
                themes=_themes(lang, text, record["extra"].get("planted")),
            )
        )
    return mentions


def demo_alerts(mentions: list[Mention]) -> list[Alert]:
    """A critical spike on the planted crisis and a warning before it, in the pipeline's Alert format."""
    crisis = [m for m in mentions if m.extra.get("planted") == "planted-crisis"]
    crisis.sort(key=lambda m: -m.engagement.total)
    start = demo.CRISIS_START
    return [
        Alert(
            brand="Lumora",
            severity="critical",
            window_start=start + timedelta(hours=2),
            window_end=start + timedelta(hours=3),
            observed=38,
            expected=2.5,
            statistic="poisson",
            score=21.4,
            p_value=3e-22,
            negative_share=0.92,
            top_posts=driving_posts(crisis[:3]),
            top_terms=["overheating", "battery", "charging"],
            top_themes=["battery overheating"],
            source_mix={"x": 20, "reddit": 10, "bluesky": 8},
            lang_mix={"en": 15, "ko": 8, "zh": 8, "ru": 7},
            summary="Lumora: 38 negative mentions in one hour against 2.5 expected: battery overheating when charging",
        ),
        Alert(
            brand="Lumora",
            severity="warning",
            window_start=start - timedelta(days=3),
            window_end=start - timedelta(days=3) + timedelta(hours=1),
            observed=9,
            expected=3.1,
            statistic="robust_z",
            score=4.2,
            negative_share=0.5,
            summary="Lumora: 9 negative mentions in one hour against 3.1 expected",
        ),
    ]


def load_demo(store) -> None:
    """Write the demo mentions and alerts into any store."""
    mentions = demo_mentions()
    results = list(store.upsert(mentions))
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    save_alerts(store, demo_alerts(mentions))


@functools.cache
def demo_db() -> Path:
    """Build the demo SQLite file once per test process; tests only read it."""
    path = Path(tempfile.mkdtemp(prefix="groundswell-dashboard-")) / "demo.db"
    store = SqliteStore(path)
    load_demo(store)
    store.close()
    return path


def demo_app(store, **options):
    """The dashboard over `store` for the demo's brands (BRANDS); `options` go to `create_app`."""
    from dashboards.web.app import create_app  # lazy: FastAPI loads only for the tests that build an app
    from groundswell.config import BrandConfig

    return create_app(store, [BrandConfig(name=n, query=n, competitor=c) for n, c in BRANDS], **options)


@contextmanager
def demo_client() -> Iterator[tuple]:
    """(a test client of the dashboard over the demo store, that store): opened, then closed."""
    from fastapi.testclient import TestClient  # lazy: FastAPI loads only for the tests that build an app

    store = SqliteStore(demo_db())
    try:
        with TestClient(demo_app(store), base_url="http://127.0.0.1") as client:
            yield client, store
    finally:
        store.close()


def app_client(store, **options) -> Iterator:
    """A test client of the dashboard over `store` for the demo's brands (`options` go to `create_app`), closed
    afterwards. Use with `yield from` in a fixture."""
    from fastapi.testclient import TestClient  # lazy: FastAPI loads only for the tests that build an app

    with TestClient(demo_app(store, **options), base_url="http://127.0.0.1") as client:
        yield client


def forget_verdicts(store) -> Iterator[None]:
    """After the test, every incident verdict given in it deleted: each test starts with none (an autouse
    fixture's body, with `yield from`)."""
    yield
    store.delete_state(store.state_items("alert-verdict"))
