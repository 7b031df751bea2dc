"""Replaying praw's recorded cassettes (vcrpy schema with <PLACEHOLDER> tokens), as praw's own tests do."""

from __future__ import annotations

import json
from pathlib import Path

PLACEHOLDERS = {
    "client_id": "gs_client_id",
    "client_secret": "gs_client_secret",
    "user_agent": "groundswell-tests",
    "username": "gs_user",
    "password": "gs_password",
    "refresh_token": "gs_refresh",
    "access_token": "gs_access",
    "test_subreddit": "groundswell_test",
}
ENV = {"REDDIT_CLIENT_ID": PLACEHOLDERS["client_id"], "REDDIT_CLIENT_SECRET": PLACEHOLDERS["client_secret"]}


def reddit_tape(folder: Path, match_body: bool = False):
    import vcr
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serialize import deserialize

    class PlaceholderPersister(FilesystemPersister):
        @classmethod
        def load_cassette(cls, cassette_path, serializer):
            text = Path(cassette_path).read_text(encoding="utf-8")
            for key, value in PLACEHOLDERS.items():
                text = text.replace(f"<{key.upper()}>", value)
            return deserialize(text, serializer)

    class PrettyJson:
        deserialize = staticmethod(json.loads)
        serialize = staticmethod(json.dumps)

    match_on = ["method", "scheme", "host", "port", "path", "query"] + (["body"] if match_body else [])
    tape = vcr.VCR(
        cassette_library_dir=str(folder), record_mode="none", decode_compressed_response=True, match_on=match_on
    )
    tape.register_persister(PlaceholderPersister)
    tape.register_serializer("praw", PrettyJson)
    tape.serializer = "praw"
    return tape


def reddit_comment(cid: str, ts: float) -> dict:
    """One comment of a Reddit listing, as the search endpoint returns it (body mentions Acme)."""
    return {
        "kind": "t1",
        "data": {"name": f"t1_{cid}", "id": cid, "body": f"Acme {cid}", "created_utc": ts, "author": "bob",
                 "score": 1, "permalink": f"/r/acme/comments/1/_/{cid}/", "subreddit": "acme"},
    }
