"""Checking a brand's `aliases` and `inflect` settings, and turning them into query leaves.

The matching rules themselves live in core/query/aliases.py; this module only reads the
config's shape and reports every problem at once, one line per alias, naming what to fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Discriminator, StrictBool, Tag

from core.query.aliases import alias_fragment, inflect_language
from core.query.stem import LANGUAGES, supported
from core.strict import StrictModel

if TYPE_CHECKING:
    from groundswell.config import BrandConfig


class AliasConfig(StrictModel):
    """One alias with its own inflection: `{text: Люмора, inflect: ru}` (or `inflect: false`)."""

    text: str
    inflect: StrictBool | str | None = None


# A name, or a mapping with its own inflection: picked by shape, so a bad mapping is reported once.
Alias = Annotated[
    Annotated[str, Tag("name")] | Annotated[AliasConfig, Tag("mapping")],
    Discriminator(lambda v: "name" if isinstance(v, str) else "mapping"),
]


def alias_fragments(brand: BrandConfig) -> tuple[tuple[str, str], ...]:
    """(alias as written, its query leaf) per alias; ValueError listing every problem otherwise."""
    problems = [
        f"inflect: unknown language {lang!r}; one of {supported()}" for lang in brand.inflect if lang not in LANGUAGES
    ]
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, alias in enumerate(brand.aliases):
        text, own = (alias, None) if isinstance(alias, str) else (alias.text, alias.inflect)
        key = " ".join(text.split()).casefold()
        if key in seen:
            problems.append(f"aliases.{i}: {text!r} repeats aliases.{seen[key]}: remove one")
            continue
        seen[key] = i
        if "~" in text:
            problems.append(f"aliases.{i}: {text!r}: write the alias without '~' and set inflect instead")
            continue
        try:
            lang = inflect_language(text, own, [x for x in brand.inflect if x in LANGUAGES])
            out.append((text, alias_fragment(text, lang)))
        except ValueError as exc:
            problems.append(f"aliases.{i}: {exc}")
    if problems:
        # One line per problem, each 'field: what to fix' (config._problems puts the brand's path before it).
        raise ValueError("\n".join(problems) + ("\n" if len(problems) == 1 else ""))
    return tuple(out)
