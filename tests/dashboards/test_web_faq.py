"""/api/faq after the demo's pipeline: the planted questions come back as recurring questions, the planted
crisis as a complaint reason. A slice of the demo corpus (every 10th post of the two weeks), the real
models (sentiment, intents), a real SQLite store and a real uvicorn."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from live_server import live_server, raw_get
from test_web_browser import browser, recording_page  # noqa: F401  (browser: the shared Chromium fixture)

from core.escaping import csv_cell
from dashboards.web.export import CSV_COLUMNS
from groundswell.config import load_config
from groundswell.demo import DEMO_CONFIG
from groundswell.demo_corpus import generate
from groundswell.pipeline import run_once
from indexing.factory import open_store

pytestmark = pytest.mark.model
EVERY = 10


@pytest.fixture(scope="module")
def port(tmp_path_factory) -> Iterator[int]:
    from dashboards.web.app import create_app

    root = tmp_path_factory.mktemp("faq-demo")
    records = generate()[::EVERY]
    (root / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (root / "groundswell.yaml").write_text(DEMO_CONFIG, encoding="utf-8")
    config = load_config(root / "groundswell.yaml")
    store = open_store(config.store)
    run_once(config, store=store, write_report=False)
    with live_server(create_app(store, config)) as p:
        yield p
    store.close()


def _faq(port: int, query: str) -> dict:
    status, _, body = raw_get(port, f"/api/faq?{query}")
    assert status == 200, body
    return json.loads(body)


def _texts(group: dict) -> list[str]:
    return [group["label"], *(m["text"] for m in group["examples"])]


def test_the_demo_planted_questions_are_recurring_questions(port):
    data = _faq(port, "brand=Lumora&days=14&examples=10")
    questions = data["questions"]["groups"]
    assert questions and data["questions"]["total"] >= sum(g["count"] for g in questions)
    # "Is the Lumora … different from last year's model?": one group, whatever the product and feature.
    last_year = [g for g in questions if any("different from last year's model" in t for t in _texts(g))]
    assert len(last_year) == 1 and last_year[0]["count"] >= 3, [g["label"] for g in questions]
    assert "different from last year's model" in last_year[0]["label"]
    # The German "Hat jemand den Lumora … getestet?" is among the recurring questions too.
    assert any("de" in g["langs"] for g in questions), [(g["label"], g["langs"]) for g in questions]
    assert any(t.startswith("Hat jemand") for g in questions for t in _texts(g))
    for group in questions:
        assert sum(group["langs"].values()) == group["count"] and group["count"] >= 2


def test_the_crisis_is_a_complaint_reason(port):
    data = _faq(port, "brand=Lumora&days=14&examples=10")
    top = data["complaints"]["groups"][:3]
    assert any("overheat" in t.lower() or "hot while charging" in t for g in top for t in _texts(g)), top
    # "Is anyone at Lumora listening?" closes a crisis post: a complaint, grouped with the crisis.
    assert any("Is anyone at Lumora listening?" in t for g in data["complaints"]["groups"] for t in _texts(g))


def test_faq_parameters_are_checked(port):
    status, _, body = raw_get(port, "/api/faq?brand=Nobody")
    assert status == 404 and "brand" in json.loads(body)["param"]
    status, _, body = raw_get(port, "/api/faq?brand=Lumora&n=0")
    assert status == 400 and json.loads(body)["param"] == "n"


def test_explore_filters_by_intent(port):
    """/api/search?intent=…: only posts of that intent, each carrying its tag; a typo is a clear 400."""
    status, _, body = raw_get(port, "/api/search?brand=Lumora&intent=question&size=100")
    data = json.loads(body)
    assert status == 200 and data["hits"] and {h["intent"] for h in data["hits"]} == {"question"}
    faq = _faq(port, "brand=Lumora&days=14")
    assert data["total"] >= faq["questions"]["total"]  # the FAQ's period is within the whole history
    status, _, body = raw_get(port, "/api/search?intent=questions")
    assert status == 400 and json.loads(body)["param"] == "intent"


def _pinned(data: dict, group: dict) -> str:
    """The drill-down's query: the view's brand and period as the answer gives it, and the group's id."""
    return urlencode({"brand": "Lumora", **data["period"], "group": group["id"]})


def test_every_group_opens_on_all_its_posts_as_json_or_csv(port):
    """Explore cannot filter by a list of posts: a group's id (its label post) gives all its posts from /api/faq
    itself, in the view's period, as mention cards or as Explore's export rows."""
    data = _faq(port, "brand=Lumora&days=14")
    sections = [data["questions"], data["complaints"]]
    for section in sections:
        assert section["clustered"] == min(section["total"], section["max_posts"])
        assert section["found"] >= len(section["groups"])
        for group in section["groups"]:
            assert len(group["ids"]) == len(set(group["ids"])) == group["count"] and group["id"] in group["ids"]
            assert 1 <= group["distinct"] <= group["count"]
    crisis = data["complaints"]["groups"][0]
    status, _, body = raw_get(port, f"/api/faq?{_pinned(data, crisis)}")
    assert status == 200, body
    opened = json.loads(body)
    assert opened["section"] == "complaints" and opened["group"]["ids"] == crisis["ids"]
    assert [m["id"] for m in opened["posts"]] == crisis["ids"]  # all of them, newest first
    assert {m["intent"] for m in opened["posts"]} == {"complaint"}
    times = [m["created_at"] for m in opened["posts"]]
    assert times == sorted(times, reverse=True)
    assert all(data["period"]["since"] <= t < data["period"]["until"] for t in times)

    status, headers, body = raw_get(port, f"/api/faq?{_pinned(data, crisis)}&format=csv&bom=1")
    assert status == 200 and headers["content-type"] == "text/csv; charset=utf-8"
    assert "groundswell-faq-group.csv" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert body.startswith(b"\xef\xbb\xbf") and list(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == crisis["ids"]
    assert [r["text"] for r in rows] == [csv_cell(m["text"]) for m in opened["posts"]]


def test_a_group_the_view_lacks_or_a_csv_without_a_group_is_a_clear_error(port):
    data = _faq(port, "brand=Lumora&days=14")
    status, _, body = raw_get(port, f"/api/faq?{_pinned(data, {'id': 'x:no-such-post'})}")
    assert status == 404 and json.loads(body)["param"] == "group" and "reload" in json.loads(body)["error"]
    status, _, body = raw_get(port, "/api/faq?brand=Lumora&format=csv")
    assert status == 400 and json.loads(body)["param"] == "format"
    status, _, body = raw_get(port, "/api/faq?brand=Lumora&group=" + "x" * 600)
    assert status == 400 and json.loads(body)["param"] == "group"


def test_the_crisis_groups_of_each_language_name_each_other_by_theme(port):
    """The crisis complained about in several languages makes a group per language; the top-level theme most of
    their posts carry (the themes step's) links them, so a group says in which other languages its theme comes up."""
    data = _faq(port, "brand=Lumora&days=14&n=50")
    groups = data["complaints"]["groups"]
    assert len(groups) == data["complaints"]["found"]  # n=50: every group, to check `related` against
    crisis = max((g for g in groups if any("overheat" in t.lower() for t in _texts(g))), key=lambda g: g["count"])
    same = [g for g in groups if g["id"] != crisis["id"] and g["theme"] == crisis["theme"]]
    assert crisis["theme"] and same, [(g["label"], g["langs"], g["theme"]) for g in groups]
    related = crisis["related"]
    assert related["groups"] == len(same) and related["posts"] == sum(g["count"] for g in same)
    assert [o["id"] for o in related["largest"]] == [g["id"] for g in same][:5]  # largest first
    langs = Counter()
    for g in same:
        langs.update(g["langs"])
    assert related["langs"] == dict(langs)
    assert len(set(related["langs"]) - set(crisis["langs"])) >= 2, related  # asked in other languages too
    assert all(crisis["id"] in [o["id"] for o in g["related"]["largest"]] or g["related"]["groups"] > 5 for g in same)
    unthemed = [g for g in groups if g["theme"] is None]
    assert all(g["related"] is None for g in unthemed)


# -- in the browser ------------------------------------------------------------------------------------
@pytest.fixture
def page(browser, port):  # noqa: F811  (browser: the shared Chromium fixture)
    yield from recording_page(browser, f"http://127.0.0.1:{port}")


@pytest.mark.browser
def test_the_faq_page_lists_groups_with_their_posts(page):
    from playwright.sync_api import expect

    errors = page.errors
    page.goto("/faq?brand=Lumora&days=14")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    groups = page.locator("#faq-questions li.faq-group")
    expect(groups.first).to_be_visible()
    # by its own label: other groups of its theme name it too, in their visible list of related groups
    last_year = groups.filter(has=page.locator(".faq-label", has_text="different from last year's model"))
    expect(last_year).to_have_count(1)
    last_year.locator("summary").click()  # unfold: the example posts, each a mention card
    expect(last_year.locator("li.mention").first).to_be_visible()
    expect(page.locator("#faq-complaints li.faq-group").first).to_be_visible()
    expect(page.locator("#faq-complaints")).to_contain_text("overheating")
    expect(page.locator("#faq-questions-note")).to_contain_text("tagged")
    # Explore's intent filter: the same questions, listed post by post.
    page.goto("/explore?brand=Lumora&intent=question")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    expect(page.locator("#f-intent")).to_have_value("question")
    expect(page.locator("#results li.mention").first).to_be_visible()
    expect(page.locator("#results")).to_contain_text("different from last year's model")
    assert errors == []


@pytest.mark.browser
def test_a_group_opens_on_all_its_posts_and_the_page_says_what_was_grouped(page, port, monkeypatch):
    """Unfolded, a group opens on all its posts (the page's period pinned) and offers them as CSV; each section says
    how many posts it grouped: all, or the newest MAX_POSTS of them (here 30, so the complaints are capped)."""
    from playwright.sync_api import expect

    import dashboards.web.faq

    monkeypatch.setattr(dashboards.web.faq, "MAX_POSTS", 30)
    data = _faq(port, "brand=Lumora&days=30")  # a preset of the page's Period
    complaints, questions = data["complaints"], data["questions"]
    assert complaints["total"] > 30 == complaints["clustered"] and questions["total"] <= 30
    errors = page.errors
    page.goto("/faq?brand=Lumora&days=30")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    expect(page.locator("#faq-complaints-note")).to_contain_text(
        f"grouped the newest 30 of {complaints['total']}: {30 - complaints['ungrouped']} recur in")
    expect(page.locator("#faq-questions-note")).to_contain_text(f"{questions['total']} tagged, all grouped")
    top = complaints["groups"][0]
    group = page.locator(f"#faq-complaints li.faq-group[data-id='{top['id']}']")
    group.locator("summary").click()
    expect(group.locator("li.mention")).to_have_count(len(top["examples"]))
    group.get_by_role("button", name=f"Open these {top['count']} posts").click()
    expect(group.locator("li.mention")).to_have_count(top["count"])
    shown = group.locator("li.mention").evaluate_all("(cards) => cards.map((c) => c.dataset.id)")
    assert shown == top["ids"]
    href = group.locator("a.faq-csv").get_attribute("href")
    answer = page.request.get(href)
    assert answer.ok and answer.body().startswith(b"\xef\xbb\xbf")  # the pages' CSV links: Excel's mark
    rows = list(csv.DictReader(io.StringIO(answer.body().decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == top["ids"]
    assert errors == []
