"""Untrusted text made safe for each output: links, Markdown, one-line chat text.

Everything a post brings (text, author, url, source, lang, themes) and everything
derived from posts (alert terms, summaries) is written by strangers. Each output
format escapes it at the one place it renders that format; the rules shared by
several formats live here. See docs/security.md#what-is-escaped-where for which output uses what.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SAFE_SCHEMES = ("http", "https")

# Explicit bidi embeddings/overrides/isolates: in a one-line chat or Markdown message they cannot be
# contained (HTML has <bdi>), so U+202E could make the rest of the line read backwards.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)
# C0/C1 controls but tab and newline: ANSI escape sequences would drive a terminal printing an alert.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What CommonMark (and the Markdown subsets of Teams and GitHub) gives meaning to inside a line:
# emphasis, code, links/images, autolinks and raw HTML, entities, strikethrough, table cells.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&~|!])")
# Block syntax a value would start when it opens a line: heading, list, quote, setext underline.
_MARKDOWN_LINE_START = re.compile(r"^([#+\-=>]|\d+(?=[.)]))")
# The WHATWG URL parser removes these before reading the scheme (C0 controls and space at the edges).
_URL_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_URL_EDGES = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")


def safe_url(url: str | None) -> str | None:
    """`url` when it is an http(s) link, else None: a `javascript:` or `data:` URL never becomes a link.

    Browsers drop ASCII whitespace and control characters around and inside a scheme
    (`" java\\tscript:"` runs script), so those are stripped before the scheme is read,
    and the stripped URL is what is returned.
    """
    if not url:
        return None
    cleaned = _URL_EDGES.sub("", _URL_TAB_NEWLINE.sub("", url))
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    return cleaned if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def printable(text: str | None) -> str:
    """Text for a terminal or a plain-text email: control characters and bidi controls removed, lines kept."""
    return _CONTROLS.sub("", (text or "").translate(_BIDI_CONTROLS))


def one_line(text: str | None) -> str:
    """Whitespace runs (newlines included) as one space, control and bidi characters removed: a value that
    stays on its line."""
    return " ".join(printable(text).split())


def clipped(text: str | None, chars: int) -> str:
    """`one_line(text)` cut to at most `chars` characters, ending "…" when cut: a post's start for a terminal
    or a summary line."""
    line = one_line(text)
    return line if len(line) <= chars else line[: chars - 1] + "…"


def markdown_text(text: str | None) -> str:
    """Untrusted text as literal Markdown: one line, every inline-special character backslash-escaped.

    Neutralises links (`[x](y)`, `<https://…>`), raw HTML, entities and emphasis; newlines
    are folded, and a leading `#`, `-`, `+`, `=`, `>` or `1.` is escaped too, so a value that
    opens a line (a Teams TextBlock) starts no heading, list or quote.
    """
    return _MARKDOWN_LINE_START.sub(_escape_line_start, _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text)))


def _escape_line_start(match: re.Match[str]) -> str:
    mark = match.group(1)
    return mark + "\\" if mark[0].isdigit() else "\\" + mark  # "1\." / "\#"


# Spreadsheets run cells starting with these as formulas (fullwidth forms too: some importers fold them);
# prefix them so a post can't run one.
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# What importers may trim before reading a cell: a formula behind it still runs.
_CSV_TRIMMED = " \n\xa0\u3000"


def csv_cell(value: object) -> str:
    """A value for a CSV cell a spreadsheet will open: a formula character at its start (behind any spaces
    an importer trims) gets a quote. So does one behind quotes (`'=)`: no formula, but without its own quote
    `csv_value` could not tell it from a guarded `=)`)."""
    text = "" if value is None else str(value)
    return "'" + text if _guarded(text) else text


def csv_value(cell: str) -> str:
    """The value `csv_cell` wrote as `cell`: without the one quote it added (a quote followed by a formula
    character, behind trimmed spaces or quotes). Any other cell is returned as it is: `csv_value(csv_cell(v))`
    is `str(v)` for every value. For reading back a CSV Groundswell wrote (the import of the dashboard's export,
    the sentiment audit's ids)."""
    return cell[1:] if cell.startswith("'") and _guarded(cell[1:]) else cell


def _guarded(text: str) -> bool:
    """Whether `csv_cell` puts a quote before `text`."""
    return text.lstrip(_CSV_TRIMMED + "'").startswith(CSV_FORMULA_START)
