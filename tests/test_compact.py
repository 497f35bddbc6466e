"""Sharing a graph's equal parts changes no value and survives the graph cache's pickle."""

from __future__ import annotations

import pickle
from datetime import date

from ontology.model import Entity, Graph, LocalizedName, Provenance, Relation, Source
from ontology.schema import default_schema
from store.base import Direction
from store.compact import share
from store.embedded_store import EmbeddedStore


def _graph() -> Graph:
    entities = [
        Entity(id=f"firm-{i}", kind="Organization", name=f"Firm {i}", attributes={"n": i})
        for i in range(4)
    ]
    entities.append(
        Entity(
            id="tech",
            kind="Technology",
            name="Tech",
            names=(LocalizedName(lang="zh", value="技术"),),
        )
    )
    relations = [
        Relation(
            id=f"r{i}",
            type="supplies",
            source=f"firm-{i}",
            target=f"firm-{(i + 1) % 4}",
            confidence=0.8,
            valid_from=date(2020, 1, 1),
            provenance=(Provenance(source="src", evidence="a supplier"),),
        )
        for i in range(4)
    ]
    relations.append(
        Relation(
            id="r-tech",
            type="produces",
            source="firm-0",
            target="tech",
            confidence=1.0,
            properties={"share": 0.5},
            provenance=(Provenance(source="src"),),
        )
    )
    return Graph.of(entities, relations, [Source(id="src", title="A source")])


def test_sharing_changes_no_value() -> None:
    graph = _graph()
    before = {r.id: r.model_dump() for r in graph.relations.values()}
    before_entities = {e.id: e.model_dump() for e in graph.entities.values()}
    assert share(graph) is graph
    assert graph == _graph()
    assert {r.id: r.model_dump() for r in graph.relations.values()} == before
    assert {e.id: e.model_dump() for e in graph.entities.values()} == before_entities
    assert {r.id: r.model_dump(exclude_unset=True) for r in graph.relations.values()} == {
        r.id: r.model_dump(exclude_unset=True) for r in _graph().relations.values()
    }


def test_equal_parts_become_one_object_and_pickling_keeps_them_so() -> None:
    graph = pickle.loads(pickle.dumps(share(_graph())))
    rels = [graph.relations[f"r{i}"] for i in range(4)]
    assert len({id(r.provenance) for r in rels}) == 1
    assert len({id(r.__pydantic_fields_set__) for r in rels}) == 1
    assert len({id(r.valid_from) for r in rels}) == 1
    for rel in graph.relations.values():  # endpoints are the entities' own id strings
        source_key = next(k for k in graph.entities if k == rel.source)
        assert rel.source is source_key


def test_equal_dicts_become_one_and_unequal_ones_stay_apart() -> None:
    graph = share(_graph())
    empty = [graph.relations[f"r{i}"].properties for i in range(4)]
    assert len({id(p) for p in empty}) == 1
    assert graph.relations["r-tech"].properties == {"share": 0.5}
    attributes = [e.attributes for e in graph.entities.values()]
    assert len({id(a) for a in attributes}) == len(attributes)  # {"n": i}, {}: all differ
    twins = Graph.of(
        [
            Entity(id=f"e{i}", kind="Organization", name="E", attributes={"n": n})
            for i, n in enumerate((1, 1.0, 1))
        ],
        [],
        [],
    )
    share(twins)
    a, b, c = (twins.entities[f"e{i}"].attributes for i in range(3))
    assert a is c and a is not b and type(b["n"]) is float


def test_a_shared_dict_stays_unchanged_across_loads_and_questions() -> None:
    graph = share(_graph())
    shared = graph.relations["r0"].properties
    store = EmbeddedStore(default_schema())
    store.load(graph)
    store.search("firm", None, 10)
    store.relations(["firm-0", "firm-1"], Direction.BOTH, None, 10, None)
    store.edges(["firm-0"], None, Direction.OUT, date(2021, 1, 1))
    changed = graph.relations["r0"].model_copy(update={"confidence": 0.5})
    relations = [changed if r.id == "r0" else r for r in graph.relations.values()]
    store.load(Graph.of(graph.entities.values(), relations, graph.sources.values()))
    store.load(share(pickle.loads(pickle.dumps(graph))))
    store.snapshot()
    store.graph_at(1)
    store.changes(1)
    assert shared == {}
    assert all(graph.relations[f"r{i}"].properties is shared for i in range(4))
    assert graph == _graph()
