"""Rising themes in the digest and the static report follow the Themes page's coverage rule (finding 3 of the
quarterly review): a brand whose first mention is the day itself has no week before to compare with, so nothing is
rising and no theme is "new" anywhere (`groundswell.window_coverage.judged_themes`, the one place)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.mention import Mention
from dashboards.web.params import Period
from dashboards.web.views import themes
from groundswell.config import parse_config
from groundswell.digest import build_digest, render_markdown
from groundswell.report import _rising_chart
from indexing.base import Filters
from indexing.sqlite import SqliteStore

DAY = datetime(2015, 8, 6, tzinfo=UTC)


def _store(tmp_path, days_before: int) -> SqliteStore:
    """20 posts of a theme on DAY; `days_before` days before it with one post a day of another theme."""
    store = SqliteStore(tmp_path / "g.db")
    posts = [Mention(source="x", native_id=f"d{i}", text=f"Jeb questions {i}", created_at=DAY + timedelta(minutes=i),
                     brand="Jeb", themes=["questions"]) for i in range(20)]
    posts += [Mention(source="x", native_id=f"b{d}", text="Jeb other", created_at=DAY - timedelta(days=d + 1),
                      brand="Jeb", themes=["other"]) for d in range(days_before)]
    list(store.upsert(posts))
    return store


def test_first_day_of_data_lists_nothing_as_rising_or_new(tmp_path):
    store = _store(tmp_path, 0)
    config = parse_config({"brands": [{"name": "Jeb", "query": "Jeb"}]})
    brand = build_digest(config, store, date(2015, 8, 6))["brands"][0]
    assert brand["rising_themes"] == []
    assert brand["rising_not_judged"] == "not judged (the week before has data on 0 of its 7 days)"
    assert "- Rising: – not judged (the week before has data on 0 of its 7 days)" in render_markdown(
        build_digest(config, store, date(2015, 8, 6)))
    assert _rising_chart(store, "Jeb", DAY) is None  # no bars against a week with no data
    page = themes(store, Filters(brand="Jeb"), Period(DAY, DAY + timedelta(days=1)), 10, 3, 0)
    assert page["rising_judged"] is False and page["rising"] == []
    store.close()


def test_a_covered_week_before_still_judges_rising(tmp_path):
    store = _store(tmp_path, 7)
    config = parse_config({"brands": [{"name": "Jeb", "query": "Jeb"}]})
    brand = build_digest(config, store, date(2015, 8, 6))["brands"][0]
    assert [t["theme"] for t in brand["rising_themes"]] == ["questions"] and brand["rising_not_judged"] is None
    assert _rising_chart(store, "Jeb", DAY) is not None
    store.close()
