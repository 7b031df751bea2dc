"""HTTP's Retry-After header, read one way for every client: the extractors' requests and the alert webhooks.

RFC 9110 10.2.3: the value is either a delay in whole seconds (`1*DIGIT`, ASCII digits only) or an HTTP-date,
which is always GMT. Anything else says nothing: the caller's own backoff applies. It lives in core because both
`extractors/http.py` and `alerts/channels/webhook.py` read it, and neither layer-1 package may import the other.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from core.time import as_utc


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value, counted from `now` (epoch seconds); None when absent or unreadable.

    A delay is taken as given; a date already past means no wait (0.0). Only ASCII digits make a delay: "²" or
    "٣" are digits to `str.isdigit` but no delay a server sends (and `float("²")` raises), so they are unreadable.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):  # IndexError, TypeError: older email.utils
        return None
    # HTTP dates are GMT; a `-0000` zone parses as naive, which .timestamp() would read as the host's local time.
    return max(0.0, as_utc(when).timestamp() - now)
