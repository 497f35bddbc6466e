"""docker-compose.yml and the Dockerfile are checked without a Docker engine.

No Docker exists where the tests run, so a broken compose file would otherwise only show
up on a user's machine. The file is validated against the official Compose Specification
schema (the copy that ``check-jsonschema`` ships), and the promises the stack makes are
asserted one by one: the same Neo4j line as the tests use, a real health check, secrets
only from the environment, and an API that waits for a healthy database.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from techsov.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
VERSION_LINE = ".".join(Settings().neo4j_version.split(".")[:2])

# "${NEO4J_PASSWORD:?message}": Compose aborts with the message when the variable is unset.
REQUIRED_PASSWORD = re.compile(r"^\$\{NEO4J_PASSWORD:\?[^}]+\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, whichever of the two Compose forms it uses."""
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    try:
        import jsonschema
        from check_jsonschema.builtin_schemas import vendor
    except ImportError as exc:  # a missing dev dependency must not pass as a skip
        pytest.fail(f"install the dev extra (check-jsonschema): {exc}", pytrace=False)
    schema = json.loads(
        importlib.resources.files(vendor).joinpath("compose-spec.json").read_text("utf-8")
    )
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(
        validator_class(schema).iter_errors(compose), key=lambda error: list(error.path)
    )
    assert not errors, "\n".join(
        f"{'/'.join(map(str, error.path)) or '<root>'}: {error.message}" for error in errors
    )


def test_neo4j_image_is_the_community_line_the_tests_run(compose: dict[str, Any]) -> None:
    assert compose["services"]["neo4j"]["image"] == f"neo4j:{VERSION_LINE}-community"


def test_neo4j_has_a_health_check_that_logs_in(compose: dict[str, Any]) -> None:
    check = compose["services"]["neo4j"]["healthcheck"]
    assert not check.get("disable", False)
    test = check["test"]
    command = " ".join(test) if isinstance(test, list) else test
    assert "cypher-shell" in command or "7474" in command
    for key in ("interval", "timeout", "retries"):
        assert key in check


def test_neo4j_publishes_bolt_and_http_and_keeps_data_in_a_named_volume(
    compose: dict[str, Any],
) -> None:
    neo4j = compose["services"]["neo4j"]
    published = {str(port).rsplit(":", 1)[-1] for port in neo4j["ports"]}
    assert {"7474", "7687"} <= published
    sources = {str(volume).split(":", 1)[0] for volume in neo4j["volumes"]}
    data_volumes = {v.split(":", 1)[0] for v in map(str, neo4j["volumes"]) if v.endswith("/data")}
    assert data_volumes, "Neo4j's /data must be on a volume"
    assert data_volumes <= set(compose.get("volumes") or {}) & sources


def test_passwords_come_only_from_the_environment(compose: dict[str, Any]) -> None:
    neo4j_env = _environment(compose["services"]["neo4j"])
    auth_user, _, auth_password = neo4j_env["NEO4J_AUTH"].partition("/")
    assert auth_user == "neo4j"
    assert REQUIRED_PASSWORD.match(auth_password), neo4j_env["NEO4J_AUTH"]

    api_env = _environment(compose["services"]["api"])
    assert REQUIRED_PASSWORD.match(api_env["TECHSOV_NEO4J_PASSWORD"])
    assert api_env["TECHSOV_NEO4J_USER"] == auth_user


def test_only_the_password_is_interpolated_on_the_host() -> None:
    """Any other ``${VAR}`` would be filled in (usually with nothing) by Compose on the host.

    Variables meant for the container's shell, like the one in the health check, must be
    written ``$${VAR}``.
    """
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    interpolated = {
        match.group(1) or match.group(2)
        for match in re.finditer(r"\$\$|\$\{([A-Za-z_]\w*)|\$([A-Za-z_]\w*)", text)
        if match.group(0) != "$$"
    }
    assert interpolated == {"NEO4J_PASSWORD"}


def test_api_waits_for_a_healthy_neo4j_and_reaches_it_by_service_name(
    compose: dict[str, Any],
) -> None:
    api = compose["services"]["api"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert _environment(api)["TECHSOV_NEO4J_URI"] == "bolt://neo4j:7687"
    build = api["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (REPO_ROOT / context / dockerfile).resolve() == DOCKERFILE


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions: list[tuple[str, str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
    return instructions


def test_dockerfile_serves_the_api_on_all_interfaces_from_python_3_11_slim() -> None:
    instructions = _dockerfile_instructions()
    final_from = [args for keyword, args in instructions if keyword == "FROM"][-1]
    assert final_from.split()[0] == "python:3.11-slim"
    cmd = [args for keyword, args in instructions if keyword == "CMD"][-1]
    argv = json.loads(cmd)  # exec form, so signals reach the server directly
    assert argv[:2] == ["techsov", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert any(keyword == "USER" for keyword, _ in instructions), "the API must not run as root"


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv"} <= ignored
    needed = {"pyproject.toml", "README.md", "techsov", "api", "store", "ingest", "ontology"}
    assert not needed & ignored


def test_production_profile_runs_replicas_through_the_routing_driver(
    compose: dict[str, Any],
) -> None:
    """Replicas reach Neo4j with ``neo4j://`` so a cluster or Aura needs only a new URI."""
    replica = compose["services"]["api-replica"]
    assert replica["profiles"] == ["production"]
    env = _environment(replica)
    assert env["TECHSOV_NEO4J_URI"].startswith("neo4j://neo4j:")
    assert REQUIRED_PASSWORD.match(env["TECHSOV_NEO4J_PASSWORD"])
    assert replica["deploy"]["replicas"] >= 2
    assert "ports" not in replica, "replicas are reached through the proxy only"
    assert replica["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(replica["healthcheck"]["test"])


def test_production_proxy_spreads_requests_over_every_replica(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["profiles"] == ["production"]
    assert proxy["image"].startswith("caddy:")
    assert proxy["depends_on"]["api-replica"]["condition"] == "service_healthy"
    (mount,) = proxy["configs"]
    caddyfile = compose["configs"][mount["source"]]["content"]
    assert mount["target"] == "/etc/caddy/Caddyfile"
    # Upstreams are looked up from the replica service's DNS records, not listed by hand,
    # so `--scale api-replica=N` needs no edit here.
    assert re.search(r"dynamic a api-replica 8000", caddyfile)
    published = {str(port).rsplit(":", 1)[-1] for port in proxy["ports"]}
    assert re.search(r"^:(\d+) \{", caddyfile, re.M).group(1) in published  # type: ignore[union-attr]


def test_default_profile_still_starts_one_api_and_neo4j_only(compose: dict[str, Any]) -> None:
    default = {name for name, svc in compose["services"].items() if not svc.get("profiles")}
    assert default == {"neo4j", "api"}
