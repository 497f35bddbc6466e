"""One flat row per entity, relation and source: the shape every analytics export shares.

The rows hold the engine-neutral record fields of :mod:`store.records` (which the Neo4j
storage model writes too, so Cypher sees the same names): localized names as the
parallel lists ``names_lang`` / ``names_value``, provenance as the parallel lists
``prov_source`` / ``prov_evidence`` (``""`` = no evidence), entity attributes and relation
qualifiers as columns of their own. Writing every format from these rows means a CSV
import, a Parquet table, a GraphML file and a notebook DataFrame all name and type a
column the same way as Cypher sees it, and the readers can rebuild the exact
:class:`~ontology.model.Graph` from any of them (what the round-trip tests check).

Columns are derived from the schema (attributes of every class, qualifiers of every
relation type), so a property added to the ontology becomes a column without an edit here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ontology.model import Entity, Graph, LocalizedName, Provenance, Relation, Source
from ontology.schema import Schema
from store.records import entity_fields, relation_fields

STRING, DATE, FLOAT, INT, BOOL, STRING_LIST = "string", "date", "float", "int", "bool", "list"


@dataclass(frozen=True)
class Column:
    """A named, typed column; ``dtype`` is a schema datatype or :data:`STRING_LIST`."""

    name: str
    dtype: str


ENTITY_CORE: tuple[Column, ...] = (
    Column("id", STRING),
    Column("kind", STRING),
    Column("name", STRING),
    Column("names_lang", STRING_LIST),
    Column("names_value", STRING_LIST),
    Column("aliases", STRING_LIST),
    Column("wikidata", STRING),
    Column("description", STRING),
)
RELATION_CORE: tuple[Column, ...] = (
    Column("id", STRING),
    Column("type", STRING),
    Column("source", STRING),
    Column("target", STRING),
    Column("confidence", FLOAT),
    Column("valid_from", DATE),
    Column("valid_to", DATE),
    Column("prov_source", STRING_LIST),
    Column("prov_evidence", STRING_LIST),
)
STORE_INTERNAL_ENTITY: tuple[Column, ...] = (
    Column("search_keys", STRING_LIST),
    Column("search_text", STRING),
    Column("search_words", STRING),
    Column("search_cjk", STRING),
    Column("search_fields", STRING_LIST),
    Column("hash", STRING),
)
"""Entity properties only the Neo4j store writes (search keys, full-text inputs, digest)."""
STORE_HASH = Column("hash", STRING)
"""The digest the Neo4j store writes on every relationship and source, too."""

SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("id", STRING),
    Column("title", STRING),
    Column("publisher", STRING),
    Column("url", STRING),
    Column("published", DATE),
    Column("source_type", STRING),
)


def attribute_columns(schema: Schema) -> list[Column]:
    """Every attribute any entity class declares, by name."""
    names = sorted({a for c in schema.classes.values() if c.is_entity for a in c.attributes})
    return [Column(n, schema.properties[n].datatype) for n in names]


def qualifier_columns(schema: Schema) -> list[Column]:
    """Every qualifier any relation type declares, by name."""
    names = sorted({q for r in schema.relations.values() for q in r.qualifiers})
    return [Column(n, schema.properties[n].datatype) for n in names]


def entity_columns(schema: Schema) -> list[Column]:
    return [*ENTITY_CORE, *attribute_columns(schema)]


def relation_columns(schema: Schema) -> list[Column]:
    return [*RELATION_CORE, *qualifier_columns(schema)]


def _check_keys(kind: str, owner: str, keys: Iterable[str], allowed: set[str]) -> None:
    unknown = sorted(set(keys) - allowed)
    if unknown:
        raise ValueError(f"{kind} {owner!r} carries keys the ontology does not declare: {unknown}")


def entity_row(entity: Entity, schema: Schema) -> dict[str, Any]:
    """The entity as ``{column: value}``; absent values are ``None``."""
    attrs = attribute_columns(schema)
    _check_keys("entity", entity.id, entity.attributes, {c.name for c in attrs})
    row = entity_fields(entity)
    for col in attrs:
        row[col.name] = entity.attributes.get(col.name)
    return row


def relation_row(rel: Relation, schema: Schema) -> dict[str, Any]:
    quals = qualifier_columns(schema)
    _check_keys("relation", rel.id, rel.properties, {c.name for c in quals})
    fields = relation_fields(rel)
    row: dict[str, Any] = {
        "id": fields.pop("id"),
        "type": rel.type,
        "source": rel.source,
        "target": rel.target,
        **fields,
    }
    for col in quals:
        row[col.name] = rel.properties.get(col.name)
    return row


def source_row(source: Source) -> dict[str, Any]:
    return {c.name: getattr(source, c.name) for c in SOURCE_COLUMNS}


def _present(row: Mapping[str, Any], columns: Iterable[Column]) -> dict[str, Any]:
    return {c.name: row[c.name] for c in columns if row.get(c.name) is not None}


def entity_from_row(row: Mapping[str, Any], schema: Schema) -> Entity:
    """Inverse of :func:`entity_row` (values already of their column's Python type)."""
    names = zip(row.get("names_lang") or [], row.get("names_value") or [], strict=True)
    return Entity(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        names=tuple(LocalizedName(lang=lang, value=value) for lang, value in names),
        aliases=tuple(row.get("aliases") or ()),
        wikidata=row.get("wikidata"),
        description=row.get("description"),
        attributes=_present(row, attribute_columns(schema)),
    )


def relation_from_row(row: Mapping[str, Any], schema: Schema) -> Relation:
    sources = row.get("prov_source") or []
    # A missing evidence list means no evidence for any source (see exports.tabular).
    evidence = row.get("prov_evidence") or [""] * len(sources)
    provenance = zip(sources, evidence, strict=True)
    return Relation(
        id=row["id"],
        type=row["type"],
        source=row["source"],
        target=row["target"],
        properties=_present(row, qualifier_columns(schema)),
        confidence=row["confidence"],
        valid_from=row.get("valid_from"),
        valid_to=row.get("valid_to"),
        provenance=tuple(Provenance(source=s, evidence=e or None) for s, e in provenance),
    )


def source_from_row(row: Mapping[str, Any]) -> Source:
    return Source(**_present(row, SOURCE_COLUMNS))


def graph_rows(
    graph: Graph, schema: Schema
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(entity rows, relation rows, source rows), each ordered by id."""
    return (
        [entity_row(graph.entities[k], schema) for k in sorted(graph.entities)],
        [relation_row(graph.relations[k], schema) for k in sorted(graph.relations)],
        [source_row(graph.sources[k]) for k in sorted(graph.sources)],
    )


def parse_scalar(text: str, dtype: str) -> Any:
    """A value written as text (CSV, GraphML) back to its column's Python type."""
    if dtype == DATE:
        return date.fromisoformat(text)
    if dtype == FLOAT:
        return float(text)
    if dtype == INT:
        return int(text)
    if dtype == BOOL:
        return text.strip().lower() == "true"
    return text
