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
from store.rules import ACTIONS, DIRECTIONS

LATER_ACTIONS = tuple(a for a in ACTIONS if a != "enacts")


def with_rules(graph: Graph, schema: Schema, seed: int) -> Graph:
    """``graph`` plus random rule versions for its policies (and component links between
    its technologies, which the taxonomy generator does not make)."""
    return _RandomRules(graph, schema, random.Random(seed)).build()


class _RandomRules:
    """One graph's rule draws, in a fixed order: component links, a bloc, then each
    policy's versions (the order is what makes a seed reproducible)."""

    def __init__(self, graph: Graph, schema: Schema, rng: random.Random) -> None:
        self.graph, self.rng = graph, rng
        kinds = {e.id: e.kind for e in graph.entities.values()}
        of = lambda cls: sorted(i for i, k in kinds.items() if schema.is_a(k, cls))  # noqa: E731
        self.techs, self.products, self.orgs = of("Technology"), of("Product"), of("Organization")
        self.places, self.policies = of("Jurisdiction"), of("Policy")
        self.entities = dict(graph.entities)
        self.relations = dict(graph.relations)
        self.source = next(iter(sorted(graph.sources)))

    def rel(self, rtype: str, a: str, b: str, **props: object) -> None:
        rid = f"{a}--{rtype}--{b}"
        self.relations[rid] = Relation(
            id=rid, type=rtype, source=a, target=b,
            properties={k: v for k, v in props.items() if v is not None},
            confidence=self.rng.choice((0.7, 0.9, 1.0)),
            provenance=(Provenance(source=self.source),),
        )  # fmt: skip

    def build(self) -> Graph:
        rng = self.rng
        for a, b in itertools.pairwise(self.techs):
            if rng.random() < 0.3:
                self.rel(rng.choice(("componentOf", "inputTo")), a, b)
        if len(self.places) > 1 and rng.random() < 0.5:
            self.entities["bloc"] = Entity(id="bloc", kind="Bloc", name="Bloc")
            self.rel("memberOf", self.places[0], "bloc")
            self.places = [*self.places, "bloc"]
        for policy in self.policies:
            self.add_versions(policy)
        return Graph(
            entities=self.entities, relations=self.relations, sources=dict(self.graph.sources)
        )

    def add_versions(self, policy: str) -> None:
        """Zero to three versions: an enacting one, then each amending, suspending or
        rescinding the one before."""
        rng = self.rng
        start = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 3000))
        previous: str | None = None
        for v in range(rng.randint(0, 3)):
            rid = f"{policy}-rule-{v}"
            self.add_version(rid, policy, previous, start)
            previous = rid
            start += timedelta(days=rng.randrange(1, 700))

    def add_version(self, rid: str, policy: str, previous: str | None, start: date) -> None:
        rng = self.rng
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
        if rng.random() < 0.15:
            attrs["maxTiers"] = rng.choice((0, 1))
        self.entities[rid] = Entity(id=rid, kind="PolicyRule", name=rid, attributes=attrs)
        self.rel("ruleOf", rid, policy)
        if previous is not None:
            self.rel("amends", rid, previous)
        items = self.techs + self.products
        for item in rng.sample(items, k=min(len(items), rng.randint(1, 3))):
            self.rel("covers", rid, item, includeNarrower=rng.random() < 0.7,
                     includeComponents=rng.random() < 0.4)  # fmt: skip
        if self.techs and rng.random() < 0.2:
            self.rel("excludes", rid, rng.choice(self.techs))
        for rtype, pool, most in (
            ("imposedBy", self.places, 1), ("appliesIn", self.places, 2),
            ("exempts", self.orgs, 1), ("invokes", self.policies, 1),
        ):  # fmt: skip
            for target in rng.sample(pool, k=min(len(pool), rng.randint(0, most))):
                self.rel(rtype, rid, target)
