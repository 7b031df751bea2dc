"""A page snapshot whose keep-alive passed is closed even when no further call comes: an API client that paged an
engagement order with `keep_alive` and walked away held its read transaction for as long as the dashboard ran, so no
checkpoint could fold the WAL and `subject forget` exited 1 on every retry (a diff review). Real SQLite stores: the
dashboard's and, as `subject forget` opens it, a second one on the same file."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from core.mention import Engagement, Mention
from indexing.base import Filters
from indexing.sqlite import SqliteStore


def test_an_abandoned_paging_snapshot_is_closed_when_its_keep_alive_passes(tmp_path):
    dashboard = SqliteStore(tmp_path / "g.db")
    posts = [Mention(source="x", native_id=str(i), text=f"Lumora post {i}", brands=["Lumora"],
                     created_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i),
                     engagement=Engagement(likes=i)) for i in range(30)]  # fmt: skip
    assert all(r.ok for r in dashboard.upsert(posts))
    page = dashboard.search(Filters(brand="Lumora"), size=5, sort="engagement", keep_alive="1s")
    assert page.next_cursor is not None  # held: the client may come back within its keep-alive
    forget = SqliteStore(tmp_path / "g.db")
    try:
        forget.delete_ids(["x:1", "x:2"])
        time.sleep(2.5)  # the keep-alive passes; the client never calls again
        assert forget.fold_wal(wait_s=1.0), "the abandoned snapshot still holds the WAL"
    finally:
        forget.close()
        dashboard.close()
