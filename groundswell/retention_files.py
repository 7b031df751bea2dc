"""Retention outside the store: the files `groundswell maintain` trims or deletes with the mentions.

The store's retention (`Store.delete_older_than`, the state facades' prunes) leaves copies of what it deleted
in files the pipeline wrote: each `jsonl` alert channel's file (every alert, its top posts quoted) and the digest
and report files. `prune_files` applies the same cutoff to them: a channel file keeps the alerts the alert log
keeps (`alerts.history.trim_jsonl`, the log's rule) and drops the digests and reports it was sent for periods that
ended before the cutoff; the digest and report files of those periods are deleted (`groundswell.period_files`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.history import trim_jsonl
from groundswell.alert_verdicts import alert_files
from groundswell.config import Config
from groundswell.period_files import prune_period_files, sent_report_expired


def prune_files(config: Config, cutoff: datetime) -> dict[str, Any]:
    """Trim the config's `jsonl` alert files and delete the digest/report files past `cutoff`; return the counts
    for `maintain`'s summary (files that could not be read, rewritten or deleted are named in `file_errors` and
    left as they were: the next run retries)."""
    tz = config.digest.timezone
    trimmed = [trim_jsonl(path, cutoff, lambda record: sent_report_expired(record, cutoff, tz))
               for path in alert_files(config)]
    periods = prune_period_files(config, cutoff)
    errors = [t.error for t in trimmed if t.error] + periods.errors
    return {
        "alert_file_lines_removed": sum(t.removed for t in trimmed),
        "digest_files_deleted": periods.digests,
        "report_files_deleted": periods.reports,
        "file_errors": errors,
    }
