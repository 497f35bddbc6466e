"""Root fields for exposure answers that say what produced them: ``exposure`` (the answer
with its date, rule version and beneficiaries), ``exposureDiff`` (between two dates or two
rule versions) and ``whatIf`` (a hypothetical rule evaluated without writing anything).

They live in their own class, which the ``Query`` root inherits from, so the exposure
contract grows here without touching the other root fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

import strawberry

from api.context import Info
from api.identifiers import answer_for
from api.known_time import KnownAtArgument
from api.known_time import known_at as read_known_at
from api.loaders import offload
from api.prefetch import asks_for, prefetch_relations
from api.rule_inputs import PolicyRuleInput, build_rule, checked_id
from api.types import (
    DependencyNode,
    EntityNode,
    ExposureNode,
    PolicyImpactNode,
    RelationNode,
    relation_path,
)
from ontology.model import Entity
from ontology.schema import Schema
from store import analysis, questions
from store.base import GraphStore
from store.exposure_results import Beneficiary, Evaluation
from store.rules import RuleVersion

DEFAULT_FIRST = 100
DEFAULT_DEPTH = 3
DEFAULT_EXPOSURE_FIRST = DEFAULT_FIRST
DEFAULT_MAX_DEPTH = DEFAULT_DEPTH


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


@strawberry.type(name="RuleCoverage", description="An item a rule covers, and how far.")
class CoverageNode:
    include_narrower: bool
    include_components: bool
    item_id: strawberry.Private[str]

    @strawberry.field
    async def item(self, info: Info) -> EntityNode:
        return await info.context.entity(self.item_id)


@strawberry.type(
    name="RuleVersion",
    description=(
        "One version of a policy's machine-readable rule (null id: a hypothetical rule). "
        "direction: restricts-exporters, cuts-off-users, both, promotes-domestic, grants, "
        "lists; action: enacts, amends, suspends, rescinds."
    ),
)
class RuleVersionNode:
    id: strawberry.ID | None
    direction: str
    action: str
    in_force_from: date | None
    in_force_to: date | None
    ownership_threshold: float | None
    reach: str
    amends: strawberry.ID | None
    coverage: list[CoverageNode]
    max_tiers: int | None = strawberry.field(
        description=(
            "How many supply or ownership tiers the rule's exposure travels beyond those it "
            "reaches directly (null: as many as asked; 0: only those, as an investment ban)."
        )
    )
    rule: strawberry.Private[RuleVersion]

    @classmethod
    def of(cls, rule: RuleVersion) -> RuleVersionNode:
        return cls(
            id=strawberry.ID(rule.id) if rule.id else None,
            direction=rule.direction,
            action=rule.action,
            in_force_from=rule.in_force_from,
            in_force_to=rule.in_force_to,
            ownership_threshold=rule.ownership_threshold,
            reach=rule.reach,
            amends=strawberry.ID(rule.amends) if rule.amends else None,
            coverage=[
                CoverageNode(
                    include_narrower=c.include_narrower,
                    include_components=c.include_components,
                    item_id=c.item,
                )
                for c in rule.covers
            ],
            max_tiers=rule.max_tiers,
            rule=rule,
        )

    @strawberry.field
    async def excludes(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(list(self.rule.excludes))

    @strawberry.field
    async def imposed_by(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(list(self.rule.imposers))

    @strawberry.field(description="Target jurisdictions; none: every one outside the imposers.")
    async def applies_in(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(list(self.rule.targets))

    @strawberry.field
    async def invokes(self, info: Info) -> list[EntityNode]:
        return await info.context.entities([i for i, _ in self.rule.invokes])

    @strawberry.field
    async def exempts(self, info: Info) -> list[EntityNode]:
        return await info.context.entities([i for i, _ in self.rule.exempts])


@strawberry.type(
    name="Beneficiary",
    description=(
        "An organization a policy benefits and never exposes: reason benefits-from (a "
        "fact), exempted (by the rule: waiver holder, grant recipient), granted (named by a "
        "grant) or domestic (a domestic firm of a policy promoting domestic capability)."
    ),
)
class BeneficiaryNode:
    reason: str
    path: list[RelationNode]
    entity_id: strawberry.Private[str]

    @classmethod
    def of(cls, b: Beneficiary) -> BeneficiaryNode:
        return cls(reason=b.reason, path=relation_path(b.path), entity_id=b.entity)

    @strawberry.field
    async def entity(self, info: Info) -> EntityNode:
        return await info.context.entity(self.entity_id)


@strawberry.type(
    name="ExposureAnswer",
    description=(
        "Who a policy (or a hypothetical rule) exposes on one date, under which rule "
        "version, and who benefits instead. inForce false: nobody is exposed that day."
    ),
)
class ExposureAnswerNode:
    as_of: date
    in_force: bool
    rule_version: strawberry.ID | None = strawberry.field(
        description="Id of the governing rule version (null: none, or hypothetical)."
    )
    rule: RuleVersionNode | None
    exposures: list[ExposureNode]
    beneficiaries: list[BeneficiaryNode]
    policy_id: strawberry.Private[str | None]
    scope_ids: strawberry.Private[list[str]]

    @classmethod
    def of(cls, found: Evaluation) -> ExposureAnswerNode:
        return cls(
            as_of=found.as_of,
            in_force=found.in_force,
            rule_version=strawberry.ID(found.rule_version) if found.rule_version else None,
            rule=RuleVersionNode.of(found.rule) if found.rule is not None else None,
            exposures=[ExposureNode.of(e) for e in found.exposures],
            beneficiaries=[BeneficiaryNode.of(b) for b in found.beneficiaries],
            policy_id=found.policy,
            scope_ids=found.scope,
        )

    @strawberry.field
    async def policy(self, info: Info) -> EntityNode | None:
        return None if self.policy_id is None else await info.context.entity(self.policy_id)

    @strawberry.field(description="Technologies and products in the rule's scope.")
    async def scope(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(self.scope_ids)


@strawberry.type(name="ExposureChange", description="An exposure that changed kind, depth or path.")
class ExposureChangeNode:
    before: ExposureNode
    after: ExposureNode


@strawberry.type(name="ExposureDiff", description="How a policy's exposures changed.")
class ExposureDiffNode:
    before: ExposureAnswerNode
    after: ExposureAnswerNode
    became_exposed: list[ExposureNode]
    stopped: list[ExposureNode]
    changed: list[ExposureChangeNode]


def _what_if(
    store: GraphStore,
    schema: Schema,
    spec: PolicyRuleInput,
    *,
    as_of: date | None,
    max_depth: int,
    first: int,
) -> Evaluation:
    base = None
    if spec.policy is not None:
        base = analysis.current_rule(store, schema, checked_id(str(spec.policy)), as_of)
    rule = build_rule(base, spec)
    return analysis.what_if(store, schema, rule, max_depth=max_depth, as_of=as_of, first=first)


def _exposures(
    store: GraphStore, schema: Schema, policy: str, *, suppliers: bool, **options: Any
) -> tuple[list[analysis.Exposure], dict[str, Entity]]:
    """The exposures, with their suppliers' entities when the query shows them (read
    together: see :func:`store.questions.exposure_page`)."""
    if suppliers:
        return questions.exposure_page(store, schema, policy, **options)
    return questions.suppliers_exposed_to(store, schema, policy, **options), {}


async def _prefetch(info: Info, answers: Sequence[Evaluation]) -> None:
    await prefetch_relations(
        info,
        [r for a in answers for e in a.exposures for r in e.path],
        "exposures",
        "path",
        also=[e.supplier for a in answers for e in a.exposures],
    )


@strawberry.type
class ExposureFields:
    @strawberry.field(
        description=(
            "Who a policy exposes on asOf (today when not given), under the rule version in "
            "force that day (or `version`), with its beneficiaries."
        )
    )
    async def exposure(
        self,
        info: Info,
        policy: strawberry.ID,
        as_of: date | None = None,
        max_depth: int | None = DEFAULT_DEPTH,
        first: int | None = DEFAULT_FIRST,
        version: strawberry.ID | None = None,
        known_at: KnownAtArgument = None,
    ) -> ExposureAnswerNode:
        await read_known_at(info.context, known_at)
        ctx = info.context
        found = await offload(
            analysis.exposure,
            ctx.store,
            ctx.schema,
            checked_id(str(policy)),
            max_depth=ctx.limits.check_depth(_or(max_depth, DEFAULT_DEPTH), "maxDepth"),
            as_of=as_of,
            first=ctx.limits.check_first(_or(first, DEFAULT_FIRST)),
            version=str(version) if version is not None else None,
        )
        await _prefetch(info, [found])
        return ExposureAnswerNode.of(found)

    @strawberry.field(
        description=(
            "Who became exposed to a policy, who stopped, and whose exposure changed (kind, "
            "depth or path) between two dates (`from`, `to`: today when not given) or two "
            "rule versions (`fromVersion`, `toVersion`)."
        )
    )
    async def exposure_diff(
        self,
        info: Info,
        policy: strawberry.ID,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        from_version: strawberry.ID | None = None,
        to_version: strawberry.ID | None = None,
        max_depth: int | None = DEFAULT_DEPTH,
        known_at: KnownAtArgument = None,
    ) -> ExposureDiffNode:
        await read_known_at(info.context, known_at)
        ctx = info.context
        diff = await offload(
            analysis.exposure_diff,
            ctx.store,
            ctx.schema,
            checked_id(str(policy)),
            from_date=from_,
            to_date=to,
            max_depth=ctx.limits.check_depth(_or(max_depth, DEFAULT_DEPTH), "maxDepth"),
            from_version=str(from_version) if from_version is not None else None,
            to_version=str(to_version) if to_version is not None else None,
        )
        ctx.limits.check_first(len(diff.before.exposures) + len(diff.after.exposures))
        await _prefetch(info, [diff.before, diff.after])
        return ExposureDiffNode(
            before=ExposureAnswerNode.of(diff.before),
            after=ExposureAnswerNode.of(diff.after),
            became_exposed=[ExposureNode.of(e) for e in diff.became_exposed],
            stopped=[ExposureNode.of(e) for e in diff.stopped],
            changed=[
                ExposureChangeNode(before=ExposureNode.of(a), after=ExposureNode.of(b))
                for a, b in diff.changed
            ],
        )

    @strawberry.field(
        description=(
            "Evaluate a hypothetical rule against the graph on asOf (today when not given) "
            "without writing anything: e.g. extend a control to another technology, or "
            "apply an ownership threshold of 0.5."
        )
    )
    async def what_if(
        self,
        info: Info,
        rule: PolicyRuleInput,
        as_of: date | None = None,
        max_depth: int | None = DEFAULT_DEPTH,
        first: int | None = DEFAULT_FIRST,
        known_at: KnownAtArgument = None,
    ) -> ExposureAnswerNode:
        await read_known_at(info.context, known_at)
        ctx = info.context
        found = await offload(
            _what_if,
            ctx.store,
            ctx.schema,
            rule,
            as_of=as_of,
            max_depth=ctx.limits.check_depth(_or(max_depth, DEFAULT_DEPTH), "maxDepth"),
            first=ctx.limits.check_first(_or(first, DEFAULT_FIRST)),
        )
        await _prefetch(info, [found])
        return ExposureAnswerNode.of(found)


@strawberry.type
class SupplyChainFields:
    """The first questions served: who a policy exposes (as a plain list), what a firm
    depends on, what a policy reaches directly."""

    @strawberry.field(
        description=(
            "Organizations exposed to a policy, closest first, each with the path of "
            "facts that explains its exposure."
        )
    )
    async def suppliers_exposed_to(
        self,
        info: Info,
        policy: strawberry.ID,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        as_of: date | None = None,
        first: int | None = DEFAULT_EXPOSURE_FIRST,
        known_at: KnownAtArgument = None,
    ) -> list[ExposureNode]:
        await read_known_at(info.context, known_at)
        ctx = info.context
        depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_MAX_DEPTH), "maxDepth")
        count = ctx.limits.check_first(_or(first, DEFAULT_EXPOSURE_FIRST))
        shown = asks_for(info, "supplier")
        exposures, suppliers = await answer_for(
            ctx,
            [(str(policy), "Policy", "policy")],
            lambda policy_id: offload(
                _exposures, ctx.store, ctx.schema, policy_id,
                suppliers=shown, max_depth=depth, as_of=as_of, first=count,
            ),
        )  # fmt: skip
        ctx.loaders.entities.prime_many(suppliers)
        await prefetch_relations(
            info,
            [r for e in exposures for r in e.path],
            "path",
            also=[e.supplier for e in exposures] if asks_for(info, "supplier") else (),
        )
        return [ExposureNode.of(e) for e in exposures]

    @strawberry.field(
        description="What a firm depends on upstream: suppliers, technologies, countries."
    )
    async def dependencies(
        self,
        info: Info,
        firm: strawberry.ID,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        as_of: date | None = None,
        known_at: KnownAtArgument = None,
    ) -> list[DependencyNode]:
        await read_known_at(info.context, known_at)
        ctx = info.context
        depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_MAX_DEPTH), "maxDepth")
        found = await answer_for(
            ctx,
            [(str(firm), "Organization", "firm")],
            lambda firm_id: offload(
                analysis.dependencies,
                ctx.store,
                ctx.schema,
                firm_id,
                max_depth=depth,
                as_of=as_of,
            ),
        )
        await prefetch_relations(
            info,
            [r for d in found for r in d.path],
            "path",
            also=[d.entity for d in found] if asks_for(info, "entity") else (),
        )
        return [DependencyNode.of(d) for d in found]

    @strawberry.field(
        description="What a policy reaches directly: technologies, named entities, firms."
    )
    async def policy_impact(
        self,
        info: Info,
        policy: strawberry.ID,
        as_of: date | None = None,
        known_at: KnownAtArgument = None,
    ) -> PolicyImpactNode:
        await read_known_at(info.context, known_at)
        ctx = info.context
        impact = await answer_for(
            ctx,
            [(str(policy), "Policy", "policy")],
            lambda policy_id: offload(
                analysis.policy_impact, ctx.store, ctx.schema, policy_id, as_of=as_of
            ),
        )
        return PolicyImpactNode(impact=impact)
