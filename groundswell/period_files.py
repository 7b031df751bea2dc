"""The files of the daily digest and the weekly/monthly reports, and their retention.

`groundswell digest` writes `<report folder>/digests/<YYYY-MM-DD>.md|.json` (`groundswell.digest.write_digest`)
and the period reports `<report folder>/reports/week-<YYYY>-W<ww>.md|.html|.json`, `month-<YYYY-MM>.…` and
`quarter-<YYYY>-Q<q>.…`
(`groundswell.period_delivery.run_period_report`), the report folder being that of `report.path`. They quote
posts, authors and alert summaries, so retention deletes them as it deletes what they quote: `groundswell maintain`
removes the files whose period ended (local midnight in `digest.timezone`) before the mention cutoff
(`prune_period_files`). Only names this module recognises, in those two folders, are touched: anything else a team
keeps there stays.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from groundswell.config import Config
from groundswell.periods import local_midnight, period_containing

log = logging.getLogger(__name__)
DIGEST_SUFFIXES = (".md", ".json")
REPORT_SUFFIXES = (".md", ".html", ".json")
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")
_WEEK = re.compile(r"week[-:](\d{4})-W(\d{2})")
_MONTH = re.compile(r"month[-:](\d{4})-(\d{2})")
_QUARTER = re.compile(r"quarter[-:](\d{4})-Q([1-4])")  # `Period.id` of a quarter, "quarter:2014-Q4"


def digest_folder(config: Config) -> Path:
    """Where the daily digests are written: `digests/` beside the HTML report."""
    return Path(config.report.path).parent / "digests"


def report_folder(config: Config) -> Path:
    """Where the weekly, monthly and quarterly reports are written: `reports/` beside the HTML report."""
    return Path(config.report.path).parent / "reports"


def period_end(name: str) -> date | None:
    """The first local day after the period a file stem or report id names ('2026-11-04', 'day:2026-11-04',
    'week-2026-W45', 'week:2026-W45', 'month-2026-11', 'month:2026-11', 'quarter-2026-Q4', 'quarter:2026-Q4');
    None for any other name."""
    try:
        if m := _WEEK.fullmatch(name):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return period_containing("week", monday).end
        if m := _MONTH.fullmatch(name):
            return period_containing("month", date(int(m[1]), int(m[2]), 1)).end
        if m := _QUARTER.fullmatch(name):
            return period_containing("quarter", date(int(m[1]), 3 * int(m[2]) - 2, 1)).end
        if m := _DAY.fullmatch(name.removeprefix("day:")):
            return date.fromisoformat(m[1]) + timedelta(days=1)
    except ValueError:  # '2026-13-40', week 60: no period, not ours
        return None
    return None


def ended_before(name: str, cutoff: datetime, tz: str) -> bool:
    """Whether the period `name` names ended (local midnight in `tz`) at or before `cutoff`."""
    end = period_end(name)
    return end is not None and local_midnight(end, tz) <= cutoff


def sent_report_expired(record: dict[str, Any], cutoff: datetime, tz: str) -> bool:
    """For a `jsonl` channel's `{"report": …}` line: whether the digest (`day`) or period report (`period`) it holds
    ended before `cutoff`. A record naming neither is kept."""
    data = record.get("report")
    if not isinstance(data, dict):
        return False
    name = data.get("period") or (f"day:{data['day']}" if isinstance(data.get("day"), str) else None)
    return isinstance(name, str) and ended_before(name, cutoff, str(data.get("timezone") or tz))


@dataclass
class PrunedFiles:
    """What `prune_period_files` deleted (and could not)."""

    digests: int = 0
    reports: int = 0
    errors: list[str] = field(default_factory=list)


def prune_period_files(config: Config, cutoff: datetime) -> PrunedFiles:
    """Delete the digest and report files whose period ended before `cutoff`; only this module's names, in the
    configured folders. A file that cannot be deleted is logged and named in `errors` (the next run retries)."""
    tz = config.digest.timezone
    out = PrunedFiles()
    for folder, suffixes, kind in ((digest_folder(config), DIGEST_SUFFIXES, "digests"),
                                   (report_folder(config), REPORT_SUFFIXES, "reports")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in suffixes or not path.is_file() or path.is_symlink():
                continue
            stem = path.stem
            if kind == "digests" and not _DAY.fullmatch(stem):
                continue
            if kind == "reports" and not _is_report_name(stem):
                continue
            if not ended_before(stem, cutoff, tz):
                continue
            try:
                path.unlink()
            except OSError as exc:
                out.errors.append(f"{path}: {exc.strerror or exc}")
                log.warning("retention: %s was not deleted (%s); the next run retries", path, exc.strerror or exc)
                continue
            setattr(out, kind, getattr(out, kind) + 1)
    return out


def written_here(path: Path, kind: str) -> bool:
    """Whether `path` is named as this module's writers name a digest (`kind` "digests") or a period report
    ("reports"): what `groundswell subject forget` may rewrite, as `prune_period_files` may delete."""
    stem = path.stem
    if kind == "digests":
        return path.suffix in DIGEST_SUFFIXES and _DAY.fullmatch(stem) is not None
    return path.suffix in REPORT_SUFFIXES and _is_report_name(stem)


def _is_report_name(stem: str) -> bool:
    """Whether `stem` is a period report's file name (week, month or quarter): the one list of report names."""
    return any(rx.fullmatch(stem) for rx in (_WEEK, _MONTH, _QUARTER))
