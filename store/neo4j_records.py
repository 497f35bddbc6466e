"""How model objects map to Neo4j node and relationship properties, and back.

Pure functions with no I/O, kept apart from :mod:`store.neo4j_store` so the storage model
is readable in one place and exports that reproduce it (neo4j-admin CSV) share it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import neo4j

from ontology.model import Entity, LocalizedName, Provenance, Relation, Source, normalize
from store import neo4j_search
from store.records import entity_fields, relation_fields

ENTITY_CORE = frozenset(
    {
        "id", "kind", "name", "names_lang", "names_value", "aliases", "wikidata",
        "description", "search_keys", "search_text", "hash",
    }
) | neo4j_search.PROPERTIES  # fmt: skip
RELATION_CORE = frozenset(
    {"id", "confidence", "valid_from", "valid_to", "prov_source", "prov_evidence", "hash"}
)
SOURCE_FIELDS = ("id", "title", "publisher", "url", "published", "source_type")
ENTITY_SEARCH_ONLY = ENTITY_CORE - {
    "id", "kind", "name", "names_lang", "names_value", "aliases", "wikidata", "description"
}  # fmt: skip
"""What :func:`entity_from` never reads: a read that builds entities need not ship them."""


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""What ``json.dumps`` with these options builds on every call (a load hashes every object)."""


def content_hash(obj: Entity | Relation | Source) -> str:
    """A stable digest of an object's content: equal objects always hash equal.

    Sorted keys and compact separators make the JSON canonical, so the digest does not
    depend on field or dict insertion order.
    """
    text = _CANONICAL.encode(obj.model_dump(mode="json"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def search_keys(entity: Entity) -> list[str]:
    """The normalized strings :meth:`Neo4jStore.search` compares the query against."""
    keys = (normalize(n) for n in entity.all_names())
    return [k for k in dict.fromkeys(keys) if k]


def native(value: Any) -> Any:
    """Driver temporal values back to the Python types the model uses."""
    if isinstance(value, neo4j.time.Date):
        return value.to_native()
    if isinstance(value, list):
        return [native(v) for v in value]
    return value


def extra_properties(stored: Mapping[str, Any], core: frozenset[str]) -> dict[str, Any]:
    """The attributes or qualifiers of a stored map: whatever is not a core property nor
    a ``_``-prefixed field added by the query."""
    return {k: native(v) for k, v in stored.items() if k not in core and not k.startswith("_")}


def entity_props(entity: Entity, digest: str) -> dict[str, Any]:
    keys = search_keys(entity)
    props = entity_fields(entity)
    props["search_keys"] = keys
    props["search_text"] = "\n".join(dict.fromkeys([*entity.all_names(), *keys]))
    props["hash"] = digest
    props.update(neo4j_search.search_properties(entity))
    props.update(entity.attributes)
    return props


def relation_props(rel: Relation, digest: str) -> dict[str, Any]:
    props = relation_fields(rel)
    props["hash"] = digest
    props.update(rel.properties)
    return props


def source_props(source: Source, digest: str) -> dict[str, Any]:
    return {**source.model_dump(), "hash": digest}


def entity_from(m: Mapping[str, Any]) -> Entity:
    names = zip(m.get("names_lang") or [], m.get("names_value") or [], strict=True)
    return Entity(
        id=m["id"],
        kind=m["kind"],
        name=m["name"],
        names=tuple(LocalizedName(lang=lang, value=value) for lang, value in names),
        aliases=tuple(m.get("aliases") or ()),
        wikidata=m.get("wikidata"),
        description=m.get("description"),
        attributes=extra_properties(m, ENTITY_CORE),
    )


def relation_from(m: Mapping[str, Any], type_names: Mapping[str, str]) -> Relation:
    """``m`` is a relationship map with ``_type``, ``_source`` and ``_target`` added by the
    query; ``type_names`` maps Neo4j relationship types back to ontology relation names."""
    prov_source = m.get("prov_source") or []
    # neo4j-admin import stores no property for an array of one empty string.
    evidence = m.get("prov_evidence") or [""] * len(prov_source)
    provenance = zip(prov_source, evidence, strict=True)
    return Relation(
        id=m["id"],
        type=type_names[m["_type"]],
        source=m["_source"],
        target=m["_target"],
        properties=extra_properties(m, RELATION_CORE),
        confidence=m["confidence"],
        valid_from=native(m.get("valid_from")),
        valid_to=native(m.get("valid_to")),
        provenance=tuple(Provenance(source=s, evidence=e or None) for s, e in provenance),
    )


def source_from(m: Mapping[str, Any]) -> Source:
    """A source node; one a load wrote before ``source_type`` had its name holds ``kind``."""
    fields = {k: native(m.get(k)) for k in SOURCE_FIELDS}
    if fields["source_type"] is None:
        fields["source_type"] = native(m.get("kind"))
    return Source(**fields)
