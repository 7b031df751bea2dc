"""The one colour palette of the report and the dashboard (colour-blind safe, Okabe–Ito based).

The report reads it directly; the dashboard's pages get it as CSS custom properties
(`css_variables`), which app.css and the charts in static/common.js read.
"""

from __future__ import annotations

# Sentiment: orange / grey / green, distinguishable with the common colour-vision deficiencies.
SENTIMENT = {"negative": "#d55e00", "neutral": "#8c8c8c", "positive": "#009e73", "unknown": "#cfcfcf"}
SEVERITY = {"critical": "#c62828", "warning": "#ef8a00", "info": "#1e66d0"}
ACCENT = "#3559e0"  # single-series charts, links


def css_variables() -> str:
    """`:root` custom properties: --neg/--neu/--pos/--unk, --sev-critical/…, --accent."""
    short = {"negative": "neg", "neutral": "neu", "positive": "pos", "unknown": "unk"}
    props = [f"--{short[k]}: {v};" for k, v in SENTIMENT.items()]
    props += [f"--sev-{k}: {v};" for k, v in SEVERITY.items()]
    props.append(f"--accent: {ACCENT};")
    return ":root { " + " ".join(props) + " }"
