"""``techsov diff``: two versions compared, with the exposure lists that changed, the same
on both stores."""

from __future__ import annotations

import json

import pytest

from ontology.model import Entity, Graph, Source
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.graph_diff import diff_versions
from store.history_log import UnknownVersion
from store.neo4j_store import Neo4jStore
from techsov.diff_command import render_diff
from tests.test_analysis import DAY, ENTITIES, RELATIONS, RULES, SCHEMA, rel

STORES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def _versions() -> tuple[Graph, Graph]:
    """v2: TSMC starts supplying ASML (so it is exposed to the export control upstream of
    ASML) and the control no longer names ``listed``."""
    v1 = Graph.of(
        [Entity(id=i, kind=k, name=i.title()) for i, k in ENTITIES]
        + [Entity(id=i, kind="PolicyRule", name=i, attributes=a) for i, a in RULES.items()],
        RELATIONS,
        [Source(id="src", title="test")],
    )
    relations = [r for r in v1.relations.values() if r.id != "ec--names--listed"]
    v2 = Graph.of(v1.entities.values(), [*relations, rel("tsmc", "supplies", "asml")], [
        *v1.sources.values()
    ])  # fmt: skip
    return v1, v2


def _store(kind: str, request: pytest.FixtureRequest) -> GraphStore:
    if kind == "embedded":
        return EmbeddedStore(SCHEMA)
    return Neo4jStore(request.getfixturevalue("neo4j_db"), database="neo4j", schema=SCHEMA)


@pytest.mark.parametrize("store_kind", STORES)
def test_diff_counts_the_changes_and_names_who_became_exposed(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    store = _store(store_kind, request)
    for graph in _versions():
        store.load(graph)
    found = diff_versions(store, SCHEMA, 1, 2, as_of=DAY, max_depth=2)
    assert dict(found.by_kind) == {("relation", "added"): 1, ("relation", "retracted"): 1}
    assert dict(found.by_relation_type) == {("supplies", "added"): 1, ("names", "retracted"): 1}
    assert [(c.change, c.id) for c in found.changes] == [
        ("retracted", "ec--names--listed"),
        ("added", "tsmc--supplies--asml"),
    ]
    (shift,) = [s for s in found.exposure if s.policy == "ec"]
    assert (shift.became_exposed, shift.stopped) == (["tsmc"], ["listed"])
    assert "mic" not in {s.policy for s in found.exposure}
    as_json = json.loads(render_diff(found, as_json=True))
    assert as_json["exposure"][0]["became_exposed"] == ["tsmc"]
    table = render_diff(found, as_json=False)
    assert "tsmc--supplies--asml" in table and "Exposure lists that changed" in table
    assert diff_versions(store, SCHEMA, 2, 2).changes == []
    with pytest.raises(UnknownVersion):
        diff_versions(store, SCHEMA, 1, 3)
