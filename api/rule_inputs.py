"""The hypothetical rule a ``whatIf`` request describes: its GraphQL input types and
the :class:`store.rules.RuleVersion` built from them (ids checked before any store call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import strawberry

from api.types import is_entity_id
from ontology.errors import NotFound
from store.rules import Coverage, RuleVersion, hypothetical


def checked_id(entity_id: str) -> str:
    """``entity_id`` when it can be an entity id; otherwise ``NOT_FOUND`` at once."""
    if not is_entity_id(entity_id):
        raise NotFound(f"no entity with id {entity_id[:100]!r}")
    return entity_id


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
    max_tiers: int | None = strawberry.field(
        default=None,
        description="Tiers the exposure travels beyond those reached directly (0: none).",
    )


def _coverage(items: Sequence[CoverageInput]) -> tuple[Coverage, ...]:
    return tuple(
        Coverage(checked_id(str(c.item)), c.include_narrower, c.include_components) for c in items
    )


def _ids(values: Sequence[strawberry.ID] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(sorted({checked_id(str(v)) for v in values}))


def _pairs(values: Sequence[strawberry.ID] | None) -> tuple[tuple[str, None], ...] | None:
    found = _ids(values)
    return None if found is None else tuple((v, None) for v in found)


def build_rule(base: RuleVersion | None, spec: PolicyRuleInput) -> RuleVersion:
    """The hypothetical rule a request describes (see :class:`PolicyRuleInput`)."""
    policy = checked_id(str(spec.policy)) if spec.policy is not None else None
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
        max_tiers=spec.max_tiers,
    )
    if spec.also_covers:
        extra = _coverage(spec.also_covers)
        rule = replace(rule, covers=(*rule.covers, *extra))
    return rule
