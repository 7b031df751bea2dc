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


def css_variables() -> str:
    """`:root` custom properties: --neg/--neu/--pos/--unk, --sev-critical/…, --accent, and per badge
    --badge-<name> (background) and --badge-<name>-ink (text)."""
    short = {"negative": "neg", "neutral": "neu", "positive": "pos", "unknown": "unk"}
    props = [f"--{short[k]}: {v};" for k, v in SENTIMENT.items()]
    props += [f"--sev-{k}: {v};" for k, v in SEVERITY.items()]
    props.append(f"--accent: {ACCENT};")
    props += [f"--badge-{k}: {bg}; --badge-{k}-ink: {ink};" for k, (bg, ink) in BADGE.items()]
    return ":root { " + " ".join(props) + " }"

