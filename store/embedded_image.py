"""Everything the embedded store builds from a graph, as one object that can be kept.

Starting the embedded store from a graph costs more than reading the graph: the facts are
put in id order and checked, the typed adjacency is built and the search index (the most
expensive part: every name, alias and pinyin reading of every entity) is made. A
:class:`StoreImage` is all of that, finished; :meth:`store.embedded_store.EmbeddedStore.
load_image` publishes one without doing any of it again. The graph cache
(:mod:`techsov.graph_cache`) keeps images, so a restart on unchanged inputs is one read of
a file in which the facts, their adjacency and the index share their objects (pickle
writes a shared object once), instead of a read followed by the whole build.

The parts are built with the cyclic garbage collector paused: they are millions of new
objects, none of which can be garbage yet, and every batch of them would otherwise start
a collection that walks all those made before.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from ontology.errors import LoadFailed
from ontology.model import Entity, Graph, Relation, Source
from store.embedded_graph import Adjacency
from store.search_index import SearchIndex

_T = TypeVar("_T")

Over = Callable[[str, Sequence[Any]], Iterator[Any]]
"""``(stage, items) -> items``: how a caller follows the stages (progress reports)."""


def _quietly(stage: str, items: Sequence[_T]) -> Iterator[_T]:
    return iter(items)


@dataclass(frozen=True)
class StoreImage:
    """A graph in id order with its adjacency and, when made, its search index."""

    entities: dict[str, Entity]
    relations: dict[str, Relation]
    sources: dict[str, Source]
    adjacency: Adjacency
    index: SearchIndex | None = None

    @property
    def graph(self) -> Graph:
        """The image's facts as a graph (the same dicts: read them, do not change them)."""
        return Graph(entities=self.entities, relations=self.relations, sources=self.sources)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (see the module docstring), as it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def prepare(graph: Graph, *, searchable: bool, over: Over = _quietly) -> StoreImage:
    """The image of ``graph``; raises :class:`LoadFailed` for a graph that cannot be
    stored (a key that differs from its object's id, a relation to an unknown entity).
    The search index is made only when ``searchable``."""
    with collector_paused():
        entities = _by_id(graph.entities, "entity")
        relations = _by_id(graph.relations, "relation")
        sources = _by_id(graph.sources, "source")
        for _ in over("entities", list(entities.values())):
            pass  # entities are plain lookups; the stage only keeps progress reports complete
        for rel in over("relations", list(relations.values())):
            if rel.source not in entities or rel.target not in entities:
                # A fact about an unknown entity is a broken graph, not something to store.
                missing = [end for end in (rel.source, rel.target) if end not in entities]
                raise LoadFailed(f"relation {rel.id} links unknown entities: {', '.join(missing)}")
        adjacency = Adjacency.build(relations.values())
        for _ in over("sources", list(sources.values())):
            pass  # sources are plain lookups; the stage only keeps progress reports complete
        index = SearchIndex.build(entities.values()) if searchable else None
    return StoreImage(entities, relations, sources, adjacency, index)


def _by_id(items: Mapping[str, _T], what: str) -> dict[str, _T]:
    """Copy ``items`` in id order, refusing a key that differs from the object's id
    (the stored graph would otherwise not equal the loaded one)."""
    out: dict[str, _T] = {}
    for key in sorted(items):
        item_id = getattr(items[key], "id", None)
        if item_id != key:
            raise LoadFailed(f"{what} stored under key {key!r} has id {item_id!r}")
        out[key] = items[key]
    return out
