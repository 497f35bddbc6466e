"""The change feed on both stores: a sequence of loads with known changes gives exactly the
expected feed entries, the supplier a load newly exposes is named with the fact that
caused it, and the digest reads the same in every format and over GraphQL.

Loads: version 1 is the base graph (a Dutch lithography maker, a Taiwanese foundry, an
industrial policy promoting domestic chips in China with its rule); version 2 adds a German
firm producing EUV tools (newly exposed to the policy), lowers a supply relation's
confidence and ends a subsidiary link; version 3 retracts the Dutch maker's production of
EUV tools (so it is no longer exposed) and adds a source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ontology.errors import NotFound
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import default_schema
from store.base import GraphStore
from store.change_feed import (
    HistoryStore,
    digest,
    exposure_changes,
    resolve_since,
    watchlist,
)
from store.embedded_store import EmbeddedStore
from store.history_log import UnknownVersion
from techsov.history_commands import ChangesFormat, render_changes
from techsov.settings import Settings
from tests.api_fixtures import make_client
from tests.graph_builders import fact
from tests.history_stores import load_story

SCHEMA = default_schema()
DAY = date(2024, 6, 1)


def rel(a: str, rtype: str, b: str, conf: float = 1.0, **kw: Any) -> Relation:
    return fact(a, rtype, b, conf, evidence=f"{a} {rtype} {b}", **kw)


ENTITIES = [
    ("china", "Country"),
    ("netherlands", "Country"),
    ("germany", "Country"),
    ("taiwan", "Jurisdiction"),
    ("semiconductors", "Technology"),
    ("lithography", "Technology"),
    ("euv", "Technology"),
    ("asml", "Firm"),
    ("asml-sub", "Firm"),
    ("tsmc", "Firm"),
    ("buyer", "Firm"),
    ("mic", "IndustrialPolicy"),
]
BASE = [
    rel("lithography", "broader", "semiconductors"),
    rel("euv", "broader", "lithography"),
    rel("asml", "headquarteredIn", "netherlands"),
    rel("tsmc", "headquarteredIn", "taiwan"),
    rel("asml", "produces", "euv", 0.8),
    rel("asml-sub", "subsidiaryOf", "asml"),
    rel("tsmc", "supplies", "buyer", 0.9),
    rel("mic", "targets", "semiconductors", effect="promotes-domestic"),
    rel("mic", "appliesTo", "china"),
    rel("mic-rule", "ruleOf", "mic"),
    rel("mic-rule", "covers", "semiconductors"),
    rel("mic-rule", "imposedBy", "china"),
    rel("mic-rule", "appliesIn", "china"),
]
RULE = Entity(
    id="mic-rule",
    kind="PolicyRule",
    name="mic-rule",
    attributes={"ruleDirection": "promotes-domestic", "inForceFrom": date(2015, 5, 8)},
)
SRC = Source(id="src", title="Test source", url="https://example.org/src")
NEWS = Source(id="news", title="Trade press", url="https://example.org/news")


def graph(
    entities: list[tuple[str, str]], relations: list[Relation], sources: list[Source]
) -> Graph:
    return Graph.of(
        [Entity(id=i, kind=k, name=i.title()) for i, k in entities] + [RULE], relations, sources
    )


def versions() -> list[Graph]:
    v1 = graph(ENTITIES, BASE, [SRC])
    changed = [
        r for r in BASE if r.id not in ("tsmc--supplies--buyer", "asml-sub--subsidiaryOf--asml")
    ]
    v2_rels = [
        *changed,
        rel("tsmc", "supplies", "buyer", 0.6),
        rel("asml-sub", "subsidiaryOf", "asml", valid_to=date(2023, 12, 31)),
        rel("newco", "headquarteredIn", "germany"),
        rel("newco", "produces", "euv", 0.7),
    ]
    v2 = graph([*ENTITIES, ("newco", "Firm")], v2_rels, [SRC])
    v3_rels = [r for r in v2_rels if r.id != "asml--produces--euv"]
    v3 = graph([*ENTITIES, ("newco", "Firm")], v3_rels, [SRC, NEWS])
    return [v1, v2, v3]


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Iterator[HistoryStore]:
    """A store of the parametrized kind that has been loaded with the three versions (once
    per module: the tests only read)."""
    if request.param == "embedded":
        s: GraphStore = EmbeddedStore(SCHEMA)
    else:
        from store.neo4j_store import Neo4jStore
        from tests.conftest import wipe_database

        driver = request.getfixturevalue("neo4j_driver")
        database = Settings().neo4j_database
        wipe_database(driver, database)
        s = Neo4jStore(driver, database=database, schema=SCHEMA)
    load_story(s, versions(), digests=True)
    yield s  # type: ignore[misc]


def entries(store: HistoryStore, since: int) -> list[tuple[int, str, str, str]]:
    return [(c.version, c.change, c.kind, c.id) for c in store.changes(since)]


def test_the_feed_lists_each_loads_changes_by_version_kind_and_id(store: HistoryStore) -> None:
    assert [(v.number, v.digest) for v in store.versions()] == [
        (1, "input-1"),
        (2, "input-2"),
        (3, "input-3"),
    ]
    assert entries(store, 1) == [
        (2, "added", "entity", "newco"),
        (2, "ended", "relation", "asml-sub--subsidiaryOf--asml"),
        (2, "added", "relation", "newco--headquarteredIn--germany"),
        (2, "added", "relation", "newco--produces--euv"),
        (2, "changed", "relation", "tsmc--supplies--buyer"),
        (3, "retracted", "relation", "asml--produces--euv"),
        (3, "added", "source", "news"),
    ]
    assert entries(store, 2) == entries(store, 1)[-2:]
    assert entries(store, 3) == []
    supply = {c.id: c for c in store.changes(1)}["tsmc--supplies--buyer"]
    assert supply.before is not None and supply.after is not None
    assert (supply.before["confidence"], supply.after["confidence"]) == (0.9, 0.6)


def test_since_takes_a_version_or_the_version_known_at_a_timestamp(store: HistoryStore) -> None:
    loaded = {v.number: v.loaded_at for v in store.versions()}
    assert resolve_since(store, "2") == 2
    assert resolve_since(store, loaded[2].isoformat()) == 2
    assert resolve_since(store, (loaded[1] - timedelta(days=1)).isoformat()) == 0
    assert resolve_since(store, datetime.now(UTC).isoformat()) == 3
    with pytest.raises(UnknownVersion, match="no version 9"):
        resolve_since(store, "9")
    with pytest.raises(UnknownVersion, match="neither a version number nor an ISO timestamp"):
        resolve_since(store, "last week")


def test_exposure_changes_name_the_newly_exposed_supplier_and_the_fact_that_caused_it(
    store: HistoryStore,
) -> None:
    found = exposure_changes(store, SCHEMA, "mic", 1, as_of=DAY, max_depth=0)
    assert (found.since, found.until, found.as_of) == (1, 3, DAY)
    [newco] = found.exposed
    assert (newco.supplier, newco.shift, newco.exposure.basis) == ("newco", "exposed", "technology")
    assert [r.id for r in newco.exposure.path][:2] == [
        "newco--produces--euv",
        "euv--broader--lithography",
    ]
    assert [(c.version, c.change, c.kind, c.id) for c in newco.causes] == [
        (2, "added", "relation", "newco--produces--euv"),
        (2, "added", "entity", "newco"),
        # Not on the path, but what makes it foreign to the policy's country.
        (2, "added", "relation", "newco--headquarteredIn--germany"),
    ]
    [asml] = found.unexposed
    assert asml.supplier == "asml"
    assert [(c.version, c.change, c.id) for c in asml.causes] == [
        (3, "retracted", "asml--produces--euv")
    ]
    # From version 2 on, only the retraction happened: newco was already exposed.
    later = exposure_changes(store, SCHEMA, "mic", 2, as_of=DAY, max_depth=0)
    assert ([x.supplier for x in later.exposed], [x.supplier for x in later.unexposed]) == (
        [],
        ["asml"],
    )


def test_exposure_changes_refuse_what_is_not_a_policy(store: HistoryStore) -> None:
    with pytest.raises(NotFound, match="not a Policy"):
        exposure_changes(store, SCHEMA, "tsmc", 1, as_of=DAY)
    with pytest.raises(NotFound, match="no entity"):
        exposure_changes(store, SCHEMA, "nothing-here", 1, as_of=DAY)


def test_a_watchlist_gives_each_entity_its_changes_and_exposure_changes(
    store: HistoryStore,
) -> None:
    found = watchlist(store, SCHEMA, ["asml", "tsmc", "buyer"], 1, policies=["mic"], as_of=DAY)
    by = {w.entity: w for w in found}
    assert [w.entity for w in found] == ["asml", "tsmc", "buyer"]
    assert [c.id for c in by["asml"].changes] == [
        "asml-sub--subsidiaryOf--asml",
        "asml--produces--euv",
    ]
    assert [(x.policy, x.shift) for x in by["asml"].exposure_changes] == [("mic", "unexposed")]
    assert [c.id for c in by["tsmc"].changes] == ["tsmc--supplies--buyer"]
    assert by["tsmc"].exposure_changes == []
    assert [c.change for c in by["buyer"].changes] == ["changed"]
    with pytest.raises(NotFound, match="no entity with id 'asml-typo'"):
        watchlist(store, SCHEMA, ["asml", "asml-typo"], 1, policies=["mic"], as_of=DAY)
    # Without policies, every policy of the graph (of any policy class) is evaluated.
    [asml] = watchlist(store, SCHEMA, ["asml"], 1, as_of=DAY)
    assert [(x.policy, x.shift) for x in asml.exposure_changes] == [("mic", "unexposed")]


def test_the_digest_reads_as_json_markdown_and_a_table(store: HistoryStore) -> None:
    as_json = json.loads(
        render_changes(
            store, SCHEMA, "1", ChangesFormat.json, policies=["mic"], as_of=DAY, max_depth=0
        )
    )
    assert (as_json["since"], as_json["until"]) == (1, 3)
    assert as_json["counts"] == {
        "entity": {"added": 1},
        "relation": {"added": 2, "changed": 1, "ended": 1, "retracted": 1},
        "source": {"added": 1},
    }
    assert len(as_json["changes"]) == 7
    [policy] = as_json["exposures"]
    assert [x["supplier"] for x in policy["exposed"]] == ["newco"]
    assert policy["exposed"][0]["causes"][0]["id"] == "newco--produces--euv"

    md = render_changes(
        store, SCHEMA, "1", ChangesFormat.markdown, policies=["mic"], as_of=DAY, max_depth=0
    )
    assert md.startswith("# Changes to the graph since version 1\n")
    assert (
        "7 changes in versions 2-3: entities 1 added; relations 2 added, 1 changed, 1 ended, "
        "1 retracted; sources 1 added" in md
    )
    assert "### Newly exposed (1)" in md and "### No longer exposed (1)" in md
    assert "- **Newco** (`newco`): technology, depth 0" in md
    assert "  - added in version 2: Newco produces Euv (confidence 0.7)" in md
    assert '    - source: [Test source](https://example.org/src): "newco produces euv"' in md
    assert "  - retracted in version 3: Asml produces Euv (confidence 0.8)" in md
    assert "| 2 | ended | relation | `asml-sub--subsidiaryOf--asml` |" in md

    table = render_changes(
        store, SCHEMA, "2", ChangesFormat.table, policies=["mic"], as_of=DAY, max_depth=0
    )
    assert "2 changes in version 3" in table
    assert "asml--produces--euv" in table and "no longer exposed" in table


QUERY = """
query Feed($since: String!, $first: Int, $after: String) {
  graphVersions { number digest relations }
  changes(since: $since, first: $first, after: $after) {
    totalCount since until
    pageInfo { hasNextPage endCursor }
    edges { node { version change kind id
      before { confidence }
      after { relationType sourceId targetId validTo confidence
        provenance { sourceId evidence source { title } } }
    } }
  }
}
"""

EXPOSURE = """
query E($since: String!) {
  exposureChanges(policy: "mic", since: $since, asOf: "2024-06-01", maxDepth: 0) {
    since until asOf policy { name }
    exposed { supplierId supplier { name } kind path { id } causes { version change kind id } }
    unexposed { supplierId supplier { name } causes { change id before { relationType } } }
  }
  watchlist(entities: ["tsmc", "Newco"], since: $since, policies: ["mic"], asOf: "2024-06-01") {
    entityId changes { change id } exposureChanges { shift policyId }
  }
}
"""


def test_graphql_pages_the_feed_and_names_exposure_changes(store: HistoryStore) -> None:
    client = make_client(store)
    data = client.data(QUERY, since="1", first=4)
    assert [v["number"] for v in data["graphVersions"]] == [1, 2, 3]
    page = data["changes"]
    assert (page["totalCount"], page["since"], page["until"]) == (7, 1, 3)
    assert page["pageInfo"]["hasNextPage"] is True
    first = [(e["node"]["change"], e["node"]["id"]) for e in page["edges"]]
    assert first[0] == ("ADDED", "newco") and len(first) == 4
    produces = page["edges"][3]["node"]
    assert produces["after"]["relationType"] == "produces"
    assert produces["after"]["provenance"] == [
        {"sourceId": "src", "evidence": "newco produces euv", "source": {"title": "Test source"}}
    ]
    rest = client.data(QUERY, since="1", first=4, after=page["pageInfo"]["endCursor"])["changes"]
    assert [(e["node"]["change"], e["node"]["kind"]) for e in rest["edges"]] == [
        ("CHANGED", "RELATION"),
        ("RETRACTED", "RELATION"),
        ("ADDED", "SOURCE"),
    ]
    assert rest["edges"][0]["node"]["before"]["confidence"] == 0.9

    found = client.data(EXPOSURE, since="1")
    shifts = found["exposureChanges"]
    assert shifts["policy"] == {"name": "Mic"}
    [newco] = shifts["exposed"]
    assert (newco["supplierId"], newco["supplier"], newco["kind"]) == (
        "newco",
        {"name": "Newco"},
        "technology",
    )
    assert newco["causes"][0] == {
        "version": 2,
        "change": "ADDED",
        "kind": "RELATION",
        "id": "newco--produces--euv",
    }
    [asml] = shifts["unexposed"]
    assert asml["causes"] == [
        {"change": "RETRACTED", "id": "asml--produces--euv", "before": {"relationType": "produces"}}
    ]
    tsmc, newco_watch = found["watchlist"]
    assert tsmc == {
        "entityId": "tsmc",
        "changes": [{"change": "CHANGED", "id": "tsmc--supplies--buyer"}],
        "exposureChanges": [],
    }
    assert newco_watch["entityId"] == "newco"  # resolved from its name
    assert newco_watch["exposureChanges"] == [{"shift": "EXPOSED", "policyId": "mic"}]


def test_graphql_refuses_a_since_it_cannot_read(store: HistoryStore) -> None:
    error = make_client(store).error(QUERY, since="yesterday-ish")
    assert "neither a version number nor an ISO timestamp" in error["message"]
    assert error["extensions"]["code"] == "UNKNOWN_VERSION"


def test_graphql_names_the_closest_entities_for_an_unknown_watched_one(
    store: HistoryStore,
) -> None:
    error = make_client(store).error(
        '{ watchlist(entities: ["tsmc", "Asml Holdings"], since: "1") { entityId } }'
    )
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "entities[1]: no entity 'Asml Holdings'" in error["message"]


def test_digest_of_the_first_version_counts_every_fact_as_added() -> None:
    s = EmbeddedStore(SCHEMA)
    s.load(versions()[0])
    found = digest(s, SCHEMA, 0, policies=["mic"], as_of=DAY, max_depth=0)  # type: ignore[arg-type]
    assert found.counts() == {
        "entity": {"added": len(ENTITIES) + 1},
        "relation": {"added": len(BASE)},
        "source": {"added": 1},
    }
    [policy] = found.exposures
    assert [(x.supplier, x.causes[0].change, x.causes[0].id) for x in policy.exposed] == [
        ("asml", "added", "asml--produces--euv")
    ]
