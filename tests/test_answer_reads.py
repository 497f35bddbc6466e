"""Shared reads answer exactly as the store does, and note the nearest boundaries of
every relation read, valid or not, whether the nodes were read before or not."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ontology.model import Relation
from ontology.schema import default_schema
from store.answer_reads import SharedReads, after
from store.base import Direction
from store.embedded_store import EmbeddedStore
from tests.random_graphs import EPOCH, random_graph

SCHEMA = default_schema()
GRAPH = random_graph(SCHEMA, 11)
STORE = EmbeddedStore.traversal_reader(GRAPH, SCHEMA)
NODES = [*sorted(GRAPH.entities), "nobody"]
TYPES = sorted({r.type for r in GRAPH.relations.values()})
DAYS = st.builds(lambda n: EPOCH + timedelta(days=n), st.integers(-30, 4000))

QUERY = st.tuples(
    st.lists(st.sampled_from(NODES), min_size=1, max_size=6),
    st.one_of(st.none(), st.lists(st.sampled_from(TYPES), min_size=1, max_size=3)),
    st.sampled_from(list(Direction)),
    st.one_of(st.none(), DAYS),
)


def _expected_bounds(rels: list[Relation], day: date) -> tuple[date | None, date | None]:
    bounds = {b for r in rels for b in (r.valid_from, after(r.valid_to)) if b is not None}
    before = [b for b in bounds if b <= day]
    later = [b for b in bounds if b > day]
    return (max(before) if before else None), (min(later) if later else None)


@settings(max_examples=150, deadline=None)
@given(st.lists(QUERY, min_size=1, max_size=8), DAYS)
def test_shared_reads_equal_the_store_and_its_nearest_boundaries(
    queries: list[tuple[list[str], list[str] | None, Direction, date | None]], day: date
) -> None:
    reads = SharedReads(STORE)
    for nodes, types, direction, as_of in queries * 2:  # the second round reads the cache
        got, bounds = reads.read(nodes, types, direction, as_of, day)
        assert [r.id for r in got] == [r.id for r in STORE.edges(nodes, types, direction, as_of)]
        assert bounds == _expected_bounds(STORE.edges(nodes, types, direction, None), day)


def test_a_relation_between_two_nodes_read_together_comes_out_once() -> None:
    rel = next(r for r in GRAPH.relations.values() if r.source != r.target)
    reads = SharedReads(STORE)
    got, _ = reads.read([rel.source, rel.target], [rel.type], Direction.BOTH, None, EPOCH)
    assert [r.id for r in got].count(rel.id) == 1
