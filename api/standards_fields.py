"""GraphQL root fields for the standards questions (:mod:`store.standards`,
:mod:`store.firm_standards`, :mod:`store.standards_exposure`).

The ``Query`` root inherits :class:`StandardsFields`, so these fields sit beside the
others and follow the same pattern: arguments checked against the limits before any store
call, the question run in a worker thread, and what the query shows of the paths (their
entities, their sources) prefetched in one batch per kind. Every answer carries the path
of facts that explains it, each fact with its provenance.
"""

from __future__ import annotations

from datetime import date

import strawberry

from api.context import Info
from api.known_time import KnownAtArgument
from api.known_time import known_at as read_known_at
from api.loaders import offload
from api.prefetch import asks_for, prefetch_relations
from api.types import (
    EntityNode,
    RelationNode,
    SourceNode,
    entity_field,
    is_entity_id,
    relation_path,
    source_field,
)
from ontology.errors import BadRequest, NotFound
from store import firm_standards, standards, standards_exposure
from store.standards import Path

DEFAULT_STANDARDS_FIRST = 100


def _id(entity_id: str) -> str:
    if not is_entity_id(entity_id):
        raise NotFound(f"no entity with id {entity_id[:100]!r}")
    return entity_id


def _maybe(info: Info, entity_id: str | None) -> EntityNode | None:
    return entity_field(info.context, entity_id) if entity_id else None


@strawberry.type(name="StandardRole", description="An actor's part in a standard, with its path.")
class StandardRoleNode:
    role: str = strawberry.field(
        description="develops, promotes, publishes, member (role), committee or parent body."
    )
    path: list[RelationNode]
    entity_id: strawberry.Private[str]

    @strawberry.field
    def entity(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.entity_id)


@strawberry.type(
    name="SepHolder",
    description=(
        "A declaration of essential patents in a standard, as one study reports it: the "
        "published share of declared families (comparable only within its study), the rank, "
        "the year and what the study counts. Declared is not verified essential."
    ),
)
class SepHolderNode:
    share: float | None
    rank: int | None
    year: int | None
    counts: str
    path: list[RelationNode]
    holder_id: strawberry.Private[str]
    jurisdiction_id: strawberry.Private[str | None]

    @strawberry.field
    def holder(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.holder_id)

    @strawberry.field(description="The holder's headquarters (null when not known).")
    def jurisdiction(self, info: Info) -> EntityNode | None:
        return _maybe(info, self.jurisdiction_id)


@strawberry.type(
    name="SepShare",
    description="Shares of declared families summed by jurisdiction within one study.",
)
class SepShareNode:
    counts: str
    year: int | None
    share: float
    holder_ids: strawberry.Private[tuple[str, ...]]
    source_ids: strawberry.Private[tuple[str, ...]]
    jurisdiction_id: strawberry.Private[str | None]

    @strawberry.field(description="Null: declarants whose headquarters are not known.")
    def jurisdiction(self, info: Info) -> EntityNode | None:
        return _maybe(info, self.jurisdiction_id)

    @strawberry.field
    def holders(self, info: Info) -> list[EntityNode]:
        return [entity_field(info.context, h) for h in self.holder_ids]

    @strawberry.field(description="The publications that report the study.")
    def sources(self, info: Info) -> list[SourceNode]:
        return [source_field(info.context, s) for s in self.source_ids]


@strawberry.type(name="StandardMandate", description="Where a standard is mandatory.")
class MandateNode:
    scope: str | None
    path: list[RelationNode]
    jurisdiction_id: strawberry.Private[str]
    standard_id: strawberry.Private[str]

    @strawberry.field
    def jurisdiction(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.jurisdiction_id)

    @strawberry.field
    def standard(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.standard_id)


@strawberry.type(
    name="StandardInfluence",
    description="Who shapes a standard (with its parts): bodies, contributors, patent holders.",
)
class StandardInfluenceNode:
    bodies: list[StandardRoleNode]
    contributors: list[StandardRoleNode]
    sep_holders: list[SepHolderNode]
    sep_shares_by_jurisdiction: list[SepShareNode]
    mandates: list[MandateNode]
    standard_id: strawberry.Private[str]
    part_ids: strawberry.Private[list[str]]

    @strawberry.field
    def standard(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.standard_id)

    @strawberry.field(description="Releases and parts the answer covers (partOf).")
    def parts(self, info: Info) -> list[EntityNode]:
        return [entity_field(info.context, p) for p in self.part_ids]

    @classmethod
    def of(cls, found: standards.StandardInfluence) -> StandardInfluenceNode:
        return cls(
            bodies=[_role(r) for r in found.bodies],
            contributors=[_role(r) for r in found.contributors],
            sep_holders=[
                SepHolderNode(
                    share=h.share,
                    rank=h.rank,
                    year=h.year,
                    counts=h.counts,
                    path=relation_path(h.path),
                    holder_id=h.holder,
                    jurisdiction_id=h.jurisdiction,
                )
                for h in found.sep_holders
            ],
            sep_shares_by_jurisdiction=[
                SepShareNode(
                    counts=s.counts,
                    year=s.year,
                    share=s.share,
                    holder_ids=s.holders,
                    source_ids=s.sources,
                    jurisdiction_id=s.jurisdiction,
                )
                for s in found.shares_by_jurisdiction
            ],
            mandates=[_mandate(m) for m in found.mandates],
            standard_id=found.standard,
            part_ids=found.parts,
        )


def _role(r: standards.Role) -> StandardRoleNode:
    return StandardRoleNode(role=r.role, path=relation_path(r.path), entity_id=r.entity)


def _mandate(m: standards.Mandate) -> MandateNode:
    return MandateNode(
        scope=m.scope,
        path=relation_path(m.path),
        jurisdiction_id=m.jurisdiction,
        standard_id=m.standard,
    )


@strawberry.type(
    name="FirmStandard",
    description=(
        "A standard in a firm's life: implements, product-implements, "
        "declares-essential-patents, develops, promotes, member-of-body (a body it sits in "
        "writes it) or must-implement (mandatory where it sells, for what its products use)."
    ),
)
class FirmStandardNode:
    role: str
    path: list[RelationNode]
    standard_id: strawberry.Private[str]
    jurisdiction_id: strawberry.Private[str | None]

    @strawberry.field
    def standard(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.standard_id)

    @strawberry.field(description="must-implement: where the standard is mandatory.")
    def jurisdiction(self, info: Info) -> EntityNode | None:
        return _maybe(info, self.jurisdiction_id)


@strawberry.type(
    name="StandardExposure",
    description=(
        "A product or organization that must implement a mandated standard where it sells "
        "(`must-implement`), or an implementer whose jurisdiction is not the one holding the "
        "largest share of the standard's declared essential patents in a study "
        "(`foreign-essential-patents`)."
    ),
)
class StandardExposureNode:
    kind: str
    path: list[RelationNode]
    study: str | None = strawberry.field(description="What the study counts, and its year.")
    share: float | None = strawberry.field(description="The leading jurisdiction's share.")
    entity_id: strawberry.Private[str]
    standard_id: strawberry.Private[str]
    jurisdiction_id: strawberry.Private[str]

    @strawberry.field
    def entity(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.entity_id)

    @strawberry.field
    def standard(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.standard_id)

    @strawberry.field(description="Where it is mandatory, or where the patents mostly sit.")
    def jurisdiction(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.jurisdiction_id)


@strawberry.type(
    name="MandatoryStandard",
    description="A standard mandatory in a jurisdiction, directly or through a policy.",
)
class MandatoryStandardNode:
    scope: str | None
    path: list[RelationNode]
    standard_id: strawberry.Private[str]
    jurisdiction_id: strawberry.Private[str]
    technology_id: strawberry.Private[str | None]

    @strawberry.field
    def standard(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.standard_id)

    @strawberry.field
    def jurisdiction(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.jurisdiction_id)

    @strawberry.field(description="The technology it governs that the filter matched.")
    def technology(self, info: Info) -> EntityNode | None:
        return _maybe(info, self.technology_id)


async def _prefetch(info: Info, paths: list[Path], also: list[str]) -> None:
    await prefetch_relations(info, [r for p in paths for r in p], "path", also=also)


@strawberry.type
class StandardsFields:
    """Root fields of the standards questions; ``Query`` inherits them."""

    @strawberry.field(
        description=(
            "Who shapes a standard and its parts: the bodies that write or publish it, the "
            "actors that develop or promote it, the declared essential-patent holders and "
            "their shares summed by jurisdiction within each study, and where it is mandatory."
        )
    )
    async def standard_influence(
        self,
        info: Info,
        standard: strawberry.ID,
        as_of: date | None = None,
        known_at: KnownAtArgument = None,
    ) -> StandardInfluenceNode:
        await read_known_at(info.context, known_at)
        ctx = info.context
        found = await offload(
            standards.standard_influence, ctx.store, ctx.schema, _id(standard), as_of=as_of
        )
        rels = [r for g in (found.bodies, found.contributors) for x in g for r in x.path]
        rels += [r for h in found.sep_holders for r in h.path]
        rels += [r for m in found.mandates for r in m.path]
        await ctx.prefetch(
            entity_ids=[
                found.standard,
                *found.parts,
                *(e for r in rels for e in (r.source, r.target)),
            ],
            source_ids=[p.source for r in rels for p in r.provenance],
        )
        return StandardInfluenceNode.of(found)

    @strawberry.field(
        description=(
            "What a firm (with its direct subsidiaries) implements, declares essential "
            "patents in, develops, promotes, helps write through a body, and must implement "
            "where it sells; each with its path."
        )
    )
    async def standards_of(
        self,
        info: Info,
        firm: strawberry.ID,
        as_of: date | None = None,
        first: int | None = DEFAULT_STANDARDS_FIRST,
        known_at: KnownAtArgument = None,
    ) -> list[FirmStandardNode]:
        await read_known_at(info.context, known_at)
        ctx = info.context
        count = ctx.limits.check_first(DEFAULT_STANDARDS_FIRST if first is None else first)
        found = await offload(
            firm_standards.standards_of, ctx.store, ctx.schema, _id(firm), as_of=as_of
        )
        found = found[:count]
        also = [f.standard for f in found] if asks_for(info, "standard") else []
        await _prefetch(info, [f.path for f in found], also)
        return [
            FirmStandardNode(
                role=f.role,
                path=relation_path(f.path),
                standard_id=f.standard,
                jurisdiction_id=f.jurisdiction,
            )
            for f in found
        ]

    @strawberry.field(
        description=(
            "Give a policy or a standard. Products and firms that must implement a mandated "
            "standard where they sell (the policy's, or the standard's and its parts'), and "
            "for a standard also the implementers whose jurisdiction is not the one holding "
            "the largest share of its declared essential patents in a study."
        )
    )
    async def standard_exposure(
        self,
        info: Info,
        policy: strawberry.ID | None = None,
        standard: strawberry.ID | None = None,
        as_of: date | None = None,
        first: int | None = DEFAULT_STANDARDS_FIRST,
        known_at: KnownAtArgument = None,
    ) -> list[StandardExposureNode]:
        await read_known_at(info.context, known_at)
        ctx = info.context
        count = ctx.limits.check_first(DEFAULT_STANDARDS_FIRST if first is None else first)
        if (policy is None) == (standard is None):
            raise BadRequest("give exactly one of policy and standard")
        found = await offload(
            standards_exposure.standard_exposure,
            ctx.store,
            ctx.schema,
            policy=None if policy is None else _id(policy),
            standard=None if standard is None else _id(standard),
            as_of=as_of,
        )
        found = found[:count]
        also = [e.entity for e in found] if asks_for(info, "entity") else []
        await _prefetch(info, [e.path for e in found], also)
        return [
            StandardExposureNode(
                kind=e.basis,
                path=relation_path(e.path),
                study=e.study,
                share=e.share,
                entity_id=e.entity,
                standard_id=e.standard,
                jurisdiction_id=e.jurisdiction,
            )
            for e in found
        ]

    @strawberry.field(
        description=(
            "Standards mandatory in a jurisdiction, directly or through a policy applying "
            "there; with technology, those governing it, a wider technology it belongs to, or "
            "one of its components (an EV's battery)."
        )
    )
    async def mandatory_standards(
        self,
        info: Info,
        jurisdiction: strawberry.ID,
        technology: strawberry.ID | None = None,
        as_of: date | None = None,
        first: int | None = DEFAULT_STANDARDS_FIRST,
        known_at: KnownAtArgument = None,
    ) -> list[MandatoryStandardNode]:
        await read_known_at(info.context, known_at)
        ctx = info.context
        count = ctx.limits.check_first(DEFAULT_STANDARDS_FIRST if first is None else first)
        found = await offload(
            standards_exposure.mandatory_standards,
            ctx.store,
            ctx.schema,
            _id(jurisdiction),
            technology=None if technology is None else _id(technology),
            as_of=as_of,
        )
        found = found[:count]
        also = [m.standard for m in found] if asks_for(info, "standard") else []
        await _prefetch(info, [m.path for m in found], also)
        return [
            MandatoryStandardNode(
                scope=m.scope,
                path=relation_path(m.path),
                standard_id=m.standard,
                jurisdiction_id=m.jurisdiction,
                technology_id=m.technology,
            )
            for m in found
        ]
