"""Explore marks whole words as the query matches them: on the demo, `q=app` marked Dis[app]ointed and h[app]y in
6 of the first 100 results (a bare substring), and `Lumor*` marked only "Lumor" of every Lumora. Every mark now
stands on word boundaries and covers what the query matched. The demo data in a real SQLite store, the real app.
"""

from __future__ import annotations

import pytest
from web_support import demo_client

from core.query import parse


def _marked_words(query: str) -> list[tuple[str, str, str]]:
    """(character before, marked text, character after) of every mark on the first 100 results of `query`."""
    with demo_client() as (client, _):
        answer = client.get("/api/search", params={"q": query, "size": 100})
    assert answer.status_code == 200 and answer.json()["hits"]
    found = []
    for hit in answer.json()["hits"]:
        segments = hit["highlight"]
        text = "".join(s["text"] for s in segments)
        assert any(s["hit"] for s in segments), text  # every result shows why it matched
        at = 0
        for s in segments:
            if s["hit"]:
                found.append((text[at - 1 : at] or " ", s["text"], text[at + len(s["text"]) : at + len(s["text"]) + 1]
                              or " "))
            at += len(s["text"])
    return found


@pytest.mark.parametrize("query", ["app", "Lumor*", "battery OR overheating", "#lumora"])
def test_marks_are_whole_words_the_query_matches(query: str) -> None:
    marks = _marked_words(query)
    inside = [m for m in marks if m[0].isalnum() or m[2].isalnum()]
    assert inside == []
    assert all(parse(query).matches(word) for _, word, _ in marks)
