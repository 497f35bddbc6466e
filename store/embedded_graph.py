"""The embedded store's in-memory structures: typed adjacency and a search index built
off the load's path.

- :class:`Adjacency` holds, for every entity and relation type, its outgoing and incoming
  relations in id order. Plain sequences of the shared, frozen
  :class:`~ontology.model.Relation` objects cost a few pointers per fact, so a typed
  expansion touches only the relations of the wanted types and a million relations
  index in seconds, in a fraction of the memory a general graph library's per-edge
  attribute dicts take.
- :class:`LazySearchIndex` builds the name index of a state on a thread of its own once
  the state exists, so a load is done (and the store answers every other question) without
  waiting for it; the first search waits for it instead. At a million relations the
  index is a third of the store's build time and no traversal needs it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ontology.model import Entity, Relation
from store.search_index import SearchIndex

Adjacent = Mapping[tuple[str, str], Sequence[Relation]]
"""``(entity id, relation type) -> relations`` on one side, each in id order."""


@dataclass(frozen=True)
class Adjacency:
    """Every relation reachable from each entity, by side and type, in id order."""

    out: Adjacent
    inc: Adjacent
    types_out: Mapping[str, tuple[str, ...]]  # entity id -> types it has outgoing
    types_in: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(cls, relations: Iterable[Relation]) -> Adjacency:
        """Index ``relations`` (given in id order, so every list comes out sorted).

        The lists are never changed after this; they stay lists because copying a
        million of them into tuples costs time and memory for nothing."""
        out: dict[tuple[str, str], list[Relation]] = {}
        inc: dict[tuple[str, str], list[Relation]] = {}
        out_get, inc_get = out.get, inc.get
        for rel in relations:
            key = (rel.source, rel.type)
            found = out_get(key)
            if found is None:
                out[key] = [rel]
            else:
                found.append(rel)
            key = (rel.target, rel.type)
            found = inc_get(key)
            if found is None:
                inc[key] = [rel]
            else:
                found.append(rel)
        return cls(out=out, inc=inc, types_out=_types(out), types_in=_types(inc))

    def side(
        self, node: str, types: Iterable[str] | None, outgoing: bool
    ) -> Iterator[Sequence[Relation]]:
        """The id-ordered relations of ``node`` on one side, one sequence per type."""
        table, present = (self.out, self.types_out) if outgoing else (self.inc, self.types_in)
        for rtype in present.get(node, ()) if types is None else types:
            found = table.get((node, rtype))
            if found:
                yield found


def _types(table: Mapping[tuple[str, str], object]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for node, rtype in table:
        found = grouped.get(node)
        if found is None:
            grouped[node] = [rtype]
        else:
            found.append(rtype)
    return {node: tuple(types) for node, types in grouped.items()}


class LazySearchIndex:
    """The search index of one set of entities, built once, by whoever asks first.

    :meth:`start` builds it on a daemon thread right away; :meth:`get` returns it, building
    it (or waiting for the thread that is) when it is not there yet. A build that fails
    is raised to every caller of :meth:`get` until one succeeds, never hidden.
    """

    def __init__(self, entities: Iterable[Entity]) -> None:
        self._entities: Iterable[Entity] | None = entities
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, index: SearchIndex) -> LazySearchIndex:
        """An index that is already built."""
        lazy = cls(())
        lazy._index, lazy._entities = index, None
        return lazy

    def start(self) -> None:
        """Build the index in the background (errors surface in :meth:`get`)."""
        if self._index is None:
            threading.Thread(target=self._build_quietly, name="search-index", daemon=True).start()

    def _build_quietly(self) -> None:
        # A failure is raised again by the next get(), which builds anew.
        with contextlib.suppress(Exception):
            self.get()

    def get(self) -> SearchIndex:
        index = self._index
        if index is not None:
            return index
        with self._lock:
            if self._index is None:
                assert self._entities is not None
                self._index = SearchIndex.build(self._entities)
                self._entities = None  # the state keeps the entities; no second reference
            return self._index

    @property
    def ready(self) -> bool:
        return self._index is not None
