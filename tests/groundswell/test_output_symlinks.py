"""Files the CLI writes whole never write through a symlink planted at their name (`core/file_write.py`): the report
and its plotly.min.js, the digest, the week/month report files, `--csv` files and the dead-letter file (whose fixed
`deadletter.jsonl.tmp` could be planted too). Before, `report.html -> victim.txt` in the output folder had the report
overwrite victim.txt. Each test writes once to learn the names, plants a link at each, writes again: every link is
replaced by the new file and its target is untouched. Real SQLite store, real files."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.file_write import replacing, write_file
from core.mention import Author, Mention, Sentiment
from groundswell.cli import cli
from groundswell.config import parse_config
from groundswell.csv_file import write_csv
from groundswell.deadletter import DeadLetter
from groundswell.digest import write_digest
from groundswell.period_delivery import run_period_report
from groundswell.report import write_report
from groundswell.subject_export import write_export
from indexing.sqlite import SqliteStore

DAY = date(2026, 11, 18)
VICTIM = "the victim's own file\n"


@pytest.fixture
def filled(tmp_path):
    config = parse_config({"brands": [{"name": "Lumora", "query": "Lumora"}],
                           "report": {"path": str(tmp_path / "out" / "report.html")}})  # fmt: skip
    store = SqliteStore(tmp_path / "g.db")
    start = datetime(2026, 11, 10, 9, tzinfo=UTC)
    list(store.upsert([_mention(i, start + timedelta(hours=7 * i)) for i in range(30)]))
    yield config, store
    store.close()


def _mention(n: int, when: datetime) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=f"Lumora post {n}", brand="Lumora", lang="en",
                   author=Author(handle=f"u{n}"), created_at=when,
                   sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="t"))  # fmt: skip


def _plant(paths: list[Path], victims: Path) -> list[Path]:
    """Replace each of `paths` by a symlink to a victim file of its own; return the victims."""
    victims.mkdir(exist_ok=True)
    planted = []
    for n, path in enumerate(paths):
        victim = victims / f"victim{n}.txt"
        victim.write_text(VICTIM, encoding="utf-8")
        path.unlink(missing_ok=True)
        path.symlink_to(victim)
        planted.append(victim)
    return planted


def _assert_replaced(paths: list[Path], victims: list[Path]) -> None:
    for path, victim in zip(paths, victims, strict=True):
        assert victim.read_text(encoding="utf-8") == VICTIM, f"{path.name} wrote through its link into {victim}"
        assert path.is_file() and not path.is_symlink() and path.stat().st_size > 0
    leftovers = {p.name for path in paths for p in path.parent.iterdir() if p.name.endswith(".tmp")}
    assert not leftovers


def test_the_report_and_its_script_replace_a_planted_link(filled, tmp_path):
    config, store = filled
    page = write_report(config, store, [])
    paths = [page, page.parent / "plotly.min.js"]
    victims = _plant(paths, tmp_path / "victims")
    write_report(config, store, [])
    _assert_replaced(paths, victims)
    assert "<html" in page.read_text(encoding="utf-8")


def test_the_digest_and_the_period_report_replace_a_planted_link(filled, tmp_path):
    config, store = filled
    digest = write_digest(config, store, DAY, tmp_path / "digests")
    period = run_period_report(config, store, "week", DAY, send=False, now=datetime(2026, 12, 1, tzinfo=UTC))
    paths = [Path(digest["markdown"]), Path(digest["markdown"]).with_suffix(".json")]
    paths += [Path(period[kind]) for kind in ("markdown", "html", "json")]
    victims = _plant(paths, tmp_path / "victims")
    write_digest(config, store, DAY, tmp_path / "digests")
    run_period_report(config, store, "week", DAY, send=False, now=datetime(2026, 12, 1, tzinfo=UTC))
    _assert_replaced(paths, victims)


def test_a_csv_file_replaces_a_planted_link_and_dev_null_still_works(tmp_path):
    path = tmp_path / "advocates.csv"
    victims = _plant([path], tmp_path / "victims")
    write_csv(path, "handle,posts\r\nann,3\r\n")
    _assert_replaced([path], victims)
    assert path.read_bytes() == b"\xef\xbb\xbfhandle,posts\r\nann,3\r\n"
    write_csv(os.devnull, "handle\r\n")  # a system name is written as it is, not replaced


def test_the_dead_letter_file_never_writes_through_its_old_fixed_temporary_name(tmp_path):
    letters = DeadLetter(tmp_path / "deadletter.jsonl")
    [victim] = _plant([tmp_path / "deadletter.jsonl.tmp"], tmp_path / "victims")
    assert letters.park([_mention(1, datetime(2026, 11, 10, tzinfo=UTC))], "store down") == 1
    assert victim.read_text(encoding="utf-8") == VICTIM and letters.parked_ids() == {"x:p1"}


def test_the_dead_letter_lock_never_writes_through_a_planted_link(tmp_path):
    """`deadletter.jsonl.lock` was opened with open(..., "w"): a link planted there had its target emptied on every
    park and replay. Now it is opened with O_NOFOLLOW and never truncated: the link is an error naming it."""
    letters = DeadLetter(tmp_path / "deadletter.jsonl")
    lock = tmp_path / "deadletter.jsonl.lock"
    [victim] = _plant([lock], tmp_path / "victims")
    with pytest.raises(OSError, match=r"a symbolic link, not the dead-letter lock file: remove it") as caught:
        letters.park([_mention(1, datetime(2026, 11, 10, tzinfo=UTC))], "store down")
    assert caught.value.filename == str(lock)
    assert victim.read_text(encoding="utf-8") == VICTIM and not (tmp_path / "deadletter.jsonl").exists()
    lock.unlink()  # the person removes it: parking works, and the lock file it makes is no one else's to read
    assert letters.park([_mention(1, datetime(2026, 11, 10, tzinfo=UTC))], "store down") == 1
    assert lock.is_file() and not lock.is_symlink() and lock.stat().st_mode & 0o777 == 0o600


def test_kibana_build_and_subject_export_replace_a_planted_link(tmp_path):
    ndjson, export = tmp_path / "kibana.ndjson", tmp_path / "export.json"
    dangling = tmp_path / "dangling.json"  # a link to a name that is not there: followed, it was created
    victims = _plant([ndjson, export], tmp_path / "victims")
    dangling.symlink_to(tmp_path / "victims" / "created.txt")
    result = CliRunner().invoke(cli, ["kibana", "build", "-o", str(ndjson)])
    assert result.exit_code == 0, result.output
    write_export({"subject": "x:ann", "mentions": []}, export)
    write_export({"subject": "x:ann", "mentions": []}, dangling)
    _assert_replaced([ndjson, export, dangling], [*victims, tmp_path / "victims" / "victim0.txt"])
    assert not (tmp_path / "victims" / "created.txt").exists()
    assert '"type":' in ndjson.read_text(encoding="utf-8") and json.loads(export.read_text(encoding="utf-8"))


def test_a_failed_write_leaves_the_file_as_it_was_and_a_regular_file_keeps_its_mode(tmp_path):
    path = tmp_path / "report.html"
    write_file(path, "old")
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError), replacing(path) as fh:
        fh.write("half")
        raise RuntimeError("render failed")
    assert path.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]
    write_file(path, b"new")
    assert path.read_bytes() == b"new" and path.stat().st_mode & 0o777 == 0o640
