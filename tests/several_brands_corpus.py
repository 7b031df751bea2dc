"""One small corpus of posts of several brands for the SQLite reads that merge each brand's time index (Explore with
no brand, an export of several brands): brand sets that overlap and are empty, ties in time (so the rowid decides
the order), languages, spam, intents and labels that vary with the index. Import as
`from several_brands_corpus import ...` (tests/ is on sys.path through tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.mention import Author, Mention, analyst_label

T0 = datetime(2026, 9, 1, tzinfo=UTC)
BRAND_SETS = [["A"], ["B"], ["A", "B"], ["C"], [], ["B", "C"], ["A", "B", "C"]]
LANGS = ["en", "de", None, "fr"]
INTENTS = [None, "question", None, "complaint", None]
LABELS = ["positive", "negative", "neutral", None]


def several_brands_corpus(n: int) -> list[Mention]:
    """`n` posts, four to an hour from T0; half say "battery hot", half "screen ok"."""
    out = []
    for i in range(n):
        label = LABELS[i % len(LABELS)]
        out.append(Mention(
            source="x" if i % 3 else "reddit", native_id=str(i),
            text=("battery hot " if i % 2 else "screen ok ") + f"post {i}",
            # Ties in time (every 4 posts share one), so the rowid decides the order among them.
            created_at=T0 + timedelta(hours=i // 4, milliseconds=0 if i % 5 else 250),
            lang=LANGS[i % len(LANGS)], brands=BRAND_SETS[i % len(BRAND_SETS)],
            author=Author(handle=f"user{i % 6}", followers=(i * 37) % 500),
            spam="dup" if i % 13 == 4 else "bot" if i % 11 == 3 else None, intent=INTENTS[i % len(INTENTS)],
            sentiment=None if label is None else analyst_label(label),
        ))  # fmt: skip
    return out
