"""docker-compose.yml: valid per the Compose specification, and wired the way the stack needs.

No Docker engine here, so the file is checked with a strict Compose-spec parser
(`compose-spec`, bindings of the Rust `compose_spec` crate) after the same YAML merge
and `${VAR:-default}` / `${VAR:?error}` interpolation `docker compose config` does.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path, PurePosixPath

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
COMPOSE = REPO / "docker-compose.yml"
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
# What .env.example tells people to set: the stack's required settings.
REQUIRED_ENV = {"GROUNDSWELL_DASHBOARD_TOKEN": "a-test-token-of-24-chars"}
LONG_RUNNING = {
    "elasticsearch",
    "kibana",
    "groundswell",
    "postgres",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}


class MissingVariable(ValueError):
    """`${VAR:?message}` with VAR unset or empty: compose stops with the message."""


def _substitute(match: re.Match, env: dict[str, str]) -> str:
    if match.group(0) == "$$":
        return "$"
    name, operator, word = match.groups()
    value = env.get(name)
    unset = value is None or (value == "" and operator in (":-", ":?"))
    if operator and operator.endswith("?") and unset:
        raise MissingVariable(f"required variable {name} is missing a value: {word}")
    if operator and operator.endswith("-") and unset:
        return word
    return value or ""


def interpolate(value, env: dict[str, str]):
    """Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}, and $$ for a literal $."""
    if isinstance(value, str):
        return _VAR.sub(lambda m: _substitute(m, env), value)
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def compose() -> dict:
    return interpolate(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")), REQUIRED_ENV)


def test_valid_per_compose_spec(compose):
    from compose_spec import PyCompose

    parsed = PyCompose.from_json(json.dumps(compose))
    parsed.validate()
    assert set(parsed.service_names()) == set(compose["services"])


def test_spec_parser_rejects_a_broken_file(compose):
    """The check above can fail: a misspelt key is refused."""
    from compose_spec import PyCompose

    broken = json.loads(json.dumps(compose))
    broken["services"]["kibana"]["healthchek"] = broken["services"]["kibana"].pop("healthcheck")
    with pytest.raises(ValueError, match="healthchek"):
        PyCompose.from_json(json.dumps(broken))


def test_every_service_of_the_stack_is_there_with_a_health_check(compose):
    services = compose["services"]
    assert LONG_RUNNING | {"airflow-init", "kibana-setup"} == set(services)
    for name in LONG_RUNNING:
        assert "healthcheck" in services[name], name
        assert services[name].get("restart") in ("always", "unless-stopped"), name


def test_dependencies_exist_and_wait_for_health(compose):
    services = compose["services"]
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits for {dep} to be healthy; it has no healthcheck"
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        deps = services[name]["depends_on"]
        assert deps["airflow-init"]["condition"] == "service_completed_successfully"
        assert deps["postgres"]["condition"] == "service_healthy"


def test_volumes_are_declared(compose):
    declared = set(compose["volumes"])
    for name, svc in compose["services"].items():
        for mount in svc.get("volumes", []):
            source = mount.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


def test_versions_match_what_the_tests_run(compose):
    from es_node import ES_VERSION

    services = compose["services"]
    assert services["elasticsearch"]["image"].endswith(":" + ES_VERSION)
    assert services["kibana"]["image"].endswith(":" + ES_VERSION)
    pinned = re.search(r"^apache-airflow==(\S+)", (REPO / "requirements-airflow.txt").read_text(), re.M).group(1)
    assert f"apache/airflow:{pinned}-" in services["airflow-scheduler"]["build"]["dockerfile_inline"]
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["GROUNDSWELL_ES_URL"] == "http://elasticsearch:9200"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"


# -- what a first `docker compose up` needs ------------------------------------------------------
def _raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_dashboard_token_comes_from_the_env_file_and_satisfies_serve(compose):
    """The dashboard listens on 0.0.0.0, where `serve` refuses to run without a token (it restart-looped)."""
    from dashboards.web.auth import TOKEN_ENV, TokenRequired, check_bind

    service = compose["services"]["groundswell"]
    assert "--host" in service["command"]
    host = service["command"][service["command"].index("--host") + 1]
    with pytest.raises(TokenRequired):
        check_bind(host, None)  # so the token below is what makes it start
    assert service["environment"][TOKEN_ENV] == REQUIRED_ENV[TOKEN_ENV]
    check_bind(host, service["environment"][TOKEN_ENV])
    assert any(e["path"] == ".env" for e in service["env_file"])


def test_without_a_token_compose_stops_with_a_message_naming_the_fix():
    with pytest.raises(MissingVariable, match=r"GROUNDSWELL_DASHBOARD_TOKEN.*\.env\.example"):
        interpolate(_raw(), {})
    with pytest.raises(MissingVariable):
        interpolate(_raw(), {"GROUNDSWELL_DASHBOARD_TOKEN": ""})


def test_bind_mounts_exist_in_the_repo_and_the_mounted_config_is_valid(compose):
    from groundswell.config import load_config

    configs = set()
    for name, svc in compose["services"].items():
        for mount in svc.get("volumes", []):
            source, target = mount.split(":")[:2]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts {source}, which is not in the repository"
                if target.endswith(".yaml"):
                    configs.add(source)
    assert configs == {"./examples/elasticsearch.yaml"}
    for config in configs:
        assert load_config(REPO / config).store.type == "elasticsearch"  # the stack's store


def test_env_example_documents_every_variable_and_env_is_ignored():
    used = {m.group(1) for m in _VAR.finditer(COMPOSE.read_text(encoding="utf-8")) if m.group(1)}
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?([A-Za-z_][A-Za-z0-9_]*)=", example, re.M))
    assert used - documented == set()
    assert re.search(r"^GROUNDSWELL_DASHBOARD_TOKEN=$", example, re.M)  # required, and never a real value
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".env.example" not in ignored


# -- what the stack needs to work, not just to start (SRE review s65) ------------------------------
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


def _mounts(service: dict) -> list[tuple[str, PurePosixPath]]:
    """(source, target) of each short-syntax mount."""
    return [(m.split(":")[0], PurePosixPath(m.split(":")[1])) for m in service.get("volumes", [])]


def _named_volume_holding(service: dict, path: PurePosixPath, declared: set[str]) -> str | None:
    """The named volume whose mount holds `path` in this container (the deepest mount wins), or None."""
    holding = [(len(t.parts), s) for s, t in _mounts(service) if path == t or t in path.parents]
    if not holding:
        return None
    source = max(holding)[1]
    return source if source in declared else None


def _host_path(service: dict, path: PurePosixPath) -> Path | None:
    """The repository file a bind mount shows at `path` in this container, or None."""
    for source, target in _mounts(service):
        if source.startswith(".") and (path == target or target in path.parents):
            return REPO / source / path.relative_to(target)
    return None


def _init_script(compose: dict) -> str:
    command = compose["services"]["airflow-init"]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_airflow_init_imports_the_pools_the_collect_tasks_run_in(compose):
    """Every collect task runs in pool groundswell_<type>; Airflow never schedules a task of a missing pool,
    so without this import ingest never ran in the stack (init only ran `airflow version`)."""
    init = compose["services"]["airflow-init"]
    assert init["environment"]["_AIRFLOW_DB_MIGRATE"] == "true"  # the entrypoint migrates before the command
    found = re.search(r"/entrypoint airflow pools import (\S+)", _init_script(compose))
    assert found, "airflow-init does not run `airflow pools import` through the image's entrypoint"
    pools_file = _host_path(init, PurePosixPath(found.group(1)))
    assert pools_file == REPO / "dags" / "groundswell_pools.json", pools_file
    pools = json.loads(pools_file.read_text(encoding="utf-8"))
    from extractors.registry import EXTRACTORS  # lazy: the registry only, for the pool names

    assert {f"groundswell_{source_type}" for source_type in EXTRACTORS} <= set(pools)
    for name in AIRFLOW_SERVICES:
        assert compose["services"][name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_report_digests_and_dead_letter_land_on_a_named_volume(compose):
    """Paths in the config are relative to it: the mounted config's report.path (and digests/, reports/,
    deadletter.jsonl beside it) must resolve, inside the Airflow containers, onto a named volume."""
    from groundswell.config import load_config  # lazy: pydantic config, only for this check

    declared = set(compose["volumes"])
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        service = compose["services"][name]
        config_in_container = PurePosixPath(service["environment"]["GROUNDSWELL_CONFIG"])
        config_on_host = _host_path(service, config_in_container)
        assert config_on_host is not None and config_on_host.is_file(), f"{name}: GROUNDSWELL_CONFIG is not mounted"
        report = Path(load_config(config_on_host).report.path)
        if report.is_relative_to(config_on_host.parent):
            report_in_container = config_in_container.parent / report.relative_to(config_on_host.parent).as_posix()
        else:
            report_in_container = PurePosixPath(report.as_posix())
        volume = _named_volume_holding(service, report_in_container.parent, declared)
        assert volume, f"{name}: {report_in_container.parent} (report, digests, dead letter) is on no named volume"


def test_the_airflow_user_can_write_the_state_and_cache_volumes(compose):
    """A new volume copies its mount point's owner and mode from the image: the image makes the folders
    group-0 writable (every AIRFLOW_UID runs with group 0) and init hands older volumes to AIRFLOW_UID."""
    declared = set(compose["volumes"])
    service = compose["services"]["airflow-scheduler"]
    dockerfile = service["build"]["dockerfile_inline"]
    script = _init_script(compose)
    targets = [str(t) for s, t in _mounts(service) if s in declared and s != "airflow-logs"]
    assert targets, "no named volume for the state and cache"
    for target in targets:
        assert re.search(rf"mkdir -p [^\n&]*{re.escape(target)}", dockerfile), f"the image does not make {target}"
        assert re.search(rf"chmod -R g\+rwX [^\n&]*{re.escape(target)}", dockerfile), target
        assert re.search(rf'chown -R "50000:0" [^\n]*{re.escape(target)}', script), f"init does not chown {target}"
    cache = PurePosixPath(service["environment"]["XDG_CACHE_HOME"])
    assert _named_volume_holding(service, cache, declared)


def test_the_dashboard_user_has_a_writable_model_cache_on_a_volume(compose, monkeypatch):
    """The image runs as nobody (home /nonexistent): ~/.cache was unwritable and /api/faq answered 500."""
    from nlp.e5_weights import e5_cache_dir  # lazy: the cache rules of the model code, read as they are
    from nlp.onnx_encoder import onnx_cache_dir  # lazy: as above

    service = compose["services"]["groundswell"]
    dockerfile = service["build"]["dockerfile_inline"]
    user = re.findall(r"^\s*USER (\S+)", dockerfile, re.M)[-1]
    cache_home = service["environment"].get("XDG_CACHE_HOME")
    assert cache_home, "the dashboard has no XDG_CACHE_HOME: its cache is under nobody's /nonexistent home"
    monkeypatch.setenv("XDG_CACHE_HOME", cache_home)
    monkeypatch.delenv("GROUNDSWELL_ONNX_CACHE", raising=False)
    monkeypatch.delenv("GROUNDSWELL_E5_CACHE", raising=False)
    monkeypatch.setenv("HOME", "/nonexistent")
    declared = set(compose["volumes"])
    for folder in (onnx_cache_dir(), e5_cache_dir()):
        assert _named_volume_holding(service, PurePosixPath(folder.as_posix()), declared), folder
    before_user = dockerfile[: dockerfile.rindex(f"USER {user}")]
    assert re.search(rf"mkdir -p {re.escape(cache_home)}\b.*chown {user}:\S+ {re.escape(cache_home)}\b", before_user), (
        f"the image does not give {cache_home} to {user} before switching to it"
    )


def test_unauthenticated_services_are_published_on_loopback_only(compose):
    """Elasticsearch and Kibana run without security, Airflow with a default password unless .env sets one."""
    for name in ("elasticsearch", "kibana", "airflow-apiserver"):
        for port in compose["services"][name]["ports"]:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def _docker_ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves `path` out of the build context: the last matching pattern decides, `!`
    brings a path back, and a pattern matching a folder matches everything in it."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        glob = pattern.lstrip("!").strip("/")
        globs = {glob, glob[3:]} if glob.startswith("**/") else {glob}
        if any(fnmatch.fnmatchcase(c, g) or fnmatch.fnmatchcase(c.split("/")[-1], g) and "/" not in g
               for c in candidates for g in globs):
            ignored = not keep
    return ignored


def test_the_build_context_leaves_out_secrets_and_local_state():
    """Both images `COPY . ...`: without .dockerignore, .env (token, credentials) went into an image layer."""
    ignore = REPO / ".dockerignore"
    assert ignore.is_file(), "no .dockerignore: `COPY .` puts .env and the virtual environment into the images"
    patterns = [ln.strip() for ln in ignore.read_text(encoding="utf-8").splitlines() if ln.strip()[:1] not in ("", "#")]
    for path in (".env", ".venv/bin/python", ".git/config", "test-artifacts/x", "examples/.groundswell/report.html",
                 "store/groundswell.db"):
        assert _docker_ignored(path, patterns), f"{path} would be copied into the images"
    for path in (".env.example", "requirements.txt", "requirements-encoder.txt", "constraints.txt", "pyproject.toml",
                 "nlp/models/default/weights.safetensors", "dags/groundswell_pools.json", "groundswell/cli.py"):
        assert not _docker_ignored(path, patterns), f"{path} is needed in the images but left out"
