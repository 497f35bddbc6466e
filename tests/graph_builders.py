"""Small hand-written graphs for store tests, with defaults for every required field.

A test states only the facts it is about (``b.entity("huawei", "Firm")``,
``b.relation("supplies", "tsmc", "huawei")``); provenance, confidence and ids are filled in
consistently so the graph is always loadable. :func:`sample_graph` is a small realistic
graph; :func:`scaled_graph` builds a larger one of a given size for timing loads.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ontology.model import Entity, Graph, LocalizedName, Provenance, Relation, Scalar, Source

DEFAULT_SOURCE = "src-default"


def fact(
    a: str,
    rtype: str,
    b: str,
    conf: float = 1.0,
    evidence: str | None = "test",
    cited: str = "src",
    **kw: Any,
) -> Relation:
    """``a --rtype--> b`` cited to source ``cited``; ``valid_from``/``valid_to`` among ``kw``
    bound it in time, the rest are its qualifiers."""
    valid = {k: kw.pop(k) for k in ("valid_from", "valid_to") if k in kw}
    properties: dict[str, Scalar] = kw
    return Relation(
        id=f"{a}--{rtype}--{b}",
        type=rtype,
        source=a,
        target=b,
        properties=properties,
        confidence=conf,
        provenance=(Provenance(source=cited, evidence=evidence),),
        **valid,
    )


def kebab(name: str) -> str:
    """``subsidiaryOf`` -> ``subsidiary-of``: relation names as they may appear in ids."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", name).lower()


class GraphBuilder:
    """Accumulates entities, relations and sources; :meth:`build` returns the Graph."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.relations: dict[str, Relation] = {}
        self.sources: dict[str, Source] = {}

    def source(self, id: str = DEFAULT_SOURCE, **fields: Any) -> Source:
        src = Source(id=id, **{"title": f"Source {id}", **fields})
        self.sources[id] = src
        return src

    def entity(
        self,
        id: str,
        kind: str,
        name: str | None = None,
        *,
        names: dict[str, str] | None = None,
        aliases: tuple[str, ...] = (),
        **fields: Any,
    ) -> Entity:
        """An entity named after its id unless ``name`` is given; ``names`` maps lang -> name."""
        localized = tuple(LocalizedName(lang=k, value=v) for k, v in (names or {}).items())
        entity = Entity(
            id=id, kind=kind, name=name or id, names=localized, aliases=aliases, **fields
        )
        self.entities[id] = entity
        return entity

    def relation(
        self,
        type: str,
        source: str,
        target: str,
        *,
        id: str | None = None,
        confidence: float = 0.9,
        valid_from: date | None = None,
        valid_to: date | None = None,
        properties: dict[str, Any] | None = None,
        provenance: tuple[Provenance, ...] | None = None,
    ) -> Relation:
        """A relation with id ``source--type--target`` and one provenance on the default
        source (created on first use) unless given."""
        if provenance is None:
            if DEFAULT_SOURCE not in self.sources:
                self.source()
            provenance = (Provenance(source=DEFAULT_SOURCE, evidence=f"{source} {type} {target}"),)
        rel = Relation(
            id=id or f"{source}--{kebab(type)}--{target}",
            type=type,
            source=source,
            target=target,
            properties=properties or {},
            confidence=confidence,
            valid_from=valid_from,
            valid_to=valid_to,
            provenance=provenance,
        )
        self.relations[rel.id] = rel
        return rel

    def build(self) -> Graph:
        return Graph(
            entities=dict(self.entities),
            relations=dict(self.relations),
            sources=dict(self.sources),
        )


def sample_graph() -> Graph:
    """A small realistic graph touching every storage feature: Chinese and accented names,
    aliases, typed attributes, qualifiers, validity windows, several provenance entries (one
    without evidence), a source with every field, and kinds three levels deep."""
    b = GraphBuilder()
    b.source(
        "src-bis",
        title="Entity List additions",
        publisher="Bureau of Industry and Security",
        url="https://www.bis.gov/entity-list",
        published=date(2019, 5, 16),
        source_type="regulation",
    )
    b.entity(
        "huawei",
        "Firm",
        "Huawei Technologies",
        names={"zh": "华为技术有限公司", "en": "Huawei Technologies Co., Ltd."},
        aliases=("Huawei",),
        wikidata="Q160120",
        description="Telecommunications equipment and handset maker.",
        attributes={"founded": date(1987, 9, 15), "stateOwnership": "employee-owned"},
    )
    b.entity("smic", "Firm", "SMIC", names={"zh": "中芯国际"}, aliases=("Semiconductor Mfg",))
    b.entity("tsmc", "Firm", "TSMC", names={"zh": "台积电"})
    b.entity("soitec", "Firm", "Société Européenne Soitec", aliases=("SOITEC",))
    b.entity("us", "Country", "United States")
    b.entity("cn", "Country", "China", names={"zh": "中国"})
    b.entity("entity-list", "EntityListing", "Entity List", attributes={"reference": "15 CFR 744"})
    b.entity("chips-act", "IndustrialPolicy", "CHIPS and Science Act")
    b.entity("euv", "Technology", "EUV lithography")
    b.entity("kirin-9000s", "Chip", "Kirin 9000S", attributes={"launched": date(2023, 8, 29)})
    b.relation(
        "supplies",
        "tsmc",
        "huawei",
        properties={"item": "7nm wafers", "share": 0.3},
        valid_from=date(2019, 1, 1),
        valid_to=date(2020, 9, 14),
        confidence=0.8,
        provenance=(
            Provenance(source="src-bis", evidence="Reuters, 2020-09-14"),
            Provenance(source="src-bis"),
        ),
    )
    b.relation("supplies", "smic", "huawei", valid_from=date(2020, 1, 1))
    b.relation("names", "entity-list", "huawei", valid_from=date(2019, 5, 16))
    b.relation("issuedBy", "entity-list", "us")
    b.relation("issuedBy", "chips-act", "us")
    b.relation("headquarteredIn", "huawei", "cn")
    b.relation("headquarteredIn", "smic", "cn")
    b.relation("produces", "huawei", "kirin-9000s", properties={"share": 1.0})
    b.relation("develops", "tsmc", "euv", valid_to=date(2018, 12, 31))
    b.relation("competesWith", "soitec", "tsmc")
    return b.build()


def scaled_graph(firms: int, relations_per_firm: int) -> Graph:
    """``firms`` firms in a ring of supply relations plus technologies and one policy.

    Every firm supplies the next ``relations_per_firm - 2`` firms, produces one technology
    and is named by the policy, so the graph has about ``firms * relations_per_firm``
    relations of several types, with qualifiers, dates and localized names.
    """
    b = GraphBuilder()
    b.source(published=date(2024, 1, 1), publisher="Registry")
    b.entity("country-a", "Country", "Country A")
    b.entity("policy-a", "ExportControl", "Policy A", attributes={"reference": "EC 1/2024"})
    b.relation("issuedBy", "policy-a", "country-a")
    for i in range(firms):
        b.entity(
            f"firm-{i}",
            "Firm",
            f"Firm {i} Société",
            names={"zh": f"公司{i}", "en": f"Firm {i}"},
            aliases=(f"F{i}",),
            attributes={"founded": date(1990 + i % 30, 1, 1), "stateOwnership": "private"},
        )
        b.entity(f"tech-{i}", "Technology", f"Technology {i}")
    for i in range(firms):
        for step in range(1, max(relations_per_firm - 2, 0) + 1):
            j = (i + step) % firms
            if j != i:
                b.relation(
                    "supplies",
                    f"firm-{i}",
                    f"firm-{j}",
                    properties={"item": f"part {step}", "share": round(0.1 * step, 2)},
                    valid_from=date(2015 + step % 8, 1, 1),
                )
        b.relation("produces", f"firm-{i}", f"tech-{i}", properties={"share": 0.5})
        b.relation("names", "policy-a", f"firm-{i}")
    return b.build()
