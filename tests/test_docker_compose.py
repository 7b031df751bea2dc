"""docker-compose.yml: valid per the Compose specification, and wired the way the stack needs.

No Docker engine here, so the file is checked with a strict Compose-spec parser
(`compose-spec`, bindings of the Rust `compose_spec` crate) after the same YAML merge
and `${VAR:-default}` / `${VAR:?error}` interpolation `docker compose config` does.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

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
