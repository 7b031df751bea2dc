"""A brand renamed in the config but not yet in the store: the collect in between would read from the beginning.

Cursors are kept per source and brand (``cursor:<source key>:<brand>``, `extractors.state.CursorState`). Between
editing a brand's `name` and running `groundswell brands rename OLD NEW`, a scheduled collect finds no cursor for
NEW and reads every source from the beginning of what it serves (on X, billed per post), while OLD's cursors sit
unused. Nothing tells a brand renamed from one removed and another added, so collection is not skipped (a new
brand must be collected); `collect` logs this module's warning, naming the command, before it reads a source.
"""

from __future__ import annotations

import logging

from core.state import ListableState
from groundswell.brand_rename_state import CURSOR_PREFIX
from groundswell.config import Config

log = logging.getLogger("groundswell.brand_rename")


def cursorless_renames(config: Config, state: ListableState) -> list[str]:
    """One line per (brands without a cursor, brands no longer configured that hold one), naming the sources: the
    renames `collect` should warn of. One state read."""
    names = {b.name for b in config.brands}
    cursors = list(state.state_items(CURSOR_PREFIX))
    found: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for source in config.sources:
        prefix = f"{CURSOR_PREFIX}{source.key}:"
        held = {key.removeprefix(prefix) for key in cursors if key.startswith(prefix)}
        gone = tuple(sorted(held - names))
        missing = tuple(b.name for b in config.brands_for(source) if b.name not in held)
        if gone and missing:
            found.setdefault((missing, gone), []).append(source.key)
    lines = []
    for (missing, gone), sources in found.items():
        lines.append(
            f"brand(s) {', '.join(map(repr, missing))} have no cursor on {', '.join(map(repr, sources))}, so this "
            f"collect reads them from the beginning (on X, billed per post), while the store holds the cursors of "
            f"{', '.join(map(repr, gone))}, no longer in the config: if a brand was renamed, run "
            f"`groundswell brands rename \"{gone[0]}\" \"{missing[0]}\"` now, and pause the schedule between editing "
            "the config and that command (docs/brands.md, 'Renaming a brand')")
    return lines


def warn_cursorless_renames(config: Config, state: ListableState) -> list[str]:
    """Log `cursorless_renames`' lines as warnings; return them."""
    lines = cursorless_renames(config, state)
    for line in lines:
        log.warning("%s", line)
    return lines
