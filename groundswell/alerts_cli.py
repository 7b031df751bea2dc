"""`groundswell alerts ...`: backtest detection rules before they go live."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from alerts.backtest import BadIncident, alert_line, read_incidents, run_backtest
from alerts.config import AlertsConfig, ChannelConfig
from alerts.deliver import DeliveryLedger, passed_over, route_decision
from alerts.history import stored_alerts
from alerts.kinds import alert_kinds
from core.alert import Alert
from extractors.textfile import read_lines
from groundswell.cli_options import config_option, load_cli_config
from groundswell.pipeline import open_store

# `groundswell alerts evaluate` is `python -m tools.alerts.evaluate`: the presets on the seeded labelled
# streams. It is offline tooling (tools/, in a source checkout, not in the wheel), so it is imported
# only when asked for: the runtime never depends on tools/, and an installed wheel says what is missing.
EVALUATE = "tools.alerts.evaluate"


def _checkout_root() -> Path | None:
    """The source checkout this package runs from, when it has tools/: the folder holding the package.

    An editable install maps only the packages (a finder per package), never the checkout root, so
    `tools` is not importable from it unless the current directory happens to be that root. The path
    is not resolved: a wheel's package symlinked elsewhere has no tools/ beside it, and must say so.
    """
    root = Path(__file__).absolute().parent.parent
    return root if (root / Path(*EVALUATE.split("."))).with_suffix(".py").is_file() else None


class _AlertsGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "evaluate"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name != "evaluate":
            return super().get_command(ctx, name)
        root = _checkout_root()
        if root is not None and str(root) not in sys.path:
            sys.path.insert(0, str(root))  # as `python -m tools.alerts.evaluate` run from the checkout has it
        try:  # tests/test_layers.py allows exactly this upward import, and only lazily
            from tools.alerts.evaluate import main  # lazy: offline tooling, present only in a source checkout
        except ModuleNotFoundError as exc:
            if exc.name not in ("tools", "tools.alerts", EVALUATE):
                raise
            return _missing_tooling
        return main


@click.command("evaluate", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def _missing_tooling() -> None:
    """(needs a source checkout: tools/ is not installed)"""
    raise click.ClickException(
        f"`groundswell alerts evaluate` runs {EVALUATE}, offline tooling that ships with the source "
        "checkout, not the installed package: run it from a clone of the repository"
    )


@click.group("alerts", cls=_AlertsGroup)
def alerts() -> None:
    """Crisis alerts: backtesting, evaluation and routing."""


@alerts.command()
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Mentions JSONL with sentiment already tagged",
)
@config_option
@click.option(
    "--incidents",
    "incidents_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Labelled incidents JSONL ({brand, start, end[, kind]}) to score against",
)
@click.option("--preset", type=click.Choice(["fewer", "balanced", "more"]), help="Override the spike preset")
@click.option("--bucket", type=click.Choice(["hour", "day"]), help="Override the bucket size")
@click.option("--explain/--no-explain", default=False, help="Add each alert's one-paragraph summary (slower)")
def backtest(
    input_path: str,
    config_path: str | None,
    incidents_path: str | None,
    preset: str | None,
    bucket: str | None,
    explain: bool,
) -> None:
    """Replay history through the detectors; print every alert it would have fired as JSON lines.

    The last line is a summary: what was loaded and skipped, and with --incidents the precision,
    recall and time to detect of spike alerts against the labels.
    """
    config = AlertsConfig()
    brands = None
    if config_path:
        full = load_cli_config(config_path)
        config, brands = full.alerts, list(full.brands)
    changes = {k: v for k, v in (("preset", preset), ("bucket", bucket)) if v}
    if changes:
        config = config.model_copy(update={"spike": config.spike.model_copy(update=changes)})
    # Both files are read as the import source reads exports: any encoding, an undecodable line named.
    try:
        incidents = read_incidents(read_lines(Path(incidents_path)), incidents_path) if incidents_path else None
        result = run_backtest(read_lines(Path(input_path)), config, brands, incidents, explained=explain)
    except BadIncident as exc:
        raise click.ClickException(str(exc)) from None
    for d in result.detections:
        click.echo(json.dumps(alert_line(d, explain), ensure_ascii=False))
    load = result.load
    skipped = load.lines - load.loaded
    if skipped:
        click.echo(
            f"skipped {skipped} of {load.lines} lines: {load.no_sentiment} without sentiment, "
            f"{load.no_brand} without brand, {load.invalid} invalid, {load.duplicates} duplicates",
            err=True,
        )
        for problem in load.problems:
            click.echo(f"  {problem}", err=True)
    summary = {
        "summary": {
            "preset": config.spike.preset,
            "bucket": config.spike.bucket,
            "brands": result.brands,
            "lines": load.lines,
            "loaded": load.loaded,
            "skipped": {
                "no_sentiment": load.no_sentiment,
                "no_brand": load.no_brand,
                "invalid": load.invalid,
                "duplicates": load.duplicates,
            },
            "alerts": {kind: sum(1 for d in result.detections if d.alert.kind == kind) for kind in alert_kinds()},
            "score": result.score.as_dict() if result.score else None,
        }
    }
    click.echo(json.dumps(summary, ensure_ascii=False))
    if load.loaded == 0:
        click.echo("no usable mentions in the input", err=True)
        sys.exit(1)


# The config is optional here (without one: the default rules, every brand the input names), but it
# is the shared -c/--config option, $GROUNDSWELL_CONFIG included, with its own help.
_backtest_config = next(p for p in backtest.params if p.name == "config_path")
_backtest_config.required = False
_backtest_config.help = "groundswell.yaml (or $GROUNDSWELL_CONFIG): its alert rules and brands (with crisis terms)"


@alerts.command()
@config_option
@click.option("--last", type=click.IntRange(min=1), default=20, show_default=True, help="How many stored alerts")
def routes(config_path: str, last: int) -> None:
    """Which channel gets which stored alert, and why: one JSON line per alert (newest last).

    `gets` and `reason` are delivery's own decision: the channel's min_severity and `followups` first
    (alerts.deliver.passed_over), then its route (alerts.deliver.route_decision); `ledger` what delivery
    did or does: "sent", "skipped" (below min_severity), "folded", "routed out" or "pending" (not sent yet)."""
    config = load_cli_config(config_path)
    store = open_store(config)
    try:
        ledger = DeliveryLedger(store)
        for alert in stored_alerts(store)[-last:]:
            per_channel = {}
            for channel in config.channels:
                per_channel[channel.key] = _route_line(channel, alert, ledger)
            line = {"alert": alert.id, "brand": alert.brand, "kind": alert.kind, "severity": alert.severity}
            click.echo(json.dumps({**line, "channels": per_channel}, ensure_ascii=False))
    finally:
        store.close()


def _route_line(channel: ChannelConfig, alert: Alert, ledger: DeliveryLedger) -> dict[str, Any]:
    """Whether `channel` gets `alert`, why, and what delivery did about it (`routes`)."""
    passed = passed_over(channel, alert, ledger)
    decision, _ = route_decision(channel, alert, ledger)
    if ledger.delivered(channel.key, alert):
        recorded = "sent"
    elif passed is not None:
        recorded = passed[0]
    else:
        recorded = "pending" if decision.sent else "routed out"
    if passed is not None:
        return {"gets": False, "reason": passed[1], "ledger": recorded}
    return {"gets": decision.sent, "reason": decision.reason, "ledger": recorded}
