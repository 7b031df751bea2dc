"""Draw the six-fold comparison as one small SVG: each fold's two runs side by side, and the difference on the
union of the folds with its 90% interval.

    python -m tools.sentiment.plot_folds [--comparison docs/fold-comparison.json] [--out docs/runs/folds.svg]

Why: the fold test (docs/model-card.md, "A second test on more rows") is read as "ahead on every fold, and by
more than the rows' noise", which a picture shows at once. Drawn from compare_folds' output only, as plain SVG
text; `tests/nlp/test_plot_folds.py` checks the committed one is the one this draws.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import click

from tools.sentiment.plot_pool import _scale, interval_marks, write_plot

ROOT = Path(__file__).resolve().parents[2]
WIDTH, ROW, LEFT, RIGHT, TOP = 720, 30, 190, 60, 46
COLOURS = {"reference": "#1f77b4", "run": "#d62728"}


def draw(comparison: dict) -> str:
    """The SVG text for one compare_folds output: a row per fold (reference and run), then the difference."""
    try:
        folds = [(int(k), v["reference"]["cv_mean_macro_f1"], v["run"]["cv_mean_macro_f1"])
                 for k, v in sorted(comparison["per_fold"].items(), key=lambda kv: int(kv[0]))]
        union = {side: comparison[side]["cv_mean_macro_f1"] for side in COLOURS}
        boot = comparison["difference"]
        low, high = boot["interval_90"]
        difference, share, rows = boot["mean_difference"], boot["share_better"], comparison["rows"]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise click.ClickException(f"not a compare_folds output: {error!r} is missing or malformed") from error
    scores = [s for _, a, b in folds for s in (a, b)] + list(union.values())
    x = _scale(min(scores) - 0.2, max(scores) + 0.2, LEFT, WIDTH - RIGHT)
    dx = _scale(min(low, 0.0) - 0.2, max(high, 0.0) + 0.2, LEFT, WIDTH - RIGHT)
    height = TOP + ROW * (len(folds) + 1) + 70
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           '<text x="10" y="20" font-weight="bold">Stacker CV macro-F1 per hold-out fold (train rows; dev not read)'
           '</text>',
           f'<text x="10" y="36" font-size="11"><tspan fill="{COLOURS["reference"]}">● reference setting</tspan>'
           f'  <tspan fill="{COLOURS["run"]}">● compared setting</tspan></text>']
    labelled = [(f"fold {k}", a, b) for k, a, b in folds] + [(f"all folds ({rows:,} rows)", *union.values())]
    for index, (label, a, b) in enumerate(labelled):
        y = TOP + ROW * index + ROW / 2
        out.append(f'<text x="10" y="{y + 4:.1f}">{escape(label)}</text>')
        out.append(f'<line x1="{x(a):.1f}" y1="{y:.1f}" x2="{x(b):.1f}" y2="{y:.1f}" stroke="#999"/>')
        for side, score in (("reference", a), ("run", b)):
            out.append(f'<circle cx="{x(score):.1f}" cy="{y:.1f}" r="5" fill="{COLOURS[side]}" fill-opacity="0.8">'
                       f'<title>{escape(label)}, {side}: {score:.2f}</title></circle>')
        out.append(f'<text x="{WIDTH - RIGHT + 6}" y="{y + 4:.1f}" font-size="10">{b - a:+.2f}</text>')
    y = TOP + ROW * len(labelled) + 30
    out.append(f'<text x="10" y="{y + 4:.1f}">difference on all folds, 90%</text>')
    out += interval_marks(dx, y, low, high, difference, share)
    out.append("</svg>")
    return "\n".join(out) + "\n"


@click.command()
@click.option("--comparison", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=ROOT / "docs" / "fold-comparison.json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=ROOT / "docs" / "runs" / "folds.svg", show_default=True)
def main(comparison: Path, out: Path) -> None:
    """Write the fold plot of one compare_folds output."""
    write_plot(comparison, out, draw)


if __name__ == "__main__":
    main()
