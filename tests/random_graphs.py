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
    rng = random.Random(seed)
    entities: list[Entity] = []
    relations: dict[str, Relation] = {}
    source = Source(id="s0", title="random", kind="dataset")

    def add_rel(rtype: str, a: str, b: str, **props: object) -> None:
        rid = f"{a}--{rtype}--{b}"
        if rid in relations or a == b:
            return
        valid_from = valid_to = None
        if rng.random() < 0.3:
            valid_from = _date(rng)
            if rng.random() < 0.5:
                valid_to = valid_from + timedelta(days=rng.randrange(0, 2000))
        relations[rid] = Relation(
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

    countries = [f"c{i}" for i in range(size.countries)]
    entities += [Entity(id=c, kind="Country", name=f"Country {c}") for c in countries]

    techs = [f"t{i}" for i in range(size.technologies)]
    for i, t in enumerate(techs):
        entities.append(
            Entity(
                id=t,
                kind="Technology",
                name=f"Tech {t}",
                names=(LocalizedName(lang="zh", value=f"技术{i}"),),
            )
        )
        if i > 0 and rng.random() < 0.85:
            add_rel("broader", t, techs[rng.randrange(0, i)])

    product_kinds = schema.subclasses("Product")
    products = [f"p{i}" for i in range(size.products)]
    for p in products:
        entities.append(Entity(id=p, kind=rng.choice(product_kinds), name=f"Product {p}"))
        for t in rng.sample(techs, k=min(len(techs), rng.randint(1, 2))):
            add_rel("uses", p, t)

    firms = [f"f{i}" for i in range(size.firms)]
    for i, f in enumerate(firms):
        entities.append(Entity(id=f, kind="Firm", name=f"Firm {f}", aliases=(f"Société {f}",)))
        add_rel("headquarteredIn", f, rng.choice(countries))
        for item in rng.sample(products + techs, k=rng.randint(0, 2)):
            add_rel(rng.choice(("produces", "develops")), f, item)
        for _ in range(rng.randint(0, 3)):
            other = rng.choice(firms)
            add_rel("supplies", other, f, share=round(rng.random(), 2))
        if i > 0 and rng.random() < 0.3:
            add_rel("subsidiaryOf", f, firms[rng.randrange(0, i)], share=0.5)
        if rng.random() < 0.15:
            add_rel("ownedBy", f, rng.choice(countries), share=0.3)

    policy_kinds = schema.subclasses("Policy")
    for i in range(size.policies):
        pid = f"pol{i}"
        entities.append(Entity(id=pid, kind=rng.choice(policy_kinds), name=f"Policy {pid}"))
        for item in rng.sample(techs + products, k=min(len(techs + products), rng.randint(1, 2))):
            add_rel("targets", pid, item, effect=rng.choice(EFFECTS))
        if rng.random() < 0.8:
            add_rel("appliesTo", pid, rng.choice(countries))
        for f in rng.sample(firms, k=min(len(firms), rng.randint(0, 2))):
            add_rel("names", pid, f)
    return Graph.of(entities, relations.values(), [source])
