"""Security promises: no write path, explicit CORS, no secrets in the repository or in
anything the commands print, and reads that the database itself keeps read-only.

There is no write path to put behind an API key: the GraphQL schema has no ``Mutation``
(nor ``Subscription``) type and the app has no route but ``/graphql`` and the two probes.
These tests fail the day one appears, so that it cannot arrive unguarded.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from api_fixtures import curated_embedded, curated_graph, make_client
from pydantic import SecretStr
from typer.testing import CliRunner

from api.graphql_schema import schema_for
from api.limits import ApiLimits
from ontology.schema import default_schema
from store.base import Direction
from store.neo4j_store import Neo4jStore
from techsov.cli import app as cli
from techsov.neo4j_server import HOME_PREFIX, Neo4jCredentials, Neo4jInstance, Neo4jLauncher
from techsov.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA = default_schema()
DATABASE = Settings().neo4j_database
runner = CliRunner()


# ------------------------------------------------------------------------- write paths


def test_the_graphql_schema_has_no_mutation_or_subscription() -> None:
    graphql = schema_for(SCHEMA)._schema
    assert graphql.mutation_type is None
    assert graphql.subscription_type is None
    sdl = (REPO_ROOT / "api" / "schema.graphql").read_text(encoding="utf-8")
    assert not re.search(r"\b(type|extend type) (Mutation|Subscription)\b", sdl)


WRITE_LIKE_PATHS = (
    "/reload", "/load", "/admin", "/api", "/graphql/reload", "/graphql/ws", "/mutation",
    "/upload", "/import", "/shutdown", "/docs", "/redoc", "/openapi.json", "/metrics",
)  # fmt: skip


def test_the_app_serves_graphql_and_the_probes_and_nothing_else() -> None:
    client = make_client(curated_embedded())
    assert client.request("GET", "/healthz").status_code == 200
    assert client.request("GET", "/readyz").status_code == 200
    assert client.data("{ ontology { classes } }")["ontology"]["classes"]
    for path in WRITE_LIKE_PATHS:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            assert client.request(method, path).status_code == 404, (method, path)
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, "/graphql").status_code == 405, method
        assert client.request(method, "/readyz").status_code == 405, method


def test_cors_sends_nothing_by_default_and_never_allows_credentials() -> None:
    preflight = {
        "origin": "https://analyst.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    closed = make_client(curated_embedded())
    response = closed.request("OPTIONS", "/graphql", headers=preflight)
    assert not any(h.startswith("access-control-") for h in response.headers)
    opened = make_client(
        curated_embedded(), limits=ApiLimits(cors_origins=("https://analyst.example",))
    )
    response = opened.request("OPTIONS", "/graphql", headers=preflight)
    assert response.headers["access-control-allow-origin"] == "https://analyst.example"
    assert "access-control-allow-credentials" not in response.headers
    assert set(response.headers["access-control-allow-methods"].split(", ")) <= {
        "GET",
        "POST",
    }


# ------------------------------------------------------------------ secrets in the repo


# Values a secret-looking name may hold in the repository: the placeholders of the README
# and of docker-compose.yml's usage line, and fakes that tests use to check that a secret
# does *not* leak into a response or a log ("pw-" prefixes random ones).
PLACEHOLDERS = frozenset(
    {"choose-a-password", "...", "hunter2", "pw", "pw-", "import-test-password", "secret"}
    # CodeMirror's CSS-variable token type in the vendored GraphiQL build (api/graphiql).
    | {"_$css"}
)

# Quoted literals given to a secret-looking name, in any file.
_QUOTED = re.compile(
    r"""(?i)\b\w*(?:password|passwd|secret|api_?key|token)\w*["']?\s*[:=]\s*"""
    r"""(?:SecretStr\()?["']([^"'\s]{2,})["']"""
)
# ``NAME=value`` for a secret-looking environment variable, in files that are not Python
# (shell snippets, .env, YAML, Markdown); ``$VAR`` and ``${VAR...}`` are references.
_ASSIGNED = re.compile(r"""\b[A-Z0-9_]*(?:PASSWORD|SECRET|API_?KEY|TOKEN)[A-Z0-9_]*=([^\s"'$`]+)""")
_ANYWHERE = [
    re.compile(r"NEO4J_AUTH[\"']?\s*[:=]\s*[\"']?neo4j/([^\s\"'$]+)"),
    re.compile(r"(?i)\b(?:bolt|neo4j|https?)(?:\+s|\+ssc)?://[^/\s:@]+:([^@\s/]+)@"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----()"),
    re.compile(r"\b(AKIA[0-9A-Z]{16})\b"),
    re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,})\b"),
]


def repository_files() -> list[Path]:
    """Tracked files and new files not ignored: what a commit could carry."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return [REPO_ROOT / name for name in listed.split("\0") if name]


def secret_like_literals(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):  # binary, or deleted meanwhile
        return
    patterns = [_QUOTED, *_ANYWHERE]
    if path.suffix != ".py":
        patterns.append(_ASSIGNED)
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in patterns:
            for match in pattern.finditer(line):
                if "{" not in match.group(1):  # a template ({fake}, ${VAR}), not a value
                    yield number, match.group(1)


def test_the_repository_holds_no_password_like_literals() -> None:
    files = repository_files()
    assert len(files) > 50
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {value!r}"
        for path in files
        if path.is_file()
        for line, value in secret_like_literals(path)
        if value not in PLACEHOLDERS
    ]
    assert found == []


def test_the_scan_catches_what_it_looks_for(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.env"
    fake = "x" + secrets.token_hex(8)
    leaky.write_text(
        f"NEO4J_PASSWORD={fake}\nuri = 'bolt://neo4j:{fake}@db:7687'\n"
        f'neo4j_password = "{fake}"\nNEO4J_AUTH=neo4j/{fake}\n'
        "NEO4J_PASSWORD=${NEO4J_PASSWORD:?set it}\npassword: $NEO4J_PASSWORD\n",
        encoding="utf-8",
    )
    assert [line for line, value in secret_like_literals(leaky) if value == fake] == [1, 2, 3, 4]
    assert all(value == fake for _, value in secret_like_literals(leaky))


# ----------------------------------------------------------------- secrets in output


def test_settings_never_show_the_password() -> None:
    fake = "pw-" + secrets.token_hex(8)
    settings = Settings(neo4j_password=SecretStr(fake))
    assert fake not in repr(settings) and fake not in str(settings)
    assert fake not in settings.model_dump_json()


@pytest.fixture
def recorded_server(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """A launcher record, with a random password, of a live stand-in process."""
    home = tmp_path / f"{HOME_PREFIX}stand-in"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text("# stand-in\n", encoding="utf-8")
    process = subprocess.Popen(
        ["sleep", "120"], start_new_session=True, env={**os.environ, "NEO4J_HOME": str(home)}
    )
    password = "pw-" + secrets.token_hex(12)
    cache = tmp_path / "cache"
    launcher = Neo4jLauncher(Settings().neo4j_version, cache)
    instance = Neo4jInstance(process.pid, process.pid, 7687, password, home, "5", 0.0)
    launcher.state_file.parent.mkdir(parents=True)
    launcher.state_file.write_text(instance.to_json(), encoding="utf-8")
    try:
        yield {"TECHSOV_NEO4J_CACHE_DIR": str(cache)}, password
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_neo4j_status_and_stop_never_print_the_password(
    recorded_server: tuple[dict[str, str], str],
) -> None:
    env, password = recorded_server
    status = runner.invoke(cli, ["neo4j", "status"], env=env)
    assert status.exit_code == 0 and "running" in status.output
    assert password not in status.output
    stop = runner.invoke(cli, ["neo4j", "stop"], env=env)
    assert stop.exit_code == 0
    assert password not in stop.output


@pytest.mark.parametrize("where", ["unreachable", "wrong-user"])
def test_load_errors_never_print_the_password(
    where: str, neo4j_server: Neo4jCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A login that fails, on a port where nothing listens or on the real server (as a
    user that does not exist, so no real account gets locked), is reported without it."""
    password = "pw-" + secrets.token_hex(12)
    uri = "bolt://127.0.0.1:1" if where == "unreachable" else neo4j_server.uri
    monkeypatch.setenv("TECHSOV_NEO4J_URI", uri)
    monkeypatch.setenv("TECHSOV_NEO4J_USER", "no-such-user")
    monkeypatch.setenv("TECHSOV_NEO4J_PASSWORD", password)
    monkeypatch.delenv("TECHSOV_DATA_PATHS", raising=False)
    facts = REPO_ROOT / "tests" / "bad_inputs" / "ok_injection_strings.yaml"
    result = runner.invoke(cli, ["load", "--no-progress", str(facts)])
    assert result.exit_code == 5, result.output
    assert "unavailable" in result.output
    assert password not in result.output


# ------------------------------------------------------------------- read-only reads


class ReadOnlyDriver:
    """The real driver, but only its read path: ``execute_query`` routed to readers.

    A store method that opened a session or asked for write routing would fail here, so
    running every read method through it shows that the API's reads all take that path.
    """

    def __init__(self, driver: neo4j.Driver) -> None:
        self._driver = driver
        self.calls = 0

    def execute_query(self, *args: Any, **kwargs: Any) -> Any:
        assert kwargs.get("routing_") == neo4j.RoutingControl.READ, kwargs
        self.calls += 1
        return self._driver.execute_query(*args, **kwargs)

    @property
    def execute_query_bookmark_manager(self) -> Any:
        # Reads wait on the bookmarks of earlier writes: part of the read path, not a write.
        return self._driver.execute_query_bookmark_manager

    def session(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a read opened a session instead of a read transaction")


def test_every_read_of_the_neo4j_store_runs_in_a_read_transaction(
    neo4j_db: neo4j.Driver,
) -> None:
    Neo4jStore(neo4j_db, database=DATABASE, schema=SCHEMA).load(curated_graph())
    guarded = ReadOnlyDriver(neo4j_db)
    store = Neo4jStore(guarded, database=DATABASE, schema=SCHEMA)  # type: ignore[arg-type]
    store.ping()
    assert store.counts()["entities"] > 0
    assert store.entities(["xiaomi"]) and store.sources(["seed-article"])
    assert store.search("xiaomi", None, 5)
    assert store.relations(["xiaomi"], Direction.BOTH, None, 5, None)["xiaomi"].items
    assert store.edges(["xiaomi"], None, Direction.OUT, None)
    assert store.snapshot() == curated_graph()
    assert guarded.calls >= 8


def test_the_server_refuses_writes_in_the_stores_read_transactions(
    neo4j_db: neo4j.Driver,
) -> None:
    """Community has no roles to make the API's login read-only; the read access mode of
    its transactions is what Neo4j enforces, for data, schema and procedures alike."""
    store = Neo4jStore(neo4j_db, database=DATABASE, schema=SCHEMA)
    for statement in (
        "CREATE (:Intruder)",
        "MATCH (n) DETACH DELETE n",
        "CREATE INDEX intruder IF NOT EXISTS FOR (n:Intruder) ON (n.x)",
        "CALL db.createLabel('Intruder')",
    ):
        with pytest.raises(neo4j.exceptions.ClientError) as info:
            store._read(statement)
        assert info.value.code == "Neo.ClientError.Statement.AccessMode", statement
    records, _, _ = neo4j_db.execute_query(
        "MATCH (n:Intruder) RETURN count(n) AS n", database_=DATABASE
    )
    assert records[0]["n"] == 0
