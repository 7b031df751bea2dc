"""The `groundswell.yaml` file: brands, sources, store, NLP, alerts, channels.

Validation is strict: unknown keys, wrong types and bad queries fail with a
message that names the field and says how to fix it. Secrets never live in the
file: fields ending in `_env` name the environment variable that holds them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from alerts.config import AlertsConfig, BrandAlerts, ChannelConfig, CrisisTerm, JsonlChannel, own_rules_note
from alerts.kinds import route_problems, rule_problems
from core.accounts import account_key
from core.errors import ConfigError
from core.escaping import safe_url
from core.query import QueryCompileError, QuerySyntaxError, checked_query
from core.query.aliases import BrandTerms, Name, brand_terms, name_key
from core.strict import StrictModel as _Strict
from extractors.config import SourceConfig, looks_secret
from extractors.query_native import NativeSearches
from extractors.registry import get_extractor_class
from groundswell.brand_aliases import brand_names
from groundswell.brand_overlaps import overlap_warnings, query_shape_warnings
from groundswell.config_errors import item_place, place
from groundswell.config_errors import problems as _located_problems
from groundswell.config_errors import report as _report
from groundswell.config_outputs import output_problem
from groundswell.config_yaml import YamlPath, read_yaml_lines
from groundswell.digest_config import DigestConfig
from groundswell.goals import Goals
from groundswell.markets import market_warnings
from groundswell.sentiment_rules import SentimentRuleConfig
from groundswell.sentiment_rules import rule_problems as sentiment_rule_problems
from indexing.config import ElasticsearchStoreConfig, SqliteStoreConfig
from nlp.config import NlpConfig
from nlp.install_check import install_problem
from nlp.model_text import ModelText


class BrandConfig(_Strict):
    name: str = Field(min_length=1)
    query: str = Field(min_length=1, description="Boolean query in Groundswell's query language")
    competitor: bool = False
    # The brands it competes with share it: share of voice divides by their mentions only (groundswell/markets.py).
    market: str | None = Field(default=None, max_length=100, description="Market name; default: one shared market")
    crisis_terms: list[CrisisTerm] = Field(
        default_factory=list, description="Words whose sudden use raises a keyword alert; groups count as one"
    )
    aliases: list[Name] = Field(default_factory=list, description="Other names and spellings")
    inflect: list[str] = Field(
        default_factory=list, description="Languages whose inflected forms aliases and crisis terms match"
    )
    _fragments: tuple[tuple[str, str], ...] = PrivateAttr(default=())
    goals: Goals | None = Field(default=None, description="Targets the weekly/monthly reports judge")
    # The brand's own accounts per source (response times, the "needs reply" queue); see core.accounts.
    own_accounts: dict[str, list[str]] = Field(default_factory=dict)
    response_goal_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60, description="Answer within this")
    alerts: BrandAlerts | None = Field(
        default=None, description="The brand's own alert rules: fields of alerts.spike/keyword/influencer that differ"
    )

    @field_validator("market")
    @classmethod
    def _market_named(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("an empty market name: name the market (e.g. 'korea') or leave 'market' out")
        return value

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

    @field_validator("aliases", "crisis_terms", mode="before")
    @classmethod
    def _name_shapes(cls, value: Any, info: ValidationInfo) -> Any:
        # One clear line instead of pydantic's per-union-member errors.
        shapes = "a name, or {text: NAME, inflect: ru}"
        if info.field_name == "crisis_terms":
            shapes = "a term, {text: TERM, inflect: ru}, or {name: NAME, any: [TERM, ...]}"
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, str | dict | BaseModel):
                    raise ValueError(f"item {i} is {type(item).__name__}: write {shapes}")
        return value

    @model_validator(mode="after")
    def _names_valid(self) -> BrandConfig:
        self._fragments = brand_names(self)  # aliases and crisis terms: every problem at once, one line each
        # The query and each alias passed on their own; collection parses them joined (`search_query`).
        if (problem := self.terms().search_problem()) is not None:
            raise ValueError(f"aliases: {problem}")
        return self

    def terms(self) -> BrandTerms:
        """The brand's query and aliases, parsed: `.matched(text, lang, source)` says which matched."""
        return brand_terms(self.query, self._fragments)

    @property
    def search_query(self) -> str:
        """The query collection uses: `(query) OR alias ...` (just `query` without aliases)."""
        return self.terms().search_query


# `localhost:8050`, `dash.example.org/gs`: a host (and port, path) written without its scheme.
_BARE_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]+)?(/\S*)?")

# Configs are a few levels deep; hundreds of levels are a broken or hostile file.
MAX_DEPTH = 32

class ReportConfig(_Strict):
    path: str = ".groundswell/report.html"


_ChannelField = Annotated[ChannelConfig, Field(discriminator="type")]
_CHANNEL: TypeAdapter[ChannelConfig] = TypeAdapter(_ChannelField)


class Config(_Strict):
    brands: list[BrandConfig] = Field(min_length=1)
    sources: list[SourceConfig] = Field(default_factory=list)
    store: SqliteStoreConfig | ElasticsearchStoreConfig = Field(default_factory=SqliteStoreConfig, discriminator="type")
    nlp: NlpConfig = Field(default_factory=NlpConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    channels: list[_ChannelField] = Field(default_factory=list)
    report: ReportConfig = Field(default_factory=ReportConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    sentiment_rules: list[SentimentRuleConfig] = Field(default_factory=list)
    dashboard_url: str | None = Field(default=None, description="Base URL linked from alerts")

    @field_validator("dashboard_url")
    @classmethod
    def _dashboard_url_is_a_link(cls, value: str | None) -> str | None:
        # Alerts and reports link only an http(s) URL with a host (core.escaping.safe_url): anything else
        # would drop every link without a word.
        if value is None or safe_url(value):
            return value
        bare = value.strip()
        fix = f"http://{bare}" if _BARE_HOST.fullmatch(bare) else "http://HOST:PORT"
        raise ValueError(f"'{bare[:80]}' is not an http(s) URL, so alerts would carry no link: write {fix}")

    @field_validator("store", mode="before")
    @classmethod
    def _store_type_defaults_to_sqlite(cls, value: Any) -> Any:
        # `store: {path: x.db}` means the default type, as the docs say, not "cannot tell which store".
        if isinstance(value, dict) and "type" not in value:
            return {**value, "type": "sqlite"}
        return value

    @model_validator(mode="after")
    def _sections_agree(self) -> Config:
        # One line per problem, each with its path (`_problems` splits them); parse_config runs the same
        # checks on the sections that parsed when a field is wrong, when pydantic skips this validator.
        problems = _cross_field_problems(_Sections.of_config(self))
        if problems:
            raise ValueError("\n".join(problems))
        for source in self.sources:
            source.in_config([b.name for b in self.brands])
        return self

    def brand(self, name: str) -> BrandConfig:
        for brand in self.brands:
            if brand.name == name:
                return brand
        raise KeyError(name)

    def brands_for(self, source: SourceConfig) -> list[BrandConfig]:
        """The brands a source's posts are attributed among: those it collects for (`sources[].brands`, every brand
        when it lists none), so a client's licensed export never lands in another client's counts."""
        names = set(source.collects_for([b.name for b in self.brands]))
        return [b for b in self.brands if b.name in names]

    def model_text(self) -> ModelText:
        """What the models read of a mention: its brands' names as `@user` (`nlp.mask_brand_names`), capped."""
        return ModelText(self.nlp, {b.name: b.terms() for b in self.brands})


_T = TypeVar("_T")


@dataclass(frozen=True)
class _Sections:
    """What the cross-field checks read, as far as it parsed: they run whatever else is wrong."""

    brand_names: dict[int, str]  # by position, the brands whose name parsed
    all_brands: bool  # every brand's name parsed: only then can a name be called unknown
    sources: dict[int, SourceConfig]  # by position, those that parsed
    channels: dict[int, ChannelConfig]
    all_channels: bool
    rules: list[SentimentRuleConfig]
    digest: DigestConfig | None
    alerts: AlertsConfig | None

    @classmethod
    def of_config(cls, config: Config) -> _Sections:
        return cls(
            dict(enumerate(b.name for b in config.brands)), True, dict(enumerate(config.sources)),
            dict(enumerate(config.channels)), True, config.sentiment_rules, config.digest, config.alerts,
        )

    @classmethod
    def of_data(cls, data: dict[str, Any]) -> _Sections:
        """The sections of a config that failed validation, each item validated on its own."""
        brands = data.get("brands")
        names = {
            i: b["name"]
            for i, b in enumerate(brands if isinstance(brands, list) else [])
            if isinstance(b, dict) and isinstance(b.get("name"), str) and b["name"]
        }
        sources, _ = _each(data.get("sources", []), SourceConfig.model_validate)
        channels, all_channels = _each(data.get("channels", []), _CHANNEL.validate_python)
        rules, _ = _each(data.get("sentiment_rules", []), SentimentRuleConfig.model_validate)
        return cls(
            names, isinstance(brands, list) and len(names) == len(brands), sources, channels, all_channels,
            list(rules.values()), _one(data.get("digest", {}), DigestConfig.model_validate),
            _one(data.get("alerts", {}), AlertsConfig.model_validate),
        )


def _each(raw: Any, parse_item: Callable[[Any], _T]) -> tuple[dict[int, _T], bool]:
    """The items of a list section that parse, by position, and whether all of them did."""
    if not isinstance(raw, list):
        return {}, False
    out = {}
    for i, item in enumerate(raw):
        parsed = _one(item, parse_item)
        if parsed is not None:
            out[i] = parsed
    return out, len(out) == len(raw)


def _one(raw: Any, parse_item: Callable[[Any], _T]) -> _T | None:
    try:
        return parse_item(raw)
    except ValidationError:
        return None  # its own problems are reported by the whole-config validation


def _repeats(section: str, keys: dict[int, str]) -> list[tuple[str, str]]:
    """(`section.i (key)`, key) for each item whose key an earlier item already has."""
    seen: set[str] = set()
    out = []
    for i, key in keys.items():
        if key in seen:
            out.append((item_place(section, i, key), key))
        seen.add(key)
    return out


def _near_repeats(names: dict[int, str]) -> list[str]:
    """Brand names equal to an earlier one but for case or spacing ("Target", "target ", "Target  plc"): routes
    and the dashboard's filters compare names without case, so both brands would share one route, and an analyst
    cannot tell them apart. (An exact repeat is reported by `_repeats`.)"""
    first: dict[str, str] = {}
    out = []
    for i, name in names.items():
        earlier = first.setdefault(name_key(name), name)
        if earlier != name:
            out.append(f"{item_place('brands', i, name)}.name: {name!r} differs from brand {earlier!r} only in case "
                       "or spacing; brand names must differ by more: rename or remove one")
    return out


def _cross_field_problems(s: _Sections) -> list[str]:
    """What is wrong between sections (a repeated name, a name that refers to nothing), one line each."""
    out = [f"{where}.name: brand names must be unique; repeated: {name}"
           for where, name in _repeats("brands", s.brand_names)]
    out += _near_repeats(s.brand_names)
    out += [f"{where}: give each source of the same type a distinct 'name'; repeated: {key}"
            for where, key in _repeats("sources", {i: src.key for i, src in s.sources.items()})]
    # A channel's key names its delivery ledger and `report_sent:` entries: two channels under one key
    # would share them (one gets the report, the other never), and alert delivery refuses to start.
    out += [f"{where}: give each channel of the same type a distinct 'name' (add 'name:'); repeated: {key}"
            for where, key in _repeats("channels", {i: c.key for i, c in s.channels.items()})]
    names = list(dict.fromkeys(s.brand_names.values()))  # a repeated one is reported above
    if s.all_brands:
        known = ", ".join(names)
        out += [f"{item_place('sources', i, src.key)}.brands: unknown brand '{brand}'; known: {known}"
                for i, src in s.sources.items() for brand in src.brands or [] if brand not in names]
        out += route_problems({item_place("channels", i, c.key): c.route for i, c in s.channels.items()}, names)
    # Without every brand's name only the repeated rule names can be told: the rules' brands count as known.
    out += sentiment_rule_problems(s.rules, names if s.all_brands else [b for r in s.rules for b in r.brands])
    if s.digest is not None and s.all_channels:
        keys = list(dict.fromkeys(c.key for c in s.channels.values()))
        unknown = [n for n in s.digest.send_to or [] if n not in keys]
        if unknown:
            out.append(f"digest.send_to names unknown channel(s) {', '.join(unknown)}; "
                       f"channels: {', '.join(keys) or 'none configured'}")
    if s.alerts is not None:
        out += rule_problems(s.alerts)  # rules of alert kinds beyond spike, keyword, influencer
    return out


def _partial_cross_field_problems(data: dict[str, Any]) -> list[str]:
    """The cross-field checks of a config with field errors, on the sections that parsed."""
    try:
        return _cross_field_problems(_Sections.of_data(data))
    except RecursionError:  # a self-referencing YAML anchor: already reported as such
        return []


def _problems(
    exc: ValidationError, data: Any, lines: Mapping[YamlPath, int] | None, base: YamlPath = ()
) -> list[str]:
    """One line per error, named as in the file (`groundswell.config_errors`)."""
    return _located_problems(exc, data, lines, base)


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


def _source_problems(data: dict, already: list[str], lines: Mapping[YamlPath, int] | None) -> list[str]:
    """Each source's options against its extractor, for every source, whatever else is wrong."""
    sources = data.get("sources")
    out: list[str] = []
    for i, raw in enumerate(sources if isinstance(sources, list) else []):
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            continue  # the top-level validation reports it
        try:
            cls = get_extractor_class(raw["type"])
        except ValueError as exc:
            out.append(f"{place(data, ('sources', i, 'type'))[0]}: {exc}")
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
            out += [p for p in _problems(exc, data, lines, ("sources", i, "options")) if p not in already]
    return out


def parse_config(data: Any, origin: str = "config", lines: Mapping[YamlPath, int] | None = None) -> Config:
    """Validate a config mapping; raise ConfigError listing every problem at once (with its line in `lines`,
    `config_yaml.read_yaml_lines`)."""
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
        problems += _problems(exc, data, lines)
        if all(err["loc"] for err in exc.errors()):
            # A field is wrong, so pydantic skipped the model's own validator (its errors have no `loc`): the
            # cross-field checks still run, on the sections that parsed.
            problems += _partial_cross_field_problems(data)
    except RecursionError:  # a self-referencing YAML anchor where a model expects a tree
        problems.append("(top level): a value refers to itself (YAML anchor inside its own alias): remove the loop")
    problems += _source_problems(data, problems, lines)
    if problems or config is None:
        raise _report(origin, problems)
    return config


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a YAML config file. Relative paths inside stay relative to the file."""
    path = Path(path)
    data, lines = read_yaml_lines(path)
    config = parse_config(data, origin=str(path), lines=lines)
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
    """What a run would trip over that validation cannot see: unset `*_env` variables, missing import files,
    queries a search source cannot compile, own accounts no source reads. Each one makes a run fail or miss
    data (`config check` exits non-zero); what is only worth knowing is in `config_notes`.

    Only variable names are printed, never values.
    """
    env = os.environ if env is None else env
    out: list[str] = []
    for i, source in enumerate(config.sources):
        where = item_place("sources", i, source.key)
        options = get_extractor_class(source.type).Options.model_validate(source.options)
        for name, var in _unset_env(options.model_dump(), env):
            out.append(f"{where}: ${var} is not set (options.{name}); this source will fail until it is")
        path = source.options.get("path") if source.type == "import" else None
        if isinstance(path, str) and not Path(path).exists():
            out.append(f"{where}: import file not found: {path}")
    out += _query_warnings(config)
    out += _shared_id_warnings(config)
    store = config.store
    if isinstance(store, ElasticsearchStoreConfig):
        if not store.url and not env.get(store.url_env):
            out.append(f"store: url is not set and ${store.url_env} is not set; nothing can be stored")
        out += [f"store: ${var} is not set ({name})" for name, var in _unset_env(store.model_dump(), env)
                if name != "url_env"]
    for i, channel in enumerate(config.channels):
        for name, var in _unset_env(channel.model_dump(), env):
            out.append(f"{item_place('channels', i, channel.key)}: ${var} is not set ({name}); alerts to it will fail")
    out += _output_warnings(config)
    out += _own_account_problems(config)[0]
    out += market_warnings(config.brands)  # a market of competitors only: share of voice without an own brand
    out += overlap_warnings(config.brands)  # an alias two brands share, one query on two brands: posts counted twice
    out += query_shape_warnings(config.brands)  # a query no post can match, or one that matches nearly every post
    # The model found, its backend, the files and packages it loads, its cache; nothing loaded (nlp/install_check.py)
    if problem := install_problem(config.nlp, env):
        out.append(problem)
    return out


def config_notes(config: Config) -> list[str]:
    """What `config check` mentions without failing: worth knowing, yet a run goes fine (a typo may hide here)."""
    notes = _own_account_problems(config)[1]
    # A brand alerted on its own rules: said, so a forgotten override is seen (`config show` prints them all).
    notes += [f"{item_place('brands', i, b.name)}.alerts: {line}" for i, b in enumerate(config.brands)
              if b.alerts is not None and (line := own_rules_note(config.alerts, b.alerts))]
    store = config.store
    # (A path no run can create is a warning instead, `_output_warnings`.)
    if isinstance(store, SqliteStoreConfig) and not Path(store.path).exists() and not output_problem(store.path):
        # Read-only commands on a mistyped path silently open a new, empty store.
        notes.append(f"store.path: store file {store.path} does not exist yet: a run will create it")
    return notes + _query_warnings(config, notes=True)


def _output_warnings(config: Config) -> list[str]:
    """The files a run writes whose folder is missing and cannot be made, or cannot be written in (a run would
    fail there, late: the report at the end of `run`); checked without creating anything."""
    outputs = [("report.path", config.report.path)]
    if isinstance(config.store, SqliteStoreConfig):
        outputs.append(("store.path", config.store.path))
    outputs += [(f"{item_place('channels', i, c.key)}.path", c.path)
                for i, c in enumerate(config.channels) if isinstance(c, JsonlChannel)]
    return [f"{field}: {problem}" for field, path in outputs if (problem := output_problem(path))]


def _query_warnings(config: Config, notes: bool = False) -> list[str]:
    """Each brand's query compiled for each source that collects for it, as the run will (`compile_query`): the
    ones that cannot be; with `notes`, instead, the ones sent as several searches, too long for one
    (`extractors.query_native.NativeSearches.note`)."""
    out = []
    for i, source in enumerate(config.sources):
        # Built, not run: an extractor touches no network and reads no secret until it extracts.
        extractor = get_extractor_class(source.type)(source.options, env={})
        brands = source.collects_for([b.name for b in config.brands])  # as groundswell.targets.plan_targets
        for brand in brands:
            try:
                compiled = extractor.compile_query(config.brand(brand).search_query)
            except (QueryCompileError, QuerySyntaxError) as exc:  # a syntax error: BrandConfig should have said
                if not notes:
                    out.append(f"{item_place('sources', i, source.key)}: brand '{brand}' cannot be collected here: "
                               f"{exc}")
                continue
            if notes and isinstance(compiled, NativeSearches) and (line := compiled.note()):  # X and Reddit
                out.append(f"{item_place('sources', i, source.key)}: brand '{brand}': {line}")
    return out


def _shared_id_warnings(config: Config) -> list[str]:
    """Sources of one type reading two sites, where the type's ids are numbered per site (`Extractor.ids_per_site`):
    two different posts could get one id (`<type>:<native_id>`), and the later read would replace the earlier."""
    sites: dict[str, dict[str, list[str]]] = {}
    for i, source in enumerate(config.sources):
        cls = get_extractor_class(source.type)
        site = cls.site_of(cls.Options.model_validate(source.options)) if cls.ids_per_site else None
        if site is not None:
            sites.setdefault(source.type, {}).setdefault(site, []).append(item_place("sources", i, source.key))
    return [
        f"sources of type '{kind}' read {len(by_site)} sites ("
        + "; ".join(f"{', '.join(places)}: {site}" for site, places in by_site.items())
        + f"), and '{kind}' ids are numbered per site: two posts of two sites can share an id and be stored as "
        "one, the later read replacing the earlier; read one site per type, or see docs/architecture.md, "
        "*How to add a source* (native ids)"
        for kind, by_site in sites.items()
        if len(by_site) > 1
    ]


def _own_account_problems(config: Config) -> tuple[list[str], list[str]]:
    """(warnings, notes) on own accounts: on a source no configured source reads, or one that cannot list an
    account's posts. An import source may carry any platform's posts: then it is only a note."""
    warnings: list[str] = []
    notes: list[str] = []
    types = {s.type for s in config.sources}
    imports = ", ".join(s.key for s in config.sources if s.type == "import")
    for i, brand in enumerate(config.brands):
        for source in brand.own_accounts:
            where = f"{item_place('brands', i, brand.name)}.own_accounts.{source}"
            if source in types:
                if not get_extractor_class(source).collects_own_posts:
                    warnings.append(f"{where}: this source cannot list an account's posts; "
                                    "only replies it collects count")
            elif imports:
                notes.append(f"{where}: no '{source}' source is configured; these accounts' replies count as far as "
                             f"the import source(s) {imports} carry them")
            else:
                warnings.append(
                    f"{where}: no '{source}' source is configured, so these accounts' replies are not collected"
                )
    return warnings, notes
