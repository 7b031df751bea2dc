"""How a benchmark reports a run: the figures with the command, the time and the machine they came from, printed
and, where asked, written to a results file."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def run_entry(script: str, argv: list[str] | None, figures: dict[str, Any]) -> dict[str, Any]:
    """`figures` with the command that made them (`python <script> <args>`), when, the load and the machine."""
    return {"command": " ".join(["python", script, *(argv if argv is not None else sys.argv[1:])]),
            "when": datetime.now(UTC).isoformat(timespec="seconds"), "load": [round(x, 2) for x in os.getloadavg()],
            "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count()}, **figures}


def print_entry(entry: dict[str, Any], out: Path | None) -> None:
    """Print the entry as indented JSON, and write it to `out` too when given."""
    print(json.dumps(entry, indent=2))
    if out:
        out.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")


def write_report(out: Path | None, report: dict[str, Any]) -> None:
    """Write `report` as indented JSON to `out` (its folder made when absent; nothing when None), saying so on
    stderr."""
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
