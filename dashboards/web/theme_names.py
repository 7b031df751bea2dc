"""The one rule for what a theme (or aspect) is called in a language view, which the Themes page, `/api/themes`
(each row's and aspect's `label`) and its CSV all read, so a spreadsheet names what the page names.

Filtered to a language, a theme is named by its key phrases in that language (`labels`, one per language the
themes step found in it: `nlp.theme_state.theme_details`), else by its main label (`theme`), which stays what links
and the store match on (`theme=`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def shown_label(row: Mapping[str, Any], lang: str | None) -> str:
    """The name of a theme row (`theme`, optional `labels`) in a view filtered to `lang` (None: no language)."""
    labels = row.get("labels") or {}
    return (labels.get(lang) if lang else None) or row["theme"]
