"""Advocates and detractors on a real SQLite store, the CLI and its CSV."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from core.mention import Author, Engagement, Mention, Sentiment
from groundswell.advocates import advocates, advocates_csv
from groundswell.cli import cli
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
_N = iter(range(10_000))


def post(handle: str | None, label: str, day: int, followers: int = 100, likes: int = 0, **kw) -> Mention:
    return Mention(
        source=kw.pop("source", "x"),
        native_id=f"m{next(_N)}",
        text=kw.pop("text", f"{label} words about Lumora from {handle}"),
        created_at=T0 + timedelta(days=day),
        brand=kw.pop("brand", "Lumora"),
        lang=kw.pop("lang", "en"),
        author=Author(handle=handle, followers=followers),
        engagement=Engagement(likes=likes),
        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"),
        **kw,
    )


CORPUS = [
    # A loyal small account: four positive posts over a week, in two languages.
    *(post("fan", "positive", d, followers=50, lang="en" if d < 3 else "it") for d in (0, 2, 4, 6)),
    # Two positive posts from an account as small: repetition decides between them.
    post("fan2", "positive", 2, followers=50),
    post("fan2", "positive", 3, followers=50),
    # Two positive posts from a far bigger account: reach counts by orders of magnitude.
    post("big", "positive", 1, followers=90_000, likes=10),
    post("big", "positive", 5, followers=90_000, likes=30),
    # A celebrity who posted once: not an advocate, however large.
    post("celebrity", "positive", 3, followers=5_000_000, likes=9_000),
    # Repeated, but negative: a detractor, not an advocate.
    *(post("critic", "negative", d, followers=300) for d in (1, 2, 3)),
    # Repeated positive posts flagged as spam: never advocates.
    *(post("bot", "positive", d, followers=10, spam="copy-paste campaign: 40 authors, 12 min") for d in (1, 1, 2)),
    # Another brand, and an author without a handle.
    *(post("fan", "positive", d, brand="Sonique") for d in (0, 1)),
    *(post(None, "positive", d) for d in (0, 1)),
]


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in s.upsert(CORPUS))
    yield s
    s.close()


def test_advocates_need_two_positive_mentions_and_rank_by_repetition_and_reach(store) -> None:
    ranked = advocates(store, "Lumora")
    assert [(a.handle, a.mentions) for a in ranked] == [("big", 2), ("fan", 4), ("fan2", 2)]
    big, fan, _ = ranked
    assert fan.score == pytest.approx(4 * (1 + 1.70757), abs=1e-3)  # reach 50: log10(51)
    assert big.reach == 90_000 + 40
    assert (fan.first_seen, fan.last_seen) == (T0, T0 + timedelta(days=6))
    assert fan.languages == {"en": 2, "it": 2}
    assert len(fan.samples) == 3 and big.samples[0].engagement.total == 30  # most engaged first


def test_period_and_detractors(store) -> None:
    assert [a.handle for a in advocates(store, "Lumora", since=T0 + timedelta(days=4))] == ["fan"]
    assert advocates(store, "Lumora", until=T0 + timedelta(days=2)) == []  # nobody has two yet
    assert [(a.handle, a.mentions) for a in advocates(store, "Lumora", sentiment="negative")] == [("critic", 3)]
    with pytest.raises(ValueError, match="'positive' .* or 'negative'"):
        advocates(store, "Lumora", sentiment="neutral")


def test_csv_has_a_row_per_author_and_is_formula_safe(store) -> None:
    list(store.upsert([post("=HYPERLINK(1)", "positive", d, followers=10) for d in (0, 1)]))
    rows = list(csv.DictReader("".join(advocates_csv(advocates(store, "Lumora"))).splitlines()))
    assert [r["handle"] for r in rows] == ["big", "fan", "fan2", "'=HYPERLINK(1)"]
    assert rows[1]["mentions"] == "4" and rows[1]["languages"] == "en:2|it:2" and rows[1]["rank"] == "2"
    assert len(rows[1]["sample_ids"].split("|")) == 3


def test_cli_writes_csv_and_json(store, tmp_path) -> None:
    store.close()
    config = tmp_path / "groundswell.yaml"
    config.write_text(
        "brands:\n  - name: Lumora\n    query: Lumora\nsources: []\n"
        f"store:\n  type: sqlite\n  path: {tmp_path / 'g.db'}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "adv.csv"
    args = ["advocates", "-c", str(config), "--brand", "Lumora", "--since", "2026-11-01", "--csv", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert [a["handle"] for a in summary["authors"]] == ["big", "fan", "fan2"]
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].startswith("rank,handle,source")  # after the BOM
    wrong = CliRunner().invoke(cli, ["advocates", "-c", str(config), "--brand", "Nope"])
    assert wrong.exit_code == 1 and "unknown brand 'Nope'; the config has: Lumora" in wrong.output


def test_the_brands_own_accounts_are_not_advocates(tmp_path) -> None:
    """A care account's many polite replies read as positive: it is the brand, not an advocate."""
    from core.accounts import OwnAccounts

    store = SqliteStore(tmp_path / "own.db")
    care = [post("LumoraCare", "positive", d, followers=9000) for d in range(5)]
    fans = [post("realfan", "positive", d) for d in (1, 3)]
    assert all(r.ok for r in store.upsert([*care, *fans]))
    assert [a.handle for a in advocates(store, "Lumora")] == ["LumoraCare", "realfan"]
    own = OwnAccounts.of({"x": ["@LumoraCare"]})
    assert [a.handle for a in advocates(store, "Lumora", own=own)] == ["realfan"]
    store.close()
