"""The static report's volume chart picks its bars by the span charted, as the dashboard's overview does
(`groundswell.periods.volume_interval`; finding 6 of the quarterly review: nine months of hourly hairlines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Mention
from dashboards.web.params import Period
from dashboards.web.views import overview_interval
from groundswell.report import _volume_chart
from indexing.sqlite import SqliteStore

T0 = datetime(2014, 12, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize(("days", "interval", "bars"), [(1, "hour", 2), (10, "day", 2), (250, "week", 2)])
def test_the_bars_follow_the_span(tmp_path, days, interval, bars):
    store = SqliteStore(tmp_path / "g.db")
    ends = [T0, T0 + timedelta(days=days) - timedelta(hours=2)]
    list(store.upsert([Mention(source="x", native_id=str(i), text="Apple", created_at=t, brand="Apple")
                       for i, t in enumerate(ends)]))
    fig = _volume_chart(store, "Apple", [], "America/New_York")
    assert fig.layout.title.text == f"Apple: mentions per {interval} by sentiment"
    assert len(fig.data[0].x) == bars
    # the dashboard's overview picks the same bars for the same span
    assert overview_interval(Period(ends[0], ends[1] + timedelta(hours=1))) == interval
    store.close()
