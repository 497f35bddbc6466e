"""The generated Bloom perspective has the shape of real exports and its phrases run.

The expected key sets are those of real perspectives exported by Bloom in the 2.21.0
format: ``halftermeyer/quant-temporal-asset-correlation`` ``perspective.json``,
``vaibhavmann7/Bloom`` ``example/Review Network.json`` and
``halftermeyer/neo4j-data-asset-intelligence-graph``
``bloom/data asset intel perspective.json`` (the last one adds the per-parameter
``suggestions`` key). The search phrases are run on the real Neo4j with the curated graph
loaded, with sample parameters taken from that graph.
"""

from __future__ import annotations

import re
import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from exports.bloom import (
    PALETTE,
    build_grass,
    build_perspective,
    scene_action_cypher,
    search_phrase_cypher,
)
from ingest.validate import build_graph
from ontology.model import Graph
from ontology.schema import ONTOLOGY_FILE, Schema, default_schema, load_schema
from store import analysis as A
from store.embedded_store import EmbeddedStore
from store.neo4j_queries import ANSWERS_LABEL, INTERVALS_LABEL
from store.neo4j_store import Neo4jStore

SCHEMA = default_schema()

TOP_LEVEL = {
    "name", "id", "version", "type", "createdAt", "lastEditedAt", "categories", "labels",
    "relationshipTypes", "templates", "sceneActions", "hiddenRelationshipTypes",
    "hideUncategorisedData", "maxLimitToastMsgEnabled", "parentPerspectiveId", "palette",
    "metadata",
}  # fmt: skip
CATEGORY = {
    "id", "name", "labels", "properties", "createdAt", "lastEditedAt", "color", "size", "icon",
    "captionKeys", "captions", "textSize", "textAlign", "styleRules",
}  # fmt: skip
CATEGORY_PROPERTY = {"name", "exclude", "dataType"}
LABEL_CAPTION = {"inTooltip", "styles", "isCaption", "key", "type"}
PROPERTY_CAPTION = LABEL_CAPTION | {"isGdsData"}
SCHEMA_PROPERTY = {"propertyKey", "type", "dataType"}
RELATIONSHIP_TYPE = {
    "id", "name", "properties", "color", "size", "captionKeys", "captions", "textSize",
    "textAlign", "styleRules",
}  # fmt: skip
RELATIONSHIP_CAPTION = {"inTooltip", "isCaption", "styles", "key", "type"}
TEMPLATE = {
    "name", "id", "createdAt", "text", "cypher", "isUpdateQuery", "isWriteTransactionChecked",
    "params", "hasCypherErrors",
}  # fmt: skip
PARAM_2025 = {
    "name", "dataType", "collapsed", "suggestionLabel", "suggestionProp", "suggestionBoolean",
    "cypher",
}  # fmt: skip
PARAM_2026 = PARAM_2025 | {"suggestions", "id"}
SCENE_ACTION = {
    "name", "id", "createdAt", "cypher", "isUpdateQuery", "isWriteTransactionChecked",
    "categories", "relationshipTypes", "hasCypherErrors",
}  # fmt: skip
SEEN_DATA_TYPES = {
    "string", "number", "bigint", "boolean", "array", "Date", "DateTime", "LocalDateTime", "Point",
}  # fmt: skip
SEEN_SIZES = {0.25, 0.5, 1, 2, 4}
COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
TODAY_PHRASES = (
    "suppliers exposed to $policy",
    "supply chain of $firm",
    "what $policy targets",
    "path from $a to $b",
    "who is named by $listing",
)
DATED_PHRASES = (
    "suppliers exposed to $policy on $asOf",
    "supply chain of $firm on $asOf",
    "what $policy targets on $asOf",
    "who is named by $listing on $asOf",
)
PHRASES = TODAY_PHRASES + DATED_PHRASES


@pytest.fixture(scope="module")
def perspective() -> dict[str, Any]:
    return build_perspective(SCHEMA, now_ms=1767225600000)


def node_classes(schema: Schema) -> set[str]:
    return {*schema.entity_kinds, "Source"}


def test_perspective_has_exactly_the_top_level_keys_of_a_real_export(
    perspective: dict[str, Any],
) -> None:
    assert set(perspective) == TOP_LEVEL
    assert perspective["version"] == "2.21.0"
    assert perspective["type"] == "STANDARD_PERSPECTIVE"
    assert uuid.UUID(perspective["id"]).version == 1
    assert perspective["parentPerspectiveId"] is None
    assert perspective["hiddenRelationshipTypes"] == []
    assert perspective["hideUncategorisedData"] is False
    assert isinstance(perspective["createdAt"], int)
    assert perspective["palette"]["colors"] == list(PALETTE) and len(PALETTE) == 14
    assert isinstance(perspective["palette"]["currentIndex"], int)


def test_categories_have_the_fields_of_real_categories(perspective: dict[str, Any]) -> None:
    ids = [c["id"] for c in perspective["categories"]]
    assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids)
    for cat in perspective["categories"]:
        assert set(cat) == CATEGORY
        assert COLOR.match(cat["color"]) and cat["size"] in SEEN_SIZES
        assert cat["icon"] == "no-icon" or re.fullmatch(r"[0-9A-F-]{36}", cat["icon"])
        assert cat["captionKeys"] == [] and cat["styleRules"] == []
        assert cat["textAlign"] in {"top", "bottom", "center"}
        for prop in cat["properties"]:
            assert set(prop) == CATEGORY_PROPERTY and prop["dataType"] in SEEN_DATA_TYPES
        label, *props = cat["captions"]
        assert set(label) == LABEL_CAPTION and label["type"] == "label"
        assert label["key"] == cat["labels"][0]
        assert all(set(p) == PROPERTY_CAPTION and p["type"] == "property" for p in props)
        assert [p["key"] for p in props if p["isCaption"]] in (["name"], ["id"])


def test_labels_map_and_metadata_have_the_cached_schema_shape(perspective: dict[str, Any]) -> None:
    for label, props in perspective["labels"].items():
        assert all(set(p) == SCHEMA_PROPERTY and p["type"] == label for p in props)
    segments = perspective["metadata"]["pathSegments"]
    assert {"source": "Organization", "relationshipType": "SUPPLIES", "target": "Organization"} in (
        segments
    )
    indexes = perspective["metadata"]["indexes"]
    assert {"label": None, "type": "native", "propertyKeys": []} in indexes
    assert all(set(k) == {"key", "metadataProp"} for i in indexes for k in i["propertyKeys"])


def test_relationship_types_cover_the_ontology_with_real_fields(
    perspective: dict[str, Any],
) -> None:
    types = perspective["relationshipTypes"]
    assert {t["id"] for t in types} == {r.neo4j_type for r in SCHEMA.relations.values()}
    for t in types:
        assert set(t) == RELATIONSHIP_TYPE and t["id"] == t["name"]
        assert COLOR.match(t["color"]) and t["size"] in SEEN_SIZES
        assert [set(c) for c in t["captions"]] == [RELATIONSHIP_CAPTION]
        assert t["captions"][0]["key"] == t["id"]
        assert all(set(p) == SCHEMA_PROPERTY and p["type"] == t["id"] for p in t["properties"])
    supplies = next(t for t in types if t["id"] == "SUPPLIES")
    assert {"prov_source", "prov_evidence", "confidence", "share", "item"} <= {
        p["propertyKey"] for p in supplies["properties"]
    }


def test_search_phrases_have_real_fields_and_declare_every_parameter(
    perspective: dict[str, Any],
) -> None:
    templates = perspective["templates"]
    assert [t["text"] for t in templates] == list(PHRASES)
    assert len({t["id"] for t in templates}) == len(templates)
    for t in templates:
        assert set(t) == TEMPLATE and re.fullmatch(r"tmpl:\d+", t["id"])
        declared = {p["name"] for p in t["params"]}
        assert declared == set(re.findall(r"\$\w+", t["text"]))
        assert declared <= set(re.findall(r"\$\w+", t["cypher"]))
        for p in t["params"]:
            assert PARAM_2025 <= set(p) <= PARAM_2026
            if p["name"] == "$asOf":  # typed by the analyst, read by Bloom as a date
                assert p["dataType"] == "Date" and p["suggestions"] == "none"
                assert p["suggestionLabel"] is None and p["suggestionProp"] is None
            else:
                assert p["dataType"] == "String" and p["suggestionLabel"] in SCHEMA.classes


def test_search_phrase_cypher_uses_only_labels_and_types_of_the_schema() -> None:
    types = {r.neo4j_type for r in SCHEMA.relations.values()}
    for cypher in [*search_phrase_cypher(SCHEMA).values(), *scene_action_cypher(SCHEMA).values()]:
        used_types = {
            t for group in re.findall(r"\[\w*:([A-Z_|]+)", cypher) for t in group.split("|")
        }
        used_labels = set(re.findall(r"\(\w*:(\w+)", cypher))
        assert used_types and used_types <= types
        # The stored exposure answers are the labels outside the ontology.
        assert used_labels <= set(SCHEMA.classes) | {ANSWERS_LABEL, INTERVALS_LABEL}


def test_scene_actions_have_real_fields_and_target_existing_categories(
    perspective: dict[str, Any],
) -> None:
    by_id = {c["id"]: c for c in perspective["categories"]}
    assert perspective["sceneActions"]
    for action in perspective["sceneActions"]:
        assert set(action) == SCENE_ACTION and uuid.UUID(action["id"]).version == 1
        assert action["categories"] and set(action["categories"]) <= set(by_id)
        assert "$nodes" in action["cypher"]


def test_every_node_class_of_the_schema_has_exactly_one_category(
    perspective: dict[str, Any],
) -> None:
    labels = [lbl for c in perspective["categories"] for lbl in c["labels"]]
    assert sorted(labels) == sorted(node_classes(SCHEMA))


def test_categories_list_subclasses_before_their_ancestors(perspective: dict[str, Any]) -> None:
    position = {c["labels"][0]: i for i, c in enumerate(perspective["categories"])}
    for kind in SCHEMA.entity_kinds:
        for ancestor in SCHEMA.classes[kind].ancestors[:-1]:
            assert position[kind] < position[ancestor], (kind, ancestor)


def test_classes_of_one_family_share_a_colour(perspective: dict[str, Any]) -> None:
    colour = {c["labels"][0]: c["color"] for c in perspective["categories"]}
    assert colour["Firm"] == colour["Organization"] == colour["GovernmentBody"]
    assert colour["EntityListing"] == colour["Policy"] != colour["Technology"]


def test_adding_a_class_to_the_ontology_adds_a_category(tmp_path: Path) -> None:
    copy = tmp_path / "techsov.ttl"
    shutil.copy(ONTOLOGY_FILE, copy)
    with copy.open("a", encoding="utf-8") as f:
        f.write("\nts:Consortium a owl:Class ; rdfs:subClassOf ts:Organization .\n")
    schema = load_schema([copy])
    perspective = build_perspective(schema)
    cats = {c["labels"][0]: c for c in perspective["categories"]}
    assert set(cats) == node_classes(schema) == node_classes(SCHEMA) | {"Consortium"}
    assert cats["Consortium"]["color"] == cats["Organization"]["color"]
    order = [c["labels"][0] for c in perspective["categories"]]
    assert order.index("Consortium") < order.index("Organization")
    assert "node.Consortium {" in build_grass(schema)


def test_a_graph_restricts_categories_to_classes_that_have_nodes() -> None:
    graph = _curated()
    perspective = build_perspective(SCHEMA, graph=graph)
    present = {lbl for e in graph.entities.values() for lbl in SCHEMA.labels(e.kind)} | {"Source"}
    assert {c["labels"][0] for c in perspective["categories"]} == present


def test_browser_style_has_a_rule_per_class_and_type_in_the_perspective_colours(
    perspective: dict[str, Any],
) -> None:
    grass = build_grass(SCHEMA)
    rules = dict(re.findall(r"^(\S+) \{\n(.*?)^\}", grass, flags=re.M | re.S))
    assert "node" in rules and "relationship" in rules
    for cat in perspective["categories"]:
        rule = rules[f"node.{cat['labels'][0]}"]
        assert f"color: {cat['color']};" in rule and 'caption: "{' in rule
    for t in perspective["relationshipTypes"]:
        assert f"color: {t['color']};" in rules[f"relationship.{t['id']}"]
    order = [k for k in rules if k.startswith("node.")]
    assert (
        order.index("node.Policy")
        < order.index("node.ExportControl")
        < order.index("node.EntityListing")
    )


# ------------------------------------------------------------------ on the real Neo4j

_CURATED: list[Graph] = []


def _curated() -> Graph:
    if not _CURATED:
        _CURATED.append(build_graph(None, SCHEMA))
    return _CURATED[0]


def sample_parameters(graph: Graph) -> dict[str, dict[str, Any]]:
    """For each phrase, parameters naming entities of ``graph`` it must find rows for."""
    store = EmbeddedStore(SCHEMA)
    store.load(graph)
    name = {e.id: e.name for e in graph.entities.values()}
    rels = sorted(graph.relations.values(), key=lambda r: r.id)
    policies = sorted(e.id for e in graph.entities.values() if SCHEMA.is_a(e.kind, A.POLICY))
    exposed = next(
        p for p in policies if A.suppliers_exposed_to(store, SCHEMA, p, max_depth=3, first=1)
    )
    supplies, targets, names = (
        set(SCHEMA.with_role(role)) for role in ("SupplyRole", "ScopeRole", "ListingRole")
    )
    firm = next(r.target for r in rels if r.type in supplies)
    targeting = next(
        r.source
        for r in rels
        if r.type in targets and SCHEMA.is_a(graph.entities[r.source].kind, A.POLICY)
    )
    listing = next(r.source for r in rels if r.type in names)
    neighbours: dict[str, set[str]] = {}
    for r in rels:
        neighbours.setdefault(r.source, set()).add(r.target)
        neighbours.setdefault(r.target, set()).add(r.source)
    # Two entities two facts apart, through a supply relation.
    start, end = next(
        (r.source, far)
        for r in rels
        if r.type in supplies
        for far in sorted(neighbours[r.target])
        if far != r.source
    )
    today = {
        PHRASES[0]: {"policy": name[exposed]},
        PHRASES[1]: {"firm": name[firm]},
        PHRASES[2]: {"policy": name[targeting]},
        PHRASES[3]: {"a": name[start], "b": name[end]},
        PHRASES[4]: {"listing": name[listing]},
    }
    dated = {p: {**today[p.removesuffix(" on $asOf")], "asOf": date.today()} for p in DATED_PHRASES}
    return {**today, **dated}


@pytest.fixture
def curated_neo4j(neo4j_db: Driver) -> Driver:
    Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA).load(_curated())
    return neo4j_db


@pytest.mark.parametrize("phrase", PHRASES)
def test_search_phrase_returns_rows_on_the_curated_graph(
    curated_neo4j: Driver, phrase: str
) -> None:
    cypher = search_phrase_cypher(SCHEMA)[phrase]
    params = sample_parameters(_curated())[phrase]
    records, _, _ = curated_neo4j.execute_query(cypher, params, database_="neo4j")
    assert records, f"{phrase!r} with {params} returned nothing"


def test_scene_actions_return_rows_from_a_selected_node(curated_neo4j: Driver) -> None:
    params = sample_parameters(_curated())
    start = {
        "Exposed suppliers": params[PHRASES[0]]["policy"],
        "Supply chain": params[PHRASES[1]]["firm"],
        "What it targets": params[PHRASES[2]]["policy"],
        "Who it names": params[PHRASES[4]]["listing"],
    }
    actions = scene_action_cypher(SCHEMA)
    assert set(actions) == set(start)
    for action, name in start.items():
        nodes, _, _ = curated_neo4j.execute_query(
            "MATCH (n:Entity {name: $name}) RETURN elementId(n) AS eid",
            {"name": name},
            database_="neo4j",
        )
        records, _, _ = curated_neo4j.execute_query(
            actions[action], {"nodes": [r["eid"] for r in nodes]}, database_="neo4j"
        )
        assert records, action


def test_exposure_phrase_reaches_what_the_exposure_analysis_reaches(curated_neo4j: Driver) -> None:
    """Same rules as :func:`store.analysis.suppliers_exposed_to`: everything reached
    directly, and nothing the analysis would not reach within the phrase's tiers."""
    graph = _curated()
    store = EmbeddedStore(SCHEMA)
    store.load(graph)
    cypher = search_phrase_cypher(SCHEMA)[PHRASES[0]]
    policies = [e for e in graph.entities.values() if SCHEMA.is_a(e.kind, A.POLICY)]
    for policy in sorted(policies, key=lambda e: e.id):
        exposures = A.suppliers_exposed_to(store, SCHEMA, policy.id, max_depth=3, first=10_000)
        records, _, _ = curated_neo4j.execute_query(
            cypher, {"policy": policy.name}, database_="neo4j"
        )
        reached: set[str] = set()
        for rec in records:
            reached.add(rec["reach"].end_node["id"])
            for key in ("tier", "owner"):
                if rec[key] is not None:
                    reached.add(rec[key].end_node["id"])
        direct = {x.supplier for x in exposures if x.depth == 0}
        assert direct <= reached, policy.id
        assert reached <= {x.supplier for x in exposures}, policy.id


def _phrase_answer(driver: Driver, policy: str, day: date) -> dict[str, list[str]]:
    """What the dated exposure phrase shows: each organization with its facts' ids."""
    cypher = search_phrase_cypher(SCHEMA)[DATED_PHRASES[0]]
    records, _, _ = driver.execute_query(cypher, {"policy": policy, "asOf": day}, database_="neo4j")
    return {
        rec["reach"].end_node["id"]: [f.relationships[0]["id"] for f in rec["facts"]]
        for rec in records
    }


def _engine_answer(store: EmbeddedStore, policy: str, day: date) -> dict[str, list[str]]:
    found = A.exposure(store, SCHEMA, policy, max_depth=3, as_of=day, first=10_000)
    return {e.supplier: [r.id for r in e.path] for e in found.exposures}


def test_dated_exposure_phrase_returns_the_engines_answer_for_past_dates(
    curated_neo4j: Driver,
) -> None:
    """The phrase with a date equals ``exposure(asOf:)`` on that date, for every policy
    on dates facts of the graph start since 2019 and a few more, including past dates
    whose answer is not today's (rule versions of 2022-2024 replaced since)."""
    graph = _curated()
    store = EmbeddedStore(SCHEMA, precompute=False)
    store.load(graph)
    found, differing = 0, 0
    for policy in (e for e in graph.entities.values() if SCHEMA.is_a(e.kind, A.POLICY)):
        today = _engine_answer(store, policy.id, date.today())
        changes = {r.valid_from for r in graph.relations.values() if r.valid_from}
        days = sorted(d for d in changes if d.year >= 2019)[:: max(1, len(changes) // 12)]
        for day in [*days, date(2023, 1, 1), date(2024, 6, 1), date.today()]:
            expected = _engine_answer(store, policy.id, day)
            assert _phrase_answer(curated_neo4j, policy.name, day) == expected, (policy.id, day)
            found += bool(expected)
            differing += expected != today
    assert found > 50 and differing > 10


def test_dated_phrases_on_today_show_what_the_todays_phrases_show(curated_neo4j: Driver) -> None:
    cyphers, params = search_phrase_cypher(SCHEMA), sample_parameters(_curated())
    for dated in DATED_PHRASES:
        plain = dated.removesuffix(" on $asOf")
        shown = []
        for phrase in (plain, dated):
            records, _, _ = curated_neo4j.execute_query(
                cyphers[phrase], params[phrase], database_="neo4j"
            )
            shown.append(sorted(str(rec.values()) for rec in records))
        assert shown[0] == shown[1] and shown[0], dated


def test_dated_listing_phrase_names_those_named_on_that_date(curated_neo4j: Driver) -> None:
    graph = _curated()
    names = set(SCHEMA.with_role("ListingRole"))
    listing_rels = [r for r in graph.relations.values() if r.type in names]
    listing = max({r.source for r in listing_rels}, key=lambda s: sum(
        r.source == s and r.valid_from is not None for r in listing_rels))  # fmt: skip
    dated = sorted({r.valid_from for r in listing_rels if r.source == listing and r.valid_from})
    assert dated
    for day in (dated[0] - date.resolution, *dated, date.today()):
        records, _, _ = curated_neo4j.execute_query(
            search_phrase_cypher(SCHEMA)[DATED_PHRASES[3]],
            {"listing": graph.entities[listing].name, "asOf": day},
            database_="neo4j",
        )
        shown = {rec["path"].end_node["id"] for rec in records}
        expected = {r.target for r in listing_rels if r.source == listing and r.valid_at(day)}
        expected &= {i for i, e in graph.entities.items() if SCHEMA.is_a(e.kind, A.ORGANIZATION)}
        assert shown == expected, day
