"""Every Cypher statement of the Neo4j store, in one place.

Keeping the text here, apart from the code that runs it, makes the store's whole contract
with the database reviewable at a glance. All values travel as query parameters; labels and
relationship types use Neo4j 5.26's dynamic ``$(...)`` syntax, so no statement is ever
assembled from data. The one exception is :func:`schema_statements`: schema commands take no
parameters, so they are built from ontology names that are checked first.

Conventions shared with :mod:`store.neo4j_store`:

- entity nodes carry the label :data:`ENTITY_LABEL` plus their kind and its ancestors;
- provenance sources are :data:`SOURCE_LABEL` nodes;
- nodes are returned as maps ``n {.*, _labels: labels(n)}``, relationships as maps
  ``r {.*, _type: type(r), _source: ..., _target: ...}``, so callers get plain dicts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

ENTITY_LABEL: Final = "Entity"
SOURCE_LABEL: Final = "Source"
FULLTEXT_INDEX: Final = "techsov_entity_names"
FULLTEXT_PROPERTY: Final = "search_text"
# 'cjk' indexes Chinese as overlapping character bigrams, so "华为" finds "华为技术有限公司"
# without matching every name that merely contains 华 or 为 (what the 'standard*' analyzers
# do, since they split Chinese into single characters). It lowercases Latin text as well;
# accents are covered because the indexed text also holds the normalize()d keys.
FULLTEXT_ANALYZER: Final = "cjk"

IDENTIFIER: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

# --- health and counts ----------------------------------------------------------------------

PING: Final = "RETURN 1 AS ok"

COUNTS: Final = """
CALL () { MATCH (n:Entity) RETURN count(n) AS entities }
CALL () { MATCH (:Entity)-[r]->(:Entity) WHERE type(r) IN $types RETURN count(r) AS relations }
CALL () { MATCH (s:Source) RETURN count(s) AS sources }
RETURN entities, relations, sources
"""

STORE_COUNTS: Final = """
CALL () { MATCH (n:Entity) RETURN count(n) AS entities }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relations }
CALL () { MATCH (s:Source) RETURN count(s) AS sources }
RETURN entities, relations, sources
"""
"""The counts of :data:`COUNTS` read off the counts store, for a database whose every
relationship is a fact (one built by the import tool from the graph's relations alone):
:data:`COUNTS` filters by type and so scans every relationship (3.6 s at L after a start)."""

# --- lookups -------------------------------------------------------------------------------

ENTITIES_BY_ID: Final = """
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN DISTINCT n {.*, _labels: labels(n)} AS node
"""

SOURCES_BY_ID: Final = """
UNWIND $ids AS id
MATCH (s:Source {id: id})
RETURN DISTINCT s {.*} AS source
"""

# A scan over the normalize()d keys: the full-text index cannot reproduce the exact /
# prefix / substring scoring of the contract (a substring inside a token is not a term),
# so it is left to interactive tools and this query stays the single source of hits.
SEARCH: Final = """
MATCH (n:Entity)
WHERE $kinds IS NULL OR any(label IN labels(n) WHERE label IN $kinds)
WITH n, reduce(best = 0.0, key IN n.search_keys |
    CASE
        WHEN key = $query AND best < 1.0 THEN 1.0
        WHEN key STARTS WITH $query AND best < 0.75 THEN 0.75
        WHEN key CONTAINS $query AND best < 0.5 THEN 0.5
        ELSE best
    END) AS score
WHERE score > 0.0
RETURN n.id AS id, score
ORDER BY score DESC, id ASC
LIMIT $first
"""

# --- paged relations: one fixed text per direction ---------------------------------------
# Three texts rather than one with a direction parameter: a pattern with a fixed arrow lets
# the planner expand only the wanted side of each node.

RELATIONS_PAGE_OUT: Final = """
UNWIND $ids AS eid
MATCH (n:Entity {id: eid})
CALL (n) {
    MATCH (n)-[r]->(:Entity)
    WHERE type(r) IN $types
    RETURN count(DISTINCT r) AS total
}
CALL (n) {
    MATCH (n)-[r]->(:Entity)
    WHERE type(r) IN $types AND ($after IS NULL OR r.id > $after)
    WITH DISTINCT r ORDER BY r.id LIMIT $limit
    RETURN collect(r {.*, _type: type(r), _source: startNode(r).id, _target: endNode(r).id})
        AS items
}
RETURN DISTINCT eid AS id, total, items
"""

RELATIONS_PAGE_IN: Final = """
UNWIND $ids AS eid
MATCH (n:Entity {id: eid})
CALL (n) {
    MATCH (n)<-[r]-(:Entity)
    WHERE type(r) IN $types
    RETURN count(DISTINCT r) AS total
}
CALL (n) {
    MATCH (n)<-[r]-(:Entity)
    WHERE type(r) IN $types AND ($after IS NULL OR r.id > $after)
    WITH DISTINCT r ORDER BY r.id LIMIT $limit
    RETURN collect(r {.*, _type: type(r), _source: startNode(r).id, _target: endNode(r).id})
        AS items
}
RETURN DISTINCT eid AS id, total, items
"""

RELATIONS_PAGE_BOTH: Final = """
UNWIND $ids AS eid
MATCH (n:Entity {id: eid})
CALL (n) {
    MATCH (n)-[r]-(:Entity)
    WHERE type(r) IN $types
    RETURN count(DISTINCT r) AS total
}
CALL (n) {
    MATCH (n)-[r]-(:Entity)
    WHERE type(r) IN $types AND ($after IS NULL OR r.id > $after)
    WITH DISTINCT r ORDER BY r.id LIMIT $limit
    RETURN collect(r {.*, _type: type(r), _source: startNode(r).id, _target: endNode(r).id})
        AS items
}
RETURN DISTINCT eid AS id, total, items
"""

# --- traversal: one fixed text per direction ----------------------------------------------

EDGES_OUT: Final = """
UNWIND $ids AS nid
MATCH (:Entity {id: nid})-[r:$any($types)]->(:Entity)
WHERE ($as_of IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                         AND (r.valid_to IS NULL OR $as_of <= r.valid_to)))
WITH DISTINCT r ORDER BY r.id
RETURN r {.*, _type: type(r), _source: startNode(r).id, _target: endNode(r).id} AS rel
"""

EDGES_IN: Final = """
UNWIND $ids AS nid
MATCH (:Entity {id: nid})<-[r:$any($types)]-(:Entity)
WHERE ($as_of IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                         AND (r.valid_to IS NULL OR $as_of <= r.valid_to)))
WITH DISTINCT r ORDER BY r.id
RETURN r {.*, _type: type(r), _source: startNode(r).id, _target: endNode(r).id} AS rel
"""

EDGES_BOTH: Final = """
UNWIND $ids AS nid
MATCH (:Entity {id: nid})-[r:$any($types)]-(:Entity)
WHERE ($as_of IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $as_of)
                         AND (r.valid_to IS NULL OR $as_of <= r.valid_to)))
WITH DISTINCT r ORDER BY r.id
RETURN r {.*, _type: type(r), _source: startNode(r).id, _target: endNode(r).id} AS rel
"""

_RELATIONS_PAGE: Final = {
    "OUT": RELATIONS_PAGE_OUT,
    "IN": RELATIONS_PAGE_IN,
    "BOTH": RELATIONS_PAGE_BOTH,
}
_EDGES: Final = {"OUT": EDGES_OUT, "IN": EDGES_IN, "BOTH": EDGES_BOTH}


def relations_page_query(direction: str) -> str:
    """The paged-relations statement for ``"OUT"``, ``"IN"`` or ``"BOTH"``."""
    return _RELATIONS_PAGE[direction]


def edges_query(direction: str) -> str:
    """The traversal statement for ``"OUT"``, ``"IN"`` or ``"BOTH"``."""
    return _EDGES[direction]


# --- snapshot ------------------------------------------------------------------------------

SNAPSHOT: Final = """
CALL () {
    MATCH (n:Entity) WITH n ORDER BY n.id
    RETURN collect(n {.*, _labels: labels(n)}) AS entities
}
CALL () {
    MATCH (:Entity)-[r]->(:Entity) WHERE type(r) IN $types
    WITH r ORDER BY r.id
    RETURN collect(r {.*, _type: type(r), _source: startNode(r).id, _target: endNode(r).id})
        AS relations
}
CALL () { MATCH (s:Source) WITH s ORDER BY s.id RETURN collect(s {.*}) AS sources }
RETURN entities, relations, sources
"""

# --- load: current state (read inside the write transaction) ------------------------------

# Each returns one record of parallel lists: a hundred thousand one-row records cost the
# driver several times as much to decode as the same values in a few long lists. ``collect``
# skips nulls, so every nullable value is coalesced to "" (no stored hash: never equal to
# a digest) to keep the lists aligned.
CURRENT_ENTITIES: Final = """
MATCH (n:Entity)
RETURN collect(coalesce(n.id, '')) AS ids, collect(coalesce(n.hash, '')) AS hashes,
       collect(labels(n)) AS labels
"""

# Every relationship between entities, whatever its type: a type dropped from the ontology
# must still be removed by a load that replaces the graph.
CURRENT_RELATIONS: Final = """
MATCH (a:Entity)-[r]->(b:Entity)
RETURN collect(coalesce(r.id, '')) AS ids, collect(coalesce(r.hash, '')) AS hashes,
       collect(type(r)) AS types, collect(coalesce(a.id, '')) AS sources,
       collect(coalesce(b.id, '')) AS targets
"""

CURRENT_SOURCES: Final = """
MATCH (s:Source)
RETURN collect(coalesce(s.id, '')) AS ids, collect(coalesce(s.hash, '')) AS hashes
"""

# --- load: batched writes (each returns how many rows it touched, checked by the caller) ---

DELETE_RELATIONS: Final = """
UNWIND $rows AS row
MATCH (a:Entity {id: row.source}), (b:Entity {id: row.target})
CALL (a, b, row) {
    MATCH (a)-[r]->(b)
    WHERE r.id = row.id AND type(r) = row.type
    RETURN r
}
DELETE r
RETURN count(*) AS done
"""

DELETE_ENTITIES: Final = """
UNWIND $ids AS id
MATCH (n:Entity {id: id})
DETACH DELETE n
RETURN count(*) AS done
"""

DELETE_SOURCES: Final = """
UNWIND $ids AS id
MATCH (s:Source {id: id})
DETACH DELETE s
RETURN count(*) AS done
"""

CREATE_SOURCES: Final = """
UNWIND $rows AS row
CREATE (s:Source)
SET s = row.props
RETURN count(*) AS done
"""

UPDATE_SOURCES: Final = """
UNWIND $rows AS row
MATCH (s:Source {id: row.id})
SET s = row.props
RETURN count(*) AS done
"""

CREATE_ENTITIES: Final = """
UNWIND $rows AS row
CREATE (n:$(row.labels))
SET n = row.props
RETURN count(*) AS done
"""

# ``SET n = map`` replaces every property, so attributes dropped from an entity disappear.
# ``remove`` holds labels the node has but should not (its kind changed); it never holds
# ``Entity``, so the index lookup of this very statement stays valid.
UPDATE_ENTITIES: Final = """
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
SET n = row.props
REMOVE n:$(row.remove)
SET n:$(row.labels)
RETURN count(*) AS done
"""

CREATE_RELATIONS: Final = """
UNWIND $rows AS row
MATCH (a:Entity {id: row.source})
MATCH (b:Entity {id: row.target})
CREATE (a)-[r:$(row.type)]->(b)
SET r = row.props
RETURN count(*) AS done
"""

UPDATE_RELATIONS: Final = """
UNWIND $rows AS row
MATCH (a:Entity {id: row.source}), (b:Entity {id: row.target})
CALL (a, b, row) {
    MATCH (a)-[r]->(b)
    WHERE r.id = row.id AND type(r) = row.type
    RETURN r
}
SET r = row.props
RETURN count(*) AS done
"""

# --- schema --------------------------------------------------------------------------------

EXISTING_SCHEMA_NAMES: Final = "SHOW INDEXES YIELD name RETURN collect(name) AS names"


def _checked(identifier: str) -> str:
    if not IDENTIFIER.fullmatch(identifier):
        raise ValueError(f"not a safe Neo4j identifier: {identifier!r}")
    return identifier


def _quoted(identifier: str) -> str:
    return f"`{_checked(identifier)}`"


def unique_constraint_name(label: str) -> str:
    return f"techsov_{label}_id"


def relationship_index_name(rel_type: str) -> str:
    return f"techsov_rel_{rel_type}_id"


def schema_statements(
    node_labels: Sequence[str], relationship_types: Sequence[str]
) -> dict[str, str]:
    """``{name: CREATE statement}`` for the constraints and indexes the store relies on.

    Schema commands are the one kind of Cypher that accepts no parameters for labels,
    types, names or options, so these must be spelled into the text. They are built only
    from ontology names (labels and relationship types) and this module's constants, each
    checked against :data:`IDENTIFIER` and backtick-quoted; anything else raises
    ``ValueError`` before a statement exists. ``IF NOT EXISTS`` makes them re-runnable.
    """
    out: dict[str, str] = {}
    for label in node_labels:
        name = unique_constraint_name(label)
        out[name] = (
            f"CREATE CONSTRAINT {_quoted(name)} IF NOT EXISTS "
            f"FOR (n:{_quoted(label)}) REQUIRE n.id IS UNIQUE"
        )
    for rel_type in relationship_types:
        name = relationship_index_name(rel_type)
        out[name] = (
            f"CREATE INDEX {_quoted(name)} IF NOT EXISTS "
            f"FOR ()-[r:{_quoted(rel_type)}]-() ON (r.id)"
        )
    out[FULLTEXT_INDEX] = (
        f"CREATE FULLTEXT INDEX {_quoted(FULLTEXT_INDEX)} IF NOT EXISTS "
        f"FOR (n:{_quoted(ENTITY_LABEL)}) ON EACH [n.{_quoted(FULLTEXT_PROPERTY)}] "
        f"OPTIONS {{indexConfig: {{`fulltext.analyzer`: '{_checked(FULLTEXT_ANALYZER)}'}}}}"
    )
    return out


# --- stored answers (see store.answers and store.neo4j_answers) ---------------------------
# Nodes of their own labels, apart from the graph: no query above matches them, and no
# relationship links them to entities. The :TechsovGraph node records the graph's version
# and the day its answers were computed for.

ANSWERS_LABEL: Final = "ExposureAnswers"
GRAPH_LABEL: Final = "TechsovGraph"

ANSWERS_SCHEMA: Final = {
    # A lookup finds its policy's node by this index: a label scan grows with the policies.
    "techsov_answers_policy": (
        "CREATE INDEX `techsov_answers_policy` IF NOT EXISTS "
        f"FOR (a:{_quoted(ANSWERS_LABEL)}) ON (a.policy)"
    ),
}

GRAPH_STATE: Final = """
OPTIONAL MATCH (m:TechsovGraph {key: 'graph'})
RETURN m.version AS version, m.answers_on AS answers_on, m.digest AS digest
"""

DELETE_ANSWERS: Final = """
MATCH (a:ExposureAnswers)
DELETE a
RETURN count(*) AS done
"""

CREATE_ANSWERS: Final = """
UNWIND $rows AS row
CREATE (a:ExposureAnswers)
SET a = row
RETURN count(*) AS done
"""

# Each policy's answers for every date (see store.answer_timeline): one node per interval
# of dates over which the answer is constant, ``valid_from`` inclusive, ``valid_to``
# exclusive, absent when open; the same parallel lists as an :ExposureAnswers node, except
# where the answer is that node's (on the interval holding the day the answers were
# computed, and any other with the same answer): there it names the node's ``hash`` in
# ``answer_hash`` and leaves the lists out.
INTERVALS_LABEL: Final = "ExposureInterval"
ANSWER_HASH: Final = "answer_hash"

DELETE_INTERVALS: Final = """
MATCH (a:ExposureInterval)
DELETE a
RETURN count(*) AS done
"""

CREATE_INTERVALS: Final = """
UNWIND $rows AS row
CREATE (a:ExposureInterval)
SET a = row
RETURN count(*) AS done
"""

# The stored answer nodes by row digest (see store.neo4j_answers.AnswerRows.write): a load
# deletes the nodes no new row matches and creates the rows no node matches. A node without
# a digest (written before digests were kept) matches nothing, so it is rewritten once.
ANSWER_HASHES: Final = """
MATCH (a:ExposureAnswers)
RETURN collect(elementId(a)) AS elements, collect(coalesce(a.hash, '')) AS hashes
"""

INTERVAL_HASHES: Final = """
MATCH (a:ExposureInterval)
RETURN collect(elementId(a)) AS elements, collect(coalesce(a.hash, '')) AS hashes
"""

DELETE_NODES: Final = """
MATCH (a)
WHERE elementId(a) IN $elements
DELETE a
"""

SET_GRAPH_STATE: Final = """
MERGE (m:TechsovGraph {key: 'graph'})
SET m.version = $version, m.answers_on = $answers_on, m.digest = $digest
RETURN count(*) AS done
"""

# The page of one policy's stored answer, with its paths' relations read back from the
# graph by their endpoints (an index seek on each end, then an expand between them).
# ``n`` is the page length: the stored list is ordered by depth first, so the exposures
# within ``$max_depth`` are a prefix of it. Paths share their first steps (a page holds
# each relation about three times), so each distinct relation is read and shipped once;
# the page's paths come back as slices of the stored id list (a relation gone from the
# graph is missing from ``rels``: the answer is stale). With ``$suppliers``, the page's
# supplier entities come along (their properties as key-value pairs, less the ``$unread``
# ones: search fields), so a page that shows them costs no second read.
STORED_EXPOSURES: Final = """
MATCH (a:ExposureAnswers {policy: $policy})
WHERE a.computed_on = $today AND a.max_depth >= $max_depth AND a.first >= $first
WITH a, size([d IN a.depths WHERE d <= $max_depth]) AS reach
WITH a, CASE WHEN reach < $first THEN reach ELSE $first END AS n
WITH a, n, a.offsets AS offsets, a.rel_ids AS ids, a.rel_sources AS sources,
     a.rel_targets AS targets
CALL (n, offsets, ids, sources, targets) {
    UNWIND range(0, offsets[n] - 1) AS j
    WITH DISTINCT ids[j] AS id, sources[j] AS source, targets[j] AS target
    MATCH (s:Entity {id: source}), (t:Entity {id: target})
    CALL (s, t, id) {
        MATCH (s)-[r]->(t)
        WHERE r.id = id
        RETURN r
    }
    RETURN collect(r {.*, _type: type(r), _source: s.id, _target: t.id}) AS rels
}
CALL (a, n) {
    UNWIND CASE WHEN $suppliers THEN a.suppliers[0..n] ELSE [] END AS supplier
    MATCH (e:Entity {id: supplier})
    RETURN collect([k IN keys(e) WHERE NOT k IN $unread | [k, e[k]]]) AS entities
}
RETURN entities, rels, a.suppliers[0..n] AS suppliers, a.kinds[0..n] AS kinds,
       a.depths[0..n] AS depths, a.scores[0..n] AS scores, offsets[0..n + 1] AS offsets,
       ids[0..offsets[n]] AS path_ids, a.rule_versions[0..n] AS rule_versions,
       a.computed_on AS computed_on
"""


# --- path ----------------------------------------------------------------------------------
# The shortest-path search is two-sided (store.neo4j_path: AROUND and MEET) and applies the
# tie-break of store.analysis.shortest_path in Python; longer searches
# than PATH_MAX_LENGTH are evaluated by store.analysis.

PATH_MAX_LENGTH: Final = 6
