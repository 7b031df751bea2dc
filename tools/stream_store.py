"""A real labelled stream (../shared/data/streams/<name>) collected into a throwaway store, as the
evaluation tools read it: the stream's own `groundswell.yaml`, its import pointed at the stream's
`mentions.jsonl` (or its first lines), the store and outputs in a temporary folder."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import yaml

from groundswell.config import Config, parse_config
from groundswell.pipeline import collect, open_store
from indexing.base import Store

STREAM_FILES = ("mentions.jsonl", "groundswell.yaml")


def stream_config(stream: Path, mentions: Path, workdir: Path) -> Config:
    """The stream's own config, its import pointed at `mentions` and its store and outputs into `workdir`."""
    data = yaml.safe_load((stream / "groundswell.yaml").read_text(encoding="utf-8"))
    for source in data.get("sources", []):
        if source.get("type") == "import":
            source.setdefault("options", {})["path"] = str(mentions)
    data["store"] = {"type": "sqlite", "path": str(workdir / "groundswell.db")}
    data["report"] = {"path": str(workdir / "report.html")}
    data["channels"] = []
    return parse_config(data, origin=str(stream / "groundswell.yaml"))


def stream_slice(stream: Path, limit: int | None, workdir: Path) -> Path:
    """The stream's mentions file, or its first `limit` lines in a copy."""
    source = stream / "mentions.jsonl"
    if limit is None:
        return source
    out = workdir / "mentions.jsonl"
    with source.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for n, line in enumerate(src):
            if n >= limit:
                break
            dst.write(line)
    return out


def check_stream(stream: Path, needs: tuple[str, ...] = STREAM_FILES) -> None:
    """A usage error naming the first file of `needs` the folder lacks."""
    for name in needs:
        if not (stream / name).is_file():
            raise click.UsageError(f"{stream / name} is absent: pass --stream a folder of ../shared/data/streams")


@contextmanager
def collected_stream(stream: Path, *, limit: int | None = None, needs: tuple[str, ...] = STREAM_FILES,
                     prefix: str = "gs-stream-") -> Iterator[tuple[Config, Store]]:
    """The stream (or its first `limit` lines) collected through the real pipeline into a throwaway SQLite
    store, for the `with` block; the store and its folder are gone after it."""
    check_stream(stream, needs)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        workdir = Path(tmp)
        config = stream_config(stream, stream_slice(stream, limit, workdir), workdir)
        store = open_store(config)
        try:
            collect(config, store, use_cursor=False)
            yield config, store
        finally:
            store.close()
