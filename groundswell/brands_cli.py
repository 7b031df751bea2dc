"""`groundswell brands suggest NAME`: transliterated alias candidates, with what each would add.
`groundswell brands rename OLD NEW`: move a renamed brand's stored history to its new name (brand_rename.py).

Nothing of the config is written by either: the user copies the aliases worth having into it, and renames the
brand in it before `rename`. The config is not edited in place because PyYAML cannot write a file back with its
comments and layout.
"""

from __future__ import annotations

import json
import math
import unicodedata

import click
import yaml

from groundswell.brand_rename import RenameRefused, check_config, rename
from groundswell.brand_rename_readonly import open_for_dry_run
from groundswell.brand_suggest import Suggestion, suggest
from groundswell.cli_options import config_option, load_cli_config
from groundswell.pipeline import open_store


@click.group("brands")
def brands() -> None:
    """Brand names and aliases."""


@brands.command("suggest")
@click.argument("name")
@config_option
@click.option("--candidate", "extra", multiple=True, help="Also count this spelling (repeatable), e.g. a Chinese name")
def suggest_cmd(name: str, config_path: str, extra: tuple[str, ...]) -> None:
    """Propose aliases for brand NAME in ru/ja/ko (zh: pass --candidate) and count the stored mentions each adds."""
    config = load_cli_config(config_path, name)  # an unknown NAME is an error listing the config's brands
    brand = config.brand(name)
    store = open_store(config)
    try:
        rows, notes = suggest(brand, store, extra)
    finally:
        store.close()
    existing = [a if isinstance(a, str) else a.model_dump(exclude_none=True) for a in brand.aliases]
    click.echo(render(name, rows, notes, existing))


@brands.command("rename")
@click.argument("old")
@click.argument("new")
@config_option
@click.option("--dry-run", is_flag=True, help="Count what would be renamed, per kind; change nothing")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of one line per kind")
def rename_cmd(old: str, new: str, config_path: str, dry_run: bool, as_json: bool) -> None:
    """Move brand OLD's stored history to NEW: mentions, alerts, incidents, verdicts, the delivery ledger (nothing is
    sent again), per-brand state, the jsonl alert files. Edit the config first: it must name NEW and not OLD. An
    interrupted run is finished by running it again; a second run renames nothing and says so."""
    config = load_cli_config(config_path)
    try:
        check_config(config, old, new)  # before the store is opened: a config not edited yet changes nothing
    except RenameRefused as exc:
        raise click.ClickException(str(exc)) from None
    try:  # a dry run opens the store without writing (no upgrade, no Elasticsearch template or index)
        store = open_for_dry_run(config) if dry_run else open_store(config)
    except RenameRefused as exc:
        raise click.ClickException(str(exc)) from None
    try:
        report = rename(store, config, old, new, dry_run=dry_run)
    except RenameRefused as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False) if as_json else "\n".join(report.lines()))
    if report.errors:  # not finished (a post not rewritten, a file, late writes): the same command again resumes
        raise SystemExit(1)


AliasItem = str | dict[str, object]  # a name, or {text: NAME, inflect: ...} as the config writes it


def render(name: str, rows: list[Suggestion], notes: list[str], existing: list[AliasItem] | None = None) -> str:
    """The table, the notes, and the YAML to paste for the candidates that add mentions."""
    lines = [f"Alias candidates for {name} (counted on the configured store):", ""]
    lines.append(f"  {'lang':<5}{'alias':<14}{'matches':>8}{'adds':>6}  matched as / proposed by")
    for r in rows:
        lang = r.candidate.lang or "-"
        alias = _pad(r.candidate.text, 14)
        lines.append(f"  {lang:<5}{alias}{r.matches:>8}{r.adds:>6}  {r.fragment}  ({r.candidate.how})")
    lines += ["", *(f"  note: {n}" for n in notes)]
    useful = [r.candidate.text for r in rows if r.adds]
    if useful:
        lines += ["", "To accept, add to this brand in the config (docs/configuration.md, 'Aliases'):",
                  f"    aliases: {_flow_yaml([*(existing or []), *useful])}"]
    else:
        lines += ["", "No candidate adds a stored mention."]
    return "\n".join(lines)


def _flow_yaml(items: list[AliasItem]) -> str:
    """`items` as one line of YAML flow style that reads back as exactly `items`.

    Written by PyYAML, not joined by hand: `#lumora` would start a comment and `Lumora: Pulse` a mapping.
    Plain style reads best; where it would not stay on one line (a line break in an alias, which YAML also
    folds in single quotes) or not read back, double quotes, whose escapes keep every character on the line."""
    dump = {"default_flow_style": True, "allow_unicode": True, "width": math.inf, "sort_keys": False}
    text = yaml.safe_dump(items, **dump).strip()
    if len(text.splitlines()) != 1 or yaml.safe_load(text) != items:
        text = yaml.safe_dump(items, default_style='"', **dump).strip()
    return text


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal: CJK and Hangul take two columns each."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)
