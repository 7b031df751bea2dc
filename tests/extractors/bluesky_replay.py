"""bskyr's R-vcr cassettes converted to vcrpy's format at test time (see ../shared's README)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

_DROP = {"content-encoding", "transfer-encoding", "content-length"}


def convert_bskyr(source: Path, target: Path) -> Path:
    """R `vcr` YAML -> vcrpy JSON cassette; bodies are already decoded, so drop the encoding headers."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    interactions = []
    for item in data["http_interactions"]:
        req, resp = item["request"], item["response"]
        headers = {k: [str(v)] for k, v in (resp.get("headers") or {}).items() if k.lower() not in _DROP}
        status = resp["status"]
        code = status["status_code"] if isinstance(status, dict) else int(status)
        interactions.append(
            {
                "request": {"method": req["method"].upper(), "uri": req["uri"], "body": None, "headers": {}},
                "response": {
                    "status": {"code": int(code), "message": ""},
                    "headers": headers,
                    "body": {"string": resp["body"]["string"]},
                },
            }
        )
    target.write_text(json.dumps({"version": 1, "interactions": interactions}), encoding="utf-8")
    return target


def bluesky_tape(folder: Path):
    import vcr

    # The SDK adds lexicon defaults to the query (e.g. sort=latest): leave the query out of matching.
    return vcr.VCR(
        cassette_library_dir=str(folder),
        record_mode="none",
        serializer="json",
        match_on=["method", "scheme", "host", "path"],
    )
