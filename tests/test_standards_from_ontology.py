"""The standards classes and relations reach Bloom, the exports and the report from the
ontology alone: none of those modules names them, yet each shows them.

A further class added to a copy of the ontology (a patent pool, a kind of standards
alliance) shows the same path end to end: a Bloom category, a round trip through every
export, and a body in a standard's influence, with no code change.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from graph_builders import GraphBuilder

from exports.bloom import build_perspective
from exports.graphml import read_graphml, write_graphml
from exports.report import write_report
from exports.tabular import (
    read_neo4j_admin_csv,
    read_parquet,
    write_neo4j_admin_csv,
    write_parquet,
)
from ontology.model import Graph
from ontology.schema import ONTOLOGY_FILE, Schema, default_schema, load_schema
from store.embedded_store import EmbeddedStore
from store.standards import standard_influence

SCHEMA = default_schema()
EXPORT_MODULES = ("bloom.py", "tabular.py", "graphml.py", "rows.py", "report.py", "notebook.py")
STANDARDS_NAMES = (
    "StandardRelease",
    "TechnicalCommittee",
    "StandardsAlliance",
    "declaresEssentialPatents",
    "mandatoryIn",
    "publishedBy",
    "designation",
)


def standards_graph() -> Graph:
    b = GraphBuilder()
    b.entity("north", "Country")
    b.entity("acme", "Firm")
    b.relation("headquarteredIn", "acme", "north")
    b.entity("radio", "Standard")
    b.entity("radio-r1", "StandardRelease", attributes={"designation": "R-1"})
    b.relation("partOf", "radio-r1", "radio", valid_from=date(2020, 7, 3))
    b.entity("alliance", "StandardsAlliance")
    b.entity("tc1", "TechnicalCommittee")
    b.relation("committeeOf", "tc1", "alliance")
    b.relation("publishedBy", "radio-r1", "alliance")
    b.relation(
        "declaresEssentialPatents", "acme", "radio",
        properties={"share": 0.42, "counts": "families declared to the alliance", "rank": 1,
                    "year": 2024},
    )  # fmt: skip
    b.relation(
        "mandatoryIn", "radio-r1", "north",
        valid_from=date(2025, 1, 1), properties={"scope": "every radio sold"},
    )  # fmt: skip
    b.entity("radios", "Technology")
    b.relation("governs", "radio-r1", "radios")
    return b.build()


def test_no_export_module_names_the_standards_vocabulary() -> None:
    exports = Path(__file__).resolve().parent.parent / "exports"
    for module in EXPORT_MODULES:
        text = (exports / module).read_text(encoding="utf-8")
        for name in STANDARDS_NAMES:
            assert not re.search(rf"\b{name}\b", text), (module, name)


def test_bloom_has_a_category_per_standards_class_in_the_standard_colours() -> None:
    perspective = build_perspective(SCHEMA, now_ms=0)
    categories = {c["labels"][0]: c for c in perspective["categories"]}
    assert {"StandardRelease", "TechnicalCommittee", "StandardsAlliance"} <= set(categories)
    assert categories["StandardRelease"]["color"] == categories["Standard"]["color"]
    assert categories["TechnicalCommittee"]["color"] == categories["StandardsBody"]["color"]
    release_props = {p["name"] for p in categories["StandardRelease"]["properties"]}
    assert "designation" in release_props
    types = {t["name"]: t for t in perspective["relationshipTypes"]}
    assert {"DECLARES_ESSENTIAL_PATENTS", "MANDATORY_IN", "MANDATES", "PART_OF"} <= set(types)
    declared = {p["propertyKey"] for p in types["DECLARES_ESSENTIAL_PATENTS"]["properties"]}
    assert {"share", "counts", "rank", "year"} <= declared


def test_every_export_round_trips_the_standards_facts(tmp_path: Path) -> None:
    graph = standards_graph()
    write_neo4j_admin_csv(graph, SCHEMA, tmp_path / "csv")
    assert read_neo4j_admin_csv(tmp_path / "csv", SCHEMA) == graph
    write_parquet(graph, SCHEMA, tmp_path / "parquet")
    assert read_parquet(tmp_path / "parquet", SCHEMA) == graph
    assert read_graphml(write_graphml(graph, SCHEMA, tmp_path / "g.graphml"), SCHEMA) == graph


def test_the_report_has_a_standards_page_from_the_facts(tmp_path: Path) -> None:
    store = EmbeddedStore(SCHEMA)
    store.load(standards_graph())
    page = write_report(store, SCHEMA, [], tmp_path).read_text(encoding="utf-8")
    section = page[page.index("<section id='standards'>") :]
    assert "families declared to the alliance" in section
    assert "42.0%" in section
    assert "every radio sold" in section and "from 2025-01-01" in section


EXTENSION = """
ts:PatentPool a owl:Class ;
    rdfs:label "Patent pool"@en ;
    rdfs:subClassOf ts:StandardsAlliance ;
    ts:family "actor" .
"""


@pytest.fixture(scope="module")
def extended() -> Schema:
    return load_schema([ONTOLOGY_FILE, _extension_file()])


def _extension_file() -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    path = folder / "extension.ttl"
    prefixes = "".join(
        line + "\n" for line in ONTOLOGY_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("@prefix")
    )  # fmt: skip
    path.write_text(prefixes + EXTENSION, encoding="utf-8")
    return path


def test_a_new_kind_of_standards_body_flows_through_without_code(
    extended: Schema, tmp_path: Path
) -> None:
    b = GraphBuilder()
    b.entity("pool", "PatentPool")
    b.entity("radio", "Standard")
    b.relation("develops", "pool", "radio")
    graph = b.build()
    categories = {c["labels"][0] for c in build_perspective(extended, now_ms=0)["categories"]}
    assert "PatentPool" in categories
    write_neo4j_admin_csv(graph, extended, tmp_path)
    assert read_neo4j_admin_csv(tmp_path, extended) == graph
    store = EmbeddedStore(extended)
    store.load(graph)
    bodies = standard_influence(store, extended, "radio").bodies
    assert [(x.entity, x.role) for x in bodies] == [("pool", "develops")]


def test_standards_questions_read_their_relations_through_ontology_roles() -> None:
    """Each standards role names the one relation type the questions follow, and a shared
    role is narrowed by domain and range: production of a standard is ``develops``."""
    from store import standards as s

    roles = {
        s.PART_OF: "partOf",
        s.PUBLISHER: "publishedBy",
        s.PROMOTION: "promotes",
        s.COMMITTEE: "committeeOf",
        s.ESSENTIAL_PATENTS: "declaresEssentialPatents",
        s.MANDATORY_IN: "mandatoryIn",
        s.MANDATE: "mandates",
        s.IMPLEMENTATION: "implements",
        s.GOVERNANCE: "governs",
    }
    assert {role: SCHEMA.with_role(role) for role in roles} == {
        role: (name,) for role, name in roles.items()
    }
    assert SCHEMA.with_role(s.PRODUCTION) == ("develops", "produces")
    assert s.between(SCHEMA, s.PRODUCTION, s.ORGANIZATION, s.STANDARD) == ("develops",)
    assert s.between(SCHEMA, s.USE, s.PRODUCT, s.TECHNOLOGY) == ("uses",)
    assert s.between(SCHEMA, s.TARGET_JURISDICTION, s.POLICY, s.JURISDICTION) == ("appliesTo",)


ASSEMBLY_EXTENSION = """
ts:fittedInto a owl:ObjectProperty ;
    ts:relation true ;
    rdfs:label "fitted into"@en ;
    rdfs:domain ts:Product ; rdfs:range ts:Product ;
    ts:relationRole ts:AssemblyRole .
"""


def test_the_standards_questions_follow_the_assembly_role_not_inputs() -> None:
    """Parts are read through the assembly role, which narrows the component role: the
    exposure engine (component role) follows parts and inputs, the standards questions only
    parts; a relation type given the assembly role in the ontology joins both with no code."""
    from store.standards import ASSEMBLY, wider_steps, within_steps

    assert SCHEMA.with_role(ASSEMBLY) == ("componentOf",)
    assert SCHEMA.with_role("ComponentRole") == ("componentOf", "inputTo")
    assert SCHEMA.explanation_direction("componentOf") == "forward"
    assert not any(t == "inputTo" for t, _ in (*wider_steps(SCHEMA), *within_steps(SCHEMA)))
    path = _extension_file().with_name("assembly.ttl")
    prefixes = _extension_file().read_text(encoding="utf-8").split("\nts:", 1)[0]
    path.write_text(prefixes + "\n" + ASSEMBLY_EXTENSION, encoding="utf-8")
    grown = load_schema([ONTOLOGY_FILE, path])
    assert grown.with_role(ASSEMBLY) == ("componentOf", "fittedInto")
    assert "fittedInto" in grown.with_role("ComponentRole")
    assert {t for t, _ in wider_steps(grown)} >= {"componentOf", "fittedInto"}
