"""Page cursors of the Elasticsearch store: the sort, the `search_after` position and the point in time.

A point-in-time id names every index it spans (one per month behind the alias) with its shard contexts, so it
grows with every month: a year of monthly indices made a cursor longer than the dashboard accepts in a URL
(`dashboards.web.params.MAX_CURSOR_CHARS`, 2,000), and Explore's second page failed with 400. So the id travels
as its bytes, zlib-compressed with the rest (the index names and node ids repeat), and a cursor that would still
be longer than `MAX_CURSOR_CHARS` drops the point in time: its next pages read the live alias with
`search_after`, still in order, as when a point in time has expired.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

# Room under the dashboard's 2,000 for its signature and pinned window (`dashboards.web.cursors`: ~60
# characters), with some to spare; this layer does not import the dashboard's.
MAX_CURSOR_CHARS = 1500
_SEP = b"\n"  # compact JSON never holds a raw newline: the header ends at the first one


def _pit_bytes(pit: str) -> tuple[bytes, int] | None:
    """The point-in-time id as bytes and its count of '=' padding, when base64url gives it back exactly."""
    bare = pit.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != bare:
        return None
    return raw, len(pit) - len(bare)


def encode_cursor(sort: str, after: list[Any], pit: str | None) -> tuple[str, bool]:
    """The cursor for the page after `after`; and whether it carries `pit` (False: too long with it, or none
    given; the caller closes a point in time the cursor left out)."""
    if pit:
        header: dict[str, Any] = {"sort": sort, "after": after}
        packed = _pit_bytes(pit)
        if packed is None:  # an id that is not base64url: kept as text, compressed all the same
            body = json.dumps(header | {"pit": pit}, separators=(",", ":")).encode()
        else:
            raw, pad = packed
            body = json.dumps(header | {"pad": pad}, separators=(",", ":")).encode() + _SEP + raw
        cursor = base64.urlsafe_b64encode(zlib.compress(body, 9)).decode()
        if len(cursor) <= MAX_CURSOR_CHARS:
            return cursor, True
    body = json.dumps({"sort": sort, "after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(body, 9)).decode(), False


def decode_cursor(cursor: str, sorts: set[str] | dict[str, Any]) -> dict[str, Any]:
    """`{"sort", "after", "pit"?}` from a cursor of `encode_cursor` (or of the earlier plain-JSON form);
    ValueError for anything else."""
    try:
        data = base64.urlsafe_b64decode(cursor.encode())
        if data.startswith(b"{"):  # the earlier form: JSON, uncompressed (a zlib stream starts with 0x78)
            value, raw = json.loads(data), b""
        else:
            header, _, raw = zlib.decompress(data).partition(_SEP)
            value = json.loads(header)
        if isinstance(value, dict) and isinstance(value.get("after"), list) and value.get("sort") in sorts:
            if raw:
                value["pit"] = base64.urlsafe_b64encode(raw).decode().rstrip("=") + "=" * int(value.pop("pad", 0))
            return value
    except (ValueError, TypeError, zlib.error):
        pass
    raise ValueError("invalid page cursor: use the next_cursor value of the previous page")
