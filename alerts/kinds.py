"""The registry of alert kinds: every detector, in one list.

Adding a kind is one detector module (`alerts.detector.Detector`), one line in `BUILTIN` and its
test (docs/alerts.md#adding-an-alert-kind). Everything else looks kinds up here by name.
"""

from __future__ import annotations

from pydantic import ValidationError

from alerts.config import AlertsConfig
from alerts.detector import Detector, Kind
from alerts.influencer import InfluencerDetector
from alerts.keyword import KeywordDetector
from alerts.opportunity import OpportunityDetector
from alerts.routing import RouteRule
from alerts.silence import SilenceDetector
from alerts.spike_detector import SpikeDetector
from alerts.unanswered import UnansweredDetector
from alerts.viral import ViralDetector

BUILTIN: tuple[Detector, ...] = (
    SpikeDetector(),
    KeywordDetector(),
    InfluencerDetector(),
    UnansweredDetector(),
    OpportunityDetector(),
    SilenceDetector(),
    ViralDetector(),
)

_DETECTORS: dict[str, Detector] = {}


def register(detector: Detector) -> Detector:
    """Add a detector (its kinds must be new); returns it, so `register(MyDetector())` reads well."""
    taken = {k for d in _DETECTORS.values() for k in d.kinds}
    if detector.name in _DETECTORS or taken & set(detector.kinds):
        raise ValueError(f"alert kind {detector.name!r} ({', '.join(detector.kinds)}) is already registered")
    _DETECTORS[detector.name] = detector
    return detector


def unregister(name: str) -> None:
    """Remove the detector registered as `name` (tests that register their own)."""
    _DETECTORS.pop(name, None)


def detectors() -> list[Detector]:
    """Every registered detector, in registration order."""
    return list(_DETECTORS.values())


def detector_for(kind: str) -> Detector:
    """The detector that emits alerts of `kind`; a neutral one for a kind no longer registered."""
    for detector in _DETECTORS.values():
        if kind in detector.kinds:
            return detector
    return _UNKNOWN


def kind_info(kind: str) -> Kind:
    """How `kind` is treated; an unregistered kind (an old stored alert) is minor and not a crisis."""
    return detector_for(kind).kinds.get(kind) or Kind(kind)


def alert_kinds() -> list[str]:
    """Every alert kind the registered detectors emit (counts, summaries); the closing ones (all-clears) last."""
    kinds = [(k, info.closes) for d in _DETECTORS.values() for k, info in d.kinds.items()]
    return [k for k, closes in kinds if not closes] + [k for k, closes in kinds if closes]


def rule_problems(config: AlertsConfig) -> list[str]:
    """What is wrong with the detectors' rules in `alerts:`, one line each ('alerts.<key>: ...')."""
    names = {d.name for d in _DETECTORS.values()}
    out = [
        f"alerts.{key}: unknown key: no alert kind of that name (known: {', '.join(sorted(names))}); "
        "remove it or check its spelling against docs/configuration.md"
        for key in config.model_extra or {}
        if key not in names
    ]
    for detector in _DETECTORS.values():
        try:
            detector.rule(config)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                out.append(f"alerts.{detector.name}{'.' + where if where else ''}: {err['msg']}")
    return out


def route_problems(routes_by_channel: dict[str, RouteRule | None], brands: list[str]) -> list[str]:
    """What a route names that does not exist: kinds no detector emits, brands (`brands`, `exclude_brands`) not
    configured.

    One line per problem, naming the channel (`routes_by_channel` keys say where it is)."""
    kinds = alert_kinds()
    out = []
    for where, rule in routes_by_channel.items():
        if rule is None:
            continue
        for kind in rule.kinds or []:
            if kind.casefold() not in kinds:
                out.append(f"{where}.route.kinds: unknown alert kind '{kind}' (known: {', '.join(sorted(kinds))})")
        for key in ("brands", "exclude_brands"):
            for brand in getattr(rule, key) or []:
                if brand.casefold() not in {b.casefold() for b in brands}:
                    out.append(f"{where}.route.{key}: unknown brand '{brand}' (configured: {', '.join(brands)})")
    return out


class _Unknown(Detector):
    name = ""
    kinds = {}


_UNKNOWN = _Unknown()

for _builtin in BUILTIN:
    register(_builtin)
