"""Every configured brand's own accounts as one `OwnAccounts`: what the spam step, its upgrade backfill and the
author ranking set aside as the brands' own posts."""

from __future__ import annotations

from core.accounts import OwnAccounts
from groundswell.config import Config


def own_accounts(config: Config) -> OwnAccounts:
    """Every configured brand's own accounts together."""
    merged: dict[str, list[str]] = {}
    for brand in config.brands:
        for source, accounts in brand.own_accounts.items():
            merged.setdefault(source, []).extend(accounts)
    return OwnAccounts.of(merged)
