"""The collection graph groundswell_ingest and groundswell_backfill share; it defines no DAG.

Each DAG brings its own `plan` (which brand × source pairs) and `collect` (over which window);
the rest is one graph: mentions parked in the dead-letter file are stored first (they may since
have left the sources' windows), one mapped collect task per source type in its own pool (so a
rate-limited API sees at most the pool's slots in parallel), then `publish` emits the mentions
Asset that schedules groundswell_enrich when anything new landed, `sources_ok` fails the run when a
source failed (after the others finished and published) and `deadletter_ok` while mentions wait
in the dead-letter file (the CLI's exit code 5). Listed in `.airflowignore`.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset, task
from groundswell_common import MENTIONS_URI, pool_name, source_types

MENTIONS = Asset(MENTIONS_URI)


@task(multiple_outputs=False)
def replay() -> dict[str, int]:
    """Store the mentions earlier runs parked in the dead-letter file, before collecting new ones."""
    from groundswell_common import replay_parked

    return replay_parked()


@task(outlets=[MENTIONS], trigger_rule="all_done")
def publish(reports: list, replayed: dict[str, int] | None) -> int:
    """Emit the mentions Asset when new mentions landed (or un-enriched ones wait); else skip."""
    from groundswell_common import publish_mentions

    return publish_mentions(reports, MENTIONS, replayed)


@task(trigger_rule="none_failed")
def sources_ok() -> None:
    """Fails the run (upstream_failed) when any source failed, after the others finished and published."""


@task(trigger_rule="all_done")
def deadletter_ok() -> None:
    """Fails the run while mentions wait in the dead-letter file (after every collect task finished)."""
    from groundswell_common import check_parked

    check_parked()


def collection_graph(plan: Any, collect: Any) -> None:
    """replay → per source type `plan_<type>` → mapped `collect_<type>` (the type's pool) → publish,
    sources_ok and deadletter_ok, inside the DAG being defined."""
    replayed = replay()
    reports = [
        collect.override(task_id=f"collect_{source_type}", pool=pool_name(source_type)).expand(
            target=plan.override(task_id=f"plan_{source_type}")(source_type)
        )
        for source_type in source_types()
    ]
    replayed >> reports  # parked mentions first: they may since have left the sources' windows
    publish(reports, replayed)
    reports >> sources_ok()
    [replayed, *reports] >> deadletter_ok()
