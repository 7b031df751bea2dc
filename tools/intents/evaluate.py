"""How well the shipped intent model does, per language and intent: docs/intent-eval.json.

`python -m tools.intents.evaluate [--data ../shared/data/intents] [--json docs/intent-eval.json] [--model DIR]`

Also writes each intent's precision on the public sets next to the model measured (`<model>/precision.json`,
tools/intents/precision.py): package data the dashboard's intent filter reads, in a wheel too.

Two kinds of test data (docs/model-card.md, "Intent tags", explains both):
- the held-out part of our seed set (all six intents, ten languages): per language × intent
  precision, recall and F1 of the six-way prediction, plus macro F1 per language;
- the public research sets' test splits (eval only), each a binary task "is it intent X?" where the
  set labels X and its other rows cannot be X: F1 of "predicted X" against the gold X.
Prints a markdown table for the model card.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nlp.intents import INTENTS, MODEL_DIR, IntentTagger
from tools.intents import precision
from tools.intents.cache import embed
from tools.intents.data import Example, compatible_rows, public_tasks, seed_examples

DEFAULT_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "intents"


def prf(gold: list[bool], pred: list[bool]) -> dict:
    """Precision, recall, F1 and support of the positive class."""
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "support": tp + fn}


def predict(tagger: IntentTagger, examples: list[Example]) -> list[str]:
    texts = [e.text for e in examples]
    return tagger.predict(embed(texts, progress=False), texts, [e.lang for e in examples])


def seed_report(tagger: IntentTagger) -> dict:
    """Per language: per intent P/R/F1 and macro F1 on the seed set's held-out part."""
    examples = seed_examples("test")
    preds = predict(tagger, examples)
    out: dict = {}
    for lang in sorted({e.lang for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        per = {
            intent: prf([examples[i].intent == intent for i in idx], [preds[i] == intent for i in idx])
            for intent in INTENTS
        }
        macro = round(sum(v["f1"] for v in per.values()) / len(per), 3)
        out[lang] = {"examples": len(idx), "macro_f1": macro, "intents": per}
    return out


def public_report(tagger: IntentTagger, root: Path, split: str = "test", ko_sample: int = 600) -> list[dict]:
    """One row per public binary task: its intent, language(s) and P/R/F1 of that intent."""
    rows = []
    for task in public_tasks(root, ko_sample, split):
        preds = predict(tagger, task.examples)
        score = prf([e.intent == task.intent for e in task.examples], [p == task.intent for p in preds])
        langs = sorted({e.lang for e in task.examples})
        predicted = {i: sum(p == i for p in preds) for i in INTENTS}
        rows.append({"set": task.name, "intent": task.intent, "lang": ",".join(langs), "rows": len(task.examples),
                     **score, "predicted": predicted})
    return rows


def compatible_report(tagger: IntentTagger, root: Path, split: str = "test") -> list[dict]:
    """IJCNLP `request`/`comment` rows per language: the share predicted within the compatible intents."""
    rows = []
    for name, items in compatible_rows(root, split).items():
        preds = predict(tagger, [e for e, _ in items])
        inside = sum(p in allowed for p, (_, allowed) in zip(preds, items, strict=True))
        label, lang = name.split()
        rows.append({"set": "ijcnlp2017_customer_feedback", "label": label, "lang": lang, "rows": len(items),
                     "compatible": list(items[0][1]), "share_compatible": round(inside / len(items), 3),
                     "predicted": {i: sum(p == i for p in preds) for i in INTENTS}})
    return rows


def markdown(report: dict) -> str:
    """The model card's tables: seed F1 per language × intent, then the public sets."""
    lines = ["| lang | " + " | ".join(INTENTS) + " | macro F1 | n |", "|---|" + "---:|" * (len(INTENTS) + 2)]
    for lang, row in report["seed_held_out"].items():
        cells = [f"{row['intents'][i]['f1']:.2f}" for i in INTENTS]
        lines.append(f"| {lang} | " + " | ".join(cells) + f" | {row['macro_f1']:.2f} | {row['examples']} |")
    split = report.get("split", "test")
    lines += ["", f"| public set ({split} split) | lang | intent | rows | precision | recall | F1 |"]
    lines += ["|---|---|---|---:|---:|---:|---:|"]
    for r in report["public"]:
        lines.append(f"| {r['set']} | {r['lang']} | {r['intent']} | {r['rows']} | {r['precision']:.2f} | "
                     f"{r['recall']:.2f} | {r['f1']:.2f} |")
    if report.get("compatible"):
        lines += ["", "| IJCNLP label | lang | rows | compatible intents | share predicted in them | most predicted |"]
        lines += ["|---|---|---:|---|---:|---|"]
        for r in report["compatible"]:
            top = ", ".join(f"{k} {v}" for k, v in sorted(r["predicted"].items(), key=lambda kv: -kv[1])[:3])
            lines.append(f"| {r['label']} | {r['lang']} | {r['rows']} | {' or '.join(r['compatible'])} | "
                         f"{r['share_compatible']:.2f} | {top} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="../shared/data/intents")
    parser.add_argument("--json", type=Path, default=Path("docs/intent-eval.json"))
    parser.add_argument("--model", type=Path, default=None, help="a model folder (default: the shipped one)")
    parser.add_argument("--split", choices=("test", "dev"), default="test",
                        help="public sets' split: dev to compare seed-set changes without touching test")
    parser.add_argument("--ko-sample", type=int, default=600, help="3i4k rows per class (0: leave it out)")
    args = parser.parse_args(argv)
    model_dir = args.model or MODEL_DIR
    tagger = IntentTagger.load(model_dir)
    report = {"model": tagger.manifest, "seed_held_out": seed_report(tagger)}
    if args.data.exists():
        report["split"] = args.split
        report["public"] = public_report(tagger, args.data, args.split, args.ko_sample)
        report["compatible"] = compatible_report(tagger, args.data, args.split)
    else:
        print(f"{args.data} not found: public sets skipped")
        report["public"] = []
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # The shipped figures (the dashboard's) only from a run that measured the test split: a dev-split comparison or
    # a run without the public sets leaves them as they are.
    if report.get("split") == "test" and report["public"]:
        print(f"wrote {args.json} and {precision.write(report, model_dir)}")
    else:
        print(f"wrote {args.json}; {model_dir / 'precision.json'} left as it was (no test-split figures in this run)")
    print(markdown(report))


if __name__ == "__main__":
    main()
