"""`groundswell subject ...`: a data subject's access request and erasure (docs/security.md, "Personal data").

    groundswell subject export -c groundswell.yaml --author x:ann [--id x:123 ...] --out ann.json
    groundswell subject forget -c groundswell.yaml --author x:ann [--id x:123 ...] [--ids-file ids.txt] [--dry-run]
"""

from __future__ import annotations

import json

import click

from groundswell.cli_options import config_option, load_cli_config
from groundswell.config import Config
from groundswell.pipeline import open_store
from groundswell.subject import SubjectError, parse_subject
from groundswell.subject_export import export_subject, write_export
from groundswell.subject_files import places_of
from groundswell.subject_forget import WAL_HELD, forget
from groundswell.subject_readonly import upgrade_needed

_AUTHOR_HELP = "An author as SOURCE:HANDLE (x:ann, reddit:jane_doe); repeatable"
_ID_HELP = "A mention id (x:1234, reddit:t1_abc); repeatable"


@click.group()
def subject() -> None:
    """One person's or post's data: export everything held about them, or forget them everywhere."""


def _subject(authors: tuple[str, ...], ids: tuple[str, ...], ids_file: str | None = None):
    try:
        return parse_subject(authors, ids, ids_file)
    except SubjectError as exc:
        raise click.UsageError(str(exc)) from None


@subject.command("export")
@config_option
@click.option("--author", "authors", multiple=True, help=_AUTHOR_HELP)
@click.option("--id", "ids", multiple=True, help=_ID_HELP)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The JSON file to write")
def export_cmd(config_path: str, authors: tuple[str, ...], ids: tuple[str, ...], out: str) -> None:
    """Write everything held about them to --out: their mentions, the alert log entries, shares and state entries
    naming them, and the files (report, digests, JSONL alerts, dead letters) that do, with line numbers. Reads
    only: a store that opening would upgrade is refused (run `groundswell maintain` first)."""
    who = _subject(authors, ids)
    config = load_cli_config(config_path)
    _refuse_upgrade(config, "subject export")
    store = open_store(config)
    try:
        data = export_subject(store, who, places_of(config))
    finally:
        store.close()
    path = write_export(data, out)
    click.echo(json.dumps({"out": str(path), **data["counts"]}, ensure_ascii=False))


@subject.command("forget")
@config_option
@click.option("--author", "authors", multiple=True, help=_AUTHOR_HELP)
@click.option("--id", "ids", multiple=True, help=_ID_HELP)
@click.option("--ids-file", type=click.Path(dir_okay=False), help="Mention ids, one per line (a platform's list)")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing")
def forget_cmd(config_path: str, authors: tuple[str, ...], ids: tuple[str, ...], ids_file: str | None,
               dry_run: bool) -> None:
    """Erase them everywhere: their mentions, the state naming them, their quotes in alerts, digests, reports and
    JSONL alert files, their parked mentions; and record them in the block list so that collection never stores
    them again. Prints what it removed, per place; a second run removes nothing and says so."""
    who = _subject(authors, ids, ids_file)
    config = load_cli_config(config_path)
    if dry_run:
        _refuse_upgrade(config, "subject forget --dry-run")
    store = open_store(config)
    try:
        report = forget(store, who, places_of(config), dry_run=dry_run)
    finally:
        store.close()
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    if report.wal_held:  # the rows are deleted; their pages may still be in the -wal file (docs/security.md)
        click.echo(f"subject forget: {WAL_HELD}", err=True)
    if report.errors or report.unreadable or report.wal_held:  # not finished: run it again (docs/security.md)
        raise SystemExit(1)


def _refuse_upgrade(config: Config, command: str) -> None:
    """Stop before opening a store that the open would upgrade: these commands change nothing."""
    if (why := upgrade_needed(config, command)) is not None:
        raise click.ClickException(why)
