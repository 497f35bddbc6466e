"""The Neo4j implementation of :class:`store.base.GraphStore`.

Storage model (what Browser, Bloom and hand-written Cypher see):

- an entity is a node labelled with its kind and every ancestor kind
  (``:Entity:Policy:ExportControl``) holding ``id, kind, name, names_lang, names_value,
  aliases, wikidata, description``, its attributes as individual properties (dates as
  Neo4j dates), ``search_keys`` (the :func:`ontology.model.normalize`\\d names) and
  ``search_text`` (what the full-text index reads);
- a relation is a relationship of the ontology's Neo4j type (``SUPPLIES``) holding ``id,
  confidence, valid_from, valid_to``, its qualifiers as individual properties, and its
  provenance as two parallel lists ``prov_source`` / ``prov_evidence`` ("" = no evidence);
- a provenance source is a ``:Source`` node.

Every stored object carries ``hash``, a digest of the object it was written from, so a load
can tell in one read which facts changed and rewrite only those. All Cypher lives in
:mod:`store.neo4j_queries`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, LiteralString, TypeVar, cast

import neo4j
from neo4j.api import BookmarkManager

from ontology.errors import LoadFailed, StoreUnavailable
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import Schema
from store import neo4j_dependencies, neo4j_history, neo4j_listing, neo4j_search
from store import neo4j_history_queries as hq
from store import neo4j_path as qp
from store import neo4j_queries as q
from store.analysis import Dependency, Exposure
from store.answer_jobs import AnswerJob
from store.answers import ANSWER_DEPTH, ANSWER_FIRST, Today, policies_of
from store.base import (
    Direction,
    LoadSummary,
    ProgressCallback,
    RelationPage,
    SearchHit,
)
from store.embedded_store import EmbeddedStore
from store.exposure_results import Evaluation
from store.history import FactChange, GraphVersion
from store.history_log import VersionReaders, version_at
from store.listing import EntityPage, EntityQuery
from store.neo4j_answers import is_current, page_from
from store.neo4j_engine import Neo4jExposureEngine
from store.neo4j_errors import is_outage as _is_outage
from store.neo4j_errors import reason as _reason
from store.neo4j_load import (
    apply_plan,
    check_graph,
    load_error,
    plan_load,
    read_current,
)
from store.neo4j_records import (
    ENTITY_SEARCH_ONLY,
    entity_from,
    relation_from,
    source_from,
)
from store.rules import RuleVersion

_T = TypeVar("_T")


class Neo4jStore:
    """A :class:`store.base.GraphStore` over a Neo4j 5.26+ database.

    The driver is created and owned by the caller (one per process, shared by stores and
    health checks); :meth:`close` therefore leaves it open. Reads are single
    ``execute_query`` round trips routed to readers with ``query_timeout_s``; a load is one
    write transaction bounded by ``load_timeout_s``.
    """

    engine = "neo4j"

    def __init__(
        self,
        driver: neo4j.Driver,
        *,
        database: str,
        schema: Schema,
        query_timeout_s: float = 10.0,
        load_timeout_s: float = 600.0,
        batch_size: int = 2000,
        today: Today = date.today,
        precompute: bool = True,
        bookmark_manager: BookmarkManager | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self._driver = driver
        self._database = database
        self._schema = schema
        self._timeout = query_timeout_s
        self._load_timeout = load_timeout_s
        self._batch_size = batch_size
        self._today = today
        self._precompute = precompute
        # Causal consistency on a cluster: every read waits until the reader it is routed
        # to has caught up with the bookmarks this manager holds (the store's own loads,
        # and any a caller hands over from a load made elsewhere, see :meth:`bookmarks`).
        self._bookmarks = bookmark_manager or driver.execute_query_bookmark_manager
        self._type_names = {r.neo4j_type: r.name for r in schema.relations.values()}
        self._all_types = sorted(self._type_names)
        self._searcher = neo4j_search.Searcher(self._read)
        self._engine = Neo4jExposureEngine(
            self._read, schema, self._types, self._type_names, self._relation
        )
        self._readers = VersionReaders[tuple[int, datetime | None], EmbeddedStore](self._reader_at)

    # --- plumbing --------------------------------------------------------------------------

    @contextmanager
    def _outages(self) -> Iterator[None]:
        """Turn driver failures that mean "cannot serve now" into :class:`StoreUnavailable`;
        anything else (a bug) propagates unchanged."""
        try:
            yield
        except Exception as exc:
            if _is_outage(exc):
                raise StoreUnavailable(
                    f"Neo4j database {self._database!r} is unavailable ({_reason(exc)})"
                ) from exc
            raise

    def _read(self, text: str, params: Mapping[str, Any] | None = None) -> list[neo4j.Record]:
        """One read round trip, routed to a reader, bounded by the query timeout."""
        query = neo4j.Query(cast(LiteralString, text), timeout=self._timeout)
        with self._outages():
            result = self._driver.execute_query(
                query,
                dict(params or {}),
                database_=self._database,
                routing_=neo4j.RoutingControl.READ,
                bookmark_manager_=self._bookmarks,
            )
        return list(result.records)

    def _types(self, types: Sequence[str] | None) -> list[str]:
        """Ontology relation names to Neo4j types; unknown names match nothing."""
        if types is None:
            return self._all_types
        return [self._schema.relations[t].neo4j_type for t in types if t in self._schema.relations]

    def _relation(self, m: Mapping[str, Any]) -> Relation:
        return relation_from(m, self._type_names)

    # --- reads -----------------------------------------------------------------------------

    def ping(self) -> None:
        self._read(q.PING)

    def counts(self) -> dict[str, int]:
        record = self._read(q.COUNTS, {"types": self._all_types})[0]
        return {k: int(record[k]) for k in ("entities", "relations", "sources")}

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        if not ids:
            return {}
        records = self._read(q.ENTITIES_BY_ID, {"ids": list(dict.fromkeys(ids))})
        return {r["node"]["id"]: entity_from(r["node"]) for r in records}

    def sources(self, ids: Sequence[str]) -> dict[str, Source]:
        if not ids:
            return {}
        records = self._read(q.SOURCES_BY_ID, {"ids": list(dict.fromkeys(ids))})
        return {r["source"]["id"]: source_from(r["source"]) for r in records}

    def search(self, query: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
        """See :meth:`store.base.GraphStore.search` and :mod:`store.neo4j_search`."""
        return self._searcher.search(query, kinds, first)

    def list_entities(self, query: EntityQuery) -> EntityPage:
        """See :mod:`store.listing` and :mod:`store.neo4j_listing` (one statement)."""
        return neo4j_listing.list_entities(self._read, self._schema, query)

    def relations(
        self,
        entity_ids: Sequence[str],
        direction: Direction,
        types: Sequence[str] | None,
        first: int,
        after: str | None,
    ) -> dict[str, RelationPage]:
        if not entity_ids:
            return {}
        limit = max(first, 0)
        params = {
            "ids": list(dict.fromkeys(entity_ids)),
            "types": self._types(types),
            "after": after,
            "limit": limit + 1,
        }
        out: dict[str, RelationPage] = {}
        for r in self._read(q.relations_page_query(direction.value), params):
            items = [self._relation(m) for m in r["items"]]
            out[r["id"]] = RelationPage(
                items=items[:limit], total=int(r["total"]), has_next=len(items) > limit
            )
        return out

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
    ) -> list[Relation]:
        if not node_ids:
            return []
        params = {"ids": list(dict.fromkeys(node_ids)), "types": self._types(types), "as_of": as_of}
        records = self._read(q.edges_query(direction.value), params)
        return [self._relation(r["rel"]) for r in records]

    def snapshot(self) -> Graph:
        record = self._read(q.SNAPSHOT, {"types": self._all_types})[0]
        return Graph.of(
            entities=(entity_from(m) for m in record["entities"]),
            relations=(self._relation(m) for m in record["relations"]),
            sources=(source_from(m) for m in record["sources"]),
        )

    # --- known time (see store.history and store.neo4j_history) ----------------------------

    def versions(self) -> list[GraphVersion]:
        return neo4j_history.versions(self._read)

    def version_at(self, when: datetime) -> int | None:
        return version_at(self.versions(), when)

    def graph_at(self, known_at: int) -> Graph:
        return neo4j_history.graph_at(self._read, self._all_types, known_at, self._relation)

    def changes(self, since: int, until: int | None = None) -> list[FactChange]:
        return neo4j_history.changes(self._read, self._all_types, since, until, self._relation)

    def at_version(self, version: int) -> Neo4jStore | EmbeddedStore:
        """Itself at the latest version; else an in-memory reader of the graph as known
        then, the same as the embedded store's (a few kept, least recently used out)."""
        known = {v.number: v.loaded_at for v in self.versions()}
        if known and version == max(known):
            return self
        return self._readers.get((version, known.get(version)))

    def _reader_at(self, key: tuple[int, datetime | None]) -> EmbeddedStore:
        graph = self.graph_at(key[0])
        return EmbeddedStore.traversal_reader(graph, self._schema, searchable=True)

    def close(self) -> None:
        """Nothing to release: the driver belongs to whoever passed it in and may be shared
        (other stores, health checks), so closing it here would break them."""

    # --- schema ----------------------------------------------------------------------------

    def schema_statements(self) -> dict[str, str]:
        """The constraints and indexes this ontology needs, by name (see :mod:`.neo4j_queries`)."""
        statements = q.schema_statements(
            [*self._schema.entity_kinds, q.SOURCE_LABEL], self._all_types
        )
        attributes = neo4j_listing.attribute_indexes(self._schema)
        return {**statements, **attributes, **neo4j_search.SCHEMA, **hq.SCHEMA, **q.ANSWERS_SCHEMA}

    def ensure_schema(self) -> list[str]:
        """Create the missing constraints and indexes; return the names created.

        Everything is derived from the ontology (a uniqueness constraint on ``id`` per
        entity kind and for sources, an ``id`` index per relationship type, a range index
        per entity attribute for list filters, the names full-text index, the stored
        answers' policy index), so a new class in the Turtle gets its constraint on the
        next load. Existing names are read first, so an up-to-date database costs one
        round trip; the missing ones are created in a single transaction (schema commands
        may share one, as long as it writes no data). Indexes are not awaited: no query of
        this store depends on them being online, only on the constraints, which are.
        """
        wanted = self.schema_statements()
        existing = set(self._read(q.EXISTING_SCHEMA_NAMES)[0]["names"])
        missing = [name for name in wanted if name not in existing]
        if not missing:
            return []

        @neo4j.unit_of_work(timeout=self._load_timeout)
        def create(tx: neo4j.ManagedTransaction) -> None:
            for name in missing:
                tx.run(cast(LiteralString, wanted[name])).consume()

        with self._outages(), self._session() as session:
            session.execute_write(create)
        # Search reads its full-text indexes: wait until new ones are online.
        self._read(neo4j_search.AWAIT_INDEXES, {"seconds": int(self._load_timeout)})
        return missing

    # --- load ------------------------------------------------------------------------------

    def load(
        self,
        graph: Graph,
        *,
        dry_run: bool = False,
        progress: ProgressCallback | None = None,
        digest: str | None = None,
    ) -> LoadSummary:
        """Make the database hold exactly ``graph``, in one transaction.

        The diff is computed against the state read inside that same transaction, so it
        cannot be stale; only changed objects are written. Any failure rolls everything
        back and raises :class:`LoadFailed` (:class:`StoreUnavailable` when the database
        cannot be reached). ``dry_run`` reads, diffs and writes nothing.

        ``digest`` names the input ``graph`` was read from (a hash of its files): when
        the database holds the graph of that very digest, with today's answers, the load
        returns at once, reporting everything unchanged. A load without one clears it.
        """
        if digest is not None and not dry_run and self._holds(digest):
            return LoadSummary.unchanged(self.counts())
        check_graph(self._schema, graph)
        if dry_run:
            return self._dry_run(graph)

        try:
            self.ensure_schema()
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise LoadFailed(
                f"could not create the schema, nothing was loaded: {_reason(exc)}"
            ) from exc

        kinds = {i: e.kind for i, e in graph.entities.items()}
        policies = policies_of(self._schema, kinds)
        answers = AnswerJob(graph, self._schema, policies, self._today(), progress=progress)

        @neo4j.unit_of_work(timeout=self._load_timeout)
        def work(tx: neo4j.ManagedTransaction) -> LoadSummary:
            current = read_current(tx)
            if progress:
                progress("read", 1, 1)
            plan = plan_load(self._schema, graph, current)
            if plan.summary.changed:
                if self._precompute:
                    answers.start()  # computed alongside the writes below
                sizes = {k: len(v) for k, v in vars(current).items()}
                counts = {k: len(getattr(graph, k)) for k in sizes}
                record = neo4j_history.record
                record(tx, plan.rows, counts, sizes, digest, self._batch_size, self._relation)
                apply_plan(tx, plan, self._batch_size, progress)
            self._store_answers(tx, plan.summary.changed, answers, digest)
            return plan.summary

        try:
            with answers, self._session() as session:
                return session.execute_write(work)
        except Exception as exc:
            raise load_error(self._database, exc, "load") from exc

    def _dry_run(self, graph: Graph) -> LoadSummary:
        """What :meth:`load` would change, read and diffed in a read transaction."""
        try:
            with self._session() as session:
                current = session.execute_read(read_current)
        except Exception as exc:
            raise load_error(self._database, exc, "dry run") from exc
        summary = plan_load(self._schema, graph, current).summary
        summary.dry_run = True
        return summary

    def version(self) -> str | None:
        """The stored graph's version, new with every load that changes it (``None``
        for a graph loaded without stored answers): what answer caches are keyed by."""
        version = self._read(q.GRAPH_STATE)[0]["version"]
        return None if version is None else str(version)

    def holds_input(self, digest: str) -> bool:
        """Whether the database holds the graph loaded from ``digest`` (see :meth:`load`),
        with today's answers: a caller may then skip reading the input at all."""
        return self._holds(digest)

    def _holds(self, digest: str) -> bool:
        """Whether the database holds the graph loaded from ``digest``, answers current."""
        state = self._read(q.GRAPH_STATE)[0]
        return bool(state["digest"] == digest and is_current(state["answers_on"], self._today()))

    def _store_answers(
        self,
        tx: neo4j.ManagedTransaction,
        changed: bool,
        rows: AnswerJob,
        digest: str | None,
    ) -> None:
        """Replace the stored answers and the graph's version, inside the load's
        transaction, when the graph changed or they are not today's; otherwise leave
        them untouched (a reload that changes nothing writes nothing but a new digest)."""
        state = tx.run(q.GRAPH_STATE).single(strict=True)
        today = self._today()
        fresh = state["version"] is not None and is_current(state["answers_on"], today)
        if not self._precompute:
            return
        if fresh and not changed:
            if digest != state["digest"]:
                tx.run(
                    q.SET_GRAPH_STATE,
                    version=state["version"],
                    answers_on=state["answers_on"],
                    digest=digest,
                ).consume()
            return
        version = uuid.uuid4().hex if changed or state["version"] is None else state["version"]
        rows.value.write(tx, max(1, self._batch_size // 20))
        tx.run(q.SET_GRAPH_STATE, version=version, answers_on=today, digest=digest).consume()

    def stored_exposures(
        self, policy: str, *, max_depth: int, first: int, as_of: date | None
    ) -> list[Exposure] | None:
        """Today's stored answer for ``policy`` in one read, or ``None`` when no stored
        answer holds it exactly (see :meth:`store.answers.ExposureAnswers.lookup`)."""
        found = self._stored_page(policy, max_depth, first, as_of, suppliers=False)
        return None if found is None else found[0]

    def stored_exposure_page(
        self, policy: str, *, max_depth: int, first: int, as_of: date | None
    ) -> tuple[list[Exposure], dict[str, Entity]] | None:
        """:meth:`stored_exposures` with the page's supplier entities, in the same read."""
        return self._stored_page(policy, max_depth, first, as_of, suppliers=True)

    def _stored_page(
        self, policy: str, max_depth: int, first: int, as_of: date | None, *, suppliers: bool
    ) -> tuple[list[Exposure], dict[str, Entity]] | None:
        if as_of is not None or max_depth > ANSWER_DEPTH or first > ANSWER_FIRST:
            return None
        params = {"policy": policy, "today": self._today(), "max_depth": max_depth,
                  "first": first, "suppliers": suppliers,
                  "unread": sorted(ENTITY_SEARCH_ONLY)}  # fmt: skip
        records = self._read(q.STORED_EXPOSURES, params)
        return page_from(records[0], self._relation) if records else None

    def evaluate_exposure(self, rule: RuleVersion | None, day: date, **options: Any) -> Evaluation:
        """Exposure to ``rule`` on ``day``, evaluated in the database (the keywords of
        :meth:`.neo4j_engine.Neo4jExposureEngine.evaluate`)."""
        return self._engine.evaluate(rule, day, **options)

    def rule_versions(self, policy: str) -> list[RuleVersion]:
        """``policy``'s rule versions, read once per graph version."""
        return self._engine.rule_versions(self, policy, self.version())

    def shortest_path(
        self,
        start: str,
        end: str,
        *,
        max_length: int,
        ways: Mapping[str, str] | None = None,
        day: date | None = None,
    ) -> tuple[bool, list[Relation] | None]:
        """:func:`store.analysis.shortest_path`: the relations around both ends in one
        statement, the tie-break applied to them (:mod:`.neo4j_path`). ``ways`` maps relation
        types to ``forward``/``backward``/``both`` (``None``: every type, both ways);
        ``day`` keeps relations valid then. Returns ``(answered, path)``: not answered
        when the query cannot take the question (a length beyond its literal bound, a
        path to itself), which the caller then evaluates live."""
        if start == end or not 1 <= max_length <= q.PATH_MAX_LENGTH:
            return False, None
        found = qp.shortest_path(self._read, self._relation, self._schema, start, end,
                                 max_length=max_length, ways=ways, day=day)  # fmt: skip
        return True, found

    def firm_dependencies(self, firm: str, *, max_depth: int, day: date) -> list[Dependency]:
        """:func:`store.analysis.dependencies` in two reads (:mod:`.neo4j_dependencies`)."""
        read, schema, types, relation = self._read, self._schema, self._types, self._relation
        return neo4j_dependencies.dependencies(read, schema, types, relation, firm,
                                               max_depth=max_depth, day=day)  # fmt: skip

    def bookmarks(self) -> list[str]:
        """The bookmarks of the newest writes this store made or was told of.

        Handing them to a store on another driver (another process, another machine) as
        ``neo4j.GraphDatabase.bookmark_manager(initial_bookmarks=...)`` makes its reads
        wait for a cluster member that has those writes, e.g. an API replica after a load.
        """
        return sorted(self._bookmarks.get_bookmarks())

    def _session(self) -> neo4j.Session:
        # Share the reads' bookmark manager so reads right after a load see it.
        return self._driver.session(database=self._database, bookmark_manager=self._bookmarks)
