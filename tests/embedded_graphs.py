"""A small graph for the embedded store tests, built anew on every call, and a store
holding it."""

from __future__ import annotations

from datetime import date

from ontology.model import Entity, Graph, LocalizedName, Provenance, Relation, Source
from ontology.schema import Schema
from store.embedded_store import EmbeddedStore


def entity(
    entity_id: str,
    kind: str,
    name: str,
    *,
    zh: str | None = None,
    aliases: tuple[str, ...] = (),
    version: int = 1,
) -> Entity:
    return Entity(
        id=entity_id,
        kind=kind,
        name=name,
        names=(LocalizedName(lang="zh", value=zh),) if zh else (),
        aliases=aliases,
        attributes={"version": version},
    )


def relation(
    relation_id: str,
    rel_type: str,
    source: str,
    target: str,
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Relation:
    return Relation(
        id=relation_id,
        type=rel_type,
        source=source,
        target=target,
        confidence=0.9,
        valid_from=valid_from,
        valid_to=valid_to,
        provenance=(Provenance(source="src-report", evidence="p. 12"),),
    )


def sample_graph() -> Graph:
    """A small graph built anew on every call (equal content, distinct objects)."""
    return Graph.of(
        entities=[
            entity(
                "xiaomi", "Firm", "Xiaomi Corporation", zh="小米集团", aliases=("Xiaomi", "小米")
            ),
            entity("xiaomi-su7", "Vehicle", "Xiaomi SU7"),
            entity("xiaomi-phone-15", "Product", "Xiaomi 15"),
            entity("hyperos", "OperatingSystem", "HyperOS by Xiaomi"),
            entity("societe-generale", "Firm", "Société Générale"),
            entity("france", "Country", "France"),
            entity("china", "Country", "China", zh="中国"),
            entity("qualcomm", "Firm", "Qualcomm"),
            entity("tsmc", "Firm", "TSMC", aliases=("Taiwan Semiconductor Manufacturing Company",)),
            entity(
                "miit",
                "GovernmentBody",
                "Ministry of Industry and Information Technology",
                aliases=("MIIT",),
            ),
        ],
        relations=[
            relation(
                "r-01",
                "supplies",
                "qualcomm",
                "xiaomi",
                valid_from=date(2019, 1, 1),
                valid_to=date(2022, 12, 31),
            ),
            relation("r-02", "supplies", "tsmc", "qualcomm"),
            relation("r-03", "produces", "xiaomi", "xiaomi-su7", valid_from=date(2024, 3, 28)),
            relation("r-04", "produces", "xiaomi", "xiaomi-phone-15", valid_to=date(2026, 12, 31)),
            relation("r-05", "headquarteredIn", "xiaomi", "china"),
            relation("r-06", "develops", "xiaomi", "hyperos"),
            relation("r-07", "headquarteredIn", "societe-generale", "france"),
        ],
        sources=[
            Source(id="src-report", title="Annual report", published=date(2024, 3, 1)),
            Source(id="src-filing", publisher="SEC"),
        ],
    )


def versioned_graph(version: int, size: int) -> Graph:
    """A chain of ``size`` firms whose every fact says which ``version`` it belongs to."""
    rel_type = "supplies" if version == 1 else "competesWith"
    return Graph.of(
        entities=[
            entity(f"firm-{i:04d}", "Firm", f"Firm {i} v{version}", version=version)
            for i in range(size)
        ],
        relations=[
            relation(f"r-{i:04d}", rel_type, f"firm-{i:04d}", f"firm-{i + 1:04d}")
            for i in range(size - 1 - version)  # the versions differ in relation count too
        ],
        sources=[Source(id="src-report", title=f"v{version}")],
    )


def loaded_store(schema: Schema) -> EmbeddedStore:
    """An embedded store holding :func:`sample_graph`."""
    s = EmbeddedStore(schema)
    s.load(sample_graph())
    return s
