"""`groundswell sentiment ...`: score a file, audit the stored labels, correct them.

    groundswell sentiment score IN.jsonl OUT.jsonl [--model M] [--brand NAME [--brand-query Q]] [--no-progress]
    groundswell sentiment audit-sample -c groundswell.yaml --n 300 --out audit.csv
    groundswell sentiment audit-score audit.csv [--json audit.json] [--save|--apply -c groundswell.yaml]
    groundswell sentiment correct -c groundswell.yaml --label negative ID [ID ...]
    groundswell sentiment correct -c groundswell.yaml --undo ID [ID ...]
    groundswell sentiment corrections -c groundswell.yaml [--format table|csv|jsonl] [--out FILE] [--undone]
    groundswell sentiment rules -c groundswell.yaml [--brand B] [--since D] [--until D]
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from core.batches import batched
from core.file_write import replacing, write_file
from core.mention import SENTIMENT_LABELS, valid_unicode
from core.query import QuerySyntaxError
from core.query.aliases import BrandTerms, alias_fragment, brand_terms
from extractors.textfile import read_lines
from groundswell.audit_results import save_audit
from groundswell.audit_score import agreement, read_answers, score_audit, summary_lines
from groundswell.cli_options import (
    BY_DEFAULT,
    OutputPath,
    config_option,
    load_cli_config,
    login_name,
    moment_option,
    team_moment,
)
from groundswell.corrections_export import FORMATS, correction_rows, write_rows
from groundswell.pipeline import as_dict, open_store, progress_bar
from groundswell.sentiment_audit import MAX_SAMPLE, MIN_PER_STRATUM, draw_sample, key_path, read_key, write_audit
from groundswell.sentiment_corrections import (
    MAX_BATCH,
    CorrectionReport,
    UndoReport,
    correct_sentiment,
    undo_corrections,
)
from groundswell.sentiment_rules import preview_rules
from groundswell.store_copy import describe
from indexing.base import Filters
from nlp.config import NlpConfig
from nlp.model_source import ModelUnavailable
from nlp.model_text import ModelText
from nlp.sentiment import load_sentiment_model

CHUNK_LINES = 2048  # lines read and scored together; bounds memory on big files


@click.group()
def sentiment() -> None:
    """Sentiment: score a file, audit the stored labels on a sample a person labels, correct labels."""


def _parse(line: str) -> tuple[dict[str, Any] | None, str | None]:
    """(row, None) for a usable line, (None, reason) for a corrupt one."""
    try:
        row = valid_unicode(json.loads(line))
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(row, dict):
        return None, f"expected a JSON object, got {type(row).__name__}"
    if not isinstance(row.get("text"), str):
        return None, "missing 'text' string field"
    lang = row.get("lang")
    if lang is not None and not isinstance(lang, str):
        return None, "'lang' must be a string or null"
    return row, None


def _same_file(first: Path, second: Path) -> bool:
    """Whether the two paths name one file (also through a link or another spelling of the path)."""
    try:
        return os.path.samefile(first, second)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def _brands(names: tuple[str, ...], queries: tuple[str, ...]) -> dict[str, BrandTerms]:
    """brand name -> its terms, from `--brand NAME` (and the `--brand-query` in the same place; without queries
    each name is its own query, as an alias is matched). Which words are read as `@user` needs the name: a
    query alone does not say which of its words are the brand (core/query/brand_names.py)."""
    if queries and len(queries) != len(names):
        raise click.UsageError(
            f"{len(queries)} --brand-query for {len(names)} --brand: give each query's brand name with --brand NAME "
            "(in the same order), so that only its names are read as @user, never its context words"
        )
    brands: dict[str, BrandTerms] = {}
    for i, name in enumerate(names):
        try:
            query = queries[i] if queries else alias_fragment(name)
            brands[name] = brand_terms(query)
        except QuerySyntaxError as exc:  # a ValueError too: caught first
            raise click.BadParameter(str(exc), param_hint="--brand-query" if queries else "--brand") from None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--brand") from None
    return brands


@sentiment.command()
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(path_type=Path))
# OutputPath: an OSError writing it ends the command as one `cannot write PATH: reason` line (groundswell.cli)
@click.argument("output_path", metavar="OUTPUT.jsonl", type=OutputPath(path_type=Path))
@click.option("--model", "model_name", default="default", show_default=True,
              help="'default' (shipped model), a Hugging Face model name or a local checkpoint path")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 4096))
@click.option("--brand", "names", multiple=True, metavar="NAME",
              help="Read this brand's name as @user, as the pipeline reads a post's brand names "
              "(nlp.mask_brand_names); repeat for several brands. The written text is unchanged.")
@click.option("--brand-query", "queries", multiple=True, metavar="QUERY",
              help="The query of the --brand in the same place (one per --brand): its words that name the brand "
              "are read as @user too, never its context words (phone of 'Nothing AND phone').")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr")
def score(input_path: Path, output_path: Path, model_name: str, batch_size: int, names: tuple[str, ...],
          queries: tuple[str, ...], progress: bool) -> None:
    """Add `sentiment`, `probs` and `uncertain` to every line of INPUT.jsonl (lines need `text`,
    optionally `lang`) and write them to OUTPUT.jsonl, which must be another file. The input is read as the
    import source reads an export (a line that is not UTF-8 in the encoding chardet finds, said on stderr).
    Corrupt lines are reported and skipped; a lone surrogate escape (a post cut mid-emoji) is read and
    written as U+FFFD."""
    from tqdm import tqdm

    brands = _brands(names, queries)
    text = ModelText(NlpConfig(), brands)

    try:
        with input_path.open("rb") as fh:
            total = sum(1 for _ in fh)
    except OSError as exc:
        raise click.ClickException(f"cannot read {input_path}: {exc.strerror or exc}") from None
    if _same_file(input_path, output_path):  # opening OUTPUT for writing would empty INPUT before it is read
        raise click.UsageError(f"OUTPUT.jsonl is INPUT.jsonl ({output_path}): give another file to write")

    try:
        model = load_sentiment_model(model_name)
    except (ValueError, RuntimeError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None

    written = skipped = 0
    bar = progress_bar(progress, "scoring", total=total, unit="line")
    try:
        with replacing(output_path, "w", encoding="utf-8") as out:
            for chunk in batched(read_lines(input_path), CHUNK_LINES):
                rows: list[dict[str, Any]] = []
                for line in chunk:
                    if line.problem is None and not line.text.strip():
                        continue  # blank lines are not data and not errors
                    row, reason = _parse(line.text) if line.problem is None else (None, line.problem)
                    if row is None:
                        skipped += 1
                        # tqdm.write keeps a terminal's bar whole; without a bar it is a plain line on stderr
                        tqdm.write(f"{input_path}:{line.number}: skipped: {reason}", file=sys.stderr)
                    else:
                        rows.append(row)
                preds = model.predict([text.masked(r["text"], list(brands)) for r in rows],
                                      [r.get("lang") for r in rows], batch_size=batch_size)
                for row, pred in zip(rows, preds, strict=True):
                    row.update(sentiment=pred.label, probs=pred.probs, uncertain=pred.uncertain)
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += len(rows)
                bar.update(len(chunk))
    except ModelUnavailable as exc:  # found at the first batch (the model cache written then): one line, what to do
        raise click.ClickException(str(exc)) from None
    finally:
        bar.close()
    click.echo(f"scored {written} line(s) with {model.identity}; skipped {skipped} corrupt line(s)", err=True)


@sentiment.command("audit-sample")
@config_option
@click.option("--n", "size", type=click.IntRange(1, MAX_SAMPLE), default=300, show_default=True,
              help="Rows to label (300 gives about ±5 points on accuracy)")
@click.option("--out", "out_path", required=True, type=OutputPath(path_type=Path),
              help="The spreadsheet to write (CSV); its key goes beside it as NAME.key.json")
@click.option("--brand", help="Only this brand's mentions")
@click.option("--query", help="Only mentions matching this query (docs/query-language.md)")
@moment_option("--since", "Window start")
@moment_option("--until", "Window end (exclusive)")
@click.option("--seed", type=int, default=0, show_default=True, help="Another seed draws another sample")
@click.option("--min-per-language", type=click.IntRange(1, MAX_SAMPLE), default=MIN_PER_STRATUM, show_default=True,
              help="Rows each language gets at least (all it has, when fewer)")
@click.option("--force", is_flag=True, help="Overwrite an existing spreadsheet (its answers are lost)")
@click.option("--progress/--no-progress", default=True)
def audit_sample(config_path: str, size: int, out_path: Path, brand: str | None, query: str | None,
                 since: datetime | None, until: datetime | None, seed: int, min_per_language: int, force: bool,
                 progress: bool) -> None:
    """Draw a random sample of the stored, model-labelled mentions (every language represented) into a
    spreadsheet for a person to label in its `gold` column, without showing the model's labels."""
    if out_path.exists() and not force:
        raise click.ClickException(f"{out_path} exists (answers in it would be lost); pass --force or another --out")
    config = load_cli_config(config_path, brand)
    filters = Filters(brand=brand, text=query, since=team_moment(since, config), until=team_moment(until, config))
    store = open_store(config)
    try:
        try:
            bar = progress_bar(progress, "audit sample", total=store.count(filters) if progress else None)
        except ValueError as exc:  # a query that does not parse
            raise click.ClickException(str(exc)) from None
        try:
            key = draw_sample(store, filters, size, seed=seed, min_per_stratum=min_per_language,
                              store_name=describe(config.store), now=datetime.now(UTC), bar=bar)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        finally:
            bar.close()
        written = write_audit(store, key, out_path)
    finally:
        store.close()
    click.echo(json.dumps({"spreadsheet": str(out_path), "key": str(written), "rows": len(key.rows),
                           "by_language": {name: key.sampled(name) for name in key.strata},
                           "population": sum(s.population for s in key.strata.values())}, ensure_ascii=False))
    click.echo(f"Label the 'gold' column (negative, neutral, positive, or unclear) without opening {written.name}, "
               f"then: groundswell sentiment audit-score {out_path}", err=True)


@sentiment.command("audit-score")
@click.argument("csv_path", metavar="AUDIT.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The audit's key (default: AUDIT.key.json beside the spreadsheet)")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every figure as JSON ('-': print it instead of the summary)")
@click.option("--second", "second_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A copy of the spreadsheet another person labelled: how often the two agree (the ceiling)")
@click.option("--save", "save_result", is_flag=True,
              help="Keep the figures in the store, for the dashboard and the report (needs --config)")
@click.option("--apply", "apply_labels", is_flag=True,
              help="Also store the labelled rows' answers as corrections, and keep the figures (needs --config)")
@click.option("--config", "-c", "config_path", type=click.Path(dir_okay=False), envvar="GROUNDSWELL_CONFIG",
              help="groundswell.yaml, for --save and --apply")
@click.option("--by", help="Who the corrections are recorded as made by (default: " + BY_DEFAULT + ")")
def audit_score(csv_path: Path, key_file: Path | None, json_path: Path | None, second_path: Path | None,
                save_result: bool, apply_labels: bool, config_path: str | None, by: str | None) -> None:
    """Score the labelled spreadsheet: the model's accuracy, macro-F1, class shares and each language's
    accuracy on the audited mentions, with 95% intervals. Rows it cannot read are named and left out."""
    if (apply_labels or save_result) and not config_path:
        flag = "--apply" if apply_labels else "--save"
        raise click.UsageError(f"{flag} writes to the store: pass --config (or set GROUNDSWELL_CONFIG)")
    try:
        key = read_key(key_file or key_path(csv_path))
        answers = read_answers(csv_path, key)
        second = read_answers(second_path, key) if second_path is not None else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    result = score_audit(key, answers)
    if second is not None:
        result["agreement"] = agreement(answers, second)
    if apply_labels or save_result:
        config = load_cli_config(config_path or "")
        store = open_store(config)
        try:
            now = datetime.now(UTC)
            save_audit(store, result, now)  # before the corrections, which take these rows out of later audits
            if apply_labels:
                report = correct_sentiment(store, answers.labels, by=by or login_name(), now=now)
                result["applied"] = as_dict(report) | {"corrected": len(report.corrected)}
        finally:
            store.close()
    if json_path is not None:
        text = json.dumps(result, ensure_ascii=False, indent=1)
        if str(json_path) == "-":
            click.echo(text)
            return
        write_file(json_path, text + "\n")
    for line in summary_lines(result):
        click.echo(line)
    if save_result or apply_labels:
        click.echo("kept these figures in the store: the dashboard and the report show them")
    if apply_labels:
        applied = result["applied"]
        gone = len(applied["unknown"])
        click.echo(f"stored {applied['corrected']} answer(s) as corrections ({gone} no longer stored)")


@sentiment.command("correct")
@config_option
@click.option("--label", type=click.Choice(SENTIMENT_LABELS), help="The right label")
@click.option("--undo", is_flag=True, help="Give the mentions back the label the model had given them")
@click.option("--by", help="Who the correction, or the undo, is recorded as made by (default: " + BY_DEFAULT + ")")
@click.argument("ids", nargs=-1, required=True)
def correct(config_path: str, label: str | None, undo: bool, by: str | None, ids: tuple[str, ...]) -> None:
    """Set the sentiment of the stored mentions IDS to LABEL, as a person's label: no model run, re-enrich or
    re-collect changes it again. With --undo instead, give them back the model's label. Unknown ids are named
    (exit 1 when nothing was changed)."""
    if label is not None and undo:
        raise click.UsageError("--label and --undo cannot be combined: --label sets a person's label, --undo "
                               "gives back the model's")
    if label is None and not undo:
        raise click.UsageError("give --label LABEL, or --undo")
    if len(ids) > MAX_BATCH:
        raise click.UsageError(f"at most {MAX_BATCH} ids at a time")
    config = load_cli_config(config_path)
    store = open_store(config)
    try:
        if undo:
            report = undo_corrections(store, list(ids), by=by or login_name(), now=datetime.now(UTC))
        else:
            report = correct_sentiment(store, dict.fromkeys(ids, label), by=by or login_name(), now=datetime.now(UTC))
    finally:
        store.close()
    click.echo(json.dumps(as_dict(report), ensure_ascii=False))
    if report.unknown:
        click.echo(f"not stored: {', '.join(report.unknown[:10])}", err=True)
    for ids_left, why in _left_alone(report):
        click.echo(f"{why}: {', '.join(ids_left[:10])}", err=True)
    if not (report.restored if undo else report.corrected):
        raise SystemExit(1)


def _left_alone(report: CorrectionReport | UndoReport) -> list[tuple[list[str], str]]:
    """The ids a correction or an undo left alone, each group with why, for stderr."""
    if isinstance(report, CorrectionReport):
        groups = [(report.not_enriched, "not enriched yet (run `groundswell enrich` first)")]
    else:
        groups = [(report.not_corrected, "carry a model's label already"),
                  (report.no_model_label, "no record of the model's label (correct them instead)")]
    return [(ids, why) for ids, why in groups if ids]


@sentiment.command("corrections")
@config_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for reading; csv for a spreadsheet; jsonl as training rows (text, label, lang)")
@click.option("--out", "out_path", type=OutputPath(path_type=Path), help="Write here, not to stdout")
@click.option("--brand", help="Only this brand's mentions")
@click.option("--by", help="Only the corrections this person made")
@click.option("--undone", is_flag=True,
              help="The corrections people withdrew (--undo), with who withdrew each and when; not training rows")
def corrections_cmd(config_path: str, fmt: str, out_path: Path | None, brand: str | None, by: str | None,
                    undone: bool) -> None:
    """List the stored corrections, oldest first: when, who, the model's label and the person's, the post.
    With --undone, the withdrawn ones, oldest withdrawal first."""
    config = load_cli_config(config_path, brand)
    store = open_store(config)
    try:
        rows = correction_rows(store, brand=brand, by=by, undone=undone)
        if out_path is None:
            n = write_rows(rows, fmt, sys.stdout)
        else:
            # a BOM so spreadsheet programs read every script; JSONL is read by programs, which want none
            with replacing(out_path, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as fh:
                n = write_rows(rows, fmt, fh)
    finally:
        store.close()
    kind = "withdrawn correction(s)" if undone else "correction(s)"
    click.echo(f"{n} {kind}" + (f" written to {out_path}" if out_path else ""), err=True)


@sentiment.command("rules")
@config_option
@click.option("--brand", help="Only this brand's mentions")
@moment_option("--since", "Window start")
@moment_option("--until", "Window end (exclusive)")
@click.option("--examples", type=click.IntRange(0, 50), default=3, show_default=True,
              help="Changed posts to show per rule")
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr")
def rules_cmd(config_path: str, brand: str | None, since: datetime | None, until: datetime | None, examples: int,
              progress: bool) -> None:
    """What the config's sentiment_rules match among the stored mentions, and which labels they would change
    (`groundswell store re-enrich` writes them). Reads the store, writes nothing."""
    config = load_cli_config(config_path, brand)
    if not config.sentiment_rules:
        raise click.ClickException("the config has no sentiment_rules (docs/configuration.md#sentiment-rules)")
    filters = Filters(brand=brand, since=team_moment(since, config), until=team_moment(until, config),
                      include_spam=True)
    store = open_store(config)
    try:
        bar = progress_bar(progress, "rules", total=store.count(filters) if progress else None)
        try:
            previews = preview_rules(store, config.sentiment_rules, filters, examples, bar)
        finally:
            bar.close()
    finally:
        store.close()
    for name, preview in previews.items():
        click.echo(f"{name}: matches {preview.matched}, would change {preview.would_change}"
                   + (f" ({', '.join(f'{k}: {v}' for k, v in preview.changes.items())})" if preview.changes else "")
                   + (f"; {preview.corrected} corrected by people, left as they are" if preview.corrected else ""))
        for example in preview.examples:
            click.echo(f"    {example}")
    click.echo(json.dumps({name: as_dict(p) for name, p in previews.items()}, ensure_ascii=False))
