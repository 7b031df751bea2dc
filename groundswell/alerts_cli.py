"""`groundswell alerts ...`: backtest detection rules before they go live, list the stored alert timeline (or write
it as CSV), see who gets which alert, judge incidents (a real crisis, a false alarm, taken on) to measure
precision and label history for backtests, and mute a brand's alerts for a while (alerts/mute.py)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from alerts.backtest import BadIncident, alert_line, read_incidents, run_backtest
from alerts.config import AlertsConfig, ChannelConfig
from alerts.deliver import DeliveryLedger, offered_since, plan, route_decision
from alerts.delivery_plan import Step
from alerts.history import load_alerts, select_alerts, stored_alerts
from alerts.holds import Holds
from alerts.kinds import alert_kinds
from alerts.mute import MuteError, load_mutes, mute_until, parse_for, set_mute, unmute
from alerts.quiet_hours import quiet_hours
from alerts.routing import is_mute_refusal
from core.file_write import replacing
from core.time import check_range
from extractors.textfile import read_lines
from groundswell.alert_export import alert_rows, alerts_csv
from groundswell.alert_verdicts import (
    VERDICTS,
    VerdictError,
    alert_files,
    backtest_labels,
    card_verdict,
    delivery_verdicts,
    precision,
    set_verdict,
    undo_verdict,
    unjudged_rows,
    verdict_history,
    verdict_rows,
    verdicts,
)
from groundswell.cli_options import (
    BY_DEFAULT,
    OutputPath,
    bom_option,
    config_option,
    load_cli_config,
    login_name,
    moment_option,
    team_moment,
)
from groundswell.csv_file import write_csv
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
    """Crisis alerts: backtesting, evaluation, routing, people's verdicts on incidents, and muting a brand."""


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
@click.option("--preset", type=click.Choice(["fewer", "balanced", "more"]),
              help="Override the spike preset for every brand, over a brand's own `alerts:` too")
@click.option("--bucket", type=click.Choice(["hour", "day"]),
              help="Override the bucket size for every brand, over a brand's own `alerts:` too")
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

    Each brand is judged by its own rules (`brands[].alerts` over `alerts:`); `enabled` is ignored, a brand whose
    alerts are off is replayed too. The last line is a summary: what was loaded and skipped, what each brand sets
    for itself (`brand_rules`), and with --incidents the precision, recall and time to detect (in buckets and in
    hours) of spike alerts against the labels.
    """
    config = AlertsConfig()
    brands = None
    if config_path:
        full = load_cli_config(config_path)
        config, brands = full.alerts, list(full.brands)
    # What each brand sets for itself, as written in the file: read before --preset/--bucket are forced over it.
    written = {b.name: b.alerts.written() for b in brands or [] if b.alerts and b.alerts.written()}
    changes = {k: v for k, v in (("preset", preset), ("bucket", bucket)) if v}
    if changes:  # for every brand, its own rules (`brands[].alerts`) included: the replay asks "what if all were..."
        config = config.model_copy(update={"spike": config.spike.model_copy(update=changes)})
        if brands is not None:
            brands = [b.model_copy(update={"alerts": b.alerts.forcing("spike", changes)}) if b.alerts else b
                      for b in brands]
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
            # What a brand sets for itself (`brands[].alerts`), as written in the config, whatever --preset/--bucket.
            "brand_rules": written,
            # The brands counted and scored in another bucket than `bucket` above (their own `spike.bucket`).
            "brand_buckets": {name: b for name, b in result.buckets.items() if b != config.spike.bucket},
            # Brands whose alerts are off (`enabled: false`): replayed all the same, the backtest ignores `enabled`.
            "disabled_brands": result.disabled,
            "lines": load.lines,
            "loaded": load.loaded,
            "shares": load.shares,  # reposts of loaded posts, the viral detector's input (alerts/backtest_shares.py)
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


@alerts.command("list")
@config_option
@click.option("--brand", help="Only this brand's alerts")
@moment_option("--since", "Only alerts whose window ends after this")
@moment_option("--until", "Only alerts whose window starts before this")
@click.option("--severity", type=click.Choice(["info", "warning", "critical"]), help="Only alerts of this severity")
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest N (default: all)")
@click.option("--csv", "csv_path", type=OutputPath(path_type=Path),
              help="Also write them here as CSV: the file the dashboard's ⬇ CSV on Alerts downloads")
@bom_option
def list_cmd(config_path: str, brand: str | None, since: datetime | None, until: datetime | None,
             severity: str | None, limit: int | None, csv_path: Path | None, bom: bool) -> None:
    """Print the stored alert timeline (the dashboard's Alerts page: the store's alerts and the config's jsonl
    channels'), newest first: one JSON line per alert with its incident, window, headline, summary, observed vs
    expected and its incident's verdict, if any (groundswell/alert_export.py)."""
    config = load_cli_config(config_path, brand)
    since, until = team_moment(since, config), team_moment(until, config)  # the Alerts page's days, not UTC's
    try:
        check_range(since, until)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    store = open_store(config)
    try:
        shown = load_alerts(store, alert_files(config))
        judged = verdicts(store)
    finally:
        store.close()
    selected = select_alerts(shown, brand=brand, since=since, until=until, severity=severity)
    rows = alert_rows(selected[:limit], judged)
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False))
    if csv_path is not None:
        write_csv(csv_path, alerts_csv(rows), bom)  # byte for byte the dashboard's ⬇ CSV (bom=1)
        click.echo(f"{len(rows)} alert(s) written to {csv_path}", err=True)


@alerts.command()
@config_option
@click.option("--last", type=click.IntRange(min=1), default=20, show_default=True, help="How many stored alerts")
def routes(config_path: str, last: int) -> None:
    """Which channel gets which stored alert, and why: one JSON line per alert (newest last).

    Each line is delivery's own plan for a run now over every stored alert (alerts.deliver.plan: the code
    `deliver` runs, alerts/delivery_plan.py), so it says what delivery does: the channel's min_severity and
    `followups`, its route with a verdict on the alert's incident in its place, its quiet hours (an alert they hold
    goes with a later alert of its incident that passes them), the 24-hour rule (an incident's opener goes with a
    recent follow-up however old). `ledger`: "sent" (the channel has it), "skipped" (below min_severity),
    "folded", "routed out", "held by verdict" (with the verdict, who gave it and when), "muted" (a mute of its
    brand holds it: `alerts mute`; with `until` while the mute is in force), "held for quiet hours" (with `until`),
    "pending" (the next run sends it) or "too old" (not sent, and never will be)."""
    config = load_cli_config(config_path)
    store = open_store(config)
    try:
        stored = stored_alerts(store)
        # What a delivery run now would do: the same verdicts (as `pipeline.notify` reads them) and clocks.
        tz = config.digest.timezone
        holds = Holds.for_run(store, delivery_verdicts(store, stored), datetime.now(UTC), tz)  # mutes too
        judged = verdicts(store)
        planned = plan(stored, config.channels, store, holds, since=offered_since(holds.now), tz=tz)
        steps = {key: {step.alert.id: step for step in channel} for key, channel in planned.items()}
        ledger = DeliveryLedger(store)
        for alert in stored[-last:]:
            per_channel = {}
            for channel in config.channels:
                line = _route_line(channel, steps[channel.key][alert.id], ledger, holds)
                if line["ledger"] == "held by verdict" and alert.incident_id in judged:
                    line["verdict"] = card_verdict(judged[alert.incident_id])
                per_channel[channel.key] = line
            line = {"alert": alert.id, "brand": alert.brand, "kind": alert.kind, "severity": alert.severity}
            click.echo(json.dumps({**line, "channels": per_channel}, ensure_ascii=False))
    finally:
        store.close()


_LEDGER = {"skipped": "skipped", "folded": "folded", "routed_out": "routed out", "held_by_verdict": "held by verdict",
           "held_quiet": "held for quiet hours", "send": "pending", "too_old": "too old", "already_sent": "sent"}


# What an alert the channel has reads when its escalation is owed, by what delivery does with it now.
_ESCALATION = {"send": "escalation pending", "held_quiet": "escalation held for quiet hours",
               "too_old": "escalation too old"}


def _route_line(channel: ChannelConfig, step: Step, ledger: DeliveryLedger, holds: Holds) -> dict[str, Any]:
    """`step` (delivery's plan for the alert on `channel`) as a line of `routes`: whether the channel gets it, why,
    and what delivery did or does. An alert the channel has reads "sent", whatever a run would decide now, unless
    its escalation is owed (its severity rose since: `DeliveryLedger.rose_from`): then "escalation pending" (held for
    quiet hours, or too old, as delivery would do it), with `"sent_severity"`, the severity the channel has it at."""
    alert = step.alert
    gets = step.action in ("send", "already_sent", "held_quiet", "too_old")  # the channel's rules take it
    line: dict[str, Any] = {"gets": gets, "reason": step.reason, "ledger": _LEDGER[step.action]}
    if ledger.delivered(channel.key, alert):
        if step.action not in ("skipped", "folded"):  # its route let it through, whatever holds it now
            decision, _ = route_decision(channel, alert, ledger)
            line |= {"gets": decision.sent, "reason": decision.reason}
        owed = _ESCALATION.get(step.action) if step.rose_from or step.action == "too_old" else None
        if owed is not None and (rose := ledger.rose_from(channel.key, alert)) is not None:
            return line | {"ledger": owed, "sent_severity": rose}
        return line | {"ledger": "sent"}
    if is_mute_refusal(step.decision):  # held by a mute of its brand (now, or kept in the ledger since)
        line["ledger"] = "muted"
        if (mute := holds.muted(channel.key, alert)) is not None and mute.in_force(holds.now):
            line["until"] = mute.end.isoformat()
        return line
    if step.action == "held_quiet" and (quiet := quiet_hours(channel)) is not None:
        until = quiet.ends(holds.now, holds.tz).astimezone(quiet.zone(holds.tz))
        return line | {"reason": step.decision.reason if step.decision else step.reason, "until": until.isoformat(),
                       "held": step.reason}
    if step.wakes is not None:
        line["woken"] = f"held by quiet hours ({step.wakes.reason}), it goes first with a later alert of its incident"
    return line


@alerts.command("verdict")
@config_option
@click.argument("incident")
@click.argument("verdict", required=False, type=click.Choice(VERDICTS))
@click.option("--note", help="Why, in a few words (kept with the verdict)")
@click.option("--by", help="Who the verdict, or the undo, is recorded as given by (default: " + BY_DEFAULT + ")")
@click.option("--undo", is_flag=True, help="Withdraw the incident's verdict; the one it replaced, if any, is back")
def verdict_cmd(config_path: str, incident: str, verdict: str | None, note: str | None, by: str | None,
                undo: bool) -> None:
    """Judge the stored incident INCIDENT: real (a crisis), false_alarm, or ack (taken on). A new verdict
    replaces the incident's current one, which is kept in its history; --undo withdraws it. Prints the
    incident's verdict now as one JSON line."""
    if undo == (verdict is not None):
        raise click.UsageError("give a VERDICT (real, false_alarm or ack), or --undo")
    if undo and note is not None:
        raise click.UsageError("--note goes with a verdict, not with --undo")
    config = load_cli_config(config_path)
    store = open_store(config)
    try:
        shown = load_alerts(store, alert_files(config))
        now, who = datetime.now(UTC), by or login_name()
        if undo:
            change = undo_verdict(store, shown, incident, by=who, now=now)
        else:
            change = set_verdict(store, shown, incident, verdict or "", by=who, now=now, note=note)
    except VerdictError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.close()
    line = {"incident": change.incident, "verdict": card_verdict(change.verdict), "changed": change.changed}
    click.echo(json.dumps(line, ensure_ascii=False))
    if undo and not change.changed:
        click.echo(f"incident {incident} has no verdict to undo", err=True)


@alerts.command("verdicts")
@config_option
@click.option("--out", "out_path", type=OutputPath(path_type=Path),
              help="Also write the real incidents here as labels for `alerts backtest --incidents`")
@click.option("--brand", help="Only this brand's incidents")
@click.option("--all", "every", is_flag=True, help="Also list the stored incidents nobody has judged yet")
@click.option("--history", is_flag=True, help="List the replaced and undone verdicts instead, oldest first")
def verdicts_cmd(config_path: str, out_path: Path | None, brand: str | None, every: bool, history: bool) -> None:
    """List people's verdicts on incidents, one JSON line each (oldest incident first), then a last line
    {"precision": ...}: real / (real + false_alarm) overall, per brand and per alert kind. With --out, the
    real incidents are written as {"brand", "start", "end"} lines, the labels `alerts backtest --incidents`
    scores a preset against."""
    config = load_cli_config(config_path, brand)
    store = open_store(config)
    try:
        shown = load_alerts(store, alert_files(config))
        records = verdicts(store)
        past = verdict_history(store) if history else {}
    finally:
        store.close()
    if history:  # oldest replacement or undo first
        entries = [{"incident": i, **e} for i, kept in past.items() for e in kept if brand in (None, e.get("brand"))]
        for entry in sorted(entries, key=lambda e: (str(e.get("undone_at")), e["incident"])):
            click.echo(json.dumps(entry, ensure_ascii=False, sort_keys=True))
        return
    rows = [r for r in verdict_rows(records, shown) if brand is None or r["brand"] == brand]
    listed = rows + ([r for r in unjudged_rows(records, shown) if brand is None or r["brand"] == brand]
                     if every else [])
    for row in sorted(listed, key=lambda r: (str(r["start"]), str(r["brand"]), r["incident"])):
        click.echo(json.dumps(row, ensure_ascii=False))
    click.echo(json.dumps({"precision": precision(rows)}, ensure_ascii=False))
    if out_path is not None:
        labels = backtest_labels(rows)
        with replacing(out_path, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(label, ensure_ascii=False) + "\n" for label in labels)
        click.echo(f"{len(labels)} real incident(s) written to {out_path}", err=True)


def _check_channels(config: Any, channels: tuple[str, ...]) -> None:
    """A click error naming the config's channels when `channels` names one it does not have."""
    known = [c.key for c in config.channels]
    unknown = [c for c in channels if c not in known]
    if unknown:
        raise click.UsageError(f"unknown channel '{unknown[0]}'; the config has: {', '.join(known) or '(none)'}")


@alerts.command("mute")
@config_option
@click.argument("brand")
@moment_option("--until", "When the mute ends by itself")
@click.option("--for", "length", metavar="LENGTH", help="How long it lasts from now: 30m, 6h, 2d, 1w, 1d12h "
              "(default: 24h when --until is not given either; at most 30 days)")
@click.option("--channel", "channels", multiple=True, help="Mute only this channel (its name; repeat for more; "
              "default: every channel)")
@click.option("--note", help="Why, in a few words (kept with the mute, shown with what it holds)")
@click.option("--include-critical", is_flag=True, help="Hold critical alerts too (by default they still go)")
@click.option("--by", help="Who the mute is recorded as set by (default: " + BY_DEFAULT + ")")
def mute_cmd(config_path: str, brand: str, until: datetime | None, length: str | None, channels: tuple[str, ...],
             note: str | None, include_critical: bool, by: str | None) -> None:
    """Mute BRAND's alerts on every channel (or --channel ones) until --until or for --for, then they go again by
    themselves. What it holds is still detected, stored and shown (dashboard, `alerts list`), recorded in the
    delivery ledger as held by the mute, and never sent later: after the mute, a channel gets only the alerts
    decided after it ended. Critical alerts still go unless --include-critical. Muting a brand and channel already
    muted changes that mute. Prints each mute it set as one JSON line (docs/alerts.md, "Muting a brand")."""
    config = load_cli_config(config_path, brand)
    _check_channels(config, channels)
    now = datetime.now(UTC)
    try:
        span = parse_for(length) if length is not None else None
        if span is None and until is None:
            span = timedelta(hours=24)
        end = mute_until(now, team_moment(until, config), span)
    except MuteError as exc:
        raise click.UsageError(str(exc)) from None
    store = open_store(config)
    try:
        muted = set_mute(store, brand, until=end, channels=list(dict.fromkeys(channels)), by=by or login_name(),
                         now=now, note=note, include_critical=include_critical)
    except MuteError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        store.close()
    for mute in muted:
        click.echo(json.dumps(mute.as_dict(), ensure_ascii=False))
    where = "every channel" if not channels else ", ".join(dict.fromkeys(channels))
    critical = "critical alerts held too" if include_critical else "critical alerts still go"
    click.echo(f"{brand} muted on {where} until {end:%Y-%m-%d %H:%M} UTC ({critical})", err=True)


@alerts.command("unmute")
@config_option
@click.argument("brand")
@click.option("--channel", "channels", multiple=True, help="Unmute only this channel (repeat for more; default: all)")
@click.option("--by", help="Who the unmute is recorded as made by (default: " + BY_DEFAULT + ")")
def unmute_cmd(config_path: str, brand: str, channels: tuple[str, ...], by: str | None) -> None:
    """End BRAND's mutes now (on every channel, or the --channel ones): the alerts decided from now on go again.
    What the mutes held stays held (old news). Prints each mute it ended as one JSON line."""
    config = load_cli_config(config_path)
    _check_channels(config, channels)
    store = open_store(config)
    try:
        names = [b.name for b in config.brands]
        if brand not in names and all(m.brand != brand for m in load_mutes(store)):
            # checked against the config like every --brand; a brand since removed from it may still be unmuted
            raise click.ClickException(f"unknown brand '{brand}'; the config has: {', '.join(names)}")
        ended = unmute(store, brand, channels=list(dict.fromkeys(channels)),
                       every_channel=[c.key for c in config.channels], by=by or login_name(), now=datetime.now(UTC))
    finally:
        store.close()
    for mute in ended:
        click.echo(json.dumps(mute.as_dict(), ensure_ascii=False))
    if not ended:
        click.echo(f"{brand} has no mute in force" + (f" on {', '.join(channels)}" if channels else ""), err=True)


@alerts.command("mutes")
@config_option
@click.option("--brand", help="Only this brand's mutes")
@click.option("--all", "every", is_flag=True, help="Also list the mutes that ended in the last day (kept: what "
              "was decided while they were in force stays held)")
def mutes_cmd(config_path: str, brand: str | None, every: bool) -> None:
    """List the brands' mutes in force, one JSON line each (oldest first): brand, channel ("*": every channel),
    since, until, who set it and why, include_critical, and `in_force`."""
    config = load_cli_config(config_path, brand)
    store = open_store(config)
    try:
        stored = load_mutes(store)
    finally:
        store.close()
    now = datetime.now(UTC)
    for mute in stored:
        if (brand is None or mute.brand == brand) and (every or mute.in_force(now)):
            click.echo(json.dumps({**mute.as_dict(), "in_force": mute.in_force(now)}, ensure_ascii=False))
