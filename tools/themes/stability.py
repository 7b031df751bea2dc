"""Do theme names and week-1 figures stay put when the corpus grows and themes are re-clustered?

`python -m tools.themes.stability --dir D`

The reviewer's repro: `groundswell demo`'s corpus and config are written under D (`groundswell.demo.prepare`),
the corpus cut before 2026-11-08 into `cut.jsonl`; `groundswell run` on the cut, then on the whole file
(no `--full`: the new week drifts, so the themes step re-clusters). Printed as JSON, comparing the
posts of the first week (created before the cut) between the two runs: how many changed labels (any, and
top-level theme), which of their labels no longer name any of them, Lumora's crisis themes ("overheat"
in the label) with their posts before 11 Nov and on 2–7 Nov, and "please fix · total waste" on 2–7 Nov.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.mention import Mention
from groundswell.demo import prepare
from indexing.base import Filters
from indexing.sqlite import SqliteStore

CUT = datetime(2026, 11, 8, tzinfo=UTC)
CRISIS = datetime(2026, 11, 11, tzinfo=UTC)
EARLY = (datetime(2026, 11, 2, tzinfo=UTC), CUT)
WATCHED = "please fix · total waste"


def _run(root: Path, config: str) -> None:
    cmd = [sys.executable, "-m", "groundswell.cli", "run", "--config", config, "--no-report", "--no-progress",
           "--no-send", "--history"]
    subprocess.run(cmd, cwd=root, check=True, stdout=subprocess.DEVNULL)


def _read(path: Path) -> dict[str, Mention]:
    store = SqliteStore(path)
    try:
        return {m.id: m for m in store.iter_mentions(Filters())}
    finally:
        store.close()


def compare(before: dict[str, Mention], after: dict[str, Mention]) -> dict:
    """The week-1 figures of the cut's run (`before`) against the whole file's (`after`)."""
    week1 = [i for i, m in before.items() if m.created_at < CUT and m.brand_themes]
    tops = {i: ({b: v[:1] for b, v in before[i].brand_themes.items()},
                {b: v[:1] for b, v in after[i].brand_themes.items()}) for i in week1}
    had = {(b, t) for i in week1 for b, v in before[i].brand_themes.items() for t in v}
    has = {(b, t) for i in week1 for b, v in after[i].brand_themes.items() for t in v}

    def lumora(db: dict[str, Mention], label: str, start: datetime | None, end: datetime) -> int:
        return sum(label in m.brand_themes.get("Lumora", []) for m in db.values()
                   if (start is None or m.created_at >= start) and m.created_at < end)

    crisis = sorted({t for m in after.values() for t in m.brand_themes.get("Lumora", []) if "overheat" in t})
    return {
        "week1_posts": len(week1),
        "changed_any_label": sum(before[i].brand_themes != after[i].brand_themes for i in week1),
        "changed_top_level": sum(a != b for a, b in tops.values()),
        "week1_labels": len(had),
        "gone": [{"brand": b, "label": t, "posts": sum(t in before[i].brand_themes.get(b, []) for i in week1)}
                 for b, t in sorted(had - has)],
        "crisis": [{"label": t, "before_11_nov": lumora(after, t, None, CRISIS), "2_7_nov": lumora(after, t, *EARLY)}
                   for t in crisis],
        WATCHED: {"cut": lumora(before, WATCHED, *EARLY), "whole": lumora(after, WATCHED, *EARLY)},
    }


def main(argv: list[str] | None = None) -> None:
    """Run the repro under --dir and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, type=Path)
    root = parser.parse_args(argv).dir
    if root.exists():
        shutil.rmtree(root)
    config, _ = prepare(root)
    text = config.read_text(encoding="utf-8")
    with (root / "corpus.jsonl").open(encoding="utf-8") as whole, (root / "cut.jsonl").open("w") as cut:
        cut.writelines(line for line in whole if json.loads(line)["created_at"] < CUT.strftime("%Y-%m-%d"))
    (root / "cut.yaml").write_text(text.replace("path: corpus.jsonl", "path: cut.jsonl"), encoding="utf-8")
    _run(root, "cut.yaml")
    shutil.copy(root / "groundswell.db", root / "cut.db")
    _run(root, config.name)
    print(json.dumps(compare(_read(root / "cut.db"), _read(root / "groundswell.db")), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
