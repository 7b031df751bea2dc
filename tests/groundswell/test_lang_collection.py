"""A brand query with `lang:` keeps the posts whose source gives no language (Reddit, Hacker News, most
exports): at collection such a post is judged by the language the enrich step detects for it
(`groundswell.brands.collection_lang_of`), on every collection path, and the dashboard's `lang:` agrees."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.mention import Mention
from core.query import parse
from groundswell.brands import attribute, collection_lang_of, reattribute
from groundswell.config import load_config
from groundswell.pipeline import collect
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from nlp.langid import detect_languages

REPO = Path(__file__).resolve().parents[2]
WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
KOREAN = ["루모라 펄스 과열 심각해요", "Lumora Pulse 과열", "Lumora Halo 최고", "Pulse AS 받음 Lumora",
          "루모라 배터리 너무 빨리 닳아요", "Lumora 고객센터 최악이에요"]
OTHERS = ["Lumora Pulse overheats every day", "La Lumora Pulse si scalda troppo", "Lumora Pulse 太热了",
          "Lumora Halo отличный звук", "Lumora 👍"]


def _config(tmp_path: Path, rows: list[dict]):
    data = tmp_path / "posts.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    path = tmp_path / "groundswell.yaml"
    path.write_text(
        "brands:\n  - {name: LumoraKR, query: '(Lumora OR 루모라) lang:ko'}\n"
        "  - {name: LumoraAny, query: 'Lumora OR 루모라'}\n"
        f"sources:\n  - {{type: import, options: {{path: {data}}}}}\n"
        f"store: {{type: sqlite, path: {tmp_path / 'g.db'}}}\n"
        f"report: {{path: {tmp_path / 'report.html'}}}\nnlp: {{themes: false}}\n", encoding="utf-8")
    return load_config(str(path))


def _rows(texts: list[str]) -> list[dict]:
    # No `lang` field: the source gives none, as Reddit and Hacker News never do.
    return [{"native_id": f"p{i}", "source": "reddit", "text": t, "created_at": WHEN.isoformat(),
             "author": {"handle": f"u{i}"}} for i, t in enumerate(texts)]


def test_lang_query_keeps_posts_without_a_source_language(tmp_path):
    config = _config(tmp_path, _rows(KOREAN + OTHERS))
    store = SqliteStore(tmp_path / "g.db")
    report = collect(config, store)
    assert not report.errors
    korean = {m.id for m in store.iter_mentions(Filters(brand="LumoraKR"))}
    assert korean == {f"reddit:p{i}" for i in range(len(KOREAN))}
    # Every post is stored for the brand without `lang:`; each Korean one carries the language it was matched by,
    # which the enrich step keeps and the dashboard's `lang:ko` search (the store's query) reads.
    assert store.count(Filters(brand="LumoraAny")) == len(KOREAN + OTHERS)
    assert {m.id for m in store.iter_mentions(Filters(text="lang:ko"))} == korean
    assert store.count(Filters(lang="ko")) == len(korean)
    # The language stored is the one enrich would detect (nlp.langid on the model text).
    texts = [config.model_text()(m) for m in store.iter_mentions(Filters(brand="LumoraKR"))]
    assert set(detect_languages(texts)) == {"ko"}
    store.close()


def test_store_migrate_reattributes_by_the_detected_language(tmp_path):
    config = _config(tmp_path, [])
    store = SqliteStore(tmp_path / "g.db")
    # Stored before the brand with `lang:ko` was added, not yet enriched: no language.
    posts = [Mention(source="reddit", native_id=f"m{i}", text=t, created_at=WHEN, brands=["LumoraAny"])
             for i, t in enumerate(KOREAN + OTHERS)]
    assert all(r.ok for r in store.upsert(posts))
    report = reattribute(store, config.brands, lang_of=collection_lang_of(config))
    assert report.gained_by_brand == {"LumoraKR": len(KOREAN)}
    store.close()


def test_attribute_agrees_with_the_query_matcher_given_the_same_detector(tmp_path):
    config = _config(tmp_path, [])
    lang_of = collection_lang_of(config)
    for text in KOREAN + OTHERS:
        post = Mention(source="hackernews", native_id="1", text=text, created_at=WHEN)
        got = attribute(post, config.brands, lang_of)
        assert ("LumoraKR" in got.brands) == parse("lang:ko").matches(text, None, lang_of=lang_of) == (text in KOREAN)
        assert got.lang == (lang_of(text) if "LumoraKR" in got.brands or got.lang else None)


def test_python_dash_m_groundswell_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "groundswell", "--help"], capture_output=True, text=True,
                         cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Usage: groundswell ")
