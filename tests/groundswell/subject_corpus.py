"""A small demo-like store for the `groundswell subject` tests: posts by three people collected through the real
pipeline (copy index, shares), alerts quoting them in the log and a JSONL channel, a digest, a correction, a "not
spam", a verdict whose note names one of them, and one of their posts parked in the dead-letter file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_config import write_config

from alerts.channels.jsonl import JsonlSender
from alerts.explain import summarize
from alerts.history import AlertLog
from alerts.influencer import post_of
from core.alert import Alert
from core.mention import Author, Mention, Sentiment, dump_mention
from groundswell.alert_verdicts import set_verdict
from groundswell.config import load_config
from groundswell.deadletter import DeadLetter
from groundswell.digest import write_digest
from groundswell.pipeline import collect, open_store
from groundswell.sentiment_corrections import correct_sentiment
from groundswell.spam import mark_not_spam

DAY = datetime(2026, 11, 4, tzinfo=UTC)
HANDLE = "ann_quill"  # the person to forget: a handle no other text contains
NEG = Sentiment(label="negative", probs={"negative": 0.9, "neutral": 0.05, "positive": 0.05}, model="test@1")


def _post(nid: str, handle: str, text: str, minutes: int, followers: int = 100) -> Mention:
    return Mention(source="x", native_id=nid, text=text, created_at=DAY + timedelta(hours=9, minutes=minutes),
                   url=f"https://x.example/{handle}/status/{nid}", author=Author(handle=handle, followers=followers),
                   lang="en", sentiment=NEG)


ANN = [
    _post("9001", HANDLE, "Acme blender exploded in my kitchen, never again", 1, 90_000),
    _post("9002", HANDLE, "Acme support hung up on me twice today", 2, 90_000),
]
OTHERS = [
    _post("9101", "bob_b", "Acme blender is loud but fine", 3),
    _post("9102", "carol_c", "Acme shipping was quick this week", 4),
    _post("9103", "bob_b", "RT @ann_quill: Acme blender exploded in my kitchen, never again", 5),  # a share of Ann's
    _post("9104", HANDLE, "RT @carol_c: Acme shipping was quick this week", 6),  # Ann's share of Carol's post
]
PARKED = _post("9003", HANDLE, "Acme refund still missing, order 4455", 7, 90_000)


def build(folder: Path, extra: list[Mention] | None = None) -> Path:
    """Write the config, collect the posts (and `extra` ones, others') and everything derived from them; return
    the config's path."""
    extra = extra or []
    path = write_config(folder, channels=[{"type": "jsonl", "path": str(folder / "alerts.jsonl")}])
    (folder / "in.jsonl").write_text("".join(dump_mention(m) + "\n" for m in [*ANN, *OTHERS, *extra]), encoding="utf-8")
    config = load_config(path)
    store = open_store(config)
    try:
        report = collect(config, store)
        assert report.stored == 4 + len(extra) and report.reposts_recorded == 2, report
        alerts = [_alert(ANN[0], OTHERS[0]), _alert(OTHERS[1], OTHERS[0], subject="x:9102")]
        AlertLog(store).save(alerts)
        sender = JsonlSender(str(folder / "alerts.jsonl"))
        for alert in alerts:
            sender.send(alert)
        now = DAY + timedelta(days=1)
        correct_sentiment(store, {ANN[1].id: "neutral", OTHERS[0].id: "positive"}, by="analyst.anna", now=now)
        mark_not_spam(store, [ANN[0].id], by="analyst.anna", now=now)
        set_verdict(store, alerts, alerts[0].id, "real", by="analyst.anna", now=now,
                    note=f"@{HANDLE} phoned support about it")
        write_digest(config, store, DAY.date())
        DeadLetter(folder / "deadletter.jsonl").park([PARKED], reason="test: the store refused it")
    finally:
        store.close()
    return path


def _alert(top: Mention, other: Mention, subject: str | None = None) -> Alert:
    alert = Alert(kind="influencer", brand="Acme", severity="critical", window_start=DAY + timedelta(hours=9),
                  window_end=DAY + timedelta(hours=10), observed=float(top.author.followers or 0), expected=50_000.0,
                  statistic="followers", score=3.0, top_posts=[post_of(top), post_of(other)],
                  subject=subject or top.id, detector="influencer", decided_at=DAY + timedelta(hours=10))
    alert.summary = summarize(alert)
    return alert
