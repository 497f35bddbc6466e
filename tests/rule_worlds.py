"""Tiny graphs for the exposure rules' tests: a world of countries, a bloc and a small
taxonomy, firms with their seats and products, and policy rule versions stated in one call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tests.graph_builders import GraphBuilder


def add_rule(
    b: GraphBuilder,
    rule_id: str,
    policy: str,
    direction: str,
    start: date,
    *,
    end: date | None = None,
    action: str = "enacts",
    covers: Sequence[str | tuple[str, bool, bool]] = (),
    excludes: Sequence[str] = (),
    imposers: Sequence[str] = (),
    targets: Sequence[str] = (),
    amends: str | None = None,
    exempts: Sequence[str] = (),
    invokes: Sequence[str] = (),
    threshold: float | None = None,
    max_tiers: int | None = None,
) -> None:
    attributes: dict[str, Any] = {
        "ruleDirection": direction,
        "ruleAction": action,
        "inForceFrom": start,
    }
    if end is not None:
        attributes["inForceTo"] = end
    if threshold is not None:
        attributes["ownershipThreshold"] = threshold
    if max_tiers is not None:
        attributes["maxTiers"] = max_tiers
    b.entity(rule_id, "PolicyRule", attributes=attributes)
    b.relation("ruleOf", rule_id, policy, confidence=1.0)
    for c in covers:
        item, narrower, components = (c, True, False) if isinstance(c, str) else c
        props = {"includeNarrower": narrower, "includeComponents": components}
        b.relation("covers", rule_id, item, confidence=1.0, properties=props)
    for rtype, ends in (
        ("excludes", excludes),
        ("imposedBy", imposers),
        ("appliesIn", targets),
        ("exempts", exempts),
        ("invokes", invokes),
    ):
        for end_id in ends:
            b.relation(rtype, rule_id, end_id, confidence=1.0)
    if amends is not None:
        b.relation("amends", rule_id, amends, confidence=1.0)


def world() -> GraphBuilder:
    """Three countries and a bloc, the seats of a few firms, a small taxonomy."""
    b = GraphBuilder()
    for c in ("china", "us", "netherlands", "japan"):
        b.entity(c, "Country")
    b.entity("eu", "Bloc")
    b.relation("memberOf", "netherlands", "eu")
    for t in ("chips", "logic", "auto-chips", "gallium", "gan-chips", "ev", "battery"):
        b.entity(t, "Technology")
    b.relation("broader", "logic", "chips")
    b.relation("broader", "auto-chips", "chips")
    b.relation("broader", "gan-chips", "chips")
    b.relation("inputTo", "gallium", "gan-chips")
    b.relation("componentOf", "battery", "ev")
    return b


def firm(b: GraphBuilder, fid: str, seat: str | None, *produces: str) -> None:
    b.entity(fid, "Firm")
    if seat is not None:
        b.relation("headquarteredIn", fid, seat)
    for item in produces:
        b.relation("produces", fid, item)


def who(found: Sequence[Any]) -> list[tuple[str, str, int]]:
    return sorted((e.supplier, e.basis, e.depth) for e in found)
