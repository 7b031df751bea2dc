"""The monthly mention indices: every `<prefix>-mentions-*` index must be readable through the read alias.

Writes go to a month's index by name (`elasticsearch_mapping.month_index`) and reads go through the alias
`<prefix>-mentions`, which only Groundswell's index template attaches. A month index the template did not make
(created by hand before the first run to set its shard count, restored from a snapshot or reindexed without its
alias, made while another team's template of higher priority won) would take writes that no read ever sees. So:

- `check_template` (on open): the template that applies to a new month index must be ours; another one of higher
  priority replaces it whole (composable templates do not merge), and the store refuses to open, naming it.
- `check_months` (on open): every existing month index is checked. One with Groundswell's mapping (strict, no field
  mapped otherwise) but without the alias gets the alias; one with no mapping yet (made empty by hand) gets ours and
  the alias; any other refuses the store, in one line naming the index and what to do.
- `MonthIndices.ensure` (before every bulk write): a month index the write needs is created explicitly (the template
  applies), so a cluster with `action.auto_create_index: false` takes posts of any month, and one that appeared
  since the open is checked as above. A month that cannot be made readable fails the writes meant for it.
"""

from __future__ import annotations

import fnmatch
import logging
from typing import TYPE_CHECKING, Any

from indexing.base import StoreUnavailable
from indexing.elasticsearch_mapping import index_pattern, parse_month, read_alias

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)
OURS = 200  # the priority of Groundswell's template (`elasticsearch_mapping.mentions_template`)
DOCS = 'docs/elasticsearch.md, "Month indices"'


class UnreadableMonth(Exception):
    """A month index whose documents the read alias cannot show (the message says which and what to do)."""


def _types(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Each mapped field's path and type (an object with sub-fields: "object"); multi-fields left out."""
    out: dict[str, str] = {}
    for name, spec in properties.items():
        path = prefix + name
        out[path] = spec.get("type", "object")
        if "properties" in spec:
            out |= _types(spec["properties"], path + ".")
    return out


def mapping_problem(mappings: dict[str, Any], ours: dict[str, Any]) -> str | None:
    """Why an index with `mappings` cannot hold Groundswell's mentions (None: it can). `ours`: the mappings the
    template gives a new month index. An index of an older Groundswell lacks some of today's fields (the migrations
    add them) and may keep retired ones (`brand`); it is strict, and no field is mapped another way."""
    properties = mappings.get("properties") or {}
    if not properties:
        return None  # nothing mapped yet: ours can go on it
    theirs, wanted = _types(properties), _types(ours.get("properties") or {})
    clashes = [f"{path} is {kind} (Groundswell maps {wanted[path]})"
               for path, kind in sorted(theirs.items()) if path in wanted and wanted[path] != kind]
    if clashes:
        shown = "; ".join(clashes[:3]) + (f"; and {len(clashes) - 3} more" if len(clashes) > 3 else "")
        return f"its mapping is not Groundswell's ({shown})"
    if str(mappings.get("dynamic")) != "strict":
        return "its mapping is dynamic, not Groundswell's strict mapping"
    if "id" not in theirs or "created_at" not in theirs:
        return "its mapping lacks Groundswell's id and created_at fields"
    return None


def _refusal(index: str, alias: str, why: str) -> str:
    return (f"the month index {index} cannot be used: {why}; posts written to it would never be read (reads go "
            f"through the alias {alias}). Reindex its documents into an index Groundswell's template made (move them "
            f"to another name, delete {index}, open the store again, then _reindex them back), or delete it if it "
            f"holds nothing to keep ({DOCS})")


def winning_template(client: Elasticsearch, prefix: str, index: str) -> None:
    """Refuse (StoreUnavailable) when the template a new month index `index` would get is not Groundswell's: it
    then has neither the read alias nor the strict mapping. Names the template that wins. Engines without the
    simulate API (HTTP 400/404/405) are not checked."""
    from elasticsearch import ApiError  # lazy: the client is imported only with the Elasticsearch store

    try:
        simulated = client.indices.simulate_index_template(name=index).body.get("template") or {}
    except ApiError as exc:
        if exc.status_code in (400, 404, 405):
            return
        raise
    alias = read_alias(prefix)
    mappings = simulated.get("mappings") or {}
    if alias in (simulated.get("aliases") or {}) and str(mappings.get("dynamic")) == "strict":
        return
    templates = client.indices.get_index_template().body.get("index_templates", [])
    rivals = sorted(
        ((t["index_template"].get("priority") or 0, t["name"], t["index_template"].get("index_patterns", []))
         for t in templates if t["name"] != alias
         and any(fnmatch.fnmatchcase(index, p) for p in t["index_template"].get("index_patterns", []))),
        reverse=True,
    )
    other = (f"the index template {rivals[0][1]!r} (priority {rivals[0][0]}, index_patterns {rivals[0][2]})"
             if rivals else "another index template")
    raise StoreUnavailable(
        f"{other} replaces Groundswell's template {alias!r} (priority {OURS}) for {index_pattern(prefix)} "
        f"(composable templates do not merge): new month indices would get neither the read alias {alias} nor "
        f"Groundswell's mapping. Give it a priority below {OURS} or index_patterns that leave out "
        f"{index_pattern(prefix)} ({DOCS})"
    )


def template_mappings(client: Elasticsearch, prefix: str) -> dict[str, Any]:
    """The mappings of Groundswell's template as `setup` installed it (language analyzers as the cluster has)."""
    found = client.indices.get_index_template(name=read_alias(prefix)).body["index_templates"]
    return found[0]["index_template"].get("template", {}).get("mappings") or {}


class MonthIndices:
    """The month indices of one store known to be readable through its alias; makes and checks the others."""

    def __init__(self, client: Elasticsearch, prefix: str):
        self.client = client
        self.prefix = prefix
        self.alias = read_alias(prefix)
        self.known: set[str] = set()  # checked (or made by us) in this process: behind the alias, our mapping
        self._ours: dict[str, Any] | None = None

    def ours(self) -> dict[str, Any]:
        if self._ours is None:
            self._ours = template_mappings(self.client, self.prefix)
        return self._ours

    def check_all(self) -> list[str]:
        """Check every open `<prefix>-mentions-*` index (module docstring); return those given the alias.
        StoreUnavailable, naming the index, for one that cannot be made readable."""
        found = self.client.indices.get(index=index_pattern(self.prefix), ignore_unavailable=True,
                                        allow_no_indices=True, filter_path="*.aliases,*.mappings").body
        adopted = []
        for index, info in sorted(found.items()):
            if parse_month(self.prefix, index) is None:
                continue  # `<prefix>-mentions-old` and the like: no write goes there
            try:
                if self._adopt(index, info):
                    adopted.append(index)
            except UnreadableMonth as exc:
                raise StoreUnavailable(str(exc)) from None
        return adopted

    def _adopt(self, index: str, info: dict[str, Any]) -> bool:
        """Make `index` readable through the alias if it can be; return whether the alias was added."""
        mappings = info.get("mappings") or {}
        why = mapping_problem(mappings, self.ours())
        if why is not None:
            raise UnreadableMonth(_refusal(index, self.alias, why))
        if not mappings.get("properties"):  # made empty by hand (its shard count, say): our mapping goes on it
            ours = self.ours()
            self.client.indices.put_mapping(index=index, dynamic=ours.get("dynamic", "strict"),
                                            properties=ours.get("properties") or {})
            log.warning("gave the month index %s, made without Groundswell's template, the mentions mapping", index)
        added = self.alias not in (info.get("aliases") or {})
        if added:
            self.client.indices.update_aliases(actions=[{"add": {"index": index, "alias": self.alias}}])
            log.warning("put the month index %s behind the read alias %s: it was not, so reads missed what it holds",
                        index, self.alias)
        self.known.add(index)
        return added

    def ensure(self, indices: set[str]) -> dict[str, str]:
        """Make each month index a bulk write is about to use exist and be readable (module docstring). Returns,
        by index, why it cannot be written to (the writes meant for it fail with that reason)."""
        from elasticsearch import ApiError  # lazy: the client is imported only with the Elasticsearch store

        problems: dict[str, str] = {}
        for index in sorted(indices - self.known):
            if parse_month(self.prefix, index) is None:
                continue
            try:
                # Explicit, not left to the bulk write: clusters with action.auto_create_index false refuse that.
                made = self.client.options(ignore_status=400).indices.create(index=index)
                if made.meta.status == 200:
                    self.known.add(index)
                    continue
                error = (made.body or {}).get("error") if isinstance(made.body, dict) else None
                error = error if isinstance(error, dict) else {}
                if error.get("type") != "resource_already_exists_exception":
                    # Any other 400 (the cluster's shard limit, a bad setting) is why the month cannot be made.
                    problems[index] = (f"could not create the month index {index} (HTTP 400: "
                                       f"{error.get('type', 'error')}: {error.get('reason', made.body)})")
                    continue
                # It exists (another writer made it, or someone by hand since the open): check it.
                found = self.client.indices.get(index=index, filter_path="*.aliases,*.mappings").body
                self._adopt(index, found.get(index) or {})
            except UnreadableMonth as exc:
                problems[index] = str(exc)
            except ApiError as exc:
                problems[index] = f"could not create the month index {index} (HTTP {exc.status_code}: {exc.message})"
        return problems
