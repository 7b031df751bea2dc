"""Imports point down, never sideways between layer-1 packages (except the list below), and never in a circle.

Layers (issue 21):
  0  core/                                   imports nothing of ours
  1  extractors/, nlp/, indexing/, alerts/   import core (and the allowed sideways edges below)
  2  groundswell/                            the application: composes layer 1
  3  dashboards/, dags/                      on top
  4  tools/                                  offline tooling (training, evaluation, lexicons, evaluation
                                             streams): may import anything, nothing imports it (not in the
                                             wheel) except the lazy CLI commands in ALLOWED_LAZY_UPWARD

Every `import`/`from … import` is read with `ast`, at module level and inside functions alike
(a function-local import is still a dependency; it only hides it from import time). Imports
under `if TYPE_CHECKING:` count for the layer rule but not for circles: they never run. A string
constant "package.module:attribute" naming one of our modules (the CLI's LAZY_COMMANDS, the extractor
registry) is a dependency too: `importlib` loads it by name when it is used, so it counts like a
function-local import (and must name a module that exists).

A function-local import of our own modules is deliberate or it goes: each one carries a
`# lazy: <reason>` comment on its line (a heavy or optional third-party library behind it, the CLI's
lazy sub-commands and offline tooling, Airflow DAG files that must parse fast). Anything else is
imported at module level, where the dependency shows.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "core": 0,
    "extractors": 1,
    "nlp": 1,
    "indexing": 1,
    "alerts": 1,
    "groundswell": 2,
    "dashboards": 3,
    "dags": 3,
    "tools": 4,
}
# Sideways imports between layer-1 packages that are allowed, with the reason: a whole package, or (a set) only
# those of its modules.
ALLOWED_SIDEWAYS: dict[tuple[str, str], frozenset[str] | None] = {
    # Alert detection, explanation and history read the store through its protocol
    # (Store, Filters, Bucket): alerts are computed from stored mentions.
    ("alerts", "indexing"): None,
    # Alerts explain themselves with the theme and phrase rules of nlp, not second copies: key phrases are cut
    # into words by the per-language rules of themes (nlp.tokenize: kiwipiepy for Korean, jieba for Chinese,
    # stopword lists) and ranked as themes' phrases are (nlp.phrases); the theme tree and rising themes of an
    # explanation read the stored theme state (nlp.theme_state) and the one rising rule (nlp.trends).
    ("alerts", "nlp"): frozenset({"nlp.tokenize", "nlp.phrases", "nlp.theme_state", "nlp.trends"}),
}
# Upward imports that are allowed only inside a function or by name (loaded when that command runs), with the reason.
ALLOWED_LAZY_UPWARD = {
    # `groundswell alerts evaluate` exposes the offline evaluation from a source checkout; an installed
    # wheel (no tools/) answers with one line saying so.
    ("groundswell.alerts_cli", "tools.alerts.evaluate"),
    # The `groundswell` command is the one entry point, so its root group names every command, the dashboard's
    # too: `groundswell serve` and `groundswell kibana` are LAZY_COMMANDS strings, loaded only when that command
    # (or the list of commands in --help) is asked for. Nothing else in groundswell/ reaches dashboards/, and the
    # dashboard's own imports point down (docs/architecture.md, "Layers").
    ("groundswell.cli", "dashboards.web.cli"),
    ("groundswell.cli", "dashboards.kibana.cli"),
}
# A string constant that names one of our modules and an attribute of it, as importlib-loaded registries write them.
_BY_NAME = re.compile(r"(?P<module>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+):(?P<attr>[A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    local: bool  # inside a function, or loaded by name
    typing_only: bool  # under `if TYPE_CHECKING:`
    lazy_reason: str = ""  # the text after `# lazy:` on the import's line(s)
    by_name: bool = False  # a "module:attribute" string, loaded with importlib when used


def _modules(root: Path = ROOT) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours that `name` (a module, or a module.attribute) refers to."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _flags(tree: ast.AST) -> dict[int, tuple[bool, bool]]:
    """id(import node) -> (inside a function, under `if TYPE_CHECKING:`)."""
    out: dict[int, tuple[bool, bool]] = {}

    def walk(node: ast.AST, local: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                out[id(child)] = (local, typing_only)
            child_local = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            child_typing = typing_only or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            walk(child, child_local, child_typing)

    walk(tree, False, False)
    return out


def _lazy_reason(lines: list[str], node: ast.stmt) -> str:
    """The reason a `# lazy: <reason>` comment on the import statement's lines gives ('' when none)."""
    for line in lines[node.lineno - 1 : node.end_lineno]:
        _, marker, reason = line.partition("# lazy:")
        if marker:
            return reason.strip()
    return ""


def _edges(modules: dict[str, Path]) -> list[Edge]:
    edges: list[Edge] = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(path))
        lines = source.splitlines()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        flags = _flags(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative import
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                targets = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            local, typing_only = flags[id(node)]
            reason = _lazy_reason(lines, node) if local else ""
            for target in {t for t in (_resolve(x, modules) for x in targets) if t and t != name}:
                edges.append(Edge(name, target, node.lineno, local, typing_only, reason))
        edges += _by_name_edges(name, tree)
    return edges


def _by_name_edges(name: str, tree: ast.AST) -> list[Edge]:
    """The "package.module:attribute" strings in `tree` that name a module of one of our packages, as edges."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _BY_NAME.fullmatch(node.value)
            if match and _top(match["module"]) in LAYERS:
                out.append(Edge(name, match["module"], node.lineno, True, False, by_name=True))
    return out


def _unknown_by_name(edges: list[Edge], modules: dict[str, Path]) -> list[str]:
    """Each by-name edge whose module does not exist: the command or source it registers would fail when used."""
    return [f"{e.source}:{e.line} names {e.target}, which is no module" for e in edges
            if e.by_name and e.target not in modules]


def _top(module: str) -> str:
    return module.partition(".")[0]


def _layer_problems(edges: list[Edge]) -> list[str]:
    out = []
    for e in edges:
        src, dst = _top(e.source), _top(e.target)
        if src == dst:
            continue
        how = "names" if e.by_name else "imports"
        if LAYERS[dst] > LAYERS[src] and not (e.local and (e.source, e.target) in ALLOWED_LAZY_UPWARD):
            out.append(f"{e.source}:{e.line} {how} {e.target}: layer {LAYERS[src]} -> higher layer {LAYERS[dst]}")
        elif LAYERS[dst] == LAYERS[src] and not _sideways_allowed(src, dst, e.target):
            out.append(f"{e.source}:{e.line} {how} {e.target}: sideways within layer {LAYERS[src]} (not allowed)")
    return out


def _sideways_allowed(src: str, dst: str, target: str) -> bool:
    if (src, dst) not in ALLOWED_SIDEWAYS:
        return False
    modules = ALLOWED_SIDEWAYS[(src, dst)]
    return modules is None or target in modules


def _cycles(edges: list[Edge]) -> list[list[str]]:
    """Each circle among runtime imports, found by a depth-first search (one report per back edge)."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        # A package's __init__ importing its own submodules is no circle with them.
        if not e.typing_only and not e.source.startswith(e.target + "."):
            graph.setdefault(e.source, set()).add(e.target)
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


# Function-local imports of our modules before issue 21 phase 2 moved the undeliberate ones up.
LOCAL_IMPORTS_BEFORE = 131


def _unexplained_lazy(edges: list[Edge]) -> list[str]:
    return [
        f"{e.source}:{e.line} imports {e.target} inside a function: import it at module level, or say why not "
        "with `# lazy: <reason>` on the line"
        for e in edges
        if e.local and not e.typing_only and not e.by_name and not e.lazy_reason
    ]


def test_function_local_imports_of_our_modules_say_why():
    edges = _edges(_modules())
    local = [e for e in edges if e.local and not e.typing_only and not e.by_name]
    reasons = sorted({e.lazy_reason for e in local if e.lazy_reason})
    print(
        f"function-local imports of our modules: {len(local)} (issue 21 began with {LOCAL_IMPORTS_BEFORE}); "
        f"{sum(1 for e in local if e.lazy_reason)} deliberate, with these reasons:\n  " + "\n  ".join(reasons)
    )
    problems = _unexplained_lazy(edges)
    assert not problems, "\n".join(problems)


def test_imports_point_down_and_never_circle():
    modules = _modules()
    edges = _edges(modules)
    local = [e for e in edges if e.local and not e.by_name]
    by_name = [e for e in edges if e.by_name]
    print(f"{len(modules)} modules, {len(edges)} import edges, {len(local)} function-local imports of our modules, "
          f"{len(by_name)} modules named in 'module:attribute' strings")
    problems = _layer_problems(edges) + [" -> ".join(c) + ": circle" for c in _cycles(edges)]
    problems += _unknown_by_name(edges, modules)
    assert not problems, "\n".join(problems)


def test_modules_named_in_strings_are_edges_too():
    # The CLI's lazy commands and the extractor registry load "module:attribute" strings with importlib; an
    # import statement reader alone saw none of them, so `groundswell.cli` -> dashboards passed unseen.
    edges = _edges(_modules())
    named = {(e.source, e.target) for e in edges if e.by_name}
    assert ("groundswell.cli", "dashboards.web.cli") in named and ("groundswell.cli", "extractors.cli") in named
    assert ("extractors.registry", "extractors.rss") in named
    # The allowance is for the CLI root's two dashboard commands only: any other module naming one is reported.
    stray = Edge("groundswell.pipeline", "dashboards.web.cli", 3, True, False, by_name=True)
    assert _layer_problems([stray]) == [
        "groundswell.pipeline:3 names dashboards.web.cli: layer 2 -> higher layer 3"
    ]
    tree = ast.parse('X = {"a": "extractors.nope:Thing", "b": "not a module: x", "c": "json.decoder:JSONDecoder"}')
    found = _by_name_edges("extractors.registry", tree)
    assert [e.target for e in found] == ["extractors.nope"]  # our packages only; prose is no module name
    assert _unknown_by_name(found, _modules()) == ["extractors.registry:1 names extractors.nope, which is no module"]


def test_the_checker_sees_upward_sideways_and_circular_imports():
    # The rule itself: an upward, a sideways and a circular edge are each reported.
    edges = [
        Edge("core.mention", "groundswell.config", 1, False, False),
        Edge("nlp.enrich", "extractors.base", 1, True, False),
        Edge("extractors.base", "extractors.http", 1, True, False),
        Edge("extractors.http", "extractors.base", 1, False, False),
        Edge("alerts.detect", "indexing.base", 1, False, False),
        Edge("alerts.phrases", "nlp.phrases", 1, False, False),
        Edge("alerts.theme_tree", "nlp.enrich", 1, False, False),
    ]
    problems = _layer_problems(edges)
    assert len(problems) == 3 and "higher layer" in problems[0] and "sideways" in problems[1]
    # alerts -> nlp is allowed for the listed modules only.
    assert problems[2].startswith("alerts.theme_tree:1 imports nlp.enrich: sideways")
    assert _cycles(edges) == [["extractors.base", "extractors.http", "extractors.base"]]
    # ...but a circle through a TYPE_CHECKING-only import never runs.
    assert _cycles([edges[2], Edge("extractors.http", "extractors.base", 1, False, True)]) == []
    # The CLI may reach the offline tooling lazily (inside a function), never at import time.
    lazy = Edge("groundswell.alerts_cli", "tools.alerts.evaluate", 1, True, False)
    eager = Edge("groundswell.alerts_cli", "tools.alerts.evaluate", 1, False, False)
    other = Edge("groundswell.pipeline", "tools.sentiment.train", 1, True, False)
    assert _layer_problems([lazy]) == []
    assert ["higher layer" in p for p in _layer_problems([eager, other])] == [True, True]
    # A function-local import needs its `# lazy:` reason; module-level and TYPE_CHECKING imports do not.
    bare = Edge("groundswell.pipeline", "nlp.enrich", 7, True, False)
    explained = Edge("indexing.factory", "indexing.elasticsearch", 9, True, False, "optional, heavy client")
    assert [p.split(" ")[0] for p in _unexplained_lazy([bare, explained, eager, edges[0]])] == [
        "groundswell.pipeline:7"
    ]


def test_a_lazy_reason_is_read_from_the_import_line_itself():
    source = "def f():\n    from core.query import (  # lazy: heavy\n        parse,\n    )\n    import core.time\n"
    first, second = ast.parse(source).body[0].body
    assert _lazy_reason(source.splitlines(), first) == "heavy"
    assert _lazy_reason(source.splitlines(), second) == ""
