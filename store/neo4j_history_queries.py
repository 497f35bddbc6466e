"""The Cypher of the Neo4j store's known-time history (see :mod:`store.neo4j_history`).

Versions and retired facts are nodes of their own labels, :data:`VERSION_LABEL` and
:data:`FACT_LABEL`, linked to nothing: they are not ``:Entity`` nor ``:Source`` nodes, so
no graph query (counts, lookups, search, lists, snapshot, Bloom's categories) sees them.
A live entity, relationship or source carries ``_added_in``, the version it was added in,
when that is not the first; the ``_`` prefix keeps it out of the attributes it is read
back with (:func:`store.neo4j_records.extra_properties`). A retired fact's node names it
by ``fact_kind`` and ``fact_id``, never ``kind`` and ``id``, so a lookup by ``{id: ...}``
that forgets the label still finds only the live graph. Parameters only, as everywhere.
"""

from __future__ import annotations

from typing import Final

VERSION_LABEL: Final = "TechsovVersion"
FACT_LABEL: Final = "TechsovFact"

SCHEMA: Final = {
    "techsov_version_number": (
        "CREATE CONSTRAINT `techsov_version_number` IF NOT EXISTS "
        "FOR (v:`TechsovVersion`) REQUIRE v.number IS UNIQUE"
    ),
    "techsov_fact_retired_in": (
        "CREATE INDEX `techsov_fact_retired_in` IF NOT EXISTS "
        "FOR (f:`TechsovFact`) ON (f.retired_in)"
    ),
}

VERSIONS: Final = """
MATCH (v:TechsovVersion)
RETURN v.number AS number, v.loaded_at AS loaded_at, v.digest AS digest,
       v.entities AS entities, v.relations AS relations, v.sources AS sources
ORDER BY number
"""

LATEST_VERSION: Final = """
OPTIONAL MATCH (v:TechsovVersion)
RETURN max(v.number) AS latest
"""

CREATE_VERSION: Final = """
CREATE (v:TechsovVersion)
SET v = $props
RETURN count(*) AS done
"""

RELATIONS_BY_KEY: Final = """
UNWIND $rows AS row
MATCH (a:Entity {id: row.source}), (b:Entity {id: row.target})
CALL (a, b, row) {
    MATCH (a)-[r]->(b)
    WHERE r.id = row.id AND type(r) = row.type
    RETURN r
}
RETURN r {.*, _type: type(r), _source: a.id, _target: b.id} AS rel
"""

CREATE_FACTS: Final = """
UNWIND $rows AS row
CREATE (f:TechsovFact)
SET f = row
RETURN count(*) AS done
"""

# The graph as known at $version: live facts added by then and retired facts current then.
GRAPH_AT: Final = """
CALL () {
    MATCH (n:Entity) WHERE coalesce(n._added_in, 1) <= $version
    RETURN collect(n {.*, _labels: labels(n)}) AS entities
}
CALL () {
    MATCH (a:Entity)-[r]->(b:Entity)
    WHERE type(r) IN $types AND coalesce(r._added_in, 1) <= $version
    RETURN collect(r {.*, _type: type(r), _source: a.id, _target: b.id}) AS relations
}
CALL () {
    MATCH (s:Source) WHERE coalesce(s._added_in, 1) <= $version
    RETURN collect(s {.*}) AS sources
}
CALL () {
    MATCH (f:TechsovFact) WHERE f.added_in <= $version < f.retired_in
    RETURN collect(f {.*}) AS retired
}
RETURN entities, relations, sources, retired
"""

# What versions $since (exclusive) to $until (inclusive) added and retired.
CHANGES: Final = """
CALL () {
    MATCH (n:Entity) WHERE $since < coalesce(n._added_in, 1) <= $until
    RETURN collect(n {.*, _labels: labels(n)}) AS entities
}
CALL () {
    MATCH (a:Entity)-[r]->(b:Entity)
    WHERE type(r) IN $types AND $since < coalesce(r._added_in, 1) <= $until
    RETURN collect(r {.*, _type: type(r), _source: a.id, _target: b.id}) AS relations
}
CALL () {
    MATCH (s:Source) WHERE $since < coalesce(s._added_in, 1) <= $until
    RETURN collect(s {.*}) AS sources
}
CALL () {
    MATCH (f:TechsovFact)
    WHERE $since < f.retired_in <= $until OR $since < f.added_in <= $until
    RETURN collect(f {.*}) AS retired
}
RETURN entities, relations, sources, retired
"""

# Storage the history takes, for the benchmark: retired records, their payload bytes, and
# live facts marked with the version they were added in.
HISTORY_SIZE: Final = """
CALL () {
    MATCH (f:TechsovFact)
    RETURN count(f) AS facts, sum(size(f.payload)) AS payload_chars
}
CALL () { MATCH (v:TechsovVersion) RETURN count(v) AS versions }
RETURN facts, payload_chars, versions
"""
