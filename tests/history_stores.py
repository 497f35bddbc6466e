"""Stores taken through a sequence of loads, for the history, change-feed and known-time
tests: each test module tells its own story (a list of graphs, one a version); putting a
story into a store of either kind, and asking a store that holds one version only, is the
same everywhere and written here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from tests.api_fixtures import ApiClient, make_client
from tests.graph_builders import fact

__all__ = ["SCHEMA", "STORES", "answer_of_one_version", "empty_store", "fact", "load_story"]

SCHEMA = default_schema()
STORES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]
"""``store_kind`` parameters: the embedded store always, Neo4j where a server runs."""


def empty_store(kind: str, request: pytest.FixtureRequest, schema: Schema = SCHEMA) -> GraphStore:
    """An empty store of ``kind``: embedded, or Neo4j on the test's wiped database."""
    if kind == "embedded":
        return EmbeddedStore(schema)
    from store.neo4j_store import Neo4jStore

    return Neo4jStore(request.getfixturevalue("neo4j_db"), database="neo4j", schema=schema)


def load_story(store: GraphStore, story: Sequence[Graph], *, digests: bool = False) -> None:
    """Load each graph in turn: version ``i`` is ``story[i - 1]``; with ``digests`` each load
    names its input ``input-<i>``, so tests can read the digest back."""
    for number, graph in enumerate(story, start=1):
        if digests:
            store.load(graph, digest=f"input-{number}")  # type: ignore[call-arg]
        else:
            store.load(graph)


def story_client(
    kind: str, request: pytest.FixtureRequest, story: Sequence[Graph]
) -> tuple[ApiClient, GraphStore]:
    """An API over a store of ``kind`` that has been through ``story``."""
    store = empty_store(kind, request)
    load_story(store, story)
    return make_client(store, SCHEMA), store


def answer_of_one_version(graph: Graph, question: str) -> dict[str, Any]:
    """The answer of a store that holds exactly ``graph``, asked live: what an answer
    ``knownAt`` that version must equal."""
    store = EmbeddedStore(SCHEMA)
    store.load(graph)
    return make_client(store, SCHEMA).data(question)
