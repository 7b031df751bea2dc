"""Draw the pooled seed comparison as one small SVG: every seed's stacker CV, by setting, and the pooled
difference with its 90% interval.

    python -m tools.sentiment.plot_pool [--comparison docs/run-comparison-pool.json] [--out docs/runs/pool.svg]

Why: the rule for replacing the shipped model (docs/model-card.md) is judged on how two settings' seeds
spread and overlap, which is easier to see than to read from a JSON file or a paragraph of figures. The
plot is drawn from compare_runs' output only (no data, no model), as plain SVG text, so it is cheap, the
same on every machine, and `tests/nlp/test_plot_pool.py` checks the committed one is the one this draws.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
WIDTH, ROW, LEFT, RIGHT, TOP = 720, 56, 190, 40, 40


def setting_of(settings: dict, combine: str = "stacker") -> str:
    """A run's setting in words: how many top layers it trained, for how many epochs, and whether it was scored
    by its e5 head alone (compare_runs --combine head) rather than its stacker."""
    layers = len(settings.get("trained_layers") or [])
    return f"{layers} layers × {settings.get('epochs')} epochs" + (", head alone" if combine == "head" else "")


def _scale(low: float, high: float, left: int, right: int):
    span = (high - low) or 1.0
    return lambda value: left + (value - low) / span * (right - left)


def interval_marks(dx: Callable[[float], float], y: float, low: float, high: float, difference: float,
                   share: float) -> list[str]:
    """The SVG of a bootstrap difference on one row: the zero line, the 90% interval, the mean and its label."""
    return [f'<text x="{dx(0.0):.1f}" y="{y - 18:.1f}" font-size="10" text-anchor="middle">0</text>',
            f'<line x1="{dx(0.0):.1f}" y1="{y - 14:.1f}" x2="{dx(0.0):.1f}" y2="{y + 14:.1f}" '
            f'stroke="#999" stroke-dasharray="3,3"/>',
            f'<line x1="{dx(low):.1f}" y1="{y:.1f}" x2="{dx(high):.1f}" y2="{y:.1f}" stroke="#333" '
            f'stroke-width="3"><title>90% of resamples: {low:+.2f}..{high:+.2f}</title></line>',
            f'<circle cx="{dx(difference):.1f}" cy="{y:.1f}" r="5" fill="#333">'
            f'<title>mean difference {difference:+.2f}, better in {share:.1%}</title></circle>',
            f'<text x="{dx(difference):.1f}" y="{y + 22:.1f}" font-size="10" text-anchor="middle">'
            f'{difference:+.2f} ({low:+.2f}..{high:+.2f}), better in {share:.1%}</text>']


def draw(comparison: dict) -> str:
    """The SVG text for one compare_runs `--pool` output: a strip of seeds per setting, then the difference."""
    pooled = comparison.get("pooled")
    if not pooled:
        raise click.ClickException("this comparison has no 'pooled' part: run compare_runs with --pool N")
    reference = comparison.get("reference", "")
    try:
        runs = comparison["runs"]
        rows = [(setting_of(runs[names[0]]["settings"], runs[names[0]].get("combine", "stacker")),
                 [(n, runs[n]["cv_mean_macro_f1"]) for n in names])
                for names in (pooled["reference_runs"], pooled["runs"])]
        low, high = pooled["interval_90"]
        difference, share = pooled["mean_difference"], pooled["share_better"]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise click.ClickException(f"not a compare_runs --pool output: {error!r} is missing or malformed") from error
    scores = [score for _, seeds in rows for _, score in seeds]
    sides = (pooled["reference_runs"], pooled["runs"])
    scored_by = {runs[n].get("combine", "stacker") for names in sides for n in names}
    what = "Stacker" if scored_by == {"stacker"} else "Head or stacker"
    x = _scale(min(scores) - 0.2, max(scores) + 0.2, LEFT, WIDTH - RIGHT)
    dx = _scale(min(low, 0.0) - 0.2, max(high, 0.0) + 0.2, LEFT, WIDTH - RIGHT)
    height = TOP + ROW * 3 + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="10" y="20" font-weight="bold">{what} CV macro-F1 per seed, by setting (held-out train '
           f'rows; dev not read; ringed: {escape(reference)})</text>']
    for index, (label, seeds) in enumerate(rows):
        y = TOP + ROW * index + ROW / 2
        mean = sum(score for _, score in seeds) / len(seeds)
        out.append(f'<text x="10" y="{y + 4:.1f}">{escape(label)} ({len(seeds)} seeds)</text>')
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<line x1="{x(mean):.1f}" y1="{y - 14:.1f}" x2="{x(mean):.1f}" y2="{y + 14:.1f}" '
                   f'stroke="#333"><title>mean {mean:.2f}</title></line>')
        for name, score in seeds:
            colour = "#1f77b4" if index == 0 else "#d62728"
            ring = ' stroke="#000" stroke-width="2"' if name == reference else ""
            out.append(f'<circle cx="{x(score):.1f}" cy="{y:.1f}" r="5" fill="{colour}" fill-opacity="0.7"{ring}>'
                       f'<title>{escape(name)}: {score:.2f}</title></circle>')
        out.append(f'<text x="{WIDTH - RIGHT + 4}" y="{y + 4:.1f}" font-size="10">{mean:.2f}</text>')
    for value in (min(scores), max(scores)):
        out.append(f'<text x="{x(value):.1f}" y="{TOP + ROW * 2 + 4}" font-size="10" '
                   f'text-anchor="middle">{value:.2f}</text>')
    y = TOP + ROW * 2 + ROW / 2 + 10
    out.append(f'<text x="10" y="{y + 4:.1f}">difference of means, 90%</text>')
    out += interval_marks(dx, y, low, high, difference, share)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_plot(comparison: Path, out: Path, draw_svg: Callable[[dict], str]) -> None:
    """Read a comparison JSON, draw it with `draw_svg`, write the SVG to `out` (a clear error for bad JSON)."""
    try:
        data = json.loads(comparison.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{comparison} is not JSON: {error}") from error
    out.write_text(draw_svg(data), encoding="utf-8")
    click.echo(f"wrote {out}")


@click.command()
@click.option("--comparison", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=ROOT / "docs" / "run-comparison-pool.json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=ROOT / "docs" / "runs" / "pool.svg", show_default=True)
def main(comparison: Path, out: Path) -> None:
    """Write the pool plot of one compare_runs --pool output."""
    write_plot(comparison, out, draw)


if __name__ == "__main__":
    main()
