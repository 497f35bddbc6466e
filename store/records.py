"""The engine-neutral shape of a fact record: an entity's and a relation's own fields as
flat values (localized names and provenance as parallel lists).

Every store and every tabular export writes these same fields, so they are stated once
here, with no engine import: the Neo4j storage model (:mod:`store.neo4j_records`) adds its
search properties and hashes to them, and the export rows (:mod:`exports.rows`) behind
Parquet, GraphML and notebooks add the attributes and qualifiers.
"""

from __future__ import annotations

from typing import Any

from ontology.model import Entity, Relation


def entity_fields(entity: Entity) -> dict[str, Any]:
    """The entity's own fields (names as two parallel lists), without derived search
    properties, hashes or the attributes."""
    return {
        "id": entity.id,
        "kind": entity.kind,
        "name": entity.name,
        "names_lang": [n.lang for n in entity.names],
        "names_value": [n.value for n in entity.names],
        "aliases": list(entity.aliases),
        "wikidata": entity.wikidata,
        "description": entity.description,
    }


def relation_fields(rel: Relation) -> dict[str, Any]:
    """The relation's own fields (provenance as two parallel lists, "" for no evidence),
    without hashes or the qualifiers."""
    return {
        "id": rel.id,
        "confidence": rel.confidence,
        "valid_from": rel.valid_from,
        "valid_to": rel.valid_to,
        "prov_source": [p.source for p in rel.provenance],
        "prov_evidence": [p.evidence or "" for p in rel.provenance],
    }
