"""`config check`'s overlap check evaluates only the pairs of names that share a word (groundswell/brand_overlaps.py,
`_words` / `_needs`), so a config of 200 brands is checked in well under a second, and says exactly what trying
every pair says.

Review s66 "dtext", finding 5: every alias was evaluated against every earlier brand's query and aliases, both ways:
40 brands took 1.6 s, 100 brands 17 s and 200 brands 86 s, on every `config check` and `config_warnings`.
"""

from __future__ import annotations

import random
import string
import time

import pytest

import groundswell.brand_overlaps as brand_overlaps
from core.query.parser import QuerySyntaxError
from groundswell.brand_overlaps import overlap_warnings
from groundswell.config import BrandConfig

# Words that overlap across scripts, widths, accents, inflection, prefixes and tags.
WORDS = ["lumora", "Lumorá", "pulse", "Pulse", "삼성", "삼성전자", "애플", "蘋果", "苹果", "Люмора", "Люморы", "apple",
         "pie", "ＬＵＭＯＲＡ", "lum", "go", "a", "Straße", "STRASSE", "vivo智能手机"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(7))


def _random_brands(n: int, rng: random.Random) -> list[BrandConfig]:
    return [BrandConfig(name=f"B{i}", query=" OR ".join(_word(rng) for _ in range(5)),
                        aliases=[f"{_word(rng)} {_word(rng)}" for _ in range(10)]) for i in range(n)]


def test_200_brands_are_checked_in_well_under_two_seconds() -> None:
    brands = _random_brands(200, random.Random(1))
    brands.append(BrandConfig(name="Last", query="Last", aliases=[brands[7].aliases[3]]))  # one overlap
    start = time.perf_counter()
    warnings = overlap_warnings(brands)
    elapsed = time.perf_counter() - start
    assert warnings == [f"brands.200 (Last).aliases.0: {brands[7].aliases[3]!r} is also an alias of 'B7': each post "
                        "naming it counts for both brands; keep it on one"]
    assert elapsed < 2.0, elapsed


def _term(rng: random.Random) -> str:
    w, r = rng.choice(WORDS), rng.random()
    if r < 0.08:
        return "#" + w.lower()
    if r < 0.14:
        return "@" + (w.lower() if w.isascii() else "lumora")
    if r < 0.2 and w.isascii() and len(w) > 2:
        return w[:3] + "*"
    if r < 0.25 and w.startswith("Люм"):
        return w + "~ru"
    if r < 0.3:
        return f'"{w} {rng.choice(WORDS)}"'
    if r < 0.33:
        return "*전자"
    return w


def _query(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return _term(rng)
    if r < 0.7:
        return f"{_term(rng)} OR {_term(rng)}"
    if r < 0.8:
        return f"{_term(rng)} AND NOT {_term(rng)}"
    if r < 0.85:
        return f"{_term(rng)} OR lang:und"
    if r < 0.9:
        return f"{_term(rng)} NEAR/2 {_term(rng)}"
    return f"({_term(rng)} OR {_term(rng)}) AND {_term(rng)}"


def _configs(count: int, seed: int) -> list[list[BrandConfig]]:
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        try:
            brands = [BrandConfig(name=f"B{i}", query=_query(rng), aliases=list(dict.fromkeys(
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 2))) for _ in range(rng.randint(0, 3)))))
                for i in range(rng.randint(2, 12))]
            for brand in brands:
                brand.terms()
        except (QuerySyntaxError, ValueError):
            continue
        out.append(brands)
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_the_prefilter_drops_no_overlap(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against trying every pair (a tree that needs no word is evaluated on every post)."""
    configs = _configs(150, seed)
    filtered = [overlap_warnings(brands) for brands in configs]
    monkeypatch.setattr(brand_overlaps, "_needs", lambda root: None)
    every_pair = [overlap_warnings(brands) for brands in configs]
    assert filtered == every_pair
    assert sum(map(len, every_pair)) > 300  # the configs do overlap, in many ways
