"""The alert timeline as flat rows, for a spreadsheet: the dashboard's ⬇ CSV on Alerts (`/api/alerts?format=csv`)
and `groundswell alerts list` (its JSON lines, and `--csv`) both build them here.

One row per alert, in the order given (the timeline's: newest window first), with its incident, what it says
(headline, summary), the figures it carries (observed vs expected, shares, the test) and the verdict people gave
its incident (groundswell/alert_verdicts.py), if any. Lists (key phrases, terms) are joined by "|", as the
mentions export joins brands.

Every text cell goes through `core.escaping.csv_cell`, the one formula-injection rule of every CSV Groundswell
writes (`csv_value`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from alerts.incidents import incident_key
from alerts.kinds import detector_for
from core.alert import Alert, decided_at
from core.escaping import csv_cell, safe_url
from core.time import as_utc
from groundswell.alert_verdicts import card_verdict

ALERT_CSV_COLUMNS = [
    "incident", "alert", "brand", "kind", "subject", "severity", "window_start", "window_end", "decided_at",
    "headline", "summary",
    "observed", "expected", "negative_share", "expected_share", "total", "statistic", "score", "p_value", "source",
    "lang", "key_phrases", "top_terms", "link", "verdict", "verdict_note", "verdict_by", "verdict_at",
]  # fmt: skip


def csv_value(value: object) -> object:
    """A value as an export's CSV cell: a number stays a number (no number is a formula, and `csv_cell` would
    quote a negative one into text: a theme's change of -12 must stay summable); true/false as words; anything
    else through `core.escaping.csv_cell`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return csv_cell(value)


def csv_text(columns: list[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """`rows` (dicts keyed by `columns`) as CSV text, header first, every cell through `csv_value`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(csv_value(row.get(c)) for c in columns)
    return buf.getvalue()


def _iso(moment: datetime) -> str:
    """UTC ISO 8601 with a "Z", as the JSON API writes an alert's window."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def alert_row(alert: Alert, verdict: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One alert as a flat row (ALERT_CSV_COLUMNS); `verdict`: its incident's stored verdict record, or None."""
    given = card_verdict(verdict) or {}
    return {
        "incident": incident_key(alert),  # the id of its incident card (alerts.incidents.group_incidents)
        "alert": alert.id,
        "brand": alert.brand,
        "kind": alert.kind,
        "subject": alert.subject,
        "severity": alert.severity,
        "window_start": _iso(alert.window_start),
        "window_end": _iso(alert.window_end),
        "decided_at": _iso(decided_at(alert)),  # when it could first be sent (an all-clear: hours after its window)
        "headline": detector_for(alert.kind).title(alert),  # the message's headline words ("Negative spike")
        "summary": alert.summary,
        "observed": alert.observed,
        "expected": alert.expected,
        "negative_share": alert.negative_share,  # of what the detector counted (positives for opportunities)
        "expected_share": alert.expected_share,
        "total": alert.total,
        "statistic": alert.statistic,
        "score": alert.score,
        "p_value": alert.p_value,
        "source": alert.source,
        "lang": alert.lang,
        "key_phrases": "|".join(alert.key_phrases),
        "top_terms": "|".join(alert.top_terms),
        "link": safe_url(alert.link),
        "verdict": given.get("verdict"),
        "verdict_note": given.get("note"),
        "verdict_by": given.get("by"),
        "verdict_at": given.get("at"),
    }


def alert_rows(
    alerts: Iterable[Alert], verdicts: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Each alert's row, in the order given; `verdicts`: the stored verdict records by incident id
    (`groundswell.alert_verdicts.verdicts`)."""
    verdicts = verdicts or {}
    return [alert_row(a, verdicts.get(incident_key(a))) for a in alerts]


def alerts_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Alert rows (`alert_rows`) as CSV text, header first."""
    return csv_text(ALERT_CSV_COLUMNS, rows)
