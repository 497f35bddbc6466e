"""An in-process graph store: the whole graph in memory, nothing to install or start.

It exists so that the CLI, the API and the tests can answer every question without a
Neo4j server. It implements the same :class:`store.base.GraphStore` contract as the Neo4j
store, so :mod:`store.analysis` gives the same answers on either.

Design:

- The graph is held as typed adjacency (:class:`store.embedded_graph.Adjacency`): for
  every entity and relation type, its outgoing and incoming relations in id order.
- Equal parts of the facts (field-name sets, provenance, endpoint ids, dates) are one
  object each when the graph comes through the graph cache (:mod:`store.compact`), which
  is what lets a million relations fit in well under 1.5 GB.
- Everything a load produces (graph, lookup dicts, search index - the last built on a
  thread of its own once the state is published) is bundled in one
  immutable :class:`_State`. A load builds a new state completely off to the side and
  publishes it with a single attribute assignment, so a reader sees either the old or the
  new graph, never a half-built one, and a failing load leaves the old state in place.
- Readers take no lock: each call reads ``self._state`` once (an atomic reference read)
  and works on that snapshot to the end, which is what makes concurrent requests from the
  API's thread pool safe while a reload runs.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, TypeVar

from ontology.errors import LoadFailed, TechsovError
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import Schema
from store import listing
from store.analysis import Exposure
from store.answers import (
    ANSWER_DEPTH,
    ANSWER_FIRST,
    POLICY,
    ExposureAnswers,
    Today,
    cut,
    policies_of,
    top_exposures,
)
from store.base import (
    ChangeCount,
    Direction,
    LoadSummary,
    ProgressCallback,
    RelationPage,
    SearchHit,
)
from store.embedded_graph import Adjacency, LazySearchIndex
from store.embedded_history import History
from store.embedded_image import StoreImage, prepare
from store.history import FactChange, GraphVersion
from store.history_log import VersionReaders, version_at
from store.listing import EntityPage, EntityQuery
from store.search_index import SearchIndex

PROGRESS_EVERY = 10_000
"""Items between two progress reports: often enough for a live bar, rare enough to be free."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class _State:
    """One complete, never-mutated version of the stored graph."""

    graph: Adjacency
    entities: Mapping[str, Entity]
    relations: Mapping[str, Relation]
    sources: Mapping[str, Source]
    index: LazySearchIndex  # built off the load's path (see store.embedded_graph)
    answers: ExposureAnswers | None = None  # today's exposures (see store.answers)
    # Answers computed on first use when they are not computed by the load:
    # (policy, day) -> top exposures. Filled by readers; a lost race computes twice.
    lazy: dict[tuple[str, date], tuple[Exposure, ...]] = field(default_factory=dict)
    version: int = 0  # which load published this state (see EmbeddedStore.version)
    history: History = field(default_factory=History)  # see store.embedded_history

    @classmethod
    def empty(cls) -> _State:
        return cls(
            graph=Adjacency.build(()),
            entities=MappingProxyType({}),
            relations=MappingProxyType({}),
            sources=MappingProxyType({}),
            index=LazySearchIndex.of(SearchIndex.empty()),
        )


@dataclass
class _Progress:
    """Throttled forwarding to the caller's progress callback."""

    callback: ProgressCallback | None
    every: int
    _stage: str = field(default="", init=False)
    _total: int = field(default=0, init=False)

    def over(self, stage: str, items: Sequence[_T]) -> Iterator[_T]:
        """Yield ``items``, reporting ``(stage, done, total)`` at the start, every
        :attr:`every` items and at the end."""
        total = len(items)
        self._report(stage, 0, total)
        for done, item in enumerate(items, start=1):
            yield item
            if done % self.every == 0 and done != total:
                self._report(stage, done, total)
        if total:
            self._report(stage, total, total)

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.callback is not None:
            self.callback(stage, done, total)


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> ChangeCount:
    """Count changes between two id-keyed collections; equal models are ``unchanged``."""
    count = ChangeCount()
    if not old:  # a first load: everything is new (and a million comparisons are saved)
        count.created = len(new)
        return count
    for key, value in new.items():
        if key not in old:
            count.created += 1
        elif old[key] == value:
            count.unchanged += 1
        else:
            count.updated += 1
    count.removed = sum(1 for key in old if key not in new)
    return count


def _build(graph: Graph, progress: _Progress, *, searchable: bool = True) -> _State:
    """Build a complete state from ``graph``; raises rather than return a partial one.
    Without ``searchable`` the search index stays empty (a reader for traversals only);
    with it, the index is built once the state is published (EmbeddedStore.load) or on
    the first search."""
    image = prepare(graph, searchable=False, over=progress.over)
    index = (
        LazySearchIndex(image.entities.values())
        if searchable
        else LazySearchIndex.of(SearchIndex.empty())
    )
    return _state_of(image, index)


def _state_of(image: StoreImage, index: LazySearchIndex) -> _State:
    return _State(
        graph=image.adjacency,
        entities=MappingProxyType(image.entities),
        relations=MappingProxyType(image.relations),
        sources=MappingProxyType(image.sources),
        index=index,
    )


class EmbeddedStore:
    """The :class:`store.base.GraphStore` that lives in the current process."""

    engine = "embedded"

    def __init__(
        self,
        schema: Schema,
        *,
        today: Today = date.today,
        precompute: bool = True,
        eager: bool = False,
    ) -> None:
        """``precompute`` keeps today's exposure answers (see :mod:`store.answers`):
        ``eager`` computes them all as part of each load; otherwise (the default) each
        policy's answer is computed on its first request and kept for the rest of the
        day and the life of the graph, so start-up does not wait for every policy of a
        large graph, while a repeated question costs one lookup either way."""
        self._schema = schema
        self._state = _State.empty()
        self._today = today
        self._precompute = precompute
        self._eager = eager
        self._versions = itertools.count(1)
        self._readers: VersionReaders[int, EmbeddedStore] = VersionReaders(self._reader_at)
        # Serializes loads, so each summary is computed against the state it replaces.
        # Readers never take it.
        self._lock = threading.Lock()

    @classmethod
    def traversal_reader(
        cls, graph: Graph, schema: Schema, *, searchable: bool = False
    ) -> EmbeddedStore:
        """A store over ``graph`` that answers lookups and traversals (and search when
        ``searchable``), with no stored answers: what another store computes its stored
        answers on, and what serves the graph as known at an earlier version."""
        reader = cls(schema, precompute=False)
        reader._state = _build(graph, _Progress(None, PROGRESS_EVERY), searchable=searchable)
        return reader

    # -- writing -------------------------------------------------------------------------

    def load(
        self,
        graph: Graph,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
        digest: str | None = None,
    ) -> LoadSummary:
        """Replace the stored graph with ``graph`` atomically (see the module docstring).

        A load that changes the graph records a new version in the known-time history
        (:mod:`store.embedded_history`), published with the graph; ``digest`` names the
        input it was read from.

        The new state is built even for a dry run, so a dry run fails exactly when the
        real load would. Unexpected errors (including one raised by ``progress``) are
        reported as :class:`LoadFailed`; the previous graph stays in place either way.
        """
        with self._lock:
            try:
                new = _build(graph, _Progress(progress, PROGRESS_EVERY))
            except TechsovError:
                raise
            except Exception as exc:
                raise LoadFailed(f"embedded load failed, nothing changed: {exc}") from exc
            return self._publish(new, graph, dry_run, progress, digest)

    def load_image(
        self,
        image: StoreImage,
        *,
        progress: ProgressCallback | None = None,
        digest: str | None = None,
    ) -> LoadSummary:
        """:meth:`load` of a graph already built (see :mod:`store.embedded_image`): the
        image's parts are published as they are, so this costs no more than the summary
        and the history; a search index missing from the image is built as in :meth:`load`."""
        index = (
            LazySearchIndex(image.entities.values())
            if image.index is None
            else LazySearchIndex.of(image.index)
        )
        with self._lock:
            return self._publish(_state_of(image, index), image.graph, False, progress, digest)

    def _publish(
        self,
        new: _State,
        graph: Graph,
        dry_run: bool,
        progress: ProgressCallback | None,
        digest: str | None,
    ) -> LoadSummary:
        """Publish ``new`` (built from ``graph``) in one assignment; the caller holds the lock."""
        current = self._state
        summary = LoadSummary(
            entities=_diff(current.entities, new.entities),
            relations=_diff(current.relations, new.relations),
            sources=_diff(current.sources, new.sources),
            dry_run=dry_run,
        )
        if not dry_run:
            answered = self._answered(new, progress)
            history = current.history
            if summary.changed:
                history = history.advance(_graph(current), graph, digest)
            self._state = replace(answered, version=next(self._versions), history=history)
            self._state.index.start()
        return summary

    def _answered(self, state: _State, progress: ProgressCallback | None) -> _State:
        """``state`` with today's exposure answers (see :mod:`store.answers`), computed
        on that very state before it is published."""
        if not (self._precompute and self._eager):
            return state
        reader = EmbeddedStore(self._schema, precompute=False)
        reader._state = state
        kinds = {i: e.kind for i, e in state.entities.items()}
        answers = ExposureAnswers.compute(
            reader,
            self._schema,
            policies_of(self._schema, kinds),
            self._today(),
            progress=None if progress is None else lambda d, t: progress("answers", d, t),
        )
        return replace(state, answers=answers)

    def version(self) -> int:
        """A number that changes with every load: what answer caches are keyed by."""
        return self._state.version

    def answers(self) -> ExposureAnswers | None:
        """The stored answers of the current graph (for tests and the benchmark)."""
        return self._state.answers

    def stored_exposures(
        self, policy: str, *, max_depth: int, first: int, as_of: date | None
    ) -> list[Exposure] | None:
        state, today = self._state, self._today()
        if state.answers is not None:
            return state.answers.lookup(
                policy, max_depth=max_depth, first=first, as_of=as_of, today=today
            )
        if not self._precompute or as_of is not None:
            return None
        if max_depth > ANSWER_DEPTH or first > ANSWER_FIRST:
            return None
        found = state.entities.get(policy)
        if found is None or not self._schema.is_a(found.kind, POLICY):
            return None  # live evaluation gives the right error
        key = (policy, today)
        stored = state.lazy.get(key)
        if stored is None:
            reader = EmbeddedStore(self._schema, precompute=False)
            reader._state = state
            stored = state.lazy[key] = top_exposures(reader, self._schema, policy)
        return cut(stored, max_depth, first)

    # -- known time (see store.history) --------------------------------------------------

    def versions(self) -> list[GraphVersion]:
        return list(self._state.history.versions)

    def version_at(self, when: datetime) -> int | None:
        """The version known at ``when`` (``None``: no version yet then)."""
        return version_at(self.versions(), when)

    def graph_at(self, known_at: int) -> Graph:
        state = self._state
        return state.history.graph_at(_graph(state), known_at)

    def changes(self, since: int, until: int | None = None) -> list[FactChange]:
        state = self._state
        return state.history.changes(_graph(state), since, until)

    def at_version(self, version: int) -> EmbeddedStore:
        """This store as known at ``version``: itself at the latest version, else a
        read-only store of the graph as known then (a few kept, least recently used out)."""
        if version == self._state.history.latest:
            return self
        return self._readers.get(version)

    def _reader_at(self, version: int) -> EmbeddedStore:
        return EmbeddedStore.traversal_reader(self.graph_at(version), self._schema, searchable=True)

    # -- reading -------------------------------------------------------------------------

    def ping(self) -> None:
        """Never raises: an in-process store cannot be unreachable."""

    def counts(self) -> dict[str, int]:
        state = self._state
        return {
            "entities": len(state.entities),
            "relations": len(state.relations),
            "sources": len(state.sources),
        }

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        found = self._state.entities
        return {i: found[i] for i in ids if i in found}

    def sources(self, ids: Sequence[str]) -> dict[str, Source]:
        found = self._state.sources
        return {i: found[i] for i in ids if i in found}

    def search(self, query: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
        """See :meth:`store.base.GraphStore.search` and :mod:`store.search_index`."""
        allowed = (
            None
            if kinds is None
            else frozenset(sub for k in kinds for sub in self._schema.subclasses(k))
        )
        return self._state.index.get().search(query, allowed, first)

    def list_entities(self, query: EntityQuery) -> EntityPage:
        """See :mod:`store.listing`: conditions on relations first, then the rest."""
        state = self._state
        kind_of = self._schema.with_role(listing.KIND_OF)
        return listing.evaluate(query, state.entities, self.edges, kind_of)

    def relations(
        self,
        entity_ids: Sequence[str],
        direction: Direction,
        types: Sequence[str] | None,
        first: int,
        after: str | None,
    ) -> dict[str, RelationPage]:
        """Pages cost ``O(degree · log degree)`` per entity: the node's relations of the
        wanted types are merged in id order, then ``after`` is found by ``bisect``."""
        state = self._state
        pages: dict[str, RelationPage] = {}
        for entity_id in dict.fromkeys(entity_ids):
            if entity_id not in state.entities:
                continue
            matching = _incident(state.graph, [entity_id], types, direction, None)
            start = 0 if after is None else bisect_right([r.id for r in matching], after)
            end = start + max(first, 0)
            pages[entity_id] = RelationPage(
                items=matching[start:end],
                total=len(matching),
                has_next=end < len(matching),
            )
        return pages

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
    ) -> list[Relation]:
        state = self._state
        nodes = [n for n in dict.fromkeys(node_ids) if n in state.entities]
        return _incident(state.graph, nodes, types, direction, as_of)

    def snapshot(self) -> Graph:
        """A copy of the stored graph (the entity, relation and source objects are frozen
        and shared; the dicts are new, so callers may change them freely)."""
        state = self._state
        return Graph(
            entities=dict(state.entities),
            relations=dict(state.relations),
            sources=dict(state.sources),
        )

    def close(self) -> None:
        """Nothing to release: the graph lives exactly as long as this object."""


def _graph(state: _State) -> Graph:
    """The state's facts as a graph, without copying them (read only)."""
    return Graph(
        entities=state.entities,  # type: ignore[arg-type]
        relations=state.relations,  # type: ignore[arg-type]
        sources=state.sources,  # type: ignore[arg-type]
    )


def _incident(
    graph: Adjacency,
    nodes: Iterable[str],
    types: Sequence[str] | None,
    direction: Direction,
    as_of: date | None,
) -> list[Relation]:
    """Relations of the given types with a side in ``nodes``, valid at ``as_of``, in id
    order and without duplicates (with ``BOTH``, or several nodes, a relation between
    two of them would otherwise come out twice)."""
    wanted = None if types is None else tuple(dict.fromkeys(types))
    sides = {Direction.OUT: (True,), Direction.IN: (False,), Direction.BOTH: (True, False)}
    found: dict[str, Relation] = {}
    for node in nodes:
        for outgoing in sides[direction]:
            for group in graph.side(node, wanted, outgoing):
                for rel in group:
                    found[rel.id] = rel
    rels = [found[i] for i in sorted(found)]
    if as_of is None:
        return rels
    return [r for r in rels if r.valid_at(as_of)]
