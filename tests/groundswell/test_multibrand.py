"""One post, every brand it names: a post matching two brands' queries is stored once and belongs to both.

Before, each brand's pass overwrote the post's single `brand`, so the brand processed last took it
and the other lost it silently.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)

from core.mention import Mention
from groundswell.brands import brands_matching
from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.base import Filters, Store
from indexing.sqlite import SqliteStore

POSTS = {
    "1": "Lumora beats Sonique on battery",  # both brands
    "2": "Lumora is nice",
    "3": "Sonique is loud",
    "4": "#sonique vs LUMORA, round two",  # both, by hashtag and case
    "5": "unrelated",
}
BOTH = {"import:1", "import:4"}


def _config(tmp_path, store: dict) -> object:
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(
            json.dumps({"native_id": n, "text": t, "created_at": "2026-11-01T10:00:00Z"}) + "\n"
            for n, t in POSTS.items()
        )
    )
    return parse_config(
        {
            "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique OR #sonique"}],
            "sources": [{"type": "import", "options": {"path": str(path), "source": "import"}}],
            "store": store,
            "report": {"path": str(tmp_path / "report.html")},
        }
    )


def _state(store: Store) -> dict:
    return {
        "docs": {m.id: m.model_dump(exclude={"collected_at"}) for m in store.iter_mentions()},
        "count": store.count(),
        "facet": store.facet(Filters(), "brand"),
    }


def _check(store: Store) -> None:
    by_id = {m.id: m for m in store.iter_mentions()}
    assert store.count() == 4  # one row per post, never one per brand
    assert {i for i, m in by_id.items() if m.brands == ["Lumora", "Sonique"]} == BOTH
    assert by_id["import:2"].brands == ["Lumora"] and by_id["import:3"].brands == ["Sonique"]
    assert by_id["import:1"].matches == {"Lumora": "Lumora", "Sonique": "Sonique OR #sonique"}
    assert store.facet(Filters(), "brand") == {"Lumora": 3, "Sonique": 3}  # share of voice counts it for each
    assert store.count(Filters(brand="Lumora")) == 3 and store.count(Filters(brand="Sonique")) == 3
    assert store.count(Filters(brands=("Lumora", "Sonique"))) == 4
    assert sum(b.total for b in store.histogram(Filters(brand="Sonique"), "day")) == 3


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def any_store(request, tmp_path) -> Iterator[Store]:
    """An empty store of each kind: the rule lives in the pipeline and `merge_stored`, both stores obey it."""
    if request.param == "sqlite":
        store: Store = SqliteStore(tmp_path / "g.db")
        yield store
        store.close()
        return
    from indexing.elasticsearch import ElasticsearchStore

    store = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=f"gs-mb-{uuid.uuid4().hex[:8]}")
    yield store
    delete_prefix(store.client, store.prefix)
    store.close()


@pytest.mark.parametrize("order", [("Lumora", "Sonique"), ("Sonique", "Lumora")])
def test_a_post_of_two_brands_belongs_to_both_in_either_order(tmp_path, any_store: Store, order):
    config = _config(tmp_path, {"type": "sqlite", "path": str(tmp_path / "unused.db")})
    store = any_store
    for brand in order:
        collect(config, store, brand=brand, use_cursor=False)
    _check(store)
    before = _state(store)
    for brand in order:  # re-running changes nothing
        collect(config, store, brand=brand, use_cursor=False)
    assert _state(store) == before


def test_a_pass_for_one_brand_alone_already_attributes_both(tmp_path):
    """The attribution rule runs at store time, so even a single brand's pass finds the other brand."""
    config = _config(tmp_path, {"type": "sqlite", "path": str(tmp_path / "g.db")})
    store = SqliteStore(tmp_path / "g.db")
    collect(config, store, brand="Lumora")
    assert {m.id: m.brands for m in store.iter_mentions()} == {
        "import:1": ["Lumora", "Sonique"], "import:2": ["Lumora"], "import:4": ["Lumora", "Sonique"],
    }  # fmt: skip


def test_upsert_from_another_pass_unions_brands_and_keeps_enrichment(any_store: Store):
    """A mention re-written under another brand alone (an old record, an import) never loses a brand."""
    store = any_store
    base = {"source": "x", "native_id": "9", "text": "anything", "created_at": "2026-11-01T10:00:00Z"}
    sentiment = {"label": "negative", "probs": {"negative": 0.9}, "model": "m"}
    old = {**base, "brand": "A", "query": "qa", "lang": "en", "sentiment": sentiment, "themes": ["t"]}
    list(store.upsert([Mention.model_validate(old)]))  # a record of the old layout: brand/query
    list(store.upsert([Mention.model_validate({**base, "brands": ["B"], "matches": {"B": "qb"}})]))
    (got,) = store.get(["x:9"])
    assert got.brands == ["A", "B"] and got.matches == {"A": "qa", "B": "qb"}
    assert got.sentiment is not None and got.themes == ["t"]
    assert store.facet(Filters(), "brand") == {"A": 1, "B": 1}


def test_brands_matching_is_the_local_matcher():
    config = _config_only()
    post = Mention(source="x", native_id="1", text=POSTS["4"], created_at="2026-11-01T10:00:00Z")
    assert brands_matching(post, config.brands) == {"Lumora": "Lumora", "Sonique": "Sonique OR #sonique"}


def _config_only():
    return parse_config(
        {"brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique OR #sonique"}]}
    )
