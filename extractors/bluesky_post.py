"""What a Bluesky post record says beyond its text: the post it quotes, and its links' full URLs (facets)."""

from __future__ import annotations

import re
from typing import Any

QUOTE = "app.bsky.embed.record"  # embed.record is the quoted record's strong ref
QUOTE_WITH_MEDIA = "app.bsky.embed.recordWithMedia"  # embed.record.record is
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_ELLIPSES = ("...", "…")


def field(obj: Any, *names: str) -> Any:
    """Field of an SDK model or a plain dict (unknown record types come back as dicts)."""
    for name in names:
        if obj is None:
            return None
        obj = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    return obj


def _type(obj: Any) -> Any:
    return field(obj, "py_type") if not isinstance(obj, dict) else obj.get("$type")


def quoted_uri(embed: Any) -> str | None:
    """The at:// URI of the record a post quotes (a plain quote, or one with media beside it), else None."""
    kind = _type(embed)
    if kind == QUOTE:
        uri = field(embed, "record", "uri")
    elif kind == QUOTE_WITH_MEDIA:
        uri = field(embed, "record", "record", "uri")
    else:
        return None
    return uri if isinstance(uri, str) else None


def _offset(index: Any, snake: str, camel: str) -> int | None:
    value = field(index, snake)
    value = field(index, camel) if value is None else value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _link(facet: Any) -> str | None:
    """The URI of a facet's link feature (`app.bsky.richtext.facet#link`), if it has one."""
    for feature in field(facet, "features") or []:
        uri = field(feature, "uri")
        if isinstance(uri, str) and _SCHEME.match(uri):
            return uri
    return None


def shortened(shown: str, uri: str) -> bool:
    """Whether `shown` is `uri` as Bluesky's apps write it in the text: without its scheme (and "www."), the
    path cut with an ellipsis. Anchor text that is not the URL ("our report") is not: it stays as written."""
    head = shown.strip()
    for ellipsis in _ELLIPSES:
        if head.endswith(ellipsis):
            head = head[: -len(ellipsis)]
            break
    if not head:
        return False
    bare = _SCHEME.sub("", uri)
    return any(full.casefold().startswith(head.casefold()) for full in (uri, bare, bare.removeprefix("www.")))


def text_with_links(text: str, facets: Any) -> str:
    """`text` with each link shown shortened ("open.substack.com/pub/christac...") replaced by the full URI from
    its facet. Facets mark spans in UTF-8 bytes, not characters: an emoji or a CJK character before a link moves
    it by more than one. A facet whose span is out of range, overlaps another or cuts a character is left out."""
    data = text.encode("utf-8")
    spans = []
    for facet in facets or []:
        index = field(facet, "index")
        start, end = _offset(index, "byte_start", "byteStart"), _offset(index, "byte_end", "byteEnd")
        uri = _link(facet)
        if uri and start is not None and end is not None and 0 <= start < end <= len(data):
            spans.append((start, end, uri))
    pieces, at = [], 0
    for start, end, uri in sorted(spans):
        if start < at:
            continue  # overlaps the one before
        try:
            shown = data[start:end].decode("utf-8")
        except UnicodeDecodeError:
            continue  # the offsets cut a character: not this text's span
        if shortened(shown, uri):
            pieces += [data[at:start], uri.encode("utf-8")]
            at = end
    return (b"".join(pieces) + data[at:]).decode("utf-8") if pieces else text
