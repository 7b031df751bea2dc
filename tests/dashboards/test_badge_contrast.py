"""Every badge of the dashboard (app.css `.badge` rules, colours from groundswell/palette.py) reads at WCAG AA:
text/background contrast 4.5:1 or more (badges are 12 px text). The ratio is computed here from the colours the
page really gets: app.css's rules with their var(--…) resolved from the palette's :root block and app.css's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from groundswell import palette

CSS = Path(__file__).resolve().parents[2] / "dashboards" / "web" / "static" / "app.css"
AA = 4.5
_RULE = re.compile(r"(\.badge(?:\.[\w-]+)*)\s*\{([^}]*)\}")


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _variables() -> dict[str, str]:
    css = CSS.read_text(encoding="utf-8")
    found = dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b", css))  # app.css :root (--ink, --card)
    found.update(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b", palette.css_variables()))
    return found


def _resolve(value: str, variables: dict[str, str]) -> str:
    value = value.strip()
    ref = re.fullmatch(r"var\((--[\w-]+)\)", value)
    if ref:
        assert ref.group(1) in variables, f"{ref.group(1)} is defined nowhere"
        return variables[ref.group(1)]
    assert re.fullmatch(r"#[0-9a-fA-F]{3,6}", value), f"not a colour this test can read: {value!r}"
    return value


def badge_pairs() -> dict[str, tuple[str, str]]:
    """Selector -> (background, text) of every .badge rule that sets a background, as the page resolves it."""
    variables = _variables()
    base = {"background": "#eef1f6", "color": variables["--ink"]}
    pairs = {}
    for selector, body in _RULE.findall(CSS.read_text(encoding="utf-8")):
        decl = dict((k.strip(), v.strip()) for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d))
        if selector == ".badge":
            base = {"background": decl.get("background", base["background"]), "color": decl.get("color", base["color"])}
        if "background" not in decl and selector != ".badge":
            continue
        pairs[selector] = (_resolve(decl.get("background", base["background"]), variables),
                           _resolve(decl.get("color", base["color"]), variables))
    return pairs


def test_every_badge_pair_reaches_aa() -> None:
    pairs = badge_pairs()
    # the sentiment and severity badges every page shows are among the rules read
    assert {".badge", ".badge.negative", ".badge.neutral", ".badge.positive", ".badge.warning"} <= set(pairs)
    low = {sel: round(contrast(bg, fg), 2) for sel, (bg, fg) in pairs.items() if contrast(bg, fg) < AA}
    assert not low, f"badges under {AA}:1: {low}"


@pytest.mark.parametrize("name", sorted(palette.BADGE) if hasattr(palette, "BADGE") else ["BADGE"])
def test_palette_badges_reach_aa_and_are_used(name: str) -> None:
    assert hasattr(palette, "BADGE"), "groundswell/palette.py names no badge colours"
    background, text = palette.BADGE[name]
    assert contrast(background, text) >= AA, (name, background, text, round(contrast(background, text), 2))
    assert f".badge.{name}" in badge_pairs(), f"app.css has no .badge.{name} rule"
