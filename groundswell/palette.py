"""The one colour palette of the report and the dashboard (colour-blind safe, Okabe–Ito based).

The report reads it directly; the dashboard's pages get it as CSS custom properties
(`css_variables`), which app.css and the charts in static/common.js read.
"""

from __future__ import annotations

# Sentiment: orange / grey / green, distinguishable with the common colour-vision deficiencies.
SENTIMENT = {"negative": "#d55e00", "neutral": "#8c8c8c", "positive": "#009e73", "unknown": "#cfcfcf"}
SEVERITY = {"critical": "#c62828", "warning": "#ef8a00", "info": "#1e66d0"}
ACCENT = "#3559e0"  # single-series charts, links
INK = "#1d2330"  # body text (app.css --ink)
WHITE = "#ffffff"

# Badges (text on a filled pill, app.css `.badge.<name>`): (background, text). Small text needs WCAG AA 4.5:1,
# which white on the chart colours misses (orange 2.5:1, grey 3.4, green 3.4, negative orange 3.9): a badge takes
# its colour's darker shade with white text, or dark ink on the severity orange (6.2:1), so it stays the same hue
# as the chart it names. tests/dashboards/test_badge_contrast.py computes every pair's ratio from these values.
BADGE = {
    "negative": ("#c05500", WHITE),
    "neutral": ("#747474", WHITE),
    "positive": ("#008561", WHITE),
    "critical": (SEVERITY["critical"], WHITE),
    "warning": (SEVERITY["warning"], INK),
    "info": (SEVERITY["info"], WHITE),
    "verdict-real": (SEVERITY["critical"], WHITE),
    "verdict-false_alarm": ("#747474", WHITE),
    "verdict-ack": (ACCENT, WHITE),
}

# Chart fills that carry text (plotly bar and pie labels drawn on them): (fill, text), each 4.5:1 or more
# (tests/dashboards/test_chart_contrast.py). Rising themes: a theme mostly negative is the darker negative
# orange, the others the accent; both take white text (the chart orange with white was 3.9:1).
RISING = {"negative": (BADGE["negative"][0], WHITE), "other": (ACCENT, WHITE)}
# Slices of a pie (share of voice), in order: Okabe–Ito hues alternating dark (white text) and light (ink text),
# so neighbouring slices differ in lightness as well as hue.
SERIES = [
    (ACCENT, WHITE),
    ("#e69f00", INK),
    ("#008561", WHITE),
    ("#56b4e9", INK),
    ("#a8437a", WHITE),
    ("#f0e442", INK),
    ("#0072b2", WHITE),
    ("#cc79a7", INK),
]


def css_variables() -> str:
    """`:root` custom properties: --neg/--neu/--pos/--unk, --sev-critical/…, --accent, per badge
    --badge-<name> (background) and --badge-<name>-ink (text), the text-carrying chart fills --rising-<name>(-ink)
    and --series-<i>(-ink), and --chart-ink (text outside a bar or slice)."""
    short = {"negative": "neg", "neutral": "neu", "positive": "pos", "unknown": "unk"}
    props = [f"--{short[k]}: {v};" for k, v in SENTIMENT.items()]
    props += [f"--sev-{k}: {v};" for k, v in SEVERITY.items()]
    props.append(f"--accent: {ACCENT};")
    props += [f"--badge-{k}: {bg}; --badge-{k}-ink: {ink};" for k, (bg, ink) in BADGE.items()]
    props += [f"--rising-{k}: {fill}; --rising-{k}-ink: {ink};" for k, (fill, ink) in RISING.items()]
    props += [f"--series-{i}: {fill}; --series-{i}-ink: {ink};" for i, (fill, ink) in enumerate(SERIES)]
    props.append(f"--chart-ink: {INK};")
    return ":root { " + " ".join(props) + " }"

