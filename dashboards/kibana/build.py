"""Generate Kibana saved objects (NDJSON) from `spec.yaml`.

    python -m dashboards.kibana.build            # writes dashboards/kibana/groundswell.ndjson
    python -m dashboards.kibana.build --check    # fails if the committed file is stale
    python -m dashboards.kibana.build --prefix acme -o /tmp/acme.ndjson

Objects: the data views (`index-pattern`: the mentions, and the alerts the Elasticsearch store copies
into `<prefix>-alerts`), aggregation-based `visualization`s, saved `search`es, and a `dashboard`
placing them on Kibana's 48-column grid. Objects refer to each other through `references`, the form
Kibana's `_import` API resolves (and remaps ids on when asked to). Each visualization and search
searches the data view its `data_view` names in the spec (default: mentions).

Every visualization and saved search of the mentions carries one filter, "spam and own posts left out":
the Elasticsearch store's own default (`indexing/elasticsearch.py`, a `must_not` `exists` on the spam
field, which holds the spam rule's reason or the own-account mark). So Kibana counts what the web
dashboard, the digest and the report count; a Kibana user sees the filter and can turn it off. The
alerts have no spam field, and their objects no such filter (a data view's `spam_filter` says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from indexing.elasticsearch_mapping import SPAM_FIELD, check_prefix

HERE = Path(__file__).resolve().parent
SPEC = HERE / "spec.yaml"
OUTPUT = HERE / "groundswell.ndjson"
ROW_HEIGHT = 15
SEARCH_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"
# How a saved object names the data view of its first filter (Kibana's own export writes it so).
FILTER_REF = "kibanaSavedObjectMeta.searchSourceJSON.filter[0].meta.index"
SPAM_FILTER_LABEL = "spam and own posts left out"
DEFAULT_DATA_VIEW = "mentions"
# The store's default index_prefix: its objects keep the spec's ids and titles, so a re-import updates what earlier
# releases imported in place.
DEFAULT_PREFIX = "groundswell"
ID_ROOT = "groundswell-"  # how every id in the spec starts


def object_id(spec_id: str, prefix: str = DEFAULT_PREFIX) -> str:
    """A saved object's id for the store `prefix`: the spec's own for the default prefix, else `<prefix>-<rest>`
    (`groundswell-overview` -> `acme-overview`). Kibana keys objects by id within a space, so two stores' objects
    with one id would overwrite each other on import: the second team's dashboard would show the first's indices."""
    if prefix == DEFAULT_PREFIX:
        return spec_id
    return f"{prefix}-{spec_id.removeprefix(ID_ROOT)}"


def object_title(title: str, prefix: str = DEFAULT_PREFIX) -> str:
    """A saved object's title for the store `prefix`: `title (<prefix>)` unless the prefix is the default, so two
    stores' dashboards in one space are told apart in Kibana's lists."""
    return title if prefix == DEFAULT_PREFIX else f"{title} ({prefix})"


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def spam_filter() -> dict[str, Any]:
    """A negated `exists` filter on the spam field: the pill "NOT spam: exists", labelled, that can be disabled."""
    return {
        "$state": {"store": "appState"},
        "meta": {
            "alias": SPAM_FILTER_LABEL,
            "disabled": False,
            "indexRefName": FILTER_REF,
            "key": SPAM_FIELD,
            "negate": True,
            "type": "exists",
            "value": "exists",
        },
        "query": {"exists": {"field": SPAM_FIELD}},
    }


def data_views(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The spec's data views by key (`data_views`; a spec of one `data_view`, the mentions', still reads)."""
    if "data_views" in spec:
        return spec["data_views"]
    return {DEFAULT_DATA_VIEW: {**spec["data_view"], "spam_filter": True}}


def _data_view(views: dict[str, dict[str, Any]], key: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The data view an object of the spec searches."""
    name = obj.get("data_view", DEFAULT_DATA_VIEW)
    if name not in views:
        raise ValueError(f"'{key}' names data view '{name}', which the spec does not define")
    return views[name]


def _search_source(query: str = "", spam: bool = True) -> str:
    source = {"query": {"query": query, "language": "kuery"}, "filter": [spam_filter()] if spam else [],
              "indexRefName": SEARCH_REF}
    return json.dumps(source, sort_keys=True)


def _data_view_refs(data_view_id: str, spam: bool = True) -> list[dict[str, str]]:
    """The references of an object that searches the data view: its index, and its spam filter's index."""
    names = (SEARCH_REF, FILTER_REF) if spam else (SEARCH_REF,)
    return [{"id": data_view_id, "name": name, "type": "index-pattern"} for name in names]


def _terms(
    agg_id: str, schema: str, field: str, size: int, order_by: str = "1", missing: bool = True
) -> dict[str, Any]:
    """A terms bucket; `missing`: documents without the field get an "unknown" bucket."""
    return {
        "id": agg_id,
        "enabled": True,
        "type": "terms",
        "schema": schema,
        "params": {
            "field": field,
            "size": size,
            "order": "desc",
            "orderBy": order_by,
            "otherBucket": False,
            "missingBucket": missing,
            **({"missingBucketLabel": "unknown"} if missing else {}),
        },
    }


def _count() -> dict[str, Any]:
    return {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}


def vis_state(title: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Kibana's `visState` for one visualization of the spec."""
    chart = spec["chart"]
    if chart == "stacked_bars":
        aggs = [
            _count(),
            {
                "id": "2",
                "enabled": True,
                "type": "date_histogram",
                "schema": "segment",
                "params": {"field": spec["x_time"], "interval": "auto", "min_doc_count": 1, "extended_bounds": {}},
            },
            _terms("3", "group", spec["split_by"]["field"], spec["split_by"]["size"]),
        ]
        params = {
            "type": "histogram",
            "addLegend": True,
            "legendPosition": "right",
            "addTooltip": True,
            "seriesParams": [
                {"data": {"id": "1", "label": spec.get("y_label", "Mentions")}, "mode": "stacked", "type": "histogram"}
            ],
        }
        return {"title": title, "type": "histogram", "params": params, "aggs": aggs}
    if chart == "donut":
        aggs = [_count(), _terms("2", "segment", spec["slices"]["field"], spec["slices"]["size"])]
        params = {
            "type": "pie",
            "addTooltip": True,
            "isDonut": True,
            "legendDisplay": "show",
            "legendPosition": "right",
        }
        return {"title": title, "type": "pie", "params": params, "aggs": aggs}
    if chart == "table":
        aggs = [_count()]
        for i, metric in enumerate(spec.get("metrics", []), start=2):
            (kind, field) = next((k, v) for k, v in metric.items() if k in ("sum", "max", "avg", "min"))
            aggs.append(
                {
                    "id": str(i),
                    "enabled": True,
                    "type": kind,
                    "schema": "metric",
                    "params": {"field": field, "customLabel": metric.get("label", "")},
                }
            )
        order_by = str(1 + spec["order_by"]) if "order_by" in spec else "1"
        # `rows`: one level ({field, size}) or several, outer first, each ranked by `order_by` within its parent.
        levels = spec["rows"] if isinstance(spec["rows"], list) else [spec["rows"]]
        for level in levels:
            aggs.append(_terms(str(len(aggs) + 1), "bucket", level["field"], level["size"], order_by,
                               level.get("missing", True)))
        if "split_by" in spec:
            aggs.append(_terms(str(len(aggs) + 1), "bucket", spec["split_by"]["field"], spec["split_by"]["size"]))
        params = {"perPage": 20, "showPartialRows": False, "showMetricsAtAllLevels": False, "showTotal": False}
        return {"title": title, "type": "table", "params": params, "aggs": aggs}
    raise ValueError(f"unknown chart '{chart}' in spec (use stacked_bars, donut or table)")


def ui_state(spec: dict[str, Any]) -> dict[str, Any]:
    """A visualization's `uiStateJSON`: for a table with `sort_by` (an extra metric, 1 = the first), the table
    sorted on that metric's column, descending, across every row (Kibana's table sorts all rows, then pages them).
    The columns are the row levels', then the count, then the extra metrics (showMetricsAtAllLevels: false)."""
    if "sort_by" not in spec:
        return {}
    levels = len(spec["rows"]) if isinstance(spec["rows"], list) else 1
    return {"vis": {"params": {"sort": {"columnIndex": levels + spec["sort_by"], "direction": "desc"}}}}


def build(spec: dict[str, Any], prefix: str = "groundswell") -> list[dict[str, Any]]:
    """Every saved object, data view first, dashboard last (the order `_import` likes).

    ValueError for a prefix the store would refuse: the data view would match no index."""
    check_prefix(prefix)
    views = {key: {**dv, "id": object_id(dv["id"], prefix)} for key, dv in data_views(spec).items()}
    objects: list[dict[str, Any]] = [
        {
            "type": "index-pattern",
            "id": dv["id"],
            "attributes": {
                "title": dv["title"].format(prefix=prefix),
                "name": object_title(dv["name"], prefix),
                "timeFieldName": dv["time_field"],
            },
            "references": [],
        }
        for dv in views.values()
    ]
    kinds: dict[str, str] = {}
    for key, vis in spec.get("visualizations", {}).items():
        kinds[key] = "visualization"
        dv = _data_view(views, key, vis)
        spam = bool(dv.get("spam_filter"))
        objects.append(
            {
                "type": "visualization",
                "id": object_id(f"{ID_ROOT}{key.replace('_', '-')}", prefix),
                "attributes": {
                    "title": object_title(vis["title"], prefix),
                    "description": "",
                    "visState": json.dumps(vis_state(object_title(vis["title"], prefix), vis), sort_keys=True),
                    "uiStateJSON": json.dumps(ui_state(vis), sort_keys=True),
                    "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(spam=spam)},
                },
                "references": _data_view_refs(dv["id"], spam),
            }
        )
    for key, search in spec.get("saved_searches", {}).items():
        kinds[key] = "search"
        dv = _data_view(views, key, search)
        spam = bool(dv.get("spam_filter"))
        objects.append(
            {
                "type": "search",
                "id": object_id(f"{ID_ROOT}{key.replace('_', '-')}", prefix),
                "attributes": {
                    "title": object_title(search["title"], prefix),
                    "description": "",
                    "columns": search["columns"],
                    "sort": [search["sort"]],
                    "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source(search["query"], spam)},
                },
                "references": _data_view_refs(dv["id"], spam),
            }
        )
    objects.append(_dashboard(spec["dashboard"], kinds, prefix))
    return objects


def _dashboard(spec: dict[str, Any], kinds: dict[str, str], prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    panels, references = [], []
    y = 0
    for row in spec["rows"]:
        x = 0
        for key, width in row:
            if key not in kinds:
                raise ValueError(f"dashboard panel '{key}' is not a visualization or saved search in the spec")
            n = len(panels)
            panels.append(
                {
                    "panelIndex": str(n + 1),
                    "gridData": {"x": x, "y": y, "w": width, "h": ROW_HEIGHT, "i": str(n + 1)},
                    "embeddableConfig": {},
                    "panelRefName": f"panel_{n}",
                }
            )
            references.append({"name": f"panel_{n}", "type": kinds[key],
                               "id": object_id(f"{ID_ROOT}{key.replace('_', '-')}", prefix)})
            x += width
        if x > 48:
            raise ValueError(f"dashboard row {row} is {x} columns wide; the grid has 48")
        y += ROW_HEIGHT
    return {
        "type": "dashboard",
        "id": object_id(spec["id"], prefix),
        "attributes": {
            "title": object_title(spec["title"], prefix),
            "description": spec.get("description", ""),
            "panelsJSON": json.dumps(panels, sort_keys=True),
            "optionsJSON": json.dumps({"useMargins": True, "syncColors": True, "hidePanelTitles": False}),
            "timeRestore": True,
            "timeFrom": spec.get("time_from", "now-7d"),
            "timeTo": "now",
            "kibanaSavedObjectMeta": {"searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}})},
        },
        "references": references,
    }


def searched_data_view(obj: dict[str, Any]) -> str | None:
    """The id of the data view a saved object searches (a data view: its own id; a dashboard: None)."""
    if obj["type"] == "index-pattern":
        return obj["id"]
    return next((r["id"] for r in obj["references"] if r["name"] == SEARCH_REF), None)


def referenced_fields(objects: list[dict[str, Any]], data_view: str | None = None) -> set[str]:
    """Every index field the saved objects use (time field, aggregation fields, filters, columns, sort, KQL);
    with `data_view` (an id), only those of the objects that search that data view (and of the view itself)."""
    fields: set[str] = set()
    for obj in objects:
        if data_view is not None and searched_data_view(obj) != data_view:
            continue
        attrs = obj["attributes"]
        if obj["type"] == "index-pattern":
            fields.add(attrs["timeFieldName"])
        if "visState" in attrs:
            for agg in json.loads(attrs["visState"])["aggs"]:
                if "field" in agg["params"]:
                    fields.add(agg["params"]["field"])
        source = json.loads(attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
        fields.update(f["meta"]["key"] for f in source.get("filter", []))
        if obj["type"] == "search":
            fields.update(attrs["columns"])
            fields.update(s[0] for s in attrs["sort"])
            query = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]["query"]
            fields.update(part.split(":")[0].strip() for part in query.split(" and ") if ":" in part)
    return fields


def to_ndjson(objects: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=True) + "\n" for o in objects)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--prefix", default="groundswell", help="the store's index_prefix")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail if the output file is not what the spec gives")
    args = parser.parse_args(argv)
    try:
        check_prefix(args.prefix)
    except ValueError as exc:
        parser.error(str(exc))
    text = to_ndjson(build(load_spec(args.spec), args.prefix))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run python -m dashboards.kibana.build", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {len(text.splitlines())} saved objects to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
