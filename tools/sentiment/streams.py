"""Sentiment on the real labelled tweet streams: how the model reads real mentions it never trained on.

    python -m tools.sentiment.streams --out docs/sentiment-streams.json
    python -m tools.sentiment.streams --model-dir DIR    (a candidate calibrate_e5 wrote, before it ships)

`../shared/data/streams` holds two real, timestamped tweet collections with human sentiment labels
(CrowdFlower): Apple (3,770 tweets about one brand, December 2014) and the first 2015 GOP debate
(13,838 tweets about ten candidates). Their README forbids training or tuning the sentiment model on
them, so this command only measures: nothing in the model is chosen on these figures. Every line with
a gold label is scored, retweets too (each is its own labelled tweet), and again each distinct text
once (`distinct_texts`: the first line of each `dedup_key`, so that one tweet retweeted 60 times does
not weigh 60 times). A line that is not a valid mention or has no label is counted as skipped, with
reasons, not dropped silently. The model gets each line's `lang`
when it has one (every line says "en") and lingua's guess otherwise, as the pipeline's enrich step does.

For the default model it also scores its parts, the fine-tuned e5 head alone and the n-gram model
alone, and the stacker's macro-F1 margin over the head alone with a paired-bootstrap 95% interval:
the stacker was chosen on held-out rows of the training sets' own domains, and a real brand stream
says whether that choice holds on the posts the product reads.

Each line is read as the pipeline reads it: attributed to the stream's brands (its `groundswell.yaml`)
and their names read as `@user` (nlp/model_text.py). `brand_names_masked` compares that with the lines
read as written: macro-F1 of each distinct text once, masked minus as written, paired-bootstrap 95%
(`--no-mask-brand-names` scores the lines as written throughout).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import click

from core.mention import Mention, load_mention
from groundswell.brands import attribute
from groundswell.config import Config, load_config
from nlp.langid import fill_languages
from nlp.model_files import LABELS
from nlp.normalize import normalize
from nlp.sentiment import load_sentiment_model
from tools.sentiment.data import sentiment_data_dir
from tools.sentiment.evaluate import calibration, decide, macro_f1_margin, scores
from tools.sentiment.parts import has_parts, part_probs
from tools.sentiment.stream_alerts import compare

STREAMS = ("apple-2014", "gop-debate-2015")
SHOW_SKIPPED = 5  # reasons listed per stream; the count covers them all


def streams_dir() -> Path:
    """../shared/data/streams (or under $GROUNDSWELL_SHARED), beside the sentiment data."""
    return sentiment_data_dir().parent / "streams"


@dataclass
class StreamRows:
    """The scored lines of one stream: its mentions and their gold labels, plus what was skipped."""

    name: str
    mentions: list[Mention] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    skipped: int = 0
    skipped_reasons: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.mentions]

    @property
    def langs(self) -> list[str | None]:
        return [m.lang for m in self.mentions]

    @property
    def keys(self) -> list[str]:
        """core.mention.dedup_key of each line: equal for a retweet and its original."""
        return [m.dedup_key() for m in self.mentions]

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if len(self.skipped_reasons) < SHOW_SKIPPED:
            self.skipped_reasons.append(reason)


def load_stream(folder: Path, limit: int | None = None) -> StreamRows:
    """The first `limit` (default all) lines of `folder/mentions.jsonl` that have a gold label in `gold.jsonl`.

    The two files are joined by mention id. Bad lines in either are skipped and counted with a reason."""
    for name in ("mentions.jsonl", "gold.jsonl"):
        if not (folder / name).exists():
            raise FileNotFoundError(f"{folder / name} is absent: the real streams live in ../shared/data/streams "
                                    "beside the checkout (or set GROUNDSWELL_SHARED=/path/to/shared)")
    rows = StreamRows(folder.name)
    gold: dict[str, str] = {}
    with (folder / "gold.jsonl").open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            try:
                record = json.loads(line)
                label = record.get("sentiment")
                if label in LABELS:
                    gold[str(record["id"])] = label
            except (ValueError, KeyError, AttributeError) as exc:
                rows.skip(f"gold.jsonl:{n}: {type(exc).__name__}: {str(exc)[:80]}")
    with (folder / "mentions.jsonl").open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if limit is not None and len(rows.mentions) >= limit:
                break
            if not line.strip():
                continue
            try:
                mention = load_mention(line)
            except ValueError as exc:
                rows.skip(f"mentions.jsonl:{n}: not a valid mention ({str(exc).splitlines()[0][:80]})")
                continue
            if mention.id not in gold:
                rows.skip(f"mentions.jsonl:{n}: {mention.id} has no gold sentiment")
                continue
            rows.mentions.append(mention)
            rows.gold.append(gold[mention.id])
    return rows


def first_of_each_text(keys: list[str]) -> list[int]:
    """Indices of the first line of each distinct text (a retweet of an earlier line is left out)."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    return sorted(first.values())


def score_view(gold: list[str], final: list[str], probs, parts: dict, uncertain_below: float) -> dict:
    """Scores and calibration of the final labels; each part's scores and the stacker's margin over the head."""
    out = {**scores(gold, final, list(LABELS)), "calibration": calibration(gold, probs, uncertain_below)}
    if parts:
        out["parts"] = {name: scores(gold, labels, list(LABELS)) for name, labels in parts.items()}
        out["parts"]["stacker_minus_head"] = macro_f1_margin(gold, final, parts["e5_head_alone"], list(LABELS))
    return out


def evaluate_stream(model, rows: StreamRows, config: Config | None = None, mask: bool = True,
                    alerts: bool = True) -> dict:
    """Every labelled line, and each distinct text once: scores, calibration and (default model) its parts;
    with the stream's `config`, also the crisis alerts its labels raise against the gold labels' (`alerts`),
    and its brands' names read as `@user` (`mask`), compared with the lines read as written."""
    import numpy as np

    langs = fill_languages([normalize(t) for t in rows.texts], rows.langs)
    masked = config is not None and mask
    texts = rows.texts
    if masked:
        model_text = config.model_text()
        texts = [model_text(attribute(m, config.brands)) for m in rows.mentions]
    preds = model.predict(texts, langs)
    probs = np.array([[p.probs[lab] for lab in LABELS] for p in preds])
    final = [p.label for p in preds]
    parts = ({name: decide(p, binary=False) for name, p in part_probs(model, texts).items()}
             if has_parts(model) else {})
    below = getattr(model, "uncertain_below", 0.5)
    distinct = first_of_each_text(rows.keys)

    def view(idx: list[int]) -> dict:
        pick = [rows.gold[i] for i in idx]
        return {"rows": len(idx), "gold_counts": {lab: pick.count(lab) for lab in LABELS},
                **score_view(pick, [final[i] for i in idx], probs[idx],
                             {k: [v[i] for i in idx] for k, v in parts.items()}, below)}

    out = {"skipped": rows.skipped, "skipped_examples": rows.skipped_reasons,
           **view(list(range(len(final)))), "distinct_texts": view(distinct)}
    if masked:  # against the same lines read as written
        written = [p.label for p in model.predict(rows.texts, langs)]
        out["brand_names_masked"] = {
            "lines_changed": sum(a != b for a, b in zip(texts, rows.texts, strict=True)),
            "distinct_texts_changed": sum(texts[i] != rows.texts[i] for i in distinct),
            "labels_changed": sum(a != b for a, b in zip(final, written, strict=True)),
            "distinct_texts_masked_minus_as_written": macro_f1_margin(
                [rows.gold[i] for i in distinct], [final[i] for i in distinct], [written[i] for i in distinct],
                list(LABELS)),
        }
    if config is not None and alerts:
        out["alerts"] = compare(rows.mentions, rows.gold, final, [p.probs for p in preds], model.name, config)
    return out


def _echo(name: str, s: dict) -> None:
    cal = s["calibration"]
    skipped = f" ({s['skipped']} skipped)" if "skipped" in s else ""
    click.echo(f"{name}: {s['rows']} rows{skipped}  macro-F1 {s['macro_f1']:.1f}  "
               f"macro-recall {s['macro_recall']:.1f}  accuracy {s['accuracy']:.1f}  ECE {cal['ece']:.1f}  "
               f"uncertain {cal['uncertain_share']}% (right {cal['accuracy_uncertain']}%, "
               f"confident right {cal['accuracy_confident']}%)")
    if "parts" in s:
        p = s["parts"]
        m = p["stacker_minus_head"]
        click.echo(f"    e5 head alone macro-F1 {p['e5_head_alone']['macro_f1']:.1f}, n-grams alone "
                   f"{p['ngram_alone']['macro_f1']:.1f}; stacker minus head {m['margin']:+.2f} "
                   f"(95%: {m['ci95'][0]:+.2f} .. {m['ci95'][1]:+.2f})")


@click.command()
@click.option("--stream", "names", multiple=True, type=click.Choice(STREAMS), default=STREAMS, show_default=True)
@click.option("--model", "model_name", default="default", show_default=True)
@click.option("--model-dir", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A candidate default model (calibrate_e5's --out folder) instead of nlp/models/default")
@click.option("--combine", type=click.Choice(["shipped", "head"]), default="shipped", show_default=True,
              help="The default model's combination (nlp.sentiment_combine): as shipped, or the e5 head alone")
@click.option("--limit", type=int, default=None, help="Score only the first N labelled lines of each stream")
@click.option("--alerts/--no-alerts", default=True, show_default=True,
              help="Also replay each stream through the alert backtest with gold and with model labels")
@click.option("--mask-brand-names/--no-mask-brand-names", "mask", default=True, show_default=True,
              help="Read the stream's brand names as @user, as the pipeline does by default (nlp.mask_brand_names)")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None)
def main(names: tuple[str, ...], model_name: str, model_dir: Path | None, combine: str, limit: int | None,
         alerts: bool, mask: bool, out_path: Path | None) -> None:
    """Score MODEL's sentiment on the real labelled tweet streams (measurement only: never tune on these)."""
    try:
        loaded = [load_stream(streams_dir() / name, limit) for name in names]
    except FileNotFoundError as exc:  # before the model loads: missing data is said at once
        raise click.ClickException(str(exc)) from None
    try:
        model = load_sentiment_model(model_name, model_dir=model_dir, combine=combine)
    except (OSError, ValueError) as exc:  # a broken or mismatched model folder: its own message, no traceback
        raise click.ClickException(str(exc)) from None
    result: dict = {"model": model.name, "limit": limit, "brand_names_masked": mask, "streams": {}}
    if model_dir is not None:
        result["model_dir"] = str(model_dir)
    for rows in loaded:
        config = load_config(streams_dir() / rows.name / "groundswell.yaml")
        result["streams"][rows.name] = evaluate_stream(model, rows, config, mask, alerts)
        _echo(rows.name, result["streams"][rows.name])
        _echo(f"{rows.name}, each text once", result["streams"][rows.name]["distinct_texts"])
        if "brand_names_masked" in result["streams"][rows.name]:
            b = result["streams"][rows.name]["brand_names_masked"]
            m = b["distinct_texts_masked_minus_as_written"]
            click.echo(f"    brand names masked in {b['lines_changed']} lines, {b['labels_changed']} labels changed; "
                       f"each text once, masked minus as written {m['margin']:+.2f} "
                       f"(95%: {m['ci95'][0]:+.2f} .. {m['ci95'][1]:+.2f})")
        if alerts:
            a = result["streams"][rows.name]["alerts"]
            click.echo(f"    crisis alerts: {a['gold_label_alerts']} with gold labels, {a['model_label_alerts']} "
                       f"with the model's; recall {a['recall']}, precision {a['precision']}")
    if out_path is not None:
        out_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {out_path}")


if __name__ == "__main__":
    main()
