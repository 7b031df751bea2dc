"""The store section of `groundswell.yaml`: the embedded SQLite file or an Elasticsearch cluster."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from core.errors import ConfigError
from core.logsafe import split_urls
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


# A CA certificate's SHA-256 fingerprint as Elasticsearch prints it at first start (64 hex digits, with or without
# colons): what `store.ssl_assert_fingerprint` pins.
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def _refuse_credentials(value: str, key: str) -> str:
    """`value` (one URL of `key`) if it holds no user:password@: the file is committed and shown in logs."""
    if "@" in urlsplit(value.strip()).netloc:
        raise ValueError(
            f"credentials inside {key} are not allowed: remove 'user:password@' and name the variables that hold "
            "them (api_key_env, or username_env and password_env; or put the whole URL in url_env)"
        )
    return value


@dataclass(frozen=True)
class EsConnection:
    """How to reach and log in to a cluster, secrets read from the environment (`ElasticsearchStoreConfig.connection`):
    exactly one of `hosts` and `cloud_id`; at most one of `api_key` and `basic_auth`."""

    hosts: tuple[str, ...] = ()
    cloud_id: str | None = None
    api_key: str | tuple[str, str] | None = None
    basic_auth: tuple[str, str] | None = None
    ca_certs: str | None = None
    ssl_assert_fingerprint: str | None = None
    verify_certs: bool = True

    @property
    def auth(self) -> str:
        """Which credentials the client sends, for messages: "api key", "basic" (username_env/password_env, or
        user:password@ inside the URL) or "none"."""
        if self.api_key is not None:
            return "api key"
        if self.basic_auth is not None or any("@" in urlsplit(h).netloc for h in self.hosts):
            return "basic"
        return "none"


def api_key_value(raw: str) -> str | tuple[str, str]:
    """An API key as the client takes it: the `encoded` form as it is, or the `id:api_key` pair Elasticsearch's
    create-key answer also gives, as (id, api_key): sent as it is, the pair is refused with 401. The encoded form is
    base64, which never holds a ':'."""
    raw = raw.strip()
    key_id, sep, key = raw.partition(":")
    return (key_id, key) if sep and key_id and key else raw


class ElasticsearchStoreConfig(_Strict):
    """`store:` for an Elasticsearch cluster. Where: `url` (or the variable `url_env` names; several comma-separated
    URLs there), `hosts` (several nodes), or `cloud_id_env` (Elastic Cloud). Who: `api_key_env`, or `username_env`
    with `password_env` (Basic auth). TLS: `ca_certs`, `ssl_assert_fingerprint`, `verify_certs`. Secrets come only
    from environment variables (docs/elasticsearch.md, "Connecting to a secured cluster")."""

    type: Literal["elasticsearch"]
    url: str | None = Field(default=None, description="Default: $GROUNDSWELL_ES_URL")
    # The variable holding the URL (or several, comma-separated). Its value is where the cluster is, shown in
    # messages; only its credentials (user:password@, secret query values) are masked (`locator`:
    # core.logsafe.register_config_secrets).
    url_env: str = Field(default="GROUNDSWELL_ES_URL", json_schema_extra={"locator": True})
    hosts: list[str] | None = Field(default=None, min_length=1, description="several nodes: the client spreads "
                                    "requests over them and goes on when one is down")
    cloud_id_env: str | None = None  # the variable holding an Elastic Cloud deployment's Cloud ID
    api_key_env: str | None = None
    # Basic auth: the variable holding the user name (with password_env). A user name is not a secret, and masking
    # it would garble messages (the built-in user `elastic` in every "elasticsearch"): `secret: False`
    # (core.logsafe.register_config_secrets). The password, and the Basic header, stay masked.
    username_env: str | None = Field(default=None, json_schema_extra={"secret": False})
    password_env: str | None = None
    ca_certs: str | None = None  # a PEM file of the CA that signed the cluster's certificate (ES 8+/9 makes its own)
    ssl_assert_fingerprint: str | None = None  # the CA certificate's SHA-256 fingerprint, instead of ca_certs
    verify_certs: bool = True  # false: any certificate is accepted (a test cluster only; warned on every open)
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
        return _refuse_credentials(value, "store.url") if value else value

    @field_validator("hosts")
    @classmethod
    def _hosts_usable(cls, value: list[str] | None) -> list[str] | None:
        for host in value or []:
            if not host.strip():
                raise ValueError("an empty entry in store.hosts")
            _refuse_credentials(host, "store.hosts")
        return value

    @field_validator("ssl_assert_fingerprint")
    @classmethod
    def _fingerprint_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value.strip().replace(":", "").lower()
        if not _FINGERPRINT.fullmatch(digits):
            raise ValueError("must be the CA certificate's SHA-256 fingerprint: 64 hex digits, colons allowed "
                             "(`openssl x509 -fingerprint -sha256 -noout -in ca.crt`)")
        return digits

    @model_validator(mode="after")
    def _one_way_each(self) -> ElasticsearchStoreConfig:
        # Two answers to "where" or "who" would leave one silently unused.
        where = [name for name, value in (("url", self.url), ("hosts", self.hosts),
                                          ("cloud_id_env", self.cloud_id_env)) if value]
        if len(where) > 1:
            raise ValueError(f"store: give only one of url, hosts and cloud_id_env (got {', '.join(where)})")
        if self.api_key_env and (self.username_env or self.password_env):
            raise ValueError("store: give api_key_env or username_env/password_env, not both")
        if bool(self.username_env) != bool(self.password_env):
            raise ValueError("store: username_env and password_env go together (Basic auth needs both)")
        if not self.verify_certs and (self.ca_certs or self.ssl_assert_fingerprint):
            raise ValueError("store: verify_certs: false turns off the check that ca_certs / ssl_assert_fingerprint "
                             "configure: remove one of them")
        if self.ca_certs and self.ssl_assert_fingerprint:
            raise ValueError("store: give ca_certs or ssl_assert_fingerprint, not both")
        return self

    def resolved_urls(self) -> list[str]:
        """Where the cluster is: `hosts`, `url`, or the URLs (comma-separated) in the variable `url_env` names; the
        Elastic Cloud endpoint for `cloud_id_env`. ConfigError when none is set."""
        if self.cloud_id_env:
            host, port = _cloud_address(_env(self.cloud_id_env, "store.cloud_id_env"))
            return [f"https://{host}:{port}"]
        if self.hosts:
            return [h.strip() for h in self.hosts]
        url = self.url or os.environ.get(self.url_env)
        if not url or not url.strip(" ,"):
            raise ConfigError(f"store.url is not set and ${self.url_env} is empty: set one of them")
        return split_urls(url)

    def resolved_url(self) -> str:
        """The first URL of `resolved_urls` (where the store is, for reports and `store copy`'s resume mark)."""
        return self.resolved_urls()[0]

    def connection(self) -> EsConnection:
        """The client's settings, secrets read from the variables the `*_env` fields name (ConfigError naming the
        field when one is unset or a file is missing)."""
        if self.ca_certs and not os.path.isfile(os.path.expanduser(self.ca_certs)):
            raise ConfigError(f"store.ca_certs: no file at {self.ca_certs} (the PEM file of the cluster's CA)")
        # An unset api_key_env variable means no key, as before (a local cluster without security); the
        # username/password pair and a Cloud ID are only ever configured for a cluster that needs them.
        raw_key = os.environ.get(self.api_key_env) if self.api_key_env else None
        api_key = api_key_value(raw_key) if raw_key else None
        basic = ((_env(self.username_env, "store.username_env"), _env(self.password_env, "store.password_env"))
                 if self.username_env and self.password_env else None)
        return EsConnection(
            hosts=() if self.cloud_id_env else tuple(self.resolved_urls()),
            cloud_id=_env(self.cloud_id_env, "store.cloud_id_env").strip() if self.cloud_id_env else None,
            api_key=api_key, basic_auth=basic,
            ca_certs=os.path.expanduser(self.ca_certs) if self.ca_certs else None,
            ssl_assert_fingerprint=self.ssl_assert_fingerprint, verify_certs=self.verify_certs,
        )


def _env(name: str, key: str) -> str:
    """The value of the variable `name` (which the config's `key` names); ConfigError naming both when unset."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"${name} is not set or empty ({key} names it)")
    return value


def _cloud_address(cloud_id: str) -> tuple[str, int]:
    """An Elastic Cloud ID's Elasticsearch host and port (ConfigError when it is not one)."""
    from elastic_transport.client_utils import parse_cloud_id  # lazy: the ES client is optional (store type sqlite)

    try:
        address = parse_cloud_id(cloud_id.strip()).es_address
    except ValueError:
        address = None
    if address is None:
        raise ConfigError("the Cloud ID in the variable store.cloud_id_env names is not one (copy it from the "
                          "deployment's page in Elastic Cloud)")
    return address
