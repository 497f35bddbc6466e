"""The one query interface every graph store implements.

It is deliberately small: lookups by id, search, paged relations, and one traversal
primitive (:meth:`GraphStore.edges`). The analyst questions (exposure, dependencies,
policy impact, path) are written once on top of these primitives in
:mod:`store.analysis`, so the Neo4j store and the embedded store give the same answers by
construction, and each request costs a number of round trips bounded by its parameters
(depths), never by the size of its result.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ontology.model import Entity, Graph, Relation, Source

if TYPE_CHECKING:
    from store.history import FactChange, GraphVersion
    from store.listing import EntityPage, EntityQuery

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during long work (loads)."""


class Direction(enum.Enum):
    """Which relations of a node to follow: outgoing, incoming, or both."""

    OUT = "OUT"
    IN = "IN"
    BOTH = "BOTH"


@dataclass(frozen=True)
class SearchHit:
    """One search result and why it matched (see :mod:`store.search_index`)."""

    entity_id: str
    score: float
    matched_name: str | None = None
    matched_field: str | None = None
    match_type: str | None = None
    explanation: str | None = None


@dataclass(frozen=True)
class RelationPage:
    """One page of a node's relations, ordered by relation id."""

    items: list[Relation]
    total: int
    has_next: bool


@dataclass
class ChangeCount:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass
class LoadSummary:
    """What a load changed (or, with ``dry_run``, would change)."""

    entities: ChangeCount = field(default_factory=ChangeCount)
    relations: ChangeCount = field(default_factory=ChangeCount)
    sources: ChangeCount = field(default_factory=ChangeCount)
    dry_run: bool = False

    @classmethod
    def unchanged(cls, counts: dict[str, int]) -> LoadSummary:
        """The summary of a load that found everything (``counts``) already stored."""
        return cls(
            entities=ChangeCount(unchanged=counts["entities"]),
            relations=ChangeCount(unchanged=counts["relations"]),
            sources=ChangeCount(unchanged=counts["sources"]),
        )

    @property
    def changed(self) -> bool:
        return any(
            c.created or c.updated or c.removed
            for c in (self.entities, self.relations, self.sources)
        )


@runtime_checkable
class GraphStore(Protocol):
    """A graph of validated facts that the API and the exports read from.

    Contract shared by all implementations (the conformance tests hold them to it):

    - ``load`` replaces the whole graph with ``graph`` atomically: either every fact of
      ``graph`` is stored and every fact not in it is gone, or (on any error) the store
      holds exactly what it held before. Loading the same graph twice changes nothing.
    - Results that are lists are in a deterministic order: by id unless stated otherwise.
    - A relation is *valid at* ``as_of`` when ``valid_from <= as_of <= valid_to``
      (missing bounds are open); ``as_of=None`` keeps every relation.
    - Unknown ids are simply absent from results; they are not errors.
    - Store outages raise :class:`ontology.errors.StoreUnavailable`.
    """

    engine: str  # "neo4j" or "embedded": which storage engine answers

    def load(
        self,
        graph: Graph,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
    ) -> LoadSummary: ...

    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers a trivial query."""

    def counts(self) -> dict[str, int]:
        """``{"entities": n, "relations": n, "sources": n}``."""

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        """Batch lookup (one round trip for any number of ids)."""

    def sources(self, ids: Sequence[str]) -> dict[str, Source]:
        """Batch lookup of provenance sources."""

    def search(self, query: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
        """Entities whose name, localized names, aliases, id or pinyin match ``query``.

        Word-based and ranked, as :mod:`store.search_index` defines it (1.0 when a whole
        name equals the query; all words in any order, by prefix for the last one or
        within a small edit distance; Chinese by substring, traditional folded to
        simplified). Each hit names the field that matched and how. ``kinds`` keeps
        entities that are of any of these classes or their subclasses. Order: score
        descending, then id ascending; at most ``first`` hits.
        """

    def list_entities(self, query: EntityQuery) -> EntityPage:
        """A page of the entities matching ``query`` and how many match in all (see
        :mod:`store.listing`): one round trip."""

    def relations(
        self,
        entity_ids: Sequence[str],
        direction: Direction,
        types: Sequence[str] | None,
        first: int,
        after: str | None,
    ) -> dict[str, RelationPage]:
        """For each entity, a page of its relations ordered by relation id.

        ``types`` are ontology relation names (``supplies``); ``after`` is a relation id:
        the page starts after it. ``total`` counts all matching relations of the entity.
        One round trip for all ``entity_ids`` (they feed a DataLoader).
        """

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
    ) -> list[Relation]:
        """All relations of the given types that touch any of ``node_ids`` on the given
        side (OUT: the node is the relation's source; IN: its target; BOTH: either),
        valid at ``as_of``, ordered by relation id, without duplicates. ``types=None``
        means every type. The traversal primitive of :mod:`store.analysis`: one round
        trip per call.
        """

    def snapshot(self) -> Graph:
        """Every entity, relation and source: what exports read."""

    # Known time (see store.history): every load that changes the graph is a version.

    def versions(self) -> list[GraphVersion]:
        """Every version, oldest first (empty before the first load)."""

    def version_at(self, when: datetime) -> int | None:
        """The version known at ``when``: the last loaded at or before it (None: none)."""

    def graph_at(self, known_at: int) -> Graph:
        """The whole graph as known at version ``known_at`` (UnknownVersion if none)."""

    def changes(self, since: int, until: int | None = None) -> list[FactChange]:
        """What versions ``since`` (exclusive) to ``until`` (inclusive; None: the latest)
        changed, ordered by version, then fact kind, then id."""

    def at_version(self, version: int) -> GraphStore:
        """The store as known at ``version``: itself at the latest version, else a
        read-only in-memory store of :meth:`graph_at` (the same on every store)."""

    def close(self) -> None: ...
