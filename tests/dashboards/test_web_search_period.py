"""/api/search and /api/export follow /api/overview's period rule: a `since` alone after the end its period
would get is a 400."""

from __future__ import annotations

import pytest
from web_support import demo_client


@pytest.fixture(scope="module")
def client():
    with demo_client() as (client, _):
        yield client


def test_a_since_after_the_newest_mention_and_now_is_refused(client):
    # It answered 200 with an empty page, which reads as "no mentions since then".
    for endpoint in ("overview", "search", "export"):
        response = client.get(f"/api/{endpoint}", params={"since": "2150-01-01"})
        assert response.status_code == 400, (endpoint, response.text)
        body = response.json()
        assert body["param"] == "since" and "is not before the end of the period" in body["error"]


def test_a_since_in_the_past_and_a_full_range_still_search(client):
    assert client.get("/api/search", params={"since": "2026-11-10"}).json()["hits"]
    # An explicit until is the user's own period: a future range is empty, not an error (as on overview).
    future = client.get("/api/search", params={"since": "2150-01-01", "until": "2150-02-01"})
    assert future.status_code == 200 and future.json()["hits"] == []


# ---- the default period (no since/until): the brand's newest post ends it, snapped to the bucket ------------
# The demo's newest Lumora post is 2026-11-14 23:43 UTC; its newest Spanish one 21:25, on Hacker News 05:24.
WEEK = {"since": "2026-11-08T00:00:00+00:00", "until": "2026-11-15T00:00:00+00:00"}


def _get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("facets", [{"lang": "es"}, {"source": "hackernews"}, {"lang": "es", "spam": "include"}])
def test_a_facet_does_not_move_the_overviews_default_period(client, facets):
    """lang=es ended the week at the hour after the newest Spanish post (11-07 22:00 to 11-14 22:00: eight day bars,
    the first of two hours), source=hackernews at 06:00: the facet counted another week than the view it
    narrows, and its "vs previous period" compared other spans."""
    main = _get(client, "/api/overview", brand="Lumora")
    assert main["period"] == WEEK and main["interval"] == "day"
    assert main["previous_period"] == {"since": "2026-11-01T00:00:00+00:00", "until": WEEK["since"], "so_far": False}
    assert [b["start"] for b in main["volume"]] == [f"2026-11-{d:02d}T00:00:00+00:00" for d in range(8, 15)]
    view = _get(client, "/api/overview", brand="Lumora", **facets)
    assert view["period"] == WEEK and view["previous_period"] == main["previous_period"]
    assert {b["start"] for b in view["volume"]} <= {b["start"] for b in main["volume"]}  # whole days, no extra bar
    if "spam" not in facets:  # the facet's count in the main view is the facet's view's total
        split = main["by_lang"] if "lang" in facets else main["by_source"]
        assert view["totals"]["mentions"] == split[facets.get("lang") or facets["source"]] > 0


def test_themes_explore_and_advocates_count_the_overviews_week_under_any_facet(client):
    main = _get(client, "/api/overview", brand="Lumora")
    for facets in ({}, {"lang": "es"}, {"source": "hackernews"}, {"sentiment": "negative"}):
        assert _get(client, "/api/themes", brand="Lumora", **facets)["period"] == WEEK, facets
    # Explore's 7-day preset with a language or a query: the overview's week, so its total is the overview's count.
    spanish = _get(client, "/api/search", brand="Lumora", days="7", lang="es", size="1")
    assert spanish["total"] == main["by_lang"]["es"]
    battery = _get(client, "/api/search", brand="Lumora", days="7", q="battery", size="1")
    assert battery["total"] == _get(client, "/api/search", brand="Lumora", q="battery", size="1", **WEEK)["total"]
    # A preset of up to 3 days is counted by hour: it ends at the hour after the brand's newest post.
    day = _get(client, "/api/search", brand="Lumora", days="1", lang="es", size="1")
    assert day["total"] == _get(client, "/api/search", brand="Lumora", lang="es", size="1",
                                since="2026-11-14T00:00:00Z", until="2026-11-15T00:00:00Z")["total"]
    for kind in ("advocates", "detractors"):  # /api/advocates says which period it ranked, as the others do
        body = _get(client, "/api/advocates", brand="Lumora", kind=kind)
        assert body["period"] == WEEK and body["timezone"] == "UTC"
    assert _get(client, "/api/advocates", brand="Lumora", days="3")["period"] == {
        "since": "2026-11-12T00:00:00+00:00", "until": WEEK["until"]}
    assert _get(client, "/api/replies", brand="Lumora")["period"] == WEEK


def test_a_since_alone_ends_at_the_end_of_the_brands_last_day(client):
    body = _get(client, "/api/overview", brand="Lumora", since="2026-11-10", lang="es")
    assert body["period"] == {"since": "2026-11-10T00:00:00+00:00", "until": WEEK["until"]}
    assert len(body["volume"]) == 5 and body["interval"] == "day"
