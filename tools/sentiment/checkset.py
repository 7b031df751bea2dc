"""The complaint / praise / announcement check set: do complaints read as negative in every language?

    python -m tools.sentiment.checkset --out docs/sentiment-checkset.json
    python -m tools.sentiment.checkset --model-dir DIR    (a candidate calibrate_e5 wrote, before it ships)

`tools/sentiment/checkset/checkset.tsv` holds sentences the maintainers wrote for this check (CC0),
in 11 languages: complaints (safety, outage, delay, refund, defect, support) that must read as
negative, praise as positive, and plain announcements as neutral. It is never read by training.
The report gives, per language and kind, how many rows got the expected label, and lists the misses;
and how many of the demo corpus's planted crisis posts (groundswell/demo_corpus.py) read negative.
For the default model the same is reported for its parts (the e5 head alone, the n-grams alone).

Texts are read as the pipeline reads them: the brand's own names as `@user` (nlp/model_text.py;
`--no-mask-brand-names` reads them as written). `brand_swap` in the report says whether a label depends
on what the brand is called: the check set's six brand names are swapped for each of `SWAP_NAMES`, read
as written, and the rows whose label changes with the name are counted, beside the same read with masking
(docs/model-card.md, "A brand's name must not move its sentiment").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from groundswell.config import BrandConfig
from groundswell.demo import DEMO_CONFIG
from groundswell.demo_corpus import generate, lang_of
from nlp.config import NlpConfig
from nlp.model_text import ModelText
from nlp.sentiment import load_sentiment_model
from tools.sentiment.evaluate import decide
from tools.sentiment.parts import has_parts, part_probs

CHECKSET = Path(__file__).resolve().parent / "checkset" / "checkset.tsv"
KINDS = ("complaint", "praise", "announcement")
# The made-up brands the check set's sentences name (every row names one, in Latin script in every language).
CHECKSET_BRANDS = ("Calypso Air", "Nordvik", "Parcelo", "Brightmart", "Veltra", "Telvo")
# Names swapped in for them: real brands and made-up ones (the list the model card's rule fixed beforehand).
SWAP_NAMES = ("Lumora", "Apple", "Samsung", "Xiaomi", "Huawei", "Sony", "Nokia", "Tesla", "Nordvik", "Veltra",
              "Orbix", "Kestrel")


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


def brand_of(row: CheckRow) -> str:
    """The check-set brand a row names; ValueError when it names none (a new row must use one of them)."""
    for name in CHECKSET_BRANDS:
        if name in row.text:
            return name
    raise ValueError(f"check-set row names none of {CHECKSET_BRANDS}: {row.text[:60]!r}")


def checkset_text(mask: bool) -> ModelText:
    """What the model reads of a check-set sentence: its brand's name as `@user` when `mask`."""
    return ModelText(NlpConfig(mask_brand_names=mask),
                     {name: BrandConfig(name=name, query=f'"{name}"').terms() for name in CHECKSET_BRANDS})


def demo_text(mask: bool) -> ModelText:
    """What the demo pipeline's models read of a post (its config's brands; groundswell/demo.py)."""
    brands = [BrandConfig.model_validate(b) for b in yaml.safe_load(DEMO_CONFIG)["brands"]]
    return ModelText(NlpConfig(mask_brand_names=mask), {b.name: b.terms() for b in brands})


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


def brand_swap(model, rows: list[CheckRow], names: tuple[str, ...] = SWAP_NAMES,
               crisis: list[tuple[str, str]] | None = None) -> dict:
    """Does a label depend on what the brand is called? Each row read with its brand's name swapped for each
    of `names`, as written and with the name masked: rows whose label changes with the name, rows right and
    complaints read negative per name; and, given the demo `crisis` posts, how many read negative with
    "Lumora" swapped for each name."""
    out: dict = {"names": list(names)}
    for way, mask in (("as_written", False), ("masked", True)):
        text = ModelText(NlpConfig(mask_brand_names=mask), {n: BrandConfig(name=n, query=n).terms() for n in names})
        swapped = [(row, name, text.masked(row.text.replace(brand_of(row), name), [name]))
                   for row in rows for name in names]
        labels = [p.label for p in model.predict([t for _, _, t in swapped], [row.lang for row, _, _ in swapped])]
        by_row: dict[int, set[str]] = {}
        right = dict.fromkeys(names, 0)
        complaints = dict.fromkeys(names, 0)
        for (row, name, _), label in zip(swapped, labels, strict=True):
            by_row.setdefault(id(row), set()).add(label)
            right[name] += label == row.expected
            complaints[name] += row.kind == "complaint" and label == "negative"
        out[way] = {"rows_whose_label_depends_on_the_name": sum(len(v) > 1 for v in by_row.values()),
                    "rows": len(rows), "right_by_name": right, "complaints_negative_by_name": complaints,
                    "right_mean": round(sum(right.values()) / len(names), 2),
                    "complaints_negative_mean": round(sum(complaints.values()) / len(names), 2)}
        if crisis:
            lumora = re.compile("lumora", re.IGNORECASE)  # its #lumora hashtags too
            posts = [(name, text.masked(lumora.sub(name, t), [name]), lang) for name in names for t, lang in crisis]
            labels = [p.label for p in model.predict([t for _, t, _ in posts], [lang for _, _, lang in posts])]
            negative = dict.fromkeys(names, 0)
            for (name, _, _), label in zip(posts, labels, strict=True):
                negative[name] += label == "negative"
            out[way]["crisis_posts"] = len(crisis)
            out[way]["crisis_negative_by_name"] = negative
    return out


def score_parts(model, rows: list[CheckRow], crisis: list[tuple[str, str]], mask: bool = True) -> dict:
    """The check set and the demo crisis as read by the e5 head alone and by the n-grams alone."""
    text = checkset_text(mask)
    texts = [text.masked(r.text, [brand_of(r)]) for r in rows] + [t for t, _ in crisis]
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
@click.option("--mask-brand-names/--no-mask-brand-names", "mask", default=True, show_default=True,
              help="Read brand names as @user, as the pipeline does by default (nlp.mask_brand_names)")
@click.option("--brand-swap/--no-brand-swap", "swap", default=True, show_default=True,
              help="Also swap the brand names for SWAP_NAMES and count labels that change with the name")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(model_name: str, model_dir: Path | None, combine: str, mask: bool, swap: bool,
         out_path: Path | None) -> None:
    """Run MODEL on the check set and print per-language, per-kind results."""
    rows = load_checkset()
    try:
        model = load_sentiment_model(model_name, model_dir=model_dir, combine=combine)
    except (OSError, ValueError) as exc:  # a broken or mismatched model folder: its own message, no traceback
        raise click.ClickException(str(exc)) from None
    text = checkset_text(mask)
    preds = model.predict([text.masked(r.text, [brand_of(r)]) for r in rows], [r.lang for r in rows])
    result = {"model": model.name, "rows": len(rows), "brand_names_masked": mask,
              **score(rows, [p.label for p in preds])}
    if model_dir is not None:
        result["model_dir"] = str(model_dir)
    demo = demo_text(mask)
    crisis = [(demo.masked(t, ["Lumora"]), lang) for t, lang in demo_crisis_posts()]
    crisis_preds = model.predict([t for t, _ in crisis], [lang for _, lang in crisis])
    result["demo_crisis"] = negative_share_by_language(crisis, [p.label for p in crisis_preds])
    if has_parts(model):  # what the stacker does away from its training domains, against its parts
        result["parts"] = score_parts(model, rows, crisis, mask)
    if swap:
        result["brand_swap"] = brand_swap(model, rows, crisis=demo_crisis_posts())
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
    if "brand_swap" in result:
        for way in ("as_written", "masked"):
            b = result["brand_swap"][way]
            click.echo(f"brand names swapped ({way}): {b['rows_whose_label_depends_on_the_name']}/{b['rows']} rows "
                       f"change label with the name; right {b['right_mean']} (mean of {len(SWAP_NAMES)} names), "
                       f"complaints negative {b['complaints_negative_mean']}; demo crisis negative by name "
                       f"{min(b['crisis_negative_by_name'].values())}..{max(b['crisis_negative_by_name'].values())}"
                       f" of {b['crisis_posts']}")
    if out_path is not None:
        out_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {out_path}")


if __name__ == "__main__":
    main()
