"""Real complaints, read by the sentiment model: do they come out negative, in every language there is data for?

    python -m tools.sentiment.complaints --out docs/sentiment-complaints.json
    python -m tools.sentiment.complaints --model-dir DIR    (a candidate calibrate_e5 wrote, before it ships)

The check set (tools/sentiment/checkset.py) and the demo crisis are sentences we wrote. This reads
human-labelled complaints that people really posted, from the public intent sets in ../shared/data/intents
(evaluation only: their licences do not allow training a shipped model; docs/model-card.md, "Intent tags"):

- `complaints_twitter_en`: tweets to brands labelled complaint or not (Preoţiuc-Pietro et al., 2019);
  the non-complaints split into brand-directed ones (questions, thanks, ...) and random tweets;
- `ijcnlp2017_customer_feedback` en/es/fr/ja: sentences of hotel and app reviews tagged complaint or bug,
  comment (mostly praise), request (questions and feature requests) or meaningless.

A complaint is a breach of the writer's expectations, not the same thing as negative sentiment, so 100%
is not the aim; what the report shows is how many real complaints a crisis alert built on `negative`
would count, per language, and how often texts that are no complaint read negative beside them. For the
default model each group is also read by its parts (the e5 head alone, the n-grams alone), with a paired
bootstrap of the stacker's share of complaints read negative minus the head's. Counts only: no text of
../shared is written into the report.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from nlp.sentiment import load_sentiment_model
from tools.intents.evaluate import DEFAULT_DATA
from tools.sentiment.evaluate import decide
from tools.sentiment.parts import has_parts, part_probs

SETS = ("complaints_twitter_en", "ijcnlp2017_customer_feedback")
IJCNLP_KINDS = ("comment", "request", "meaningless")  # single-tag IJCNLP rows kept beside the complaints
LABELS = ("negative", "neutral", "positive")
RESAMPLES = 2000
SEED = 7


@dataclass(frozen=True)
class Row:
    text: str
    lang: str
    group: str  # "<set> <lang>" (the Twitter set: its name)
    kind: str  # complaint, brand_not_complaint, random_tweet, or an IJCNLP tag of IJCNLP_KINDS


def _kind(set_name: str, row: dict) -> str | None:
    """What a public row is, for this report; None for rows it leaves out (IJCNLP undetermined or mixed tags)."""
    if row.get("intent") == "complaint":  # IJCNLP: a complaint or bug tag, whatever else it carries
        return "complaint"
    if set_name == "complaints_twitter_en":
        return "random_tweet" if str(row.get("domain", "")).startswith("random_") else "brand_not_complaint"
    return row["label"] if row.get("label") in IJCNLP_KINDS else None


def load_rows(root: Path, split: str) -> list[Row]:
    """The rows of `split` of both public sets; a clear error naming a missing or damaged file."""
    rows: list[Row] = []
    for name in SETS:
        path = root / name / f"{split}.jsonl"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is absent: --data must be ../shared/data/intents (the public intent sets)")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, lang = row["text"], row["lang"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a row of the public intent sets ({exc!r})") from None
            kind = _kind(name, row)
            if kind is not None:
                rows.append(Row(text, lang, name if name == "complaints_twitter_en" else f"{name} {lang}", kind))
    return rows


def shares(labels: Sequence[str]) -> dict:
    """Rows and the share (%) of each label."""
    n = len(labels)
    return {"rows": n, **{label: round(100 * sum(x == label for x in labels) / max(n, 1), 1) for label in LABELS}}


def by_group(rows: Sequence[Row], labels: Sequence[str]) -> dict:
    """{group: {kind: shares}}, complaints per language over both sets, and all complaints together."""
    out: dict = {"groups": {}, "complaints_by_language": {}}
    cells: dict[tuple[str, str], list[str]] = {}
    langs: dict[str, list[str]] = {}
    for r, label in zip(rows, labels, strict=True):
        cells.setdefault((r.group, r.kind), []).append(label)
        if r.kind == "complaint":
            langs.setdefault(r.lang, []).append(label)
    for (group, kind), got in sorted(cells.items()):
        out["groups"].setdefault(group, {})[kind] = shares(got)
    out["complaints_by_language"] = {lang: shares(got) for lang, got in sorted(langs.items())}
    out["complaints"] = shares([label for got in langs.values() for label in got])
    return out


def negative_share_difference(a: Sequence[str], b: Sequence[str], resamples: int = RESAMPLES,
                              seed: int = SEED) -> dict:
    """Share (%) of rows labelled negative by `a` minus by `b` (the same rows), with a paired bootstrap's
    95% interval."""
    if len(a) != len(b) or not len(a):
        raise ValueError("the two labellings must cover the same, non-empty rows")
    x = np.array([v == "negative" for v in a], dtype=float) - np.array([v == "negative" for v in b], dtype=float)
    rng = np.random.default_rng(seed)
    boot = np.array([x[rng.integers(0, len(x), len(x))].mean() for _ in range(resamples)])
    return {"margin": round(100 * float(x.mean()), 1),
            "ci95": [round(100 * float(np.percentile(boot, q)), 1) for q in (2.5, 97.5)], "resamples": resamples}


def report(rows: Sequence[Row], labels: Sequence[str], parts: dict[str, list[str]] | None = None) -> dict:
    """The model's reading of `rows` (`labels`), and of its parts' when given ({part name: labels})."""
    out = by_group(rows, labels)
    if parts:
        out["parts"] = {name: by_group(rows, got) for name, got in parts.items()}
        head = parts.get("e5_head_alone")
        if head is not None:
            by_lang: dict[str, list[int]] = {}
            for i, r in enumerate(rows):
                if r.kind == "complaint":
                    by_lang.setdefault(r.lang, []).append(i)
            out["complaints_negative_stacker_minus_head"] = {
                lang: negative_share_difference([labels[i] for i in mine], [head[i] for i in mine])
                for lang, mine in sorted(by_lang.items())}
    return out


def markdown(result: dict) -> str:
    """The model card's tables: complaints read negative per language; the rows that are no complaint."""
    head = (result.get("parts") or {}).get("e5_head_alone")
    diff = result.get("complaints_negative_stacker_minus_head") or {}
    lines = ["| complaints in | rows | read negative | neutral | positive | e5 head alone: negative "
             "| difference (95%) |", "|---|---:|---:|---:|---:|---:|---|"]
    for lang, s in result["complaints_by_language"].items():
        h = f"{head['complaints_by_language'][lang]['negative']}%" if head else "n/a"
        d = diff.get(lang)
        d = f"{d['margin']:+.1f} ({d['ci95'][0]:+.1f}..{d['ci95'][1]:+.1f})" if d else ""
        lines.append(f"| {lang} | {s['rows']} | **{s['negative']}%** | {s['neutral']}% | {s['positive']}% "
                     f"| {h} | {d} |")
    s = result["complaints"]
    h = f"{head['complaints']['negative']}%" if head else "n/a"
    lines.append(f"| all | {s['rows']} | **{s['negative']}%** | {s['neutral']}% | {s['positive']}% | {h} | |")
    lines += ["", "| no complaint | rows | read negative | read positive |", "|---|---:|---:|---:|"]
    for group, kinds in result["groups"].items():
        for kind, s in kinds.items():
            if kind != "complaint" and s["rows"] >= 20:  # smaller cells say nothing
                lines.append(f"| {group}: {kind.replace('_', ' ')} | {s['rows']} | {s['negative']}% "
                             f"| {s['positive']}% |")
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--data", "root", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_DATA,
              show_default=True, help="The public intent sets (../shared/data/intents)")
@click.option("--split", type=click.Choice(["dev", "test"]), default="test", show_default=True,
              help="Which split of the public sets (as `make eval-intents` reads test)")
@click.option("--model", "model_name", default="default", show_default=True)
@click.option("--model-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A candidate default model (calibrate_e5's --out folder) instead of nlp/models/default")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(root: Path, split: str, model_name: str, model_dir: Path | None, out_path: Path | None) -> None:
    """Read the public sets' real complaints (and the rows beside them) with MODEL; print and write the shares."""
    try:
        rows = load_rows(root, split)
        model = load_sentiment_model(model_name, model_dir=model_dir)
    except (OSError, ValueError) as exc:  # absent data, a damaged row, a broken model folder: one message
        raise click.ClickException(str(exc)) from None
    texts = [r.text for r in rows]
    labels = [p.label for p in model.predict(texts, [r.lang for r in rows])]
    parts = ({name: decide(p, binary=False) for name, p in part_probs(model, texts).items()}
             if has_parts(model) else None)
    result = {"model": model.name, "data": "../shared/data/intents (evaluation only)", "split": split,
              "rows": len(rows), **report(rows, labels, parts)}
    if model_dir is not None:
        result["model_dir"] = str(model_dir)
    click.echo(f"{model.name} on the {split} split, {len(rows)} rows: share read negative / neutral / positive")
    for group, kinds in result["groups"].items():
        for kind, s in kinds.items():
            line = (f"  {group:38s} {kind:20s} {s['rows']:5d}  "
                    f"{s['negative']:5.1f} {s['neutral']:5.1f} {s['positive']:5.1f}")
            for name, part in (result.get("parts") or {}).items():
                p = part["groups"][group][kind]
                line += f" | {name} {p['negative']:5.1f} {p['neutral']:5.1f} {p['positive']:5.1f}"
            click.echo(line)
    click.echo(f"complaints read negative: {result['complaints']['negative']}% of {result['complaints']['rows']}; "
               "by language: " + ", ".join(
        f"{lang} {s['negative']}% of {s['rows']}" for lang, s in result["complaints_by_language"].items()))
    for lang, d in (result.get("complaints_negative_stacker_minus_head") or {}).items():
        click.echo(f"  {lang}: stacker − head alone {d['margin']:+.1f} points "
                   f"(95% {d['ci95'][0]:+.1f}..{d['ci95'][1]:+.1f})")
    if out_path is not None:
        out_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {out_path}")


if __name__ == "__main__":
    main()
