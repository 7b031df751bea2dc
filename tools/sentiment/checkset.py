"""The complaint / praise / announcement check set: do complaints read as negative in every language?

    python -m tools.sentiment.checkset --out docs/sentiment-checkset.json
    python -m tools.sentiment.checkset --model-dir DIR    (a candidate calibrate_e5 wrote, before it ships)

`tools/sentiment/checkset/checkset.tsv` holds sentences the maintainers wrote for this check (CC0),
in 11 languages: complaints (safety, outage, delay, refund, defect, support) that must read as
negative, praise as positive, and plain announcements as neutral. It is never read by training.
The report gives, per language and kind, how many rows got the expected label, and lists the misses;
and how many of the demo corpus's planted crisis posts (groundswell/demo_corpus.py) read negative.
For the default model the same is reported for its parts (the e5 head alone, the n-grams alone).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click

from groundswell.demo_corpus import generate, lang_of
from nlp.sentiment import load_sentiment_model
from tools.sentiment.evaluate import decide
from tools.sentiment.parts import has_parts, part_probs

CHECKSET = Path(__file__).resolve().parent / "checkset" / "checkset.tsv"
KINDS = ("complaint", "praise", "announcement")


@dataclass(frozen=True)
class CheckRow:
    lang: str
    kind: str
    expected: str
    text: str


def load_checkset(path: Path = CHECKSET) -> list[CheckRow]:
    """Rows of the TSV (lang, kind, expected, text); `#` lines are comments. ValueError naming a bad line."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 4 or parts[1] not in KINDS or parts[2] not in ("negative", "neutral", "positive"):
            raise ValueError(f"{path}:{n}: expected 'lang<TAB>kind<TAB>label<TAB>text', got {line[:60]!r}")
        rows.append(CheckRow(*parts))
    return rows


def demo_crisis_posts() -> list[tuple[str, str]]:
    """(text, lang) of the demo corpus's planted crisis posts (groundswell/demo_corpus.py), which must read negative."""
    return [(r["text"], lang_of(r["author"]["handle"])) for r in generate()
            if (r.get("extra") or {}).get("planted") == "planted-crisis"]


def negative_share_by_language(posts: list[tuple[str, str]], labels: list[str]) -> dict:
    """Per language and overall: negative labels out of all."""
    out: dict = {}
    for (_, lang), label in zip(posts, labels, strict=True):
        cell = out.setdefault(lang, {"negative": 0, "rows": 0})
        cell["rows"] += 1
        cell["negative"] += label == "negative"
    total = {"negative": sum(c["negative"] for c in out.values()), "rows": len(posts)}
    total["share"] = round(100 * total["negative"] / max(total["rows"], 1), 1)
    return {"overall": total, "by_language": dict(sorted(out.items()))}


def score(rows: list[CheckRow], labels: list[str]) -> dict:
    """Per kind and language: rows with the expected label out of all; overall per kind; the misses."""
    out: dict = {"kinds": {}, "by_language": {}, "misses": []}
    for kind in KINDS:
        mine = [(r, got) for r, got in zip(rows, labels, strict=True) if r.kind == kind]
        right = sum(r.expected == got for r, got in mine)
        out["kinds"][kind] = {"right": right, "rows": len(mine), "share": round(100 * right / max(len(mine), 1), 1)}
    for r, got in zip(rows, labels, strict=True):
        cell = out["by_language"].setdefault(r.lang, {}).setdefault(r.kind, {"right": 0, "rows": 0})
        cell["rows"] += 1
        cell["right"] += r.expected == got
        if r.expected != got:
            out["misses"].append({"lang": r.lang, "kind": r.kind, "expected": r.expected, "got": got, "text": r.text})
    return out


def score_parts(model, rows: list[CheckRow], crisis: list[tuple[str, str]]) -> dict:
    """The check set and the demo crisis as read by the e5 head alone and by the n-grams alone."""
    texts = [r.text for r in rows] + [t for t, _ in crisis]
    out = {}
    for name, probs in part_probs(model, texts).items():
        labels = decide(probs, binary=False)
        kinds = score(rows, labels[: len(rows)])
        out[name] = {"kinds": kinds["kinds"], "demo_crisis": negative_share_by_language(crisis, labels[len(rows):])}
    return out


@click.command()
@click.option("--model", "model_name", default="default", show_default=True)
@click.option("--model-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A candidate default model (calibrate_e5's --out folder) instead of nlp/models/default")
@click.option("--combine", type=click.Choice(["shipped", "head"]), default="shipped", show_default=True,
              help="The default model's combination (nlp.sentiment_combine): as shipped, or the e5 head alone")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(model_name: str, model_dir: Path | None, combine: str, out_path: Path | None) -> None:
    """Run MODEL on the check set and print per-language, per-kind results."""
    rows = load_checkset()
    try:
        model = load_sentiment_model(model_name, model_dir=model_dir, combine=combine)
    except (OSError, ValueError) as exc:  # a broken or mismatched model folder: its own message, no traceback
        raise click.ClickException(str(exc)) from None
    preds = model.predict([r.text for r in rows], [r.lang for r in rows])
    result = {"model": model.name, "rows": len(rows), **score(rows, [p.label for p in preds])}
    if model_dir is not None:
        result["model_dir"] = str(model_dir)
    crisis = demo_crisis_posts()
    crisis_preds = model.predict([t for t, _ in crisis], [lang for _, lang in crisis])
    result["demo_crisis"] = negative_share_by_language(crisis, [p.label for p in crisis_preds])
    if has_parts(model):  # what the stacker does away from its training domains, against its parts
        result["parts"] = score_parts(model, rows, crisis)
    for kind, s in result["kinds"].items():
        click.echo(f"{kind:13s} {s['right']}/{s['rows']} as expected ({s['share']}%)")
    for lang, kinds in sorted(result["by_language"].items()):
        click.echo(f"  {lang}: " + "  ".join(f"{k} {c['right']}/{c['rows']}" for k, c in kinds.items()))
    c = result["demo_crisis"]
    click.echo(f"demo crisis posts read negative: {c['overall']['negative']}/{c['overall']['rows']} "
               f"({c['overall']['share']}%); " + ", ".join(f"{k} {v['negative']}/{v['rows']}"
                                                      for k, v in c["by_language"].items()))
    for name, part in result.get("parts", {}).items():
        kinds = ", ".join(f"{k} {v['right']}/{v['rows']}" for k, v in part["kinds"].items())
        share = part["demo_crisis"]["overall"]
        click.echo(f"  {name}: {kinds}; demo crisis negative {share['negative']}/{share['rows']} ({share['share']}%)")
    if out_path is not None:
        out_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {out_path}")


if __name__ == "__main__":
    main()
