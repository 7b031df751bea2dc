"""The store section of `groundswell.yaml`: the embedded SQLite file or an Elasticsearch cluster."""

from __future__ import annotations

import os
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from core.errors import ConfigError
from core.strict import StrictModel as _Strict
from indexing.elasticsearch_mapping import check_prefix

# A century: anything longer is a typo, and timedelta overflows not far above.
MAX_RETENTION_DAYS = 36_500


class SqliteStoreConfig(_Strict):
    type: Literal["sqlite"] = "sqlite"
    path: str = ".groundswell/groundswell.db"
    retention_days: int | None = Field(
        default=None, ge=1, le=MAX_RETENTION_DAYS, description="`groundswell maintain` deletes older mentions"
    )


class ElasticsearchStoreConfig(_Strict):
    type: Literal["elasticsearch"]
    url: str | None = Field(default=None, description="Default: $GROUNDSWELL_ES_URL")
    url_env: str = "GROUNDSWELL_ES_URL"
    api_key_env: str | None = None
    index_prefix: str = "groundswell"
    retention_days: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)
    # Seconds a request may wait for an answer, connecting included; bulk writes 3 times as long
    # (indexing/elasticsearch.py `DEFAULT_TIMEOUT_S`, `BULK_TIMEOUT_FACTOR`; docs/elasticsearch.md "Timeouts").
    timeout_s: float = Field(default=10.0, gt=0, le=600)

    @field_validator("index_prefix")
    @classmethod
    def _prefix_usable(cls, value: str) -> str:
        # The store refuses any other prefix when it opens: say so at `config check`, not in every command.
        return check_prefix(value)

    @field_validator("url")
    @classmethod
    def _no_credentials_in_url(cls, value: str | None) -> str | None:
        # The file is committed and shown in logs; user:password@ would leak with it.
        if value and "@" in urlsplit(value.strip()).netloc:
            raise ValueError(
                "credentials inside store.url are not allowed: remove 'user:password@' and set the "
                "API key in the environment variable that api_key_env names (or put the whole URL in url_env)"
            )
        return value

    def resolved_url(self) -> str:
        url = self.url or os.environ.get(self.url_env)
        if not url:
            raise ConfigError(f"store.url is not set and ${self.url_env} is empty: set one of them")
        return url
