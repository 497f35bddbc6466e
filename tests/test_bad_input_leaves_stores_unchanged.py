"""Bad input never changes a store: every kind of the corpus, through the real commands.

The curated graph is loaded first. Then each bad file of ``tests/bad_inputs`` (plus an
oversized file made here, too big to keep in the repository) goes through ``techsov
validate`` and ``techsov load`` exactly as a user runs them: each must exit non-zero and
name the file, the line and the field of the problem, and the store must hold exactly what
it held before, compared object by object (``snapshot()``) and, on Neo4j, down to element
ids and raw properties. The embedded store, which ``techsov serve`` fills through the same
validation, is held to the same rule.

Injection-looking strings are valid data: they load verbatim into both stores, come back
unchanged through the API, and break nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from api_fixtures import curated_graph, curated_neo4j, make_client
from test_validate import BAD, EXPECTED, FAKE_ARTICLE
from typer.testing import CliRunner, Result

from ingest.reader import DEFAULT_MAX_BYTES, display_name
from ontology.errors import ValidationFailed
from ontology.model import Graph
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from techsov.cli import app
from techsov.neo4j_server import Neo4jCredentials
from techsov.settings import Settings
from techsov.wiring import read_graph

SCHEMA = default_schema()
DATABASE = Settings().neo4j_database
OVERSIZED = "oversized.yaml"
KINDS = sorted([*EXPECTED, OVERSIZED])
"""Every kind of bad input tried: one file of the corpus each, and the oversized file."""

runner = CliRunner()


@pytest.fixture(scope="module")
def article(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full text of the corpus's ``fake-article`` source, for ``--source-text``."""
    path = tmp_path_factory.mktemp("texts") / "fake-article.txt"
    path.write_text(FAKE_ARTICLE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def oversized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fact file one byte over the size limit, sparse so that it costs no disk."""
    path = tmp_path_factory.mktemp("big") / OVERSIZED
    with path.open("wb") as handle:
        handle.write(b"entities:\n")
        handle.truncate(DEFAULT_MAX_BYTES + 1)
    return path


@pytest.fixture(autouse=True)
def _no_configured_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TECHSOV_DATA_PATHS", raising=False)


def bad_file(kind: str, oversized: Path) -> Path:
    return oversized if kind == OVERSIZED else BAD / kind


def expected_line(kind: str, path: Path) -> str:
    """The start of the problem line the command must print: ``file:line: field: ``."""
    name = display_name(path)
    if kind == OVERSIZED:
        return f"{name}: file is {DEFAULT_MAX_BYTES + 1} bytes, more than the limit"
    marker, field, _ = EXPECTED[kind]
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if marker in text)
    return f"{name}:{line}: {field}: " if field else f"{name}:{line}: "


def assert_refused(result: Result, kind: str, path: Path) -> None:
    assert result.exit_code == ValidationFailed.exit_code, result.output
    problems = result.stderr.splitlines()
    assert problems[0].endswith("problem(s) found"), result.stderr
    wanted = expected_line(kind, path)
    matching = [p for p in problems[1:] if p.startswith(wanted)]
    assert matching, f"no line starts with {wanted!r}:\n{result.stderr}"
    if kind != OVERSIZED:
        assert EXPECTED[kind][2] in matching[0]


def raw_state(driver: neo4j.Driver, graph_only: bool = False) -> list[Any]:
    """Every node and relationship with element ids and raw properties (``graph_only``:
    without the stored answers every changing load rewrites)."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) WHERE NOT $graph_only OR n:Entity OR n:Source "
        "RETURN elementId(n) AS eid, labels(n) AS labels, properties(n) AS props",
        {"graph_only": graph_only},
        database_=DATABASE,
        routing_=neo4j.RoutingControl.READ,
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN elementId(r) AS eid, type(r) AS type, "
        "elementId(a) AS a, elementId(b) AS b, properties(r) AS props",
        database_=DATABASE,
        routing_=neo4j.RoutingControl.READ,
    )
    rows: list[tuple[Any, ...]] = [("n", r["eid"], sorted(r["labels"]), r["props"]) for r in nodes]
    rows += [("r", r["eid"], r["type"], r["a"], r["b"], r["props"]) for r in rels]
    return sorted(rows, key=lambda row: (row[0], row[1]))


# ------------------------------------------------------------------------------ validate


def test_the_corpus_has_at_least_25_kinds_of_bad_input() -> None:
    assert len(KINDS) >= 25
    assert {p.name for p in BAD.iterdir() if p.name in EXPECTED} == set(EXPECTED)


@pytest.mark.parametrize("kind", KINDS)
def test_validate_refuses_each_bad_input_naming_file_line_and_field(
    kind: str, article: Path, oversized: Path
) -> None:
    path = bad_file(kind, oversized)
    result = runner.invoke(app, ["validate", str(path), "--source-text", f"fake-article={article}"])
    assert_refused(result, kind, path)
    assert result.stdout == ""


# ------------------------------------------------------------------------------- Neo4j


@pytest.fixture
def neo4j_env(neo4j_server: Neo4jCredentials, monkeypatch: pytest.MonkeyPatch) -> Neo4jCredentials:
    """``techsov load`` pointed at the test server, as ``eval "$(techsov neo4j start)"``
    would leave the shell."""
    monkeypatch.setenv("TECHSOV_NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("TECHSOV_NEO4J_USER", neo4j_server.user)
    monkeypatch.setenv("TECHSOV_NEO4J_PASSWORD", neo4j_server.password)
    monkeypatch.setenv("TECHSOV_NEO4J_DATABASE", DATABASE)
    return neo4j_server


@pytest.fixture
def loaded_neo4j(neo4j_driver: neo4j.Driver, neo4j_env: Neo4jCredentials) -> Neo4jStore:
    """The Neo4j store holding the curated graph (loaded only when it does not already)."""
    store = curated_neo4j(neo4j_driver)
    assert store.snapshot() == curated_graph()
    return store


@pytest.mark.parametrize("kind", KINDS)
def test_loading_bad_input_fails_and_leaves_neo4j_unchanged(
    kind: str,
    article: Path,
    oversized: Path,
    loaded_neo4j: Neo4jStore,
    neo4j_driver: neo4j.Driver,
) -> None:
    path = bad_file(kind, oversized)
    before, raw_before = loaded_neo4j.snapshot(), raw_state(neo4j_driver)
    result = runner.invoke(
        app,
        ["load", "--no-progress", str(path), "--source-text", f"fake-article={article}"],
    )
    assert_refused(result, kind, path)
    assert loaded_neo4j.snapshot() == before
    assert raw_state(neo4j_driver) == raw_before


# ---------------------------------------------------------------------------- embedded


@pytest.fixture(scope="module")
def loaded_embedded() -> EmbeddedStore:
    store = EmbeddedStore(SCHEMA)
    store.load(curated_graph())
    return store


@pytest.mark.parametrize("kind", KINDS)
def test_bad_input_never_reaches_the_embedded_store(
    kind: str, oversized: Path, loaded_embedded: EmbeddedStore
) -> None:
    """What ``techsov serve`` does with fact files: validate, then load; validation stops
    bad input before the store sees any of it."""
    path = bad_file(kind, oversized)
    before = loaded_embedded.snapshot()
    with pytest.raises(ValidationFailed) as info:
        loaded_embedded.load(
            read_graph(Settings(), SCHEMA, [path], source_texts={"fake-article": FAKE_ARTICLE})
        )
    assert any(str(p).startswith(expected_line(kind, path)) for p in info.value.problems)
    assert loaded_embedded.snapshot() == before == curated_graph()


# ------------------------------------------------------------------- injection-looking


INJECTIONS = BAD / "ok_injection_strings.yaml"


@pytest.fixture
def injection_graph() -> Graph:
    return read_graph(Settings(), SCHEMA, [INJECTIONS], source_texts={"fake-article": FAKE_ARTICLE})


@pytest.fixture
def restore_curated(neo4j_driver: neo4j.Driver) -> Iterator[None]:
    yield
    curated_neo4j(neo4j_driver)


def test_injection_looking_names_load_verbatim_into_neo4j_and_break_nothing(
    loaded_neo4j: Neo4jStore,
    neo4j_driver: neo4j.Driver,
    injection_graph: Graph,
    article: Path,
    restore_curated: None,
) -> None:
    result = runner.invoke(
        app,
        ["load", "--no-progress", str(INJECTIONS), "--source-text", f"fake-article={article}"],
    )
    assert result.exit_code == 0, result.output
    assert loaded_neo4j.snapshot() == injection_graph
    # Nothing but the file's facts: no statement hidden in a name ran.
    assert len(raw_state(neo4j_driver, graph_only=True)) == sum(injection_graph.counts().values())
    bobby = injection_graph.entities["bobby-tables"]
    body = make_client(loaded_neo4j).data(
        '{ entity(id: "bobby-tables") { name aliases description } }'
    )
    assert body["entity"] == {
        "name": bobby.name,
        "aliases": list(bobby.aliases),
        "description": bobby.description,
    }
    hits = make_client(loaded_neo4j).data('{ search(query: "DROP TABLE") { entity { id } } }')
    assert [h["entity"]["id"] for h in hits["search"]] == ["bobby-tables"]


def test_injection_looking_names_load_verbatim_into_the_embedded_store(
    injection_graph: Graph,
) -> None:
    store = EmbeddedStore(SCHEMA)
    store.load(injection_graph)
    assert store.snapshot() == injection_graph
    body = make_client(store).data('{ entity(id: "bobby-tables") { name } }')
    assert body["entity"]["name"] == "Robert'); DROP TABLE entities;--"
