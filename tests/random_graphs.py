"""Random graphs that follow the ontology, for differential tests between stores.

A graph is a pure function of ``(seed, size)``, so a failing example found by hypothesis
can be kept as a regular test by writing down its seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ontology.model import Entity, Graph, LocalizedName, Provenance, Relation, Source
from ontology.schema import Schema

EFFECTS = ("promotes-domestic", "restricts-trade", "requires-transfer")
EPOCH = date(2015, 1, 1)


@dataclass(frozen=True)
class Size:
    firms: int = 12
    technologies: int = 8
    products: int = 6
    policies: int = 4
    countries: int = 3


def _date(rng: random.Random) -> date:
    return EPOCH + timedelta(days=rng.randrange(0, 3650))


def random_graph(schema: Schema, seed: int, size: Size = Size()) -> Graph:
    return _RandomGraph(schema, random.Random(seed), size).build()


class _RandomGraph:
    """One graph's draws, in a fixed order: countries, technologies, products, firms,
    policies (the order is what makes a seed reproducible)."""

    def __init__(self, schema: Schema, rng: random.Random, size: Size) -> None:
        self.schema, self.rng, self.size = schema, rng, size
        self.entities: list[Entity] = []
        self.relations: dict[str, Relation] = {}
        self.countries = [f"c{i}" for i in range(size.countries)]
        self.techs = [f"t{i}" for i in range(size.technologies)]
        self.products = [f"p{i}" for i in range(size.products)]
        self.firms = [f"f{i}" for i in range(size.firms)]

    def build(self) -> Graph:
        source = Source(id="s0", title="random", source_type="dataset")
        self.entities += [Entity(id=c, kind="Country", name=f"Country {c}") for c in self.countries]
        self.add_technologies()
        self.add_products()
        self.add_firms()
        self.add_policies()
        return Graph.of(self.entities, self.relations.values(), [source])

    def add_rel(self, rtype: str, a: str, b: str, **props: object) -> None:
        rng = self.rng
        rid = f"{a}--{rtype}--{b}"
        if rid in self.relations or a == b:
            return
        valid_from = valid_to = None
        if rng.random() < 0.3:
            valid_from = _date(rng)
            if rng.random() < 0.5:
                valid_to = valid_from + timedelta(days=rng.randrange(0, 2000))
        self.relations[rid] = Relation(
            id=rid,
            type=rtype,
            source=a,
            target=b,
            properties={k: v for k, v in props.items() if isinstance(v, str | float)},
            confidence=rng.choice((0.5, 0.6, 0.7, 0.8, 0.9, 1.0)),
            valid_from=valid_from,
            valid_to=valid_to,
            provenance=(Provenance(source="s0", evidence=f"evidence {rid}"),),
        )

    def add_technologies(self) -> None:
        rng, techs = self.rng, self.techs
        for i, t in enumerate(techs):
            self.entities.append(
                Entity(
                    id=t,
                    kind="Technology",
                    name=f"Tech {t}",
                    names=(LocalizedName(lang="zh", value=f"技术{i}"),),
                )
            )
            if i > 0 and rng.random() < 0.85:
                self.add_rel("broader", t, techs[rng.randrange(0, i)])

    def add_products(self) -> None:
        rng, techs = self.rng, self.techs
        product_kinds = self.schema.subclasses("Product")
        for p in self.products:
            self.entities.append(Entity(id=p, kind=rng.choice(product_kinds), name=f"Product {p}"))
            for t in rng.sample(techs, k=min(len(techs), rng.randint(1, 2))):
                self.add_rel("uses", p, t)

    def add_firms(self) -> None:
        rng, firms, countries = self.rng, self.firms, self.countries
        for i, f in enumerate(firms):
            self.entities.append(
                Entity(id=f, kind="Firm", name=f"Firm {f}", aliases=(f"Société {f}",))
            )
            self.add_rel("headquarteredIn", f, rng.choice(countries))
            for item in rng.sample(self.products + self.techs, k=rng.randint(0, 2)):
                self.add_rel(rng.choice(("produces", "develops")), f, item)
            for _ in range(rng.randint(0, 3)):
                other = rng.choice(firms)
                self.add_rel("supplies", other, f, share=round(rng.random(), 2))
            if i > 0 and rng.random() < 0.3:
                self.add_rel("subsidiaryOf", f, firms[rng.randrange(0, i)], share=0.5)
            if rng.random() < 0.15:
                self.add_rel("ownedBy", f, rng.choice(countries), share=0.3)

    def add_policies(self) -> None:
        rng = self.rng
        policy_kinds = self.schema.subclasses("Policy")
        items = self.techs + self.products
        for i in range(self.size.policies):
            pid = f"pol{i}"
            self.entities.append(
                Entity(id=pid, kind=rng.choice(policy_kinds), name=f"Policy {pid}")
            )
            for item in rng.sample(items, k=min(len(items), rng.randint(1, 2))):
                self.add_rel("targets", pid, item, effect=rng.choice(EFFECTS))
            if rng.random() < 0.8:
                self.add_rel("appliesTo", pid, rng.choice(self.countries))
            for f in rng.sample(self.firms, k=min(len(self.firms), rng.randint(0, 2))):
                self.add_rel("names", pid, f)
