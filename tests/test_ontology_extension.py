"""A class and a relation type added to the Turtle ontology work with no code change."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.rdf import graph_to_rdf, rdf_to_graph
from ingest.validate import build_graph
from ontology.errors import ValidationFailed
from ontology.schema import ONTOLOGY_FILE, Schema, load_schema

EXTENSION = """
ts:Consortium a owl:Class ;
    rdfs:label "Consortium"@en ;
    rdfs:subClassOf ts:Organization ;
    ts:family "actor" ;
    ts:attribute ts:memberCount .

ts:memberCount a owl:DatatypeProperty ;
    rdfs:range xsd:integer .

ts:coordinates a owl:ObjectProperty ;
    ts:relation true ;
    rdfs:label "coordinates"@en ;
    rdfs:domain ts:Consortium ;
    rdfs:range [ owl:unionOf ( ts:Technology ts:Standard ) ] ;
    ts:qualifier ts:share .
"""

FACTS = """\
sources:
  - id: charter
entities:
  - id: chip-alliance
    kind: Consortium
    name: Chip Alliance
    stateOwnership: state-backed
    memberCount: 42
  - id: acme
    kind: Firm
    name: Acme
  - id: risc-v
    kind: Standard
    name: RISC-V
  - id: eda
    kind: Technology
    name: EDA
  - id: made-in-2030
    kind: IndustrialPolicy
    name: Made in 2030
defaults:
  confidence: 0.7
  provenance: [{source: charter}]
relations:
  - {type: coordinates, from: chip-alliance, to: risc-v}
  - {type: coordinates, from: chip-alliance, to: eda, share: 0.5}
  - {type: alignedWith, from: chip-alliance, to: made-in-2030}
  - {type: supplies, from: acme, to: chip-alliance}
"""


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Schema:
    copy = tmp_path_factory.mktemp("ontology") / "techsov.ttl"
    copy.write_text(ONTOLOGY_FILE.read_text(encoding="utf-8") + EXTENSION, encoding="utf-8")
    return load_schema([copy])


def _facts(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "extension.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_schema_picks_up_the_new_class_and_relation(extended: Schema) -> None:
    assert "Consortium" in extended.concrete_kinds
    assert extended.is_a("Consortium", "Organization")
    assert set(extended.attributes_of("Consortium")) == {"stateOwnership", "founded", "memberCount"}
    assert extended.relations["coordinates"].range == ("Standard", "Technology")


def test_facts_using_the_extension_validate_without_code_changes(
    extended: Schema, tmp_path: Path
) -> None:
    graph = build_graph([_facts(tmp_path, FACTS)], extended)
    alliance = graph.entities["chip-alliance"]
    assert alliance.kind == "Consortium"
    assert alliance.attributes == {"stateOwnership": "state-backed", "memberCount": 42}
    assert graph.relations["chip-alliance--coordinates--eda"].properties == {"share": 0.5}
    # A new class is an Organization everywhere an Organization is expected.
    assert "acme--supplies--chip-alliance" in graph.relations
    assert rdf_to_graph(graph_to_rdf(graph, extended), extended) == graph


def test_misusing_the_new_relations_range_is_reported(extended: Schema, tmp_path: Path) -> None:
    bad = FACTS + "  - {type: coordinates, from: chip-alliance, to: acme}\n"
    with pytest.raises(ValidationFailed) as info:
        build_graph([_facts(tmp_path, bad)], extended)
    (problem,) = info.value.problems
    assert (problem.line, problem.field) == (len(bad.splitlines()), "to")
    assert (
        problem.message
        == "'acme' is a Firm, but the range of coordinates is Standard or Technology"
    )


def test_misusing_the_new_relations_domain_is_reported(extended: Schema, tmp_path: Path) -> None:
    bad = FACTS + "  - {type: coordinates, from: acme, to: eda}\n"
    with pytest.raises(ValidationFailed) as info:
        build_graph([_facts(tmp_path, bad)], extended)
    (problem,) = info.value.problems
    assert problem.field == "from"
    assert "the domain of coordinates is Consortium" in problem.message


def test_the_new_attribute_keeps_its_datatype(extended: Schema, tmp_path: Path) -> None:
    bad = FACTS.replace("memberCount: 42", "memberCount: many")
    with pytest.raises(ValidationFailed) as info:
        build_graph([_facts(tmp_path, bad)], extended)
    (problem,) = info.value.problems
    assert problem.field == "memberCount"
    assert "expected a whole number, found text ('many')" in problem.message


def test_the_shipped_ontology_does_not_know_the_extension(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as info:
        build_graph([_facts(tmp_path, FACTS)])
    fields = {p.field for p in info.value.problems}
    assert {"kind", "type"} <= fields
