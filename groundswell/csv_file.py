"""The one rule for a CSV meant for a spreadsheet: UTF-8, rows ended by the csv module's \\r\\n, led by the byte-order
mark when asked (the CLI's `--csv` files by default, the dashboard's ⬇ CSV links with `bom=1`).

Excel opens a UTF-8 file without the mark in the legacy code page, so Korean, Chinese or Russian text reads as
garbage; scripts reading UTF-8 would see the mark in the first header, hence the API's default (and the CLI's
`--no-bom`) leaves it out. The dashboard (`dashboards/web/export.py`) and the CLI both write through here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from core.file_write import replacing

BOM = "\ufeff"  # encoded as EF BB BF: how Excel tells a UTF-8 CSV from one in the legacy code page


def with_bom(chunks: Iterable[str], bom: bool) -> Iterator[str]:
    """`chunks` (a file's or a download's body), led by the byte-order mark when `bom`: once, before the first byte."""
    if bom:
        yield BOM
    yield from chunks


def write_csv(path: str | os.PathLike[str], chunks: Iterable[str] | str, bom: bool = True) -> None:
    """Write CSV text (`chunks`, or one string) to `path` byte for byte as the dashboard downloads it with `bom=1`
    (or, `bom` False, without the mark): UTF-8 and newline="" so the csv module's \\r\\n row ends stay as written."""
    parts = [chunks] if isinstance(chunks, str) else chunks
    # core/file_write.py: a symlink planted at `path` is replaced, never written through; an error leaves it as it was.
    with replacing(path, "w", encoding="utf-8", newline="") as fh:
        for chunk in with_bom(parts, bom):
            fh.write(chunk)
