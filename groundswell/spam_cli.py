"""`groundswell spam ...`: an analyst's "not spam" from the command line, its undo, and the list of them.

    groundswell spam not-spam -c groundswell.yaml ID [ID ...]
    groundswell spam not-spam -c groundswell.yaml --undo ID [ID ...]
    groundswell spam overrides -c groundswell.yaml [--format table|jsonl] [--undone]
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from core.escaping import clipped, one_line
from groundswell.cli_options import BY_DEFAULT, config_option, load_cli_config, login_name
from groundswell.pipeline import as_dict, open_store
from groundswell.spam import mark_not_spam, override_records, undo_not_spam, withdrawn_overrides

MAX_IDS = 1000  # as many as one dashboard request may mark
TABLE_TEXT_CHARS = 60


@click.group()
def spam() -> None:
    """Spam flags: overrule one ("not spam"), withdraw that, list them (docs/spam.md)."""


@spam.command("not-spam")
@config_option
@click.option("--undo", is_flag=True, help="Withdraw the \"not spam\": the flag it cleared comes back")
@click.option("--by", help="Who it, or its withdrawal, is recorded as made by (default: " + BY_DEFAULT + ")")
@click.argument("ids", nargs=-1, required=True)
def not_spam(config_path: str, undo: bool, by: str | None, ids: tuple[str, ...]) -> None:
    """Mark the stored mentions IDS "not spam": their flags are cleared and no spam pass flags them again.
    With --undo, withdraw that. Unknown ids are named (exit 1 when nothing changed)."""
    if len(ids) > MAX_IDS:
        raise click.UsageError(f"at most {MAX_IDS} ids at a time")
    store = open_store(load_cli_config(config_path))
    try:
        if undo:
            report = as_dict(undo_not_spam(store, ids, by=by or login_name(), now=datetime.now(UTC)))
            changed = [*report["reflagged"], *report["unflagged"]]
        else:
            changed = mark_not_spam(store, ids, by=by or login_name(), now=datetime.now(UTC))
            report = {"marked": changed, "unknown": [i for i in dict.fromkeys(ids) if i not in changed]}
    finally:
        store.close()
    click.echo(json.dumps(report, ensure_ascii=False))
    if report["unknown"]:
        click.echo(f"not stored: {', '.join(report['unknown'][:10])}", err=True)
    if undo and report["not_overridden"]:
        click.echo(f"not marked \"not spam\": {', '.join(report['not_overridden'][:10])}", err=True)
    if not changed:
        raise SystemExit(1)


@spam.command("overrides")
@config_option
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@click.option("--undone", is_flag=True, help="The withdrawn ones (--undo), with who withdrew each and when")
def overrides_cmd(config_path: str, fmt: str, undone: bool) -> None:
    """List the "not spam" overrides, oldest first: when, who, the flag each cleared, the post. With --undone,
    the withdrawn ones, oldest withdrawal first."""
    store = open_store(load_cli_config(config_path))
    try:
        if undone:
            entries = [(i, e) for i, history in withdrawn_overrides(store).items() for e in history]
            entries.sort(key=lambda item: (str(item[1].get("undone_at", "")), item[0]))
        else:
            entries = sorted(override_records(store).items(), key=lambda item: (str(item[1].get("at", "")), item[0]))
        found = {m.id: m for m in store.get(list(dict.fromkeys(i for i, _ in entries)))}
    finally:
        store.close()
    for mention_id, record in entries:
        mention = found.get(mention_id)
        text = mention.text if mention else ""
        if fmt == "jsonl":
            row = {"id": mention_id, "by": record.get("by"), "at": record.get("at"), "flag": record.get("flag"),
                   "text": text}
            if undone:
                row |= {"undone_by": record.get("undone_by"), "undone_at": record.get("undone_at")}
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        flag = one_line(str(record.get("flag") or "(no flag recorded)"))
        line = (f"{one_line(str(record.get('at', '')))[:16]}  {one_line(str(record.get('by', ''))):<12}  "
                f"{one_line(mention_id)}  {flag}  {clipped(text, TABLE_TEXT_CHARS)}")
        if undone:
            line = (f"{one_line(str(record.get('undone_at', '')))[:16]}  "
                    f"{one_line(str(record.get('undone_by', ''))):<12}  withdrew  {line}")
        click.echo(line)
    click.echo(f"{len(entries)} {'withdrawn override(s)' if undone else 'override(s)'}", err=True)
