"""``knownAt`` on the paged analyses, the standards questions and screening: each answers
as the graph loaded then did, on both stores, while the same field without it answers
from the latest load; an unknown version is the same clear error as elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from ontology.model import Graph
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from tests.api_fixtures import ApiClient, curated_graph, make_client
from tests.history_stores import SCHEMA, STORES, answer_of_one_version, story_client

DROPPED = frozenset({"us-entity-list", "huawei", "euv-lithography", "5g-nr", "gb-18384-2020"})
"""The second load drops every fact touching one of these, so each question below loses
part of its answer."""

SCREEN_ARGS = (
    '(entities: [{name: "Huawei Technologies", country: "China"}], asOf: "2026-09-01", '
    'policies: ["us-entity-list"], knownAt: $at)'
)
CANDIDATE = "entityId score listings { policyId } exposures { exposure { kind depth } }"
SCREENED = f"name candidates {{ {CANDIDATE} }}"
QUESTION = f"""query($at: String) {{
  exposures(policy: "us-entity-list", first: 500, knownAt: $at) {{
    totalCount edges {{ node {{ supplier {{ id }} depth path {{ id }} }} }} }}
  dependenciesConnection(firm: "huawei", maxDepth: 2, first: 500, knownAt: $at) {{
    totalCount edges {{ node {{ entity {{ id }} depth }} }} }}
  chokepoints(technology: "euv-lithography", knownAt: $at) {{
    knownSuppliers hhi suppliers {{ supplier {{ id }} share }} }}
  standardInfluence(standard: "5g-nr", knownAt: $at) {{
    parts {{ id }} bodies {{ role entity {{ id }} }} }}
  standardsOf(firm: "xiaomi", knownAt: $at) {{ role standard {{ id }} }}
  standardExposure(standard: "5g-nr", knownAt: $at) {{ kind entity {{ id }} }}
  mandatoryStandards(jurisdiction: "china", technology: "electric-vehicles", knownAt: $at) {{
    scope standard {{ id }} }}
  screen{SCREEN_ARGS} {{ {SCREENED} }}
  screenConnection{SCREEN_ARGS} {{ totalCount edges {{ node {{ {SCREENED} }} }} }}
}}"""


def _second_load(graph: Graph) -> Graph:
    kept = {
        rid: r
        for rid, r in graph.relations.items()
        if r.source not in DROPPED and r.target not in DROPPED
    }
    return Graph(entities=dict(graph.entities), relations=kept, sources=dict(graph.sources))


def _versions() -> list[Graph]:
    first = curated_graph()
    return [first, _second_load(first)]


def _fresh(version: int) -> dict[str, Any]:
    return answer_of_one_version(_versions()[version - 1], QUESTION)


def _client(kind: str, request: pytest.FixtureRequest) -> tuple[ApiClient, GraphStore]:
    return story_client(kind, request, _versions())


@pytest.mark.parametrize("store_kind", STORES)
def test_analyses_answer_as_the_graph_was_known_then(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    client, store = _client(store_kind, request)
    then, now = _fresh(1), _fresh(2)
    for field in then:
        assert then[field] != now[field], f"{field}: the second load changes nothing"
    assert then["exposures"]["totalCount"] > 0 and then["chokepoints"]["knownSuppliers"] > 0
    assert then["screen"][0]["candidates"][0]["listings"]
    assert client.data(QUESTION, at="1") == then
    loaded = {v.number: v.loaded_at.isoformat() for v in store.versions()}
    assert client.data(QUESTION, at=loaded[1]) == then
    assert client.data(QUESTION) == now
    assert client.data(QUESTION, at="2") == now


def test_an_unknown_version_is_the_same_clear_error_on_every_field() -> None:
    store = EmbeddedStore(SCHEMA)
    store.load(curated_graph())
    client = make_client(store, SCHEMA)
    for field in (
        'exposures(policy: "us-entity-list", knownAt: "7") { totalCount }',
        'chokepoints(technology: "euv-lithography", knownAt: "7") { hhi }',
        'standardsOf(firm: "xiaomi", knownAt: "7") { role }',
        'screen(entities: [{name: "Huawei"}], knownAt: "7") { name }',
    ):
        error = client.error("{ " + field + " }")
        assert error["extensions"]["code"] == "UNKNOWN_VERSION", field
        assert "knownAt" in error["message"]
