"""Links that name a renamed brand or a renamed alert, sent on to where they went (`groundswell brands rename`).

Every alert message carries ``/alerts?alert=<id>&brand=<brand>`` (`alerts.explain.dashboard_link`). A rename moves
the brand's alerts to new ids (an alert's id hashes its brand), so a message sent before it linked to an id and a
name that are gone: the card was not found and `/api/alerts?brand=OLD` answered 404. The rename's record
(`groundswell.brand_rename_records`) maps both to their new values; a page or `/api/alerts` asked with an old
one redirects to the same address with the new ones.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from urllib.parse import urlencode

from core.state import ListableState
from groundswell.brand_rename_records import current_alert, current_name, renames


def moved_query(state: ListableState, params: Mapping[str, str], names: Collection[str]) -> str | None:
    """The query string `params` should have now (`brand` and `alert` renamed), or None when neither moved. Reads
    the state only when the link names a brand the config does not have, or an alert."""
    brand, alert = params.get("brand"), params.get("alert")
    if not (brand and brand not in names) and not alert:
        return None
    records = renames(state)
    if not records:
        return None
    moved = dict(params)
    if alert and (now := current_alert(records, alert)) is not None:
        moved["alert"] = now[0]
        if brand:
            moved["brand"] = now[1]
    if brand and brand not in names and (name := current_name(records, brand)) is not None:
        moved["brand"] = name
    return urlencode(moved) if moved != dict(params) else None
