"""GraphQL root fields of the change feed: ``graphVersions``, ``changes`` (a page at a time),
``exposureChanges`` and ``watchlist`` (:mod:`store.change_feed`).

``since`` is a version number (``"3"``) or an ISO date or timestamp (the version known
then). A changed fact is shown as it was before and after, from the history itself
(:class:`FactStateNode`), not from the live graph: a retracted relation or entity is no
longer there to look up. Only the entities an answer names that the latest graph still
holds resolve to ``Entity`` objects; ids are always given.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from api.context import Info
from api.identifiers import answer_for
from api.loaders import offload
from api.page_types import page_of
from api.types import Connection, EntityNode, SourceNode
from ontology.errors import BadRequest
from ontology.model import Relation
from store import change_feed
from store.change_feed import ExposureChange, HistoryStore, PolicyExposureChanges, WatchedEntity
from store.history import FactChange, GraphVersion

DEFAULT_CHANGES_FIRST = 100
DEFAULT_DEPTH = 2
MAX_WATCHED = 100
MAX_WATCHED_POLICIES = 20


@strawberry.enum(name="ChangeKind", description="How a fact changed between two versions.")
class ChangeKindEnum(enum.Enum):
    ADDED = "added"
    CHANGED = "changed"
    ENDED = "ended"
    RETRACTED = "retracted"
    MERGED = "merged"
    SPLIT = "split"


@strawberry.enum(name="FactKind", description="What a changed fact is.")
class FactKindEnum(enum.Enum):
    ENTITY = "entity"
    RELATION = "relation"
    SOURCE = "source"


@strawberry.enum(name="ExposureShift", description="Became exposed, or stopped being.")
class ExposureShiftEnum(enum.Enum):
    EXPOSED = "exposed"
    UNEXPOSED = "unexposed"


@strawberry.type(name="GraphVersion", description="One load that changed the graph.")
class GraphVersionNode:
    number: int
    loaded_at: datetime = strawberry.field(description="When the load committed (UTC).")
    digest: str | None = strawberry.field(description="The digest of the load's input.")
    entities: int
    relations: int
    sources: int

    @classmethod
    def of(cls, v: GraphVersion) -> GraphVersionNode:
        return cls(
            number=v.number,
            loaded_at=v.loaded_at,
            digest=v.digest,
            entities=v.entities,
            relations=v.relations,
            sources=v.sources,
        )


@strawberry.type(name="FactCitation", description="A citation of a fact as it was stored.")
class FactCitationNode:
    source_id: strawberry.ID
    evidence: str | None

    @strawberry.field(description="The cited source, when the latest graph still holds it.")
    async def source(self, info: Info) -> SourceNode | None:
        found = await info.context.loaders.sources.load(str(self.source_id))
        return None if found is None else SourceNode.of(found)


@strawberry.type(
    name="FactState",
    description=(
        "A fact as one version held it. Relations fill relationType, sourceId, targetId, "
        "validFrom, validTo, confidence and provenance; entities fill entityKind and name; "
        "sources fill title and url. `data` is the whole stored fact."
    ),
)
class FactStateNode:
    id: strawberry.ID
    data: JSON
    relation_type: str | None = None
    source_id: strawberry.ID | None = None
    target_id: strawberry.ID | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    confidence: float | None = None
    provenance: list[FactCitationNode] | None = None
    entity_kind: str | None = None
    name: str | None = None
    title: str | None = None
    url: str | None = None

    @classmethod
    def of(cls, kind: str, fact_id: str, payload: Mapping[str, object]) -> FactStateNode:
        data = cast(JSON, dict(payload))
        if kind == "relation":
            rel = Relation.model_validate(payload)
            return cls(
                id=strawberry.ID(fact_id),
                data=data,
                relation_type=rel.type,
                source_id=strawberry.ID(rel.source),
                target_id=strawberry.ID(rel.target),
                valid_from=rel.valid_from,
                valid_to=rel.valid_to,
                confidence=rel.confidence,
                provenance=[
                    FactCitationNode(source_id=strawberry.ID(p.source), evidence=p.evidence)
                    for p in rel.provenance
                ],
            )
        if kind == "entity":
            return cls(
                id=strawberry.ID(fact_id),
                data=data,
                entity_kind=_text(payload.get("kind")),
                name=_text(payload.get("name")),
            )
        return cls(
            id=strawberry.ID(fact_id),
            data=data,
            title=_text(payload.get("title")),
            url=_text(payload.get("url")),
        )

    @classmethod
    def of_relation(cls, rel: Relation) -> FactStateNode:
        return cls.of("relation", rel.id, rel.model_dump(mode="json"))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@strawberry.type(name="FactChange", description="One entry of the change feed.")
class FactChangeNode:
    version: int = strawberry.field(description="The version that made the change.")
    change: ChangeKindEnum
    kind: FactKindEnum
    id: strawberry.ID
    before: FactStateNode | None = strawberry.field(description="Null when added.")
    after: FactStateNode | None = strawberry.field(description="Null when retracted.")

    @classmethod
    def of(cls, c: FactChange) -> FactChangeNode:
        return cls(
            version=c.version,
            change=ChangeKindEnum(c.change),
            kind=FactKindEnum(c.kind),
            id=strawberry.ID(c.id),
            before=None if c.before is None else FactStateNode.of(c.kind, c.id, c.before),
            after=None if c.after is None else FactStateNode.of(c.kind, c.id, c.after),
        )


@strawberry.type(
    name="FactChangeConnection",
    description="A page of the changes after version `since` up to `until`, oldest first.",
)
class FactChangeConnection(Connection[FactChangeNode]):
    since: int = strawberry.field(description="The version `since` named.")
    until: int = strawberry.field(description="The latest version.")


async def _maybe_entity(info: Info, entity_id: str) -> EntityNode | None:
    return await info.context.maybe_entity(entity_id)


@strawberry.type(
    name="ExposureFeedEntry",
    description=(
        "A supplier that became exposed to a policy (`EXPOSED`, with its new path) or "
        "stopped being (`UNEXPOSED`, with its old path), and the changes to the facts of "
        "that path that caused it (empty when only the rule's reach changed)."
    ),
)
class ExposureChangeNode:
    policy_id: strawberry.ID
    supplier_id: strawberry.ID
    shift: ExposureShiftEnum
    kind: str
    depth: int
    score: float
    rule_version: strawberry.ID | None
    path: list[FactStateNode]
    causes: list[FactChangeNode]

    @strawberry.field(description="The supplier, when the latest graph still holds it.")
    async def supplier(self, info: Info) -> EntityNode | None:
        return await _maybe_entity(info, str(self.supplier_id))

    @classmethod
    def of(cls, x: ExposureChange) -> ExposureChangeNode:
        e = x.exposure
        return cls(
            policy_id=strawberry.ID(x.policy),
            supplier_id=strawberry.ID(x.supplier),
            shift=ExposureShiftEnum(x.shift),
            kind=e.basis,
            depth=e.depth,
            score=e.score,
            rule_version=strawberry.ID(e.rule_version) if e.rule_version else None,
            path=[FactStateNode.of_relation(r) for r in e.path],
            causes=[FactChangeNode.of(c) for c in x.causes],
        )


@strawberry.type(
    name="PolicyExposureChanges",
    description="Who a policy newly exposes and who it no longer exposes since a version.",
)
class PolicyExposureChangesNode:
    policy_id: strawberry.ID
    since: int
    until: int
    as_of: date = strawberry.field(description="The valid-time date both sides were evaluated on.")
    exposed: list[ExposureChangeNode]
    unexposed: list[ExposureChangeNode]

    @strawberry.field(description="The policy, when the latest graph still holds it.")
    async def policy(self, info: Info) -> EntityNode | None:
        return await _maybe_entity(info, str(self.policy_id))

    @classmethod
    def of(cls, p: PolicyExposureChanges) -> PolicyExposureChangesNode:
        return cls(
            policy_id=strawberry.ID(p.policy),
            since=p.since,
            until=p.until,
            as_of=p.as_of,
            exposed=[ExposureChangeNode.of(x) for x in p.exposed],
            unexposed=[ExposureChangeNode.of(x) for x in p.unexposed],
        )


@strawberry.type(name="WatchedEntity", description="What changed about one watched entity.")
class WatchedEntityNode:
    entity_id: strawberry.ID
    changes: list[FactChangeNode] = strawberry.field(
        description="Changes to the entity and to the relations linking it."
    )
    exposure_changes: list[ExposureChangeNode]

    @strawberry.field(description="The entity, when the latest graph still holds it.")
    async def entity(self, info: Info) -> EntityNode | None:
        return await _maybe_entity(info, str(self.entity_id))

    @classmethod
    def of(cls, w: WatchedEntity) -> WatchedEntityNode:
        return cls(
            entity_id=strawberry.ID(w.entity),
            changes=[FactChangeNode.of(c) for c in w.changes],
            exposure_changes=[ExposureChangeNode.of(x) for x in w.exposure_changes],
        )


def _changes_page(
    store: HistoryStore, since: str, after: str | None, first: int
) -> FactChangeConnection:
    number = change_feed.resolve_since(store, since)
    feed = store.changes(number)
    page = page_of(feed, after, first)
    return page.connection(
        FactChangeConnection,
        [FactChangeNode.of(c) for c in page.items],
        since=number,
        until=change_feed.latest_version(store),
    )


def _ids(values: Sequence[strawberry.ID] | None, limit: int, argument: str) -> list[str]:
    found = [str(v) for v in values or ()]
    if len(found) > limit:
        raise BadRequest(f"{argument}: at most {limit} ids per request")
    return found


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


SINCE_HELP = "a version number, or an ISO date or timestamp (the version known then)"


@strawberry.type
class HistoryFields:
    @strawberry.field(description="Every version of the graph: one per load that changed it.")
    async def graph_versions(self, info: Info) -> list[GraphVersionNode]:
        store = info.context.store
        return [GraphVersionNode.of(v) for v in await offload(store.versions)]

    @strawberry.field(
        description=(
            "The changes after version `since` (" + SINCE_HELP + ") up to the latest, "
            "oldest first: facts added, changed, ended (a valid-time end set), retracted, "
            "entities merged or split; a page at a time with the number of changes as "
            "`totalCount`."
        )
    )
    async def changes(
        self,
        info: Info,
        since: str,
        first: int | None = DEFAULT_CHANGES_FIRST,
        after: str | None = None,
    ) -> FactChangeConnection:
        ctx = info.context
        count = ctx.limits.check_first(_or(first, DEFAULT_CHANGES_FIRST))
        return await offload(_changes_page, ctx.store, since, after, count)

    @strawberry.field(
        description=(
            "Who became exposed to `policy` or stopped being between the graph as known at "
            "`since` (" + SINCE_HELP + ") and the latest graph, both evaluated on `asOf` "
            "(today by default), each with the changed facts on its path that caused it."
        )
    )
    async def exposure_changes(
        self,
        info: Info,
        policy: strawberry.ID,
        since: str,
        as_of: date | None = None,
        max_depth: int | None = DEFAULT_DEPTH,
    ) -> PolicyExposureChangesNode:
        ctx = info.context
        depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_DEPTH), "maxDepth")
        store = ctx.store
        number = await offload(change_feed.resolve_since, store, since)
        found = await answer_for(
            ctx,
            [(str(policy), "Policy", "policy")],
            lambda policy_id: offload(
                change_feed.exposure_changes,
                store,
                ctx.schema,
                policy_id,
                number,
                as_of=as_of,
                max_depth=depth,
            ),
        )
        return PolicyExposureChangesNode.of(found)

    @strawberry.field(
        description=(
            "Per watched entity (in the given order), the changes since `since` ("
            + SINCE_HELP
            + ") to it and to the relations linking it, and its exposure changes under "
            "`policies` (every policy of the graph when not given), evaluated on `asOf`."
        )
    )
    async def watchlist(
        self,
        info: Info,
        entities: list[strawberry.ID],
        since: str,
        policies: list[strawberry.ID] | None = None,
        as_of: date | None = None,
        max_depth: int | None = DEFAULT_DEPTH,
    ) -> list[WatchedEntityNode]:
        ctx = info.context
        depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_DEPTH), "maxDepth")
        watched = _ids(entities, MAX_WATCHED, "entities")
        chosen = None if policies is None else _ids(policies, MAX_WATCHED_POLICIES, "policies")
        store = ctx.store
        number = await offload(change_feed.resolve_since, store, since)
        arguments: list[tuple[str, str | None, str]] = [
            (e, None, f"entities[{i}]") for i, e in enumerate(watched)
        ]
        arguments += [(p, "Policy", f"policies[{i}]") for i, p in enumerate(chosen or ())]

        def run(*ids: str) -> list[WatchedEntity]:
            return change_feed.watchlist(
                store,
                ctx.schema,
                ids[: len(watched)],
                number,
                policies=None if chosen is None else ids[len(watched) :],
                as_of=as_of,
                max_depth=depth,
            )

        found = await answer_for(ctx, arguments, lambda *ids: offload(run, *ids))
        return [WatchedEntityNode.of(w) for w in found]
