"""Small wording rules shared by the explanation and every detector's sentences."""

from __future__ import annotations

from datetime import timedelta

from core.alert import Alert, Shift

QUOTES = '"“”'  # what the query lexer reads as a phrase's quotes (core/query/parser.py)


def phrase(term: str, inflect: str | None = None) -> str:
    """A crisis term as a literal phrase in Groundswell's query language: quotes in it (straight or curly:
    a term pasted from a document) are dropped, not read as the end of the phrase. With `inflect` (a
    language code), every form of its words in that language: `"перегрев"~ru`."""
    return '"' + term.translate({ord(q): " " for q in QUOTES}).strip() + '"' + (f"~{inflect}" if inflect else "")


def when(a: Alert) -> str:
    """The alert's window, e.g. '2026-01-15 19:00–20:00 UTC'."""
    start, end = a.window_start, a.window_end
    same_day = start.date() == (end - timedelta(seconds=1)).date()
    tail = end.strftime("%H:%M") if same_day else end.strftime("%Y-%m-%d %H:%M")
    return f"{start.strftime('%Y-%m-%d %H:%M')}–{tail} UTC"


def p_text(p: float | None) -> str:
    """A p-value as people read it: 'n/a', '0.012' or '1.3e-06'."""
    if p is None:
        return "n/a"
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def shift_text(s: Shift) -> str:
    """One over-represented value, e.g. 'ko 62% of the surge vs 8% usually'; a theme with the aspect
    that leads it, e.g. '“praise” (mostly “launch”) 90% of the surge vs 30% usually'."""
    usual = "none usually" if not s.usual_share else "under 1% usually" if s.usual_share < 0.005 else (
        f"{s.usual_share:.0%} usually"
    )
    name = f"“{s.value}”" if s.dimension == "theme" else s.value
    if s.aspect:
        name += f" (mostly “{s.aspect}”)"
    return f"{name} {s.share:.0%} of the surge vs {usual}"


def shifts_text(shifts: list[Shift], dimension: str | None = None) -> str:
    """Shifts joined by '; ' (those of one `dimension`, or those of the mix: languages and sources)."""
    dims = (dimension,) if dimension else ("lang", "source")
    return "; ".join(shift_text(s) for s in shifts if s.dimension in dims)
