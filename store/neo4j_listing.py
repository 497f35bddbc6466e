"""Entity lists on Neo4j: one statement per request, filters as parameters.

The filter of :class:`store.listing.EntityQuery` travels as data: kinds as labels (which
hold every ancestor kind, so subclasses come for free), attribute equalities as
``{key, value}`` maps read with dynamic property access, relation conditions as ``{types,
ids, narrower}`` maps checked with ``EXISTS`` subqueries over ``$any`` relationship types.
Only the sort direction changes the text, so there are two fixed statements. The count
and the page come from the same ordered list, so they always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from ontology.schema import Schema
from store.listing import MAX_NARROWER_DEPTH, EntityPage, EntityQuery

_BODY: Final = """
MATCH (n:Entity)
WHERE ($kinds IS NULL OR any(label IN labels(n) WHERE label IN $kinds))
  AND all(a IN $attributes WHERE n[a.key] = a.value)
  AND all(c IN $out WHERE EXISTS {
        MATCH (n)-[r:$any(c.types)]->(m:Entity)
        WHERE (m.id IN c.ids OR (c.narrower AND EXISTS {
                  MATCH (m)-[:$any($broader)]->{1,8}(t:Entity) WHERE t.id IN c.ids }))
          AND ($as_of IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                                 AND (r.valid_to IS NULL OR $as_of <= r.valid_to))) })
  AND all(c IN $in WHERE EXISTS {
        MATCH (n)<-[r:$any(c.types)]-(m:Entity)
        WHERE m.id IN c.ids
          AND ($as_of IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                                 AND (r.valid_to IS NULL OR $as_of <= r.valid_to))) })
WITH n, n[$order_by] AS key
"""

LIST_ASC: Final = (
    _BODY
    + """ORDER BY key IS NULL, key ASC, n.id ASC
WITH collect(n.id) AS ids
RETURN size(ids) AS total, ids[$offset..$offset + $first] AS page
"""
)

LIST_DESC: Final = (
    _BODY
    + """ORDER BY key IS NULL, key DESC, n.id ASC
WITH collect(n.id) AS ids
RETURN size(ids) AS total, ids[$offset..$offset + $first] AS page
"""
)

assert str(MAX_NARROWER_DEPTH) in _BODY  # the taxonomy depth both stores follow

Read = Callable[[str, Mapping[str, Any]], Sequence[Any]]


def list_entities(read: Read, schema: Schema, query: EntityQuery) -> EntityPage:
    def types(name: str) -> list[str]:
        return [schema.relations[name].neo4j_type] if name in schema.relations else []

    params = {
        "kinds": None if query.kinds is None else list(query.kinds),
        "attributes": [{"key": k, "value": v} for k, v in query.attributes],
        "out": [
            {"types": types(c.type), "ids": list(c.ids), "narrower": c.narrower}
            for c in query.relations
            if c.direction == "OUT"
        ],
        "in": [
            {"types": types(c.type), "ids": list(c.ids)}
            for c in query.relations
            if c.direction == "IN"
        ],
        "broader": types("broader"),
        "as_of": query.as_of,
        "order_by": query.order_by,
        "offset": query.offset,
        "first": max(query.first, 0),
    }
    [record] = read(LIST_DESC if query.descending else LIST_ASC, params)
    return EntityPage(ids=list(record["page"]), total=int(record["total"]))
