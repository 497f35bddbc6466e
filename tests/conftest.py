"""Fixtures for tests against a real Neo4j server.

Tests that touch the database run against Neo4j itself, never a mock, so that Cypher,
constraints and transaction semantics are the ones production has. The server is either
the one named by ``TECHSOV_NEO4J_URI``/``_USER``/``_PASSWORD`` (what ``make test`` exports
after ``techsov neo4j start``) or, when those are unset, one the session starts itself
through the same launcher and stops again at the end.

A server that cannot be started fails the tests that need it, loudly: skipping them would
let a broken set-up pass as green.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator

import pytest
from graph_builders import sample_graph
from neo4j import Driver, GraphDatabase

from ontology.model import Graph
from ontology.schema import default_schema
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from techsov.neo4j_server import Neo4jCredentials, Neo4jLauncher, Neo4jLaunchError
from techsov.settings import Settings

NEO4J_FIXTURES = frozenset({"neo4j_server", "neo4j_driver", "neo4j_wipe", "neo4j_db"})

# Schema names are interpolated into DROP statements (they cannot be parameters), so only
# names that need no escaping at all are accepted; anything else fails the test set-up.
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that (directly or through other fixtures) needs the server.

    ``pytest -m "not neo4j"`` then runs the rest without starting Java at all.
    """
    for item in items:
        if NEO4J_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.neo4j)


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jCredentials]:
    """Credentials of the server for this session, starting one only if none is given.

    Whatever server the environment names is wiped by ``neo4j_db``: point these variables
    at a throw-away server only.
    """
    uri = os.environ.get("TECHSOV_NEO4J_URI")
    if uri:
        yield Neo4jCredentials(
            uri=uri,
            user=os.environ.get("TECHSOV_NEO4J_USER", "neo4j"),
            password=os.environ.get("TECHSOV_NEO4J_PASSWORD", ""),
        )
        return
    launcher = Neo4jLauncher.from_settings(Settings())
    try:
        instance, started = launcher.start()
    except Neo4jLaunchError as exc:
        pytest.fail(f"could not start the Neo4j test server: {exc}", pytrace=False)
    try:
        yield instance.credentials
    finally:
        # A server this session merely reused belongs to whoever started it.
        if started:
            launcher.stop(instance)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_server: Neo4jCredentials) -> Iterator[Driver]:
    """One driver for the whole session; connecting is checked once, up front."""
    driver = GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password))
    try:
        driver.verify_connectivity()
    except Exception as exc:
        driver.close()
        pytest.fail(f"Neo4j at {neo4j_server.uri} does not answer: {exc}", pytrace=False)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def neo4j_wipe(neo4j_driver: Driver) -> Callable[[], None]:
    """A function that empties the test database, for tests that need it mid-way."""
    database = Settings().neo4j_database
    return lambda: wipe_database(neo4j_driver, database)


@pytest.fixture
def neo4j_db(neo4j_driver: Driver, neo4j_wipe: Callable[[], None]) -> Driver:
    """The driver, on a database emptied of all data, constraints and indexes.

    Wiping *before* each test (not after) means a test always starts clean even if the
    previous one crashed half-way, and leaves its data behind for inspection on failure.
    """
    neo4j_wipe()
    return neo4j_driver


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def load(request: pytest.FixtureRequest) -> Iterator[Callable[[Graph], GraphStore]]:
    """A function loading a graph into a fresh store of each kind in turn: the embedded
    store, then Neo4j (modules may define their own ``load``)."""

    def loader(graph: Graph) -> GraphStore:
        store: GraphStore
        if request.param == "embedded":
            store = EmbeddedStore(default_schema())
        else:
            store = Neo4jStore(
                request.getfixturevalue("neo4j_db"),
                database=Settings().neo4j_database,
                schema=default_schema(),
            )
        store.load(graph)
        return store

    yield loader


@pytest.fixture
def store(neo4j_db: Driver) -> Neo4jStore:
    """A Neo4j store on the emptied test database (modules may define their own ``store``)."""
    return Neo4jStore(neo4j_db, database=Settings().neo4j_database, schema=default_schema())


@pytest.fixture
def loaded(store: Neo4jStore) -> Neo4jStore:
    """The sample graph on a freshly wiped database: for tests that change data."""
    store.load(sample_graph())
    return store


def wipe_database(driver: Driver, database: str) -> None:
    """Delete every node and relationship, then every constraint and user-made index.

    Constraints go first because dropping one also drops its backing index. The built-in
    token lookup indexes are kept: they are not created by the application, and without
    them every label scan would silently become a full scan.
    """
    driver.execute_query("MATCH (n) DETACH DELETE n", database_=database)
    records, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=database)
    for record in records:
        driver.execute_query(
            f"DROP CONSTRAINT {_schema_name(record['name'])} IF EXISTS", database_=database
        )
    records, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name", database_=database
    )
    for record in records:
        driver.execute_query(
            f"DROP INDEX {_schema_name(record['name'])} IF EXISTS", database_=database
        )


def _schema_name(name: object) -> str:
    if not isinstance(name, str) or not _SCHEMA_NAME.fullmatch(name):
        pytest.fail(f"refusing to interpolate unexpected schema name {name!r}", pytrace=False)
    return f"`{name}`"
