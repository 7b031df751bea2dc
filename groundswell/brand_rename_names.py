"""A `groundswell brands rename OLD NEW` whose OLD names nothing: a typo, or the genuine second run?

A mistyped OLD (``lumora`` where the store holds ``Lumora``) found nothing to move and said "nothing left to
rename", as a finished rename's second run does: the user believed the brand renamed while its history stayed
under the old name. Now, when nothing is stored under OLD and no rename is pending, OLD must have been renamed
before (a rename record, `brand_rename_records`) or NEW must hold data (renamed by a version before the records);
else the rename is refused, naming the stored brands equal to OLD apart from case and spaces.
"""

from __future__ import annotations

from collections.abc import Iterable

from alerts.catchup import PREFIX as DETECTED_PREFIX
from core.alert import Alert
from groundswell.brand_rename_records import done_record
from indexing.base import Filters, Store
from nlp.theme_state import PREFIX as THEMES_PREFIX

SHOWN = 10  # stored brand names listed in a refusal, at most


class UnknownBrand(ValueError):
    """OLD names nothing stored and was never renamed; the message (one line) says what is stored."""


def check_known(store: Store, logged: Iterable[Alert], old: str, new: str, new_holds_data: bool) -> None:
    """Called when nothing is stored under `old` and no rename of it is pending: UnknownBrand unless a rename of
    `old` finished before or `new` already holds data (module docstring)."""
    if done_record(store, old) is not None:
        return
    names = stored_names(store, logged) - {old, new}
    similar = sorted(n for n in names if fold(n) == fold(old))
    if similar:
        raise UnknownBrand(f"nothing is stored under brand {old!r}, but {similar[0]!r} is (the same name apart from "
                           f"case or spaces): did you mean `groundswell brands rename \"{similar[0]}\" \"{new}\"`?")
    if new_holds_data:
        return  # renamed by a version that kept no record: a second run, with nothing left to move
    listed = ", ".join(repr(n) for n in sorted(names)[:SHOWN]) or "none"
    raise UnknownBrand(f"nothing is stored under brand {old!r} (no post, alert or per-brand state names it) and it "
                       f"was never renamed: check the spelling; stored brands: {listed}")


def stored_names(store: Store, logged: Iterable[Alert]) -> set[str]:
    """Every brand name the store holds something under: its posts, its alerts, detection's and themes' state."""
    names = set(store.facet(Filters(include_spam=True), "brand")) - {"unknown"}
    names |= {a.brand for a in logged}
    for prefix in (DETECTED_PREFIX, THEMES_PREFIX):
        names |= {key.removeprefix(prefix) for key in store.state_items(prefix)}
    return names


def fold(name: str) -> str:
    """`name` compared apart from case and spaces (``" lumora  group"`` and ``"Lumora Group"`` fold the same)."""
    return " ".join(name.split()).casefold()
