"""GraphQL root fields ``screen`` and ``screenConnection`` (its results a page at a time):
names screened against the graph (:mod:`store.screening`).

The ``Query`` root inherits :class:`ScreeningFields`. Each input gives its best candidates
with a score and the features that matched, the listings that name each candidate on
``asOf`` and its exposure to the chosen ``policies`` with the path of facts behind it.
The number of inputs, candidates and the exposure depth are checked against the limits
before the store is asked; screening only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import strawberry

from api.context import Info
from api.known_time import KnownAtArgument
from api.known_time import known_at as read_known_at
from api.loaders import offload
from api.page_types import page_of
from api.types import Connection, EntityNode, ExposureNode, entity_field, is_entity_id
from ontology.errors import BadRequest, NotFound
from store.screening import (
    DEFAULT_CANDIDATES,
    DEFAULT_THRESHOLD,
    Listing,
    ScreenCandidate,
    ScreenInput,
    ScreenResult,
    screen,
)

MAX_INPUTS = 1000
MAX_CANDIDATES = 20
DEFAULT_DEPTH = 2
DEFAULT_SCREEN_FIRST = 100


@strawberry.input(name="ScreenInput", description="A name to screen, as a supplier file gives it.")
class ScreenInputNode:
    name: str
    country: str | None = None
    identifiers: list[str] | None = strawberry.field(
        default=None, description="Identifiers such as a Wikidata id (Q...)."
    )


@strawberry.type(name="ScreenListing", description="A listing that names a candidate.")
class ScreenListingNode:
    policy_id: strawberry.ID
    policy_name: str
    relation_id: strawberry.ID
    valid_from: date | None
    valid_to: date | None
    citation: str | None

    @classmethod
    def of(cls, li: Listing) -> ScreenListingNode:
        return cls(
            policy_id=strawberry.ID(li.policy),
            policy_name=li.policy_name,
            relation_id=strawberry.ID(li.relation),
            valid_from=li.valid_from,
            valid_to=li.valid_to,
            citation=li.citation,
        )


@strawberry.type(name="ScreenExposure", description="How a chosen policy reaches a candidate.")
class ScreenExposureNode:
    policy_id: strawberry.ID
    exposure: ExposureNode


@strawberry.type(name="ScreenCandidate")
class ScreenCandidateNode:
    entity_id: strawberry.ID
    name: str
    kind: str
    score: float
    features: list[str] = strawberry.field(
        description="The evidence of the match, each with its contribution."
    )
    listings: list[ScreenListingNode]
    exposures: list[ScreenExposureNode]

    @strawberry.field(description="The candidate entity.")
    def entity(self, info: Info) -> EntityNode:
        return entity_field(info.context, str(self.entity_id))

    @classmethod
    def of(cls, c: ScreenCandidate) -> ScreenCandidateNode:
        return cls(
            entity_id=strawberry.ID(c.entity),
            name=c.name,
            kind=c.kind,
            score=c.score,
            features=list(c.features),
            listings=[ScreenListingNode.of(li) for li in c.listings],
            exposures=[
                ScreenExposureNode(
                    policy_id=strawberry.ID(pe.policy), exposure=ExposureNode.of(pe.exposure)
                )
                for pe in c.exposures
            ],
        )


@strawberry.type(name="ScreenResult")
class ScreenResultNode:
    name: str
    country: str | None
    candidates: list[ScreenCandidateNode]

    @classmethod
    def of(cls, r: ScreenResult) -> ScreenResultNode:
        return cls(
            name=r.input.name,
            country=r.input.country,
            candidates=[ScreenCandidateNode.of(c) for c in r.candidates],
        )


@strawberry.type(
    name="ScreenResultConnection",
    description="A page of screening results, one per input in the inputs' order.",
)
class ScreenResultConnection(Connection[ScreenResultNode]):
    total_count: int = strawberry.field(description="The number of inputs.")


@dataclass(frozen=True)
class _Screening:
    """A screening request with its arguments checked against the limits."""

    inputs: list[ScreenInput]
    as_of: date | None
    policies: list[str]
    depth: int
    candidates: int
    threshold: float

    @classmethod
    def of(
        cls,
        info: Info,
        entities: list[ScreenInputNode],
        as_of: date | None,
        policies: list[strawberry.ID] | None,
        max_depth: int | None,
        candidates: int | None,
        threshold: float | None,
    ) -> _Screening:
        ctx = info.context
        if len(entities) > MAX_INPUTS:
            raise BadRequest(f"entities: at most {MAX_INPUTS} names per request")
        count = DEFAULT_CANDIDATES if candidates is None else candidates
        if not 1 <= count <= MAX_CANDIDATES:
            raise BadRequest(f"candidates: between 1 and {MAX_CANDIDATES}")
        depth = ctx.limits.check_depth(
            DEFAULT_DEPTH if max_depth is None else max_depth, "maxDepth"
        )
        for policy in policies or ():
            if not is_entity_id(str(policy)):
                raise NotFound(f"no entity with id {str(policy)[:100]!r}")
        inputs = [
            ScreenInput(
                " ".join(e.name.split())[:500],
                e.country,
                tuple(e.identifiers or ()),
                i,
            )
            for i, e in enumerate(entities, start=1)
        ]
        return cls(
            inputs=inputs,
            as_of=as_of,
            policies=[str(p) for p in policies or ()],
            depth=depth,
            candidates=count,
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
        )

    async def run(self, info: Info, inputs: list[ScreenInput]) -> list[ScreenResultNode]:
        ctx = info.context
        results = await offload(
            screen,
            ctx.store,
            ctx.schema,
            inputs,
            as_of=self.as_of,
            policies=self.policies,
            max_depth=self.depth,
            candidates=self.candidates,
            threshold=self.threshold,
        )
        return [ScreenResultNode.of(r) for r in results]


@strawberry.type
class ScreeningFields:
    @strawberry.field(
        description=(
            "Screen names against the graph: per input the best candidates with scores and "
            "matched features, the listings naming each on asOf, and its exposure to the "
            "given policies with paths. Reads only."
        )
    )
    async def screen(
        self,
        info: Info,
        entities: list[ScreenInputNode],
        as_of: date | None = None,
        policies: list[strawberry.ID] | None = None,
        max_depth: int | None = DEFAULT_DEPTH,
        candidates: int | None = DEFAULT_CANDIDATES,
        threshold: float | None = DEFAULT_THRESHOLD,
        known_at: KnownAtArgument = None,
    ) -> list[ScreenResultNode]:
        await read_known_at(info.context, known_at)
        request = _Screening.of(info, entities, as_of, policies, max_depth, candidates, threshold)
        return await request.run(info, request.inputs)

    @strawberry.field(
        description=(
            "`screen` a page at a time: the results of the inputs `first` after `after`, "
            "in the inputs' order, with the number of inputs as `totalCount`. Only the "
            "page's inputs are screened; each input's result is the one `screen` gives."
        )
    )
    async def screen_connection(
        self,
        info: Info,
        entities: list[ScreenInputNode],
        as_of: date | None = None,
        policies: list[strawberry.ID] | None = None,
        max_depth: int | None = DEFAULT_DEPTH,
        candidates: int | None = DEFAULT_CANDIDATES,
        threshold: float | None = DEFAULT_THRESHOLD,
        first: int | None = DEFAULT_SCREEN_FIRST,
        after: str | None = None,
        known_at: KnownAtArgument = None,
    ) -> ScreenResultConnection:
        await read_known_at(info.context, known_at)
        request = _Screening.of(info, entities, as_of, policies, max_depth, candidates, threshold)
        count = info.context.limits.check_first(DEFAULT_SCREEN_FIRST if first is None else first)
        page = page_of(request.inputs, after, count)
        results = await request.run(info, page.items)
        return page.connection(ScreenResultConnection, results)
