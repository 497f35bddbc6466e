"""The store through Neo4j's routing driver (``neo4j://``), as a cluster or Aura serves it.

A single Community server answers routing requests with itself as reader and writer, so
the code paths a cluster exercises — a routing table, reads sent to readers, the load's
transaction sent to the writer, bookmarks carried between them — all run here for real.
"""

from __future__ import annotations

from collections.abc import Iterator

import neo4j
import pytest
from graph_builders import sample_graph
from neo4j import exceptions as neo4j_errors

from ontology.schema import Schema, default_schema
from store.neo4j_store import Neo4jStore
from techsov.neo4j_server import Neo4jCredentials
from techsov.settings import Settings

DATABASE = Settings().neo4j_database


def _routing_uri(credentials: Neo4jCredentials) -> str:
    scheme, _, address = credentials.uri.partition("://")
    assert scheme in {"bolt", "neo4j"}, credentials.uri
    return f"neo4j://{address}"


@pytest.fixture
def routing_driver(
    neo4j_server: Neo4jCredentials, neo4j_db: neo4j.Driver
) -> Iterator[neo4j.Driver]:
    """A second, routing driver on the emptied test database."""
    driver = neo4j.GraphDatabase.driver(
        _routing_uri(neo4j_server), auth=(neo4j_server.user, neo4j_server.password)
    )
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture(scope="module")
def default_schema_() -> Schema:
    return default_schema()


def _other_driver(credentials: Neo4jCredentials) -> neo4j.Driver:
    return neo4j.GraphDatabase.driver(
        _routing_uri(credentials), auth=(credentials.user, credentials.password)
    )


def test_routing_driver_gets_a_routing_table_with_a_reader_and_a_writer(
    routing_driver: neo4j.Driver,
) -> None:
    records, _, _ = routing_driver.execute_query(
        "CALL dbms.routing.getRoutingTable({}, $db) YIELD servers RETURN servers",
        db=DATABASE,
        database_=DATABASE,
        routing_=neo4j.RoutingControl.READ,
    )
    roles = {server["role"] for server in records[0]["servers"]}
    assert {"READ", "WRITE", "ROUTE"} <= roles


def test_load_and_reads_through_the_routing_driver(
    routing_driver: neo4j.Driver, default_schema_: Schema
) -> None:
    store = Neo4jStore(routing_driver, database=DATABASE, schema=default_schema_, precompute=False)
    graph = sample_graph()
    store.load(graph)
    assert store.counts()["relations"] == len(graph.relations)
    assert store.bookmarks(), "a load must leave a bookmark for readers elsewhere to wait on"


def test_second_driver_reads_a_load_after_its_bookmark(
    neo4j_server: Neo4jCredentials, routing_driver: neo4j.Driver, default_schema_: Schema
) -> None:
    """A replica elsewhere (another driver, process or machine) that is handed the load's
    bookmarks reads only from a cluster member that already has the load."""
    writer = Neo4jStore(routing_driver, database=DATABASE, schema=default_schema_, precompute=False)
    graph = sample_graph()
    writer.load(graph)
    bookmarks = writer.bookmarks()

    other = _other_driver(neo4j_server)
    try:
        reader = Neo4jStore(
            other,
            database=DATABASE,
            schema=default_schema_,
            precompute=False,
            bookmark_manager=neo4j.GraphDatabase.bookmark_manager(
                initial_bookmarks=neo4j.Bookmarks.from_raw_values(*bookmarks)
            ),
        )
        assert reader.counts()["relations"] == len(graph.relations)
        some = sorted(graph.relations)[0]
        assert reader.entities([graph.relations[some].source])
    finally:
        other.close()


def test_reads_carry_the_bookmarks_they_were_given(
    neo4j_server: Neo4jCredentials, routing_driver: neo4j.Driver, default_schema_: Schema
) -> None:
    """The server checks a read's bookmarks: a malformed one is refused, which shows the
    store really sends them with every read (and does not silently read stale data)."""
    other = _other_driver(neo4j_server)
    try:
        reader = Neo4jStore(
            other,
            database=DATABASE,
            schema=default_schema_,
            precompute=False,
            bookmark_manager=neo4j.GraphDatabase.bookmark_manager(
                initial_bookmarks=neo4j.Bookmarks.from_raw_values("not-a-bookmark")
            ),
        )
        with pytest.raises((neo4j_errors.ClientError, neo4j_errors.TransientError)):
            reader.counts()
    finally:
        other.close()
