"""Entity lists on Neo4j: one statement per request, filters as parameters.

The filter of :class:`store.listing.EntityQuery` travels as data: kinds as labels (which
hold every ancestor kind, so subclasses come for free), attribute equalities as
``n.`attribute` = $attribute_0`` (the value a parameter), relation conditions as ``{types,
ids, narrower}`` maps checked with ``EXISTS`` subqueries over ``$any`` relationship types.

Every attribute of the ontology's entity classes has a range index on ``:Entity``
(:func:`attribute_indexes`, created with the rest of the schema), and the statement asks
``n:Entity`` with the attribute spelled as a property name, so Neo4j seeks the index
for "state-owned firms" instead of reading every firm: a property read by a name given as
a parameter (``n[$key]``) is planned as a filter on every node, never as an index seek.
A list of some kinds starts from those labels, through Neo4j's label lookup index,
instead of reading every entity and testing its labels: listing the policies of a graph of
200,000 entities reads the policies only. The labels are the ontology's class names
(checked identifiers, the same ones the schema statements use), written into the text
because a label given as a parameter (``$any($kinds)``) is not planned as a label scan by
Neo4j 5.26; the kinds asked for are reduced to their most general ones (``Policy`` rather
than ``Policy`` and its nine subclasses: every node carries its ancestors' labels). So the
text varies with the kinds and the sort direction only, never with values, which all
travel as parameters; the attribute names in the text are the ontology's, checked like
the labels. The count and the page come from the same ordered list, so they
always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from ontology.schema import Schema
from store.listing import KIND_OF, MAX_NARROWER_DEPTH, EntityPage, EntityQuery
from store.neo4j_queries import IDENTIFIER

_ALL: Final = "MATCH (n:Entity)\n"
_FILTER: Final = """
WITH n WHERE all(c IN $out WHERE EXISTS {
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

_ASC: Final = """ORDER BY key IS NULL, key ASC, n.id ASC
WITH collect(n.id) AS ids
RETURN size(ids) AS total, ids[$offset..$offset + $first] AS page
"""

_DESC: Final = """ORDER BY key IS NULL, key DESC, n.id ASC
WITH collect(n.id) AS ids
RETURN size(ids) AS total, ids[$offset..$offset + $first] AS page
"""


def _kinds_match(schema: Schema, kinds: Sequence[str]) -> str:
    """``MATCH`` of the nodes of ``kinds`` by their most general labels (nothing for none:
    a label no node carries)."""
    known = {k for k in kinds if k in schema.classes}
    roots = sorted(k for k in known if not any(a in known for a in schema.labels(k) if a != k))
    if not roots:
        return "MATCH (n:`TechsovNoKind`)\n"
    unsafe = [k for k in roots if not IDENTIFIER.fullmatch(k)]
    if unsafe:  # the ontology's own names; never reached while its classes are checked
        raise ValueError(f"not a safe Neo4j label: {unsafe[0]!r}")
    return "MATCH (n:" + "|".join(f"`{k}`" for k in roots) + ") WHERE n:Entity\n"


def entity_attributes(schema: Schema) -> list[str]:
    """Every attribute of the ontology's entity classes: what a list may filter on."""
    return sorted({a for k in schema.entity_kinds for a in schema.attributes_of(k)})


def attribute_index_name(attribute: str) -> str:
    return f"techsov_attr_{attribute}"


def attribute_indexes(schema: Schema) -> dict[str, str]:
    """``{name: CREATE INDEX}``: a range index on ``:Entity`` per attribute of the
    ontology's entity classes (a new attribute in the Turtle gets its index on the next
    load). On the root label, not the classes that declare the attribute, so that one
    index serves a list of any kinds: the statement always asks ``n:Entity``."""
    out: dict[str, str] = {}
    for attribute in entity_attributes(schema):
        name = attribute_index_name(attribute)
        out[name] = (
            f"CREATE INDEX `{_safe(name)}` IF NOT EXISTS "
            f"FOR (n:`Entity`) ON (n.`{_safe(attribute)}`)"
        )
    return out


def _safe(identifier: str) -> str:
    if not IDENTIFIER.fullmatch(identifier):  # the ontology's names are checked on load
        raise ValueError(f"not a safe Neo4j identifier: {identifier!r}")
    return identifier


def _attribute_equalities(schema: Schema, keys: Sequence[str]) -> str:
    """``n.`key` = $attribute_<i>`` for the ontology's attributes (indexed, see
    :func:`attribute_indexes`); a key it does not know is compared by name, as data."""
    known = set(entity_attributes(schema))
    clauses = [
        f"n.`{_safe(k)}` = $attribute_{i}"
        if k in known
        else f"n[$attribute_key_{i}] = $attribute_{i}"
        for i, k in enumerate(keys)
    ]
    return "".join(f"WHERE {c}\n" if i == 0 else f"  AND {c}\n" for i, c in enumerate(clauses))


def statement(
    schema: Schema, kinds: Sequence[str] | None, descending: bool, attributes: Sequence[str] = ()
) -> str:
    """The list statement for ``kinds`` (None: every entity) in that direction, with an
    equality on each of ``attributes`` (their values are parameters)."""
    start = _ALL if kinds is None else _kinds_match(schema, kinds)
    where = _attribute_equalities(schema, attributes)
    if where and " WHERE " in start:  # the kinds' MATCH already says WHERE n:Entity
        where = where.replace("WHERE ", "  AND ", 1)
    return start + where + _FILTER + (_DESC if descending else _ASC)


assert str(MAX_NARROWER_DEPTH) in _FILTER  # the taxonomy depth both stores follow

Read = Callable[[str, Mapping[str, Any]], Sequence[Any]]


def list_entities(read: Read, schema: Schema, query: EntityQuery) -> EntityPage:
    def types(name: str) -> list[str]:
        return [schema.relations[name].neo4j_type] if name in schema.relations else []

    params: dict[str, Any] = {
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
        "broader": [schema.relations[t].neo4j_type for t in schema.with_role(KIND_OF)],
        "as_of": query.as_of,
        "order_by": query.order_by,
        "offset": query.offset,
        "first": max(query.first, 0),
    }
    for i, (key, value) in enumerate(query.attributes):
        params[f"attribute_{i}"] = value
        params[f"attribute_key_{i}"] = key
    keys = [k for k, _ in query.attributes]
    [record] = read(statement(schema, query.kinds, query.descending, keys), params)
    return EntityPage(ids=list(record["page"]), total=int(record["total"]))
