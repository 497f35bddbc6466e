"""Random policy rules for a random graph, for differential tests between stores.

Each policy gets one to three rule versions (enacting, then amending, suspending or
rescinding the one before) with random directions, scopes, jurisdictions, exemptions,
exclusions and thresholds, so the differential tests exercise every branch of the rule
evaluation. A pure function of the graph and the seed.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

from ontology.model import Entity, Graph, Provenance, Relation
from ontology.schema import Schema

DIRECTIONS = (
    "restricts-exporters",
    "cuts-off-users",
    "both",
    "promotes-domestic",
    "grants",
    "lists",
)
LATER_ACTIONS = ("amends", "suspends", "rescinds")


def with_rules(graph: Graph, schema: Schema, seed: int) -> Graph:
    """``graph`` plus random rule versions for its policies (and component links between
    its technologies, which the taxonomy generator does not make)."""
    rng = random.Random(seed)
    kinds = {e.id: e.kind for e in graph.entities.values()}
    of = lambda cls: sorted(i for i, k in kinds.items() if schema.is_a(k, cls))  # noqa: E731
    techs, products, orgs = of("Technology"), of("Product"), of("Organization")
    places, policies = of("Jurisdiction"), of("Policy")
    entities = dict(graph.entities)
    relations = dict(graph.relations)
    source = next(iter(sorted(graph.sources)))

    def rel(rtype: str, a: str, b: str, **props: object) -> None:
        rid = f"{a}--{rtype}--{b}"
        relations[rid] = Relation(
            id=rid, type=rtype, source=a, target=b,
            properties={k: v for k, v in props.items() if v is not None},  # type: ignore[misc]
            confidence=rng.choice((0.7, 0.9, 1.0)),
            provenance=(Provenance(source=source),),
        )  # fmt: skip

    for a, b in itertools.pairwise(techs):
        if rng.random() < 0.3:
            rel(rng.choice(("componentOf", "inputTo")), a, b)
    if len(places) > 1 and rng.random() < 0.5:
        entities["bloc"] = Entity(id="bloc", kind="Bloc", name="Bloc")
        rel("memberOf", places[0], "bloc")
        places = [*places, "bloc"]
    for policy in policies:
        start = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 3000))
        previous: str | None = None
        for v in range(rng.randint(0, 3)):
            rid = f"{policy}-rule-{v}"
            attrs: dict[str, object] = {
                "ruleDirection": rng.choice(DIRECTIONS),
                "ruleAction": "enacts" if previous is None else rng.choice(LATER_ACTIONS),
                "inForceFrom": start,
            }
            if rng.random() < 0.3:
                attrs["inForceTo"] = start + timedelta(days=rng.randrange(0, 900))
            if rng.random() < 0.3:
                attrs["ownershipThreshold"] = rng.choice((0.25, 0.5))
            if rng.random() < 0.2:
                attrs["reach"] = "worldwide"
            entities[rid] = Entity(id=rid, kind="PolicyRule", name=rid, attributes=attrs)  # type: ignore[arg-type]
            rel("ruleOf", rid, policy)
            if previous is not None:
                rel("amends", rid, previous)
            for item in rng.sample(
                techs + products, k=min(len(techs + products), rng.randint(1, 3))
            ):
                rel("covers", rid, item, includeNarrower=rng.random() < 0.7,
                    includeComponents=rng.random() < 0.4)  # fmt: skip
            if techs and rng.random() < 0.2:
                rel("excludes", rid, rng.choice(techs))
            for rtype, pool, most in (
                ("imposedBy", places, 1), ("appliesIn", places, 2), ("exempts", orgs, 1),
                ("invokes", policies, 1),
            ):  # fmt: skip
                for target in rng.sample(pool, k=min(len(pool), rng.randint(0, most))):
                    rel(rtype, rid, target)
            previous = rid
            start += timedelta(days=rng.randrange(1, 700))
    return Graph(entities=entities, relations=relations, sources=dict(graph.sources))
