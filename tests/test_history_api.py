"""``knownAt`` over GraphQL: a relationship question asked of the graph as known at an
earlier version answers as that graph did, on both stores; nested fields inherit it;
sibling fields keep their own; an unknown version is a clear error."""

from __future__ import annotations

from typing import Any

import pytest

from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from tests.api_fixtures import ApiClient, make_client
from tests.history_stores import SCHEMA, STORES, answer_of_one_version, story_client
from tests.test_history import versions_of_a_story

QUESTION = """query($at: String) {
  soitec: entity(id: "soitec", knownAt: $at) {
    name relations(first: 20) { edges { node { id } } }
  }
  dependencies(firm: "huawei", maxDepth: 2, knownAt: $at) { entity { id name } depth }
  path(from: "smic", to: "tsmc", directed: false, knownAt: $at) { id }
}"""


def _client(kind: str, request: pytest.FixtureRequest) -> tuple[ApiClient, GraphStore]:
    return story_client(kind, request, versions_of_a_story())


def _fresh(version: int) -> dict[str, Any]:
    return answer_of_one_version(versions_of_a_story()[version - 1], QUESTION)


@pytest.mark.parametrize("store_kind", STORES)
def test_known_at_answers_as_the_graph_loaded_then(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    client, store = _client(store_kind, request)
    loaded = {v.number: v.loaded_at.isoformat() for v in store.versions()}
    for version in (1, 2, 3):
        expected = _fresh(version)
        assert client.data(QUESTION, at=str(version)) == expected
        assert client.data(QUESTION, at=loaded[version]) == expected
    latest = client.data(QUESTION)
    assert latest == _fresh(3) and latest["soitec"] is None
    assert client.data(QUESTION, at="1")["soitec"]["relations"]["edges"]


@pytest.mark.parametrize("store_kind", STORES)
def test_sibling_fields_each_read_their_own_version(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    client, _ = _client(store_kind, request)
    found = client.data(
        """{ old: entity(id: "soitec", knownAt: "2") { name }
             now: entity(id: "soitec") { name }
             tsmcOld: entity(id: "tsmc", knownAt: "1") { aliases }
             tsmcNow: entity(id: "tsmc") { aliases } }"""
    )
    assert found["old"] == {"name": "Société Européenne Soitec"} and found["now"] is None
    assert "Société Européenne Soitec" not in found["tsmcOld"]["aliases"]
    assert "Société Européenne Soitec" in found["tsmcNow"]["aliases"]


def test_an_unknown_known_time_is_a_clear_error() -> None:
    store = EmbeddedStore(SCHEMA)
    store.load(versions_of_a_story()[0])
    client = make_client(store, SCHEMA)
    for bad in ("7", "¹", "last tuesday", "1999-01-01T00:00:00Z"):
        error = client.error('query($at: String) { entity(id: "tsmc", knownAt: $at) { id } }',
                             at=bad)  # fmt: skip
        assert error["extensions"]["code"] == "UNKNOWN_VERSION"
        assert "knownAt" in error["message"]
