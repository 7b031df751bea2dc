"""How the offline tools hand back a result: printed, and written as JSON where the caller asked for a file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


def write_result(out_path: Path | None, result: Any) -> None:
    """Write `result` as indented JSON to `out_path` (nothing when None) and say so on stderr."""
    if out_path is not None:
        out_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        click.echo(f"wrote {out_path}", err=True)


def show_result(result: dict[str, Any], render: Callable[[dict[str, Any]], str], json_path: Path | None) -> None:
    """Print `render(result)`; also write `result` to `json_path` (UTF-8 JSON, non-ASCII kept) when given."""
    click.echo(render(result))
    if json_path:
        json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
