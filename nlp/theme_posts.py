"""What the themes step reads of a stored post: a few fields, not the whole `Mention`.

A full pass holds every enriched post of a brand's window at once (the clustering, the labels and the
write-back all need the whole set). As `Mention`s (author, engagement, matches, extra, sentiment probabilities,
each a pydantic object) a 300,000-post window held 3.7 GB before clustering began; a `ThemePost` keeps what the
themes read (id, text, language, sentiment label, brands, theme labels) in slots, and the store read is streamed
(`ThemePost.of` each mention as it comes), so no more than a page of whole mentions lives at a time.

Writing the labels back needs a `Mention` (`Store.upsert(..., fields=THEMES)`), and only its labels count: the
store keeps every other field of its own copy (`indexing.base.keep_enrichment`). `ThemePost.labelled` builds
that write from the stored text, id and brands as read, one post at a time as the upsert consumes them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime

from core.mention import Mention


@dataclass(frozen=True, slots=True)
class Mood:
    """A post's sentiment as the themes read it: the label only (one shared instance per label)."""

    label: str


_MOODS: dict[str, Mood] = {}


def mood(label: str) -> Mood:
    """The one `Mood` of `label` (a window of 300,000 posts holds three of them, not 300,000)."""
    found = _MOODS.get(label)
    if found is None:
        found = _MOODS[label] = Mood(label)
    return found


@dataclass(slots=True)
class ThemePost:
    """A stored post as the themes step reads it. The attributes are named as a `Mention`'s, so the clustering
    (nlp/themes.py) and the model text (`nlp.model_text.ModelText`) read either."""

    id: str
    source: str
    native_id: str
    created_at: datetime
    text: str
    lang: str | None
    sentiment: Mood | None
    brands: list[str]
    themes: list[str]
    brand_themes: dict[str, list[str]]

    @classmethod
    def of(cls, m: Mention) -> ThemePost:
        """The fields of `m` the themes step reads (the rest is left for the garbage collector)."""
        return cls(
            id=m.id, source=sys.intern(m.source), native_id=m.native_id, created_at=m.created_at, text=m.text,
            lang=sys.intern(m.lang) if m.lang is not None else None,
            sentiment=mood(m.sentiment.label) if m.sentiment is not None else None,
            brands=[sys.intern(b) for b in m.brands], themes=list(m.themes),
            brand_themes={sys.intern(b): list(v) for b, v in m.brand_themes.items()},
        )  # fmt: skip

    @property
    def enriched(self) -> bool:
        return self.sentiment is not None

    def labelled(self, themes: list[str], brand_themes: dict[str, list[str]]) -> Mention:
        """The themes write of this post: its stored id, text and brands with these labels. Built without
        validation (every field is the stored one, as read); an upsert with `fields=THEMES` takes only the labels
        from it, and the text as read, so a post edited since keeps the edit and loses the stale labels."""
        return Mention.model_construct(
            id=self.id, source=self.source, native_id=self.native_id, created_at=self.created_at, text=self.text,
            lang=self.lang, brands=list(self.brands), themes=themes, brand_themes=brand_themes,
        )
