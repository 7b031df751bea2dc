"""The `groundswell.yaml` file: brands, sources, store, NLP, alerts, channels.

Validation is strict: unknown keys, wrong types and bad queries fail with a
message that names the field and says how to fix it. Secrets never live in the
file: fields ending in `_env` name the environment variable that holds them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from alerts.config import AlertsConfig, ChannelConfig
from alerts.kinds import route_problems, rule_problems
from alerts.wording import phrase
from core.accounts import account_key
from core.errors import ConfigError
from core.query import checked_query
from core.query.aliases import BrandTerms, brand_terms
from core.strict import StrictModel as _Strict
from extractors.config import SourceConfig, looks_secret
from extractors.registry import get_extractor_class
from groundswell.brand_aliases import Alias, alias_fragments
from groundswell.config_yaml import read_yaml
from groundswell.digest_config import DigestConfig
from groundswell.goals import Goals
from groundswell.sentiment_rules import SentimentRuleConfig
from groundswell.sentiment_rules import rule_problems as sentiment_rule_problems
from indexing.config import ElasticsearchStoreConfig, SqliteStoreConfig
from nlp.config import NlpConfig
from nlp.model_text import ModelText


def _phrase_problems(term: str) -> list[str]:
    try:
        checked_query(phrase(term))
    except ValueError as exc:
        return [str(exc).removeprefix("bad query: ")]
    return []


class BrandConfig(_Strict):
    name: str = Field(min_length=1)
    query: str = Field(min_length=1, description="Boolean query in Groundswell's query language")
    competitor: bool = False
    crisis_terms: list[str] = Field(default_factory=list)
    aliases: list[Alias] = Field(default_factory=list, description="Other names and spellings")
    inflect: list[str] = Field(default_factory=list, description="Languages whose inflected forms aliases match")
    _fragments: tuple[tuple[str, str], ...] = PrivateAttr(default=())
    goals: Goals | None = Field(default=None, description="Targets the weekly/monthly reports judge")
    # The brand's own accounts per source (response times, the "needs reply" queue); see core.accounts.
    own_accounts: dict[str, list[str]] = Field(default_factory=dict)
    response_goal_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60, description="Answer within this")

    @field_validator("own_accounts")
    @classmethod
    def _accounts_valid(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        problems = []
        for source, accounts in value.items():
            try:
                get_extractor_class(source)
            except ValueError as exc:
                problems.append(f"own_accounts.{source}: {exc}")
                continue
            for account in accounts:
                try:
                    account_key(source, account)
                except ValueError as exc:
                    problems.append(f"own_accounts.{source}: {exc}")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str) -> str:
        return checked_query(value)

    @field_validator("crisis_terms")
    @classmethod
    def _terms_searchable(cls, value: list[str]) -> list[str]:
        # Each term is counted as a phrase of the query language (alerts.wording.phrase): one that is no
        # phrase (only punctuation) would otherwise surface at detection time.
        problems = [f"{term!r}: {exc}" for term in value if term.strip() for exc in _phrase_problems(term)]
        if problems:
            raise ValueError("crisis term " + "; ".join(problems))
        return value

    @field_validator("aliases", mode="before")
    @classmethod
    def _alias_shapes(cls, value: Any) -> Any:
        # One clear line instead of pydantic's per-union-member errors.
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, str | dict):
                    raise ValueError(f"item {i} is {type(item).__name__}: write a name, or {{text: NAME, inflect: ru}}")
        return value

    @model_validator(mode="after")
    def _aliases_valid(self) -> BrandConfig:
        self._fragments = alias_fragments(self)  # every problem at once, one line each
        return self

    def terms(self) -> BrandTerms:
        """The brand's query and aliases, parsed: `.matched(text, lang, source)` says which matched."""
        return brand_terms(self.query, self._fragments)

    @property
    def search_query(self) -> str:
        """The query collection uses: `(query) OR alias ...` (just `query` without aliases)."""
        return self.terms().search_query


# Configs are a few levels deep; hundreds of levels are a broken or hostile file.
MAX_DEPTH = 32

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
    sentiment_rules: list[SentimentRuleConfig] = Field(default_factory=list)
    dashboard_url: str | None = Field(default=None, description="Base URL linked from alerts")

    @field_validator("store", mode="before")
    @classmethod
    def _store_type_defaults_to_sqlite(cls, value: Any) -> Any:
        # `store: {path: x.db}` means the default type, as the docs say, not "cannot tell which store".
        if isinstance(value, dict) and "type" not in value:
            return {**value, "type": "sqlite"}
        return value

    @model_validator(mode="after")
    def _names_unique(self) -> Config:
        names = [b.name for b in self.brands]
        dupes = _repeated(names)
        if dupes:
            raise ValueError(f"brand names must be unique; repeated: {', '.join(dupes)}")
        dupes = _repeated([s.key for s in self.sources])
        if dupes:
            raise ValueError(f"give each source of the same type a distinct 'name'; repeated: {', '.join(dupes)}")
        # A channel's key names its delivery ledger and `report_sent:` entries: two channels under one key
        # would share them (one gets the report, the other never), and alert delivery refuses to start.
        dupes = _repeated([c.key for c in self.channels])
        if dupes:
            raise ValueError(
                f"give each channel of the same type a distinct 'name' (add 'name:'); repeated: {', '.join(dupes)}"
            )
        for source in self.sources:
            for brand in source.brands or []:
                if brand not in names:
                    raise ValueError(f"source '{source.key}' names unknown brand '{brand}'; known: {', '.join(names)}")
        problems = sentiment_rule_problems(self.sentiment_rules, names)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _report_channels_exist(self) -> Config:
        unknown = [n for n in self.digest.send_to or [] if n not in {c.key for c in self.channels}]
        if unknown:
            known = ", ".join(c.key for c in self.channels) or "none configured"
            raise ValueError(f"digest.send_to names unknown channel(s) {', '.join(unknown)}; channels: {known}")
        return self

    def brand(self, name: str) -> BrandConfig:
        for brand in self.brands:
            if brand.name == name:
                return brand
        raise KeyError(name)

    def model_text(self) -> ModelText:
        """What the models read of a mention: its brands' names as `@user` (`nlp.mask_brand_names`), capped."""
        return ModelText(self.nlp, {b.name: b.terms() for b in self.brands})


def _repeated(keys: list[str]) -> list[str]:
    """The keys that occur more than once, sorted."""
    return sorted({k for k in keys if keys.count(k) > 1})


def _hint(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key: remove it or check its spelling against docs/configuration.md"
    if err["type"] == "missing":
        return "required: add it"
    return err["msg"]


def _problems(exc: ValidationError, prefix: str = "") -> list[str]:
    out = []
    for err in exc.errors():
        where = prefix + ".".join(str(p) for p in err["loc"])
        if err["type"] == "value_error" and "\n" in err["msg"]:
            # A validator that found several problems: one line each, 'field: problem' below `where`.
            body = err["msg"].removeprefix("Value error, ")
            out += [f"{where}.{line}" if where else line for line in body.splitlines()]
            continue
        out.append(f"{where or '(top level)'}: {_hint(err)}")
    return out


def _report(origin: str, problems: list[str]) -> ConfigError:
    lines = [f"{origin}: invalid configuration ({len(problems)} problem(s))"]
    lines += [f"  - {p}" for p in problems]
    return ConfigError("\n".join(lines))


def _shape_problems(data: Any) -> list[str]:
    """Nesting deeper than any real config (checked iteratively, so a deep file cannot crash the check)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    seen: set[int] = set()
    while stack:
        value, where, depth = stack.pop()
        if not isinstance(value, dict | list) or id(value) in seen:
            continue  # YAML anchors share objects: look at each once
        seen.add(id(value))
        if depth >= MAX_DEPTH:
            return [f"{where[:120] or '(top level)'}: nested more than {MAX_DEPTH} levels deep: flatten it"]
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stack.extend((child, f"{where}.{key}" if where else str(key), depth + 1) for key, child in items)
    return []


def _source_problems(data: dict, already: list[str]) -> list[str]:
    """Each source's options against its extractor, for every source, whatever else is wrong."""
    sources = data.get("sources")
    out: list[str] = []
    for i, raw in enumerate(sources if isinstance(sources, list) else []):
        prefix = f"sources.{i}"
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            continue  # the top-level validation reports it
        try:
            cls = get_extractor_class(raw["type"])
        except ValueError as exc:
            out.append(f"{prefix}.type: {exc}")
            continue
        options = raw.get("options", {})
        if not isinstance(options, dict):
            continue  # already reported
        # An inline secret is already reported by its name; the options beside it are still checked, so the
        # file is fixed in one pass.
        rest = {k: v for k, v in options.items() if not (isinstance(k, str) and looks_secret(k))}
        try:
            cls.Options.model_validate(rest)
        except ValidationError as exc:
            out += [p for p in _problems(exc, prefix=f"{prefix}.options.") if p not in already]
    return out


def parse_config(data: Any, origin: str = "config") -> Config:
    """Validate a config mapping; raise ConfigError listing every problem at once."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping with at least 'brands'")
    shape = _shape_problems(data)
    if shape:
        raise _report(origin, shape)
    problems: list[str] = []
    config = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems += _problems(exc)
    except RecursionError:  # a self-referencing YAML anchor where a model expects a tree
        problems.append("(top level): a value refers to itself (YAML anchor inside its own alias): remove the loop")
    problems += _source_problems(data, problems)
    if config is not None:
        problems += rule_problems(config.alerts)  # rules of alert kinds beyond spike, keyword, influencer
        problems += route_problems(
            {f"channels.{i} ({c.key})": c.route for i, c in enumerate(config.channels)},
            [b.name for b in config.brands],
        )
    if problems or config is None:
        raise _report(origin, problems)
    return config


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a YAML config file. Relative paths inside stay relative to the file."""
    path = Path(path)
    data = read_yaml(path)
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


def _unset_env(values: dict[str, Any], env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(field, variable) for every `*_env` field that names a variable the environment lacks."""
    return [
        (name, var)
        for name, var in values.items()
        if name.endswith("_env") and isinstance(var, str) and var and not env.get(var)
    ]


def config_warnings(config: Config, env: Mapping[str, str] | None = None) -> list[str]:
    """What a run would trip over that validation cannot see: unset `*_env` variables, missing import files.

    Only variable names are printed, never values.
    """
    env = os.environ if env is None else env
    out: list[str] = []
    for i, source in enumerate(config.sources):
        where = f"sources.{i} ({source.key})"
        options = get_extractor_class(source.type).Options.model_validate(source.options)
        for name, var in _unset_env(options.model_dump(), env):
            out.append(f"{where}: ${var} is not set (options.{name}); this source will fail until it is")
        path = source.options.get("path") if source.type == "import" else None
        if isinstance(path, str) and not Path(path).exists():
            out.append(f"{where}: import file not found: {path}")
    store = config.store
    if isinstance(store, ElasticsearchStoreConfig):
        if not store.url and not env.get(store.url_env):
            out.append(f"store: url is not set and ${store.url_env} is not set; nothing can be stored")
        out += [f"store: ${var} is not set ({name})" for name, var in _unset_env(store.model_dump(), env)
                if name != "url_env"]
    for i, channel in enumerate(config.channels):
        for name, var in _unset_env(channel.model_dump(), env):
            out.append(f"channels.{i} ({channel.key}): ${var} is not set ({name}); alerts to it will fail")
    out += _own_account_warnings(config)
    return out


def _own_account_warnings(config: Config) -> list[str]:
    """Own accounts on a source no configured source reads, or one that cannot list an account's posts."""
    out = []
    types = {s.type for s in config.sources}
    for i, brand in enumerate(config.brands):
        for source in brand.own_accounts:
            where = f"brands.{i} ({brand.name}).own_accounts.{source}"
            if source not in types:
                out.append(f"{where}: no '{source}' source is configured, so these accounts' replies are not collected")
            elif not get_extractor_class(source).collects_own_posts:
                out.append(f"{where}: this source cannot list an account's posts; only replies it collects count")
    return out
