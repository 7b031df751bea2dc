"""The 24 h rule holds for escalations: an incident's opener the channel already has, whose severity rose days ago,
is not escalated when a follow-up of it arrives (it is counted too_old); the exemption that sends an old opener with
its recent follow-up holds only for a channel that never got the opener. Real SQLite store, real JSON Lines files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from conftest import make_alert

from alerts.config import JsonlChannel
from alerts.deliver import deliver, offered_since, plan, with_pending
from alerts.holds import Holds
from alerts.verdict_filter import Verdicts
from indexing.sqlite import SqliteStore

DAY1, DAY4 = datetime(2026, 3, 18, 12, tzinfo=UTC), datetime(2026, 3, 21, 12, tzinfo=UTC)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_a_days_old_escalation_is_not_sent_with_a_follow_up(tmp_path):
    state = SqliteStore(tmp_path / "g.db")
    told, new = (JsonlChannel(type="jsonl", name=n, path=str(tmp_path / f"{n}.jsonl")) for n in ("told", "new"))
    opener = make_alert(hour=10, severity="warning")
    opener = opener.model_copy(update={"incident_id": opener.id})
    assert deliver(with_pending([opener], [], [told], state, DAY1), [told], state, since=offered_since(DAY1),
                   now=DAY1).sent == 1
    risen = opener.model_copy(update={"severity": "critical"})  # it rose that day; the escalation never went
    follow = make_alert(hour=11, severity="critical", kind="keyword").model_copy(update={
        "incident_id": opener.id, "window_start": DAY4.replace(hour=10), "window_end": DAY4.replace(hour=11)})

    alone = with_pending([follow], [risen], [told], state, DAY4)
    report = deliver(alone, [told], state, since=offered_since(DAY4), now=DAY4)
    assert (report.escalated, report.too_old, report.sent) == (0, 1, 1), report  # was escalated 1, too_old 0
    assert [line["id"] for line in _lines(tmp_path / "told.jsonl")] == [opener.id, follow.id]

    # A channel that never got the opener still gets it first, however old; the one that has it, no escalation.
    both = [told, new]
    offered = with_pending([follow], [risen], both, state, DAY4)
    steps = plan(offered, both, state, Holds(Verdicts(), DAY4), since=offered_since(DAY4))
    assert [(s.alert.id, s.action) for s in steps["told"]] == [(opener.id, "too_old"), (follow.id, "already_sent")]
    report = deliver(offered, both, state, since=offered_since(DAY4), now=DAY4)
    assert report.escalated == 0 and report.channels["told"].too_old == 1
    assert [line["id"] for line in _lines(tmp_path / "new.jsonl")] == [opener.id, follow.id]
    assert len(_lines(tmp_path / "told.jsonl")) == 2
    state.close()
