"""The all-clear of an incident lists the viral posts a `followups: major` channel folded (surge report, finding 4:
"N more posts went viral: top 3 …"): `alerts.incidents.folded_digest`, added by real detection on the stored
corpus of `test_alerts_detect_store` with reposts recorded as shares (SQLite)."""

from __future__ import annotations

from datetime import timedelta

from test_alerts_detect_store import BRAND, CRISIS_AT, START, corpus

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from alerts.incidents import assign_incidents, folded_digest
from alerts.shares import Shares, share_of
from core.alert import Alert, DrivingPost
from core.mention import Author, Mention
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)


class _D:
    def __init__(self, alert: Alert) -> None:
        self.alert, self.decided_at = alert, alert.window_end


def _viral(n: int, reach: int, severity: str = "warning", hour: int = 1) -> Alert:
    start = CRISIS + timedelta(hours=hour)
    return Alert(kind="viral", brand="Acme", severity=severity, window_start=start,
                 window_end=start + timedelta(hours=1),
                 observed=20 + n, expected=1, statistic="reposts per hour", score=1, subject=f"x:{n}", reach=reach,
                 top_posts=[DrivingPost(id=f"x:{n}", text="it burns", author=f"user{n}")])


def test_the_digest_names_the_later_warnings_top_three_by_reach_and_not_the_first_or_a_critical() -> None:
    spike = Alert(kind="spike", brand="Acme", window_start=CRISIS, window_end=CRISIS + timedelta(hours=1),
                  observed=50, expected=3, statistic="negbin", score=9)
    first = _viral(0, 10**6, hour=0)  # the incident's first viral alert: sent in full, so not in the digest
    found = [_D(a) for a in [spike, first, _viral(1, 500), _viral(2, 9000), _viral(3, 40), _viral(4, 7000),
                             _viral(5, 10**7, severity="critical")]]
    assign_incidents(found, timedelta(hours=12))
    assert folded_digest(d.alert for d in found) == {
        spike.id: "4 more posts went viral: @user2 (reach 9,000, 22 reposts), @user4 (reach 7,000, 24 reposts), "
                  "@user1 (reach 500, 21 reposts)."
    }
    assert folded_digest([spike, first]) == {}


def test_the_all_clear_of_a_crisis_with_three_viral_posts_lists_the_two_folded(tmp_path) -> None:
    store = SqliteStore(tmp_path / "g.db")
    posts = corpus()
    assert all(r.ok for r in store.upsert(posts))
    originals = [m for m in posts if m.created_at >= CRISIS and m.sentiment and m.sentiment.label == "negative"][:3]
    shares = []
    for n, original in enumerate(originals):
        for i in range(25 + 10 * n):  # 25, 35 and 45 reposts in the crisis hour
            repost = Mention(source="x", native_id=f"rt{n}-{i}", text=f"RT @x: {original.text}", brands=["Acme"],
                             created_at=CRISIS + timedelta(minutes=20 + i // 2),
                             author=Author(handle=f"fan{n}-{i}", followers=100 * (n + 1)))
            shares.append(share_of(repost, original.id))
    Shares(store).record(shares)

    alerts = detect_alerts(store, BRAND, AlertsConfig(), now=CRISIS + timedelta(hours=12))
    viral = [a for a in alerts if a.kind == "viral"]
    clear = next(a for a in alerts if a.kind == "all_clear")
    assert len(viral) == 3 and {a.incident_id for a in viral} == {clear.incident_id}
    assert "2 more posts went viral: " in clear.summary
    store.close()
