"""Root fields for exposure answers that say what produced them: ``exposure`` (the answer
with its date, rule version and beneficiaries), ``exposureDiff`` (between two dates or two
rule versions) and ``whatIf`` (a hypothetical rule evaluated without writing anything).

They live in their own class, which the ``Query`` root inherits from, so the exposure
contract grows here without touching the other root fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated

import strawberry

from api.context import Info
from api.loaders import offload
from api.prefetch import prefetch_relations
from api.types import EntityNode, ExposureNode, RelationNode, is_entity_id, relation_path
from ontology.errors import NotFound
from ontology.schema import Schema
from store import analysis
from store.base import GraphStore
from store.exposure import Beneficiary, Evaluation
from store.rules import Coverage, RuleVersion, hypothetical

DEFAULT_FIRST = 100
DEFAULT_DEPTH = 3


def _id(entity_id: str) -> str:
    if not is_entity_id(entity_id):
        raise NotFound(f"no entity with id {entity_id[:100]!r}")
    return entity_id


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


@strawberry.input(name="RuleCoverageInput")
class CoverageInput:
    item: strawberry.ID
    include_narrower: bool = True
    include_components: bool = False


@strawberry.input(
    name="PolicyRuleInput",
    description=(
        "A hypothetical rule. With `policy`, it starts from the version of that policy's "
        "rule in force on asOf (and uses the policy's names and benefitsFrom facts); every "
        "field given replaces that version's, `alsoCovers` adds to its coverage. Without "
        "`policy`, it starts empty (direction both)."
    ),
)
class PolicyRuleInput:
    policy: strawberry.ID | None = None
    direction: str | None = None
    covers: list[CoverageInput] | None = None
    also_covers: list[CoverageInput] | None = None
    excludes: list[strawberry.ID] | None = None
    imposed_by: list[strawberry.ID] | None = None
    applies_in: list[strawberry.ID] | None = None
    invokes: list[strawberry.ID] | None = None
    exempts: list[strawberry.ID] | None = None
    ownership_threshold: float | None = None
    reach: str | None = None


def _coverage(items: Sequence[CoverageInput]) -> tuple[Coverage, ...]:
    return tuple(
        Coverage(_id(str(c.item)), c.include_narrower, c.include_components) for c in items
    )


def _ids(values: Sequence[strawberry.ID] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(sorted({_id(str(v)) for v in values}))


def _pairs(values: Sequence[strawberry.ID] | None) -> tuple[tuple[str, None], ...] | None:
    found = _ids(values)
    return None if found is None else tuple((v, None) for v in found)


def build_rule(base: RuleVersion | None, spec: PolicyRuleInput) -> RuleVersion:
    """The hypothetical rule a request describes (see :class:`PolicyRuleInput`)."""
    policy = _id(str(spec.policy)) if spec.policy is not None else None
    covers = _coverage(spec.covers) if spec.covers is not None else None
    rule = hypothetical(
        base,
        policy,
        direction=spec.direction,
        covers=covers,
        excludes=_ids(spec.excludes),
        imposers=_ids(spec.imposed_by),
        targets=_ids(spec.applies_in),
        invokes=_pairs(spec.invokes),
        exempts=_pairs(spec.exempts),
        ownership_threshold=spec.ownership_threshold,
        reach=spec.reach,
    )
    if spec.also_covers:
        extra = _coverage(spec.also_covers)
        rule = replace(rule, covers=(*rule.covers, *extra))
    return rule


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
        base = analysis.current_rule(store, schema, _id(str(spec.policy)), as_of)
    rule = build_rule(base, spec)
    return analysis.what_if(store, schema, rule, max_depth=max_depth, as_of=as_of, first=first)


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
    ) -> ExposureAnswerNode:
        ctx = info.context
        found = await offload(
            analysis.exposure,
            ctx.store,
            ctx.schema,
            _id(str(policy)),
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
    ) -> ExposureDiffNode:
        ctx = info.context
        diff = await offload(
            analysis.exposure_diff,
            ctx.store,
            ctx.schema,
            _id(str(policy)),
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
    ) -> ExposureAnswerNode:
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


def path_options(
    directed: bool | None, types: list[str] | None, as_of: date | None
) -> dict[str, object]:
    """Keyword arguments of :func:`store.analysis.shortest_path` for the ``path`` field:
    directed (the default) or undirected, with the relation types and date asked."""
    return {"directed": directed is not False, "types": types, "as_of": as_of}
