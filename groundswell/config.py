"""The `groundswell.yaml` file: brands, sources, store, NLP, alerts, channels.

Validation is strict: unknown keys, wrong types and bad queries fail with a
message that names the field and says how to fix it. Secrets never live in the
file: fields ending in `_env` name the environment variable that holds them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from alerts.config import AlertsConfig, ChannelConfig


class ConfigError(ValueError):
    """A config file that cannot be used; the message says where and how to fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BrandConfig(_Strict):
    name: str = Field(min_length=1)
    query: str = Field(min_length=1, description="Boolean query in Groundswell's query language")
    competitor: bool = False
    crisis_terms: list[str] = Field(default_factory=list)

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str) -> str:
        from groundswell.query import QuerySyntaxError, parse

        try:
            parse(value)
        except QuerySyntaxError as exc:
            raise ValueError(f"bad query: {exc}") from None
        return value


_SECRET_KEY = re.compile(r"(token|secret|password|api_key|apikey)$", re.IGNORECASE)


class SourceConfig(_Strict):
    """One source to collect from. `options` are checked by that source's extractor."""

    type: str = Field(min_length=1)
    name: str | None = None
    brands: list[str] | None = Field(default=None, description="Brands to collect for; default all")
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("options")
    @classmethod
    def _no_inline_secrets(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            if _SECRET_KEY.search(key):
                raise ValueError(
                    f"'{key}' looks like a secret: put it in an environment variable and "
                    f"name that variable as '{key}_env' instead"
                )
        return value

    @property
    def key(self) -> str:
        return self.name or self.type


class SqliteStoreConfig(_Strict):
    type: Literal["sqlite"] = "sqlite"
    path: str = ".groundswell/groundswell.db"
    retention_days: int | None = Field(default=None, ge=1, description="`groundswell maintain` deletes older mentions")


class ElasticsearchStoreConfig(_Strict):
    type: Literal["elasticsearch"]
    url: str | None = Field(default=None, description="Default: $GROUNDSWELL_ES_URL")
    url_env: str = "GROUNDSWELL_ES_URL"
    api_key_env: str | None = None
    index_prefix: str = "groundswell"
    retention_days: int | None = Field(default=None, ge=1)

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


class NlpConfig(_Strict):
    sentiment_model: str = Field(
        default="default",
        description="'default' (the shipped model), a Hugging Face model name, or a local path",
    )
    batch_size: int = Field(default=64, ge=1, le=4096)
    uncertain_below: float = Field(default=0.5, ge=0.0, le=1.0)
    backend: Literal["torch", "onnx"] = "torch"
    themes: bool = True


class DigestConfig(_Strict):
    """When the daily digest runs (the Airflow DAG reads this)."""

    time: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, 24-hour")
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone '{value}': use an IANA name such as 'Europe/Rome'") from None
        return value


class ReportConfig(_Strict):
    path: str = ".groundswell/report.html"


class Config(_Strict):
    brands: list[BrandConfig] = Field(min_length=1)
    sources: list[SourceConfig] = Field(default_factory=list)
    store: SqliteStoreConfig | ElasticsearchStoreConfig = Field(default_factory=SqliteStoreConfig, discriminator="type")
    nlp: NlpConfig = Field(default_factory=NlpConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    channels: list[Annotated[ChannelConfig, Field(discriminator="type")]] = Field(default_factory=list)
    report: ReportConfig = Field(default_factory=ReportConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    dashboard_url: str | None = Field(default=None, description="Base URL linked from alerts")

    @model_validator(mode="after")
    def _names_unique(self) -> Config:
        names = [b.name for b in self.brands]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"brand names must be unique; repeated: {', '.join(dupes)}")
        keys = [s.key for s in self.sources]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"give each source of the same type a distinct 'name'; repeated: {', '.join(dupes)}")
        for source in self.sources:
            for brand in source.brands or []:
                if brand not in names:
                    raise ValueError(f"source '{source.key}' names unknown brand '{brand}'; known: {', '.join(names)}")
        return self

    def brand(self, name: str) -> BrandConfig:
        for brand in self.brands:
            if brand.name == name:
                return brand
        raise KeyError(name)


def _format_errors(exc: ValidationError, origin: str) -> str:
    lines = [f"{origin}: invalid configuration ({exc.error_count()} problem(s))"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            hint = "unknown key: remove it or check its spelling against docs/configuration.md"
        elif kind == "missing":
            hint = "required: add it"
        else:
            hint = err["msg"]
        lines.append(f"  - {where}: {hint}")
    return "\n".join(lines)


def parse_config(data: Any, origin: str = "config") -> Config:
    """Validate a config mapping; raise ConfigError with a readable message."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping with at least 'brands'")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, origin)) from None
    from extractors.registry import validate_source

    for i, source in enumerate(config.sources):
        try:
            validate_source(source)
        except ValueError as exc:
            raise ConfigError(f"{origin}: sources.{i} ({source.key}): {exc}") from None
    return config


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a YAML config file. Relative paths inside stay relative to the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    config = parse_config(data, origin=str(path))
    return _rebase_paths(config, path.parent)


def _rebase_paths(config: Config, base: Path) -> Config:
    """Make file paths in the config relative to the config file, not the cwd."""

    def rebase(p: str) -> str:
        return p if os.path.isabs(p) else str((base / p).resolve())

    if isinstance(config.store, SqliteStoreConfig):
        config.store.path = rebase(config.store.path)
    config.report.path = rebase(config.report.path)
    for source in config.sources:
        if "path" in source.options and isinstance(source.options["path"], str):
            source.options["path"] = rebase(source.options["path"])
    for channel in config.channels:
        if getattr(channel, "path", None):
            channel.path = rebase(channel.path)  # type: ignore[union-attr]
    return config
