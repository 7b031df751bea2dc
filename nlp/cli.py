"""`groundswell sentiment score INPUT.jsonl OUTPUT.jsonl`: tag a JSONL file with sentiment."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from core.mention import valid_unicode
from core.query import QuerySyntaxError
from core.query.aliases import brand_terms
from nlp.config import NlpConfig
from nlp.model_text import ModelText
from nlp.sentiment import load_sentiment_model

CHUNK_LINES = 2048  # lines read and scored together; bounds memory on big files


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


def _chunks(fh, size: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(fh, start=1):
        chunk.append((number, line))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@click.group()
def sentiment() -> None:
    """Sentiment model commands."""


@sentiment.command()
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(path_type=Path))
@click.argument("output_path", metavar="OUTPUT.jsonl", type=click.Path(path_type=Path))
@click.option("--model", "model_name", default="default", show_default=True,
              help="'default' (shipped model), a Hugging Face model name or a local checkpoint path")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 4096))
@click.option("--brand-query", "queries", multiple=True, metavar="QUERY",
              help="Read this brand query's words as @user, as the pipeline reads a post's brand names "
              "(nlp.mask_brand_names); repeat for several brands. The written text is unchanged.")
def score(input_path: Path, output_path: Path, model_name: str, batch_size: int, queries: tuple[str, ...]) -> None:
    """Add `sentiment`, `probs` and `uncertain` to every line of INPUT.jsonl (lines need `text`,
    optionally `lang`) and write them to OUTPUT.jsonl. Corrupt lines are reported and skipped; a lone
    surrogate escape (a post cut mid-emoji) is read and written as U+FFFD."""
    from tqdm import tqdm

    try:
        brands = {q: brand_terms(q) for q in queries}
    except QuerySyntaxError as exc:
        raise click.BadParameter(str(exc), param_hint="--brand-query") from None
    text = ModelText(NlpConfig(), brands)

    try:
        with input_path.open("rb") as fh:
            total = sum(1 for _ in fh)
        src = input_path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise click.ClickException(f"cannot read {input_path}: {exc.strerror or exc}") from None

    try:
        model = load_sentiment_model(model_name)
    except (ValueError, RuntimeError, FileNotFoundError) as exc:
        src.close()
        raise click.ClickException(str(exc)) from None

    written = skipped = 0
    with src, output_path.open("w", encoding="utf-8") as out, tqdm(
        total=total, unit="line", desc="scoring", file=sys.stderr
    ) as bar:
        for chunk in _chunks(src, CHUNK_LINES):
            rows: list[dict[str, Any]] = []
            for number, line in chunk:
                if not line.strip():
                    continue
                row, reason = _parse(line)
                if row is None:
                    skipped += 1
                    tqdm.write(f"{input_path}:{number}: skipped: {reason}", file=sys.stderr)
                else:
                    rows.append(row)
            preds = model.predict([text.masked(r["text"], list(brands)) for r in rows], [r.get("lang") for r in rows],
                                  batch_size=batch_size)
            for row, pred in zip(rows, preds, strict=True):
                row.update(sentiment=pred.label, probs=pred.probs, uncertain=pred.uncertain)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += len(rows)
            bar.update(len(chunk))
    click.echo(f"scored {written} line(s) with {model.identity}; skipped {skipped} corrupt line(s)", err=True)
