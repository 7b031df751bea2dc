"""A store with a brand's history for the `groundswell brands rename` tests, built through the real pipeline (the
import source, the copy index, detection, delivery): eight days of an ordinary brand's posts and a crisis three
hours ago (a spike, its crisis term, an influencer), which a `run --history` detects and sends to a `jsonl` channel;
a person's verdict on the crisis; a post parked in the dead-letter file. `build` makes it once; `copy_to` gives
each test its own copy."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_config import write_config
from click.testing import CliRunner

from core.mention import Author, Engagement, Mention, Sentiment, dump_mention
from groundswell.cli import cli
from indexing.base import Filters
from indexing.sqlite import SqliteStore

OLD, NEW = "Acme", "Acme Corp"
RUN = ["run", "--history", "--no-progress", "--no-report"]
_WORDS = ["wow", "seriously", "ugh", "help", "careful", "warning", "omg", "why", "again", "today", "look", "no"]


def _label(label: str) -> Sentiment:
    return Sentiment(label=label, probs={label: 0.9}, model="test")


def corpus(now: datetime) -> list[Mention]:
    """Eight quiet days of six posts an hour, then a burst of negative posts about overheating from three hours
    before `now`, one by an influencer."""
    start = now - timedelta(days=8)
    out = []
    for hour in range(8 * 24):
        for i in range(6):
            label = "negative" if i == 0 and hour % 2 == 0 else ("positive" if i % 2 else "neutral")
            said = "acme support is slow" if label == "negative" else "acme looks fine today"
            text = f"{said}, {_WORDS[i * 2]} {hour} {_WORDS[hour % 12]}"  # each its own post: none is a copy
            out.append(Mention(source="reddit", native_id=f"{hour}-{i}", text=text, lang="en", brands=[OLD],
                               created_at=start + timedelta(hours=hour, minutes=7 * i), sentiment=_label(label),
                               author=Author(handle=f"u{i}", followers=300)))
    crisis = now - timedelta(hours=3)
    for k, n in enumerate([25, 35, 20]):
        for i in range(n):
            text = f"{_WORDS[i % 12]} acme charger overheating {i}, {_WORDS[(i * 7 + k) % 12]} it burned my desk"
            out.append(Mention(source="x", native_id=f"c{k}-{i}", text=text, lang="en", brands=[OLD],
                               created_at=crisis + timedelta(hours=k, minutes=i % 60), sentiment=_label("negative"),
                               author=Author(handle=f"c{i}", followers=500), engagement=Engagement(likes=40 + i)))
    out.append(Mention(source="x", native_id="big-1", text="acme overheating chargers are dangerous", lang="en",
                       brands=[OLD], created_at=crisis + timedelta(minutes=5), sentiment=_label("negative"),
                       author=Author(handle="famous", followers=750_000), engagement=Engagement(likes=4000)))
    return out


def config_for(folder: Path, brand: str) -> Path:
    """The config of `folder` naming the brand `brand` (the same query and crisis term, the same jsonl channel)."""
    return write_config(folder, brands=[{"name": brand, "query": "acme", "crisis_terms": ["overheating"]}],
                        channels=[{"type": "jsonl", "path": str(folder / "sent.jsonl")}])


def build(folder: Path) -> Path:
    """The store under OLD with its alerts sent and the crisis judged; returns `folder`."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    config = config_for(folder, OLD)
    posts = corpus(now)
    # Collected by the import source, so the copy index holds the brand's keys too.
    (folder / "in.jsonl").write_text("".join(dump_mention(m) + "\n" for m in posts), encoding="utf-8")
    ran = CliRunner().invoke(cli, [*RUN, "-c", str(config)])
    assert ran.exit_code == 0, ran.output
    store = SqliteStore(folder / "g.db")
    try:
        assert store.count(Filters(brand=OLD, include_spam=True)) == len(posts)
    finally:
        store.close()
    assert json.loads(ran.stdout.strip().splitlines()[-1])["alerts_sent"] >= 2
    listed = CliRunner().invoke(cli, ["alerts", "verdicts", "-c", str(config), "--all"])
    crisis = json.loads(listed.stdout.splitlines()[0])["incident"]
    judged = CliRunner().invoke(cli, ["alerts", "verdict", "-c", str(config), crisis, "real", "--by", "ana",
                                      "--note", "chargers recalled"])
    assert judged.exit_code == 0, judged.output
    parked = Mention(source="x", native_id="parked-1", text="acme charger overheating, parked", brands=[OLD],
                     created_at=now - timedelta(hours=1), matches={OLD: "acme"})
    (folder / "deadletter.jsonl").write_text(dump_mention(parked) + "\n", encoding="utf-8")
    return folder


def copy_to(template: Path, folder: Path, brand: str = NEW) -> Path:
    """A copy of the template's store and files in `folder`, its config naming `brand`; returns the config's path."""
    for path in [*template.glob("g.db*"), template / "sent.jsonl", template / "deadletter.jsonl"]:
        shutil.copy2(path, folder / path.name)
    return config_for(folder, brand)
