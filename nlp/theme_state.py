"""Each brand's themes as incremental passes need them, kept in the store's state (key ``themes:<brand>``).

Value: JSON with the themes' centroids (nlp/theme_centroids.py), the per-language means their
space is aligned with (nlp/theme_space.py; new posts are moved by the same ones), every label the brand's themes
ever wrote since its last full clustering, the ids of posts already looked at that fit no theme
(so a pass with nothing new encodes nothing) and the clustered posts' own unfit share (the drift
baseline). Retention: `unthemed` grows with the new posts that fit no theme until the next full
clustering (nightly, groundswell_maintenance) replaces the whole entry with its window's.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.state import ListableState, StateStore
from nlp.theme_centroids import Centroid
from nlp.theme_space import LanguageCentring

PREFIX = "themes:"
VERSION = 2  # 2: the language means (`centring`); a version-1 entry is read as none, so the brand re-clusters
log = logging.getLogger(__name__)


@dataclass
class BrandThemes:
    """One brand's stored themes."""

    centroids: list[Centroid]
    unthemed: set[str] = field(default_factory=set)
    baseline_unfit: float = 0.0
    clustered_at: str = ""
    centring: LanguageCentring = field(default_factory=LanguageCentring)  # the space of the centroids

    def check(self) -> None:
        """ValueError unless every stored vector (centroids, language means) has one length."""
        sizes = {len(c.vector) for c in self.centroids} | {len(v) for v in self.centring.vectors()}
        if len(sizes) > 1:
            raise ValueError(f"stored vectors of different lengths {sorted(sizes)}")

    @property
    def labels(self) -> set[str]:
        return {c.label for c in self.centroids}


class ThemeState:
    """Read and write `BrandThemes` by brand name."""

    def __init__(self, backend: StateStore) -> None:
        self.backend = backend

    def load(self, brand: str) -> BrandThemes | None:
        """The brand's themes, or None when never clustered, stored by an incompatible version, or
        unreadable (a damaged entry is logged and read as none: the next pass clusters in full, and
        nothing is lost, since the themes are rebuilt from the stored mentions)."""
        raw = self.backend.get_state(PREFIX + brand)
        if not raw:
            return None
        try:
            data = json.loads(raw)
            if data.get("version") != VERSION:
                return None
            themes = BrandThemes(
                [Centroid.from_json(c) for c in data["themes"]], set(data["unthemed"]), data["baseline_unfit"],
                data.get("clustered_at", ""), LanguageCentring.from_json(data.get("centring") or {}),
            )
            themes.check()
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # binascii.Error is a ValueError
            log.warning("themes: the stored themes of %s are unreadable (%s: %s); they will be rebuilt in full",
                        brand, type(exc).__name__, exc)
            return None
        return themes

    def save(self, brand: str, themes: BrandThemes) -> None:
        data = {
            "version": VERSION,
            "themes": [c.to_json() for c in themes.centroids],
            "unthemed": sorted(themes.unthemed),
            "baseline_unfit": round(themes.baseline_unfit, 4),
            "clustered_at": themes.clustered_at or datetime.now(UTC).isoformat(timespec="seconds"),
            "centring": themes.centring.to_json(),
        }
        self.backend.set_state(PREFIX + brand, json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def theme_details(backend: StateStore, brand: str | None) -> dict[str, dict]:
    """Per theme label of `brand`'s last clustering: its parent (the broad theme it is an aspect
    of), labels per language, the merges that built it, the sentiment split it came from and the
    nesting that made it an aspect (`nlp.themes.Theme.info`, less the sentiment mix: callers count
    that over their own window)."""
    saved = ThemeState(backend).load(brand) if brand else None
    if saved is None:
        return {}
    return {c.label: {k: v for k, v in c.info.items() if k != "sentiment"} for c in saved.centroids}


def aspect_parents(backend: ListableState, brand: str | None) -> dict[str, str]:
    """Aspect label -> the label of the broad theme it is an aspect of (its centroid's `parent`), from
    `brand`'s stored themes, or every brand's when `brand` is None. An unreadable entry is skipped with
    a warning naming it: lists then show that brand's aspects as themes of their own."""
    brands = [brand] if brand is not None else [key[len(PREFIX):] for key in backend.state_items(PREFIX)]
    parents: dict[str, str] = {}
    for name in brands:
        try:
            saved = ThemeState(backend).load(name)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("theme state %s%s is unreadable (%s); run `groundswell themes --full`", PREFIX, name, exc)
            continue
        parents |= {c.label: c.parent for c in saved.centroids if c.parent} if saved else {}
    return parents
