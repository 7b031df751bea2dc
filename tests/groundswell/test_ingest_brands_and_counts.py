"""`ingest` over posts that name several brands: a source restricted to some brands (`sources[].brands`) files its
posts under those brands only, and the summary's `collected` and `stored` count posts, not brand passes.

Before, a Kakao-only licensed export stored "KakaoTalk on my new Samsung" for Samsung too (another client's
counts and alerts), and a post found by two brands' passes was counted collected and stored twice.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from groundswell.cli import cli
from indexing.sqlite import SqliteStore

POSTS = {
    "1": "KakaoTalk on my new Samsung phone",
    "2": "Kakao pay is down again",
    "3": "Samsung and Apple iphone camera shootout",
    "4": "apple iphone battery",
}


def _config(tmp_path: Path, sources: list[dict]) -> Path:
    (tmp_path / "in.jsonl").write_text(
        "".join(json.dumps({"native_id": n, "text": t, "created_at": "2026-11-01T10:00:00Z"}) + "\n"
                for n, t in POSTS.items()),
        encoding="utf-8",
    )
    config = {
        "brands": [{"name": "Kakao", "query": "Kakao OR KakaoTalk"}, {"name": "Samsung", "query": "Samsung"},
                   {"name": "Apple", "query": "Apple AND iphone"}],
        "sources": sources,
        "store": {"path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }
    path = tmp_path / "g.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _ingest(config: Path) -> dict:
    result = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def _brands(tmp_path: Path) -> dict[str, list[str]]:
    store = SqliteStore(str(tmp_path / "g.db"))
    try:
        return {m.id: sorted(m.brands) for m in store.iter_mentions()}
    finally:
        store.close()


def test_a_source_restricted_to_a_brand_attributes_its_posts_among_its_brands_only(tmp_path: Path) -> None:
    source = {"type": "import", "name": "kakao-export", "brands": ["Kakao"],
              "options": {"path": str(tmp_path / "in.jsonl")}}
    _ingest(_config(tmp_path, [source]))
    assert _brands(tmp_path) == {"import:1": ["Kakao"], "import:2": ["Kakao"]}


def test_an_unrestricted_source_still_attributes_every_brand_a_post_names(tmp_path: Path) -> None:
    _ingest(_config(tmp_path, [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}]))
    assert _brands(tmp_path) == {"import:1": ["Kakao", "Samsung"], "import:2": ["Kakao"],
                                 "import:3": ["Apple", "Samsung"], "import:4": ["Apple"]}


def test_the_ingest_summary_counts_each_post_once_however_many_brands_fetch_it(tmp_path: Path) -> None:
    config = _config(tmp_path, [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}])
    first = _ingest(config)
    # Posts 1 and 3 name two brands each: fetched by two brand passes, written twice.
    assert (first["collected"], first["stored"], first["created"]) == (len(POSTS), len(POSTS), len(POSTS))
    again = _ingest(config)  # the import's cursor is saved: nothing new
    assert (again["collected"], again["stored"], again["created"]) == (0, 0, 0)
