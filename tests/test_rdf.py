"""RDF rendering: ontology IRIs, reified statements with provenance, lossless round trips."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Literal
from rdflib import Graph as RdfGraph
from rdflib import namespace as rdfns
from rdflib.compare import isomorphic

from ingest import default_paths
from ingest.rdf import (
    PROV,
    RDF_FORMATS,
    RdfFormat,
    entity_iri,
    export_rdf,
    graph_to_rdf,
    provenance_iri,
    rdf_to_graph,
    relation_iri,
    serialize_rdf,
    source_iri,
    to_literal,
)
from ingest.reader import find_yaml_files
from ingest.validate import build_graph, collect
from ontology.errors import ValidationFailed
from ontology.model import Graph
from ontology.schema import TS, default_schema

SCHEMA = default_schema()

# rdflib's own JSON-LD parser uses a class rdflib itself deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

FACTS = """\
sources:
  - id: paper
    title: "A paper: \\"quoted\\" & <angled>"
    publisher: Press
    url: https://example.org/paper?a=1&b=2
    published: 2024-02-01
    kind: article
  - id: bare
entities:
  - id: acme
    kind: Firm
    name: Acme
    names: {en: Acme Corporation, zh: 阿克米, zh-Hant: 阿克米公司}
    aliases: [ACME, "Acme \\"the\\" Firm"]
    wikidata: Q1
    description: "Line one\\nline two"
    stateOwnership: state-backed
    founded: 1999-05-01
  - id: beta
    kind: Firm
    name: Beta
  - id: chips
    kind: Technology
    name: Chips
  - id: soc
    kind: Chip
    name: SoC
    launched: 2024-01-01
  - id: plan
    kind: IndustrialPolicy
    name: Plan
    reference: No. 1
relations:
  - type: supplies
    from: acme
    to: beta
    item: soc
    share: 0.0000001
    confidence: 0.9
    validFrom: 2024-03-28
    validTo: 2025-12-31
    provenance:
      - {source: paper, evidence: "Acme supplies Beta."}
      - {source: bare}
      - {source: paper, evidence: "Second excerpt."}
  - type: targets
    from: plan
    to: chips
    effect: promotes-domestic
    confidence: 1
    provenance: [{source: paper}]
  - type: ownedBy
    from: beta
    to: acme
    share: 0.3
    confidence: 0.5
    provenance: [{source: bare}]
    id: beta--ownedBy--acme--2019
"""


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    path = tmp_path_factory.mktemp("facts") / "facts.yaml"
    path.write_text(FACTS, encoding="utf-8")
    return build_graph([path], SCHEMA)


def test_entities_are_typed_with_their_class_and_named(graph: Graph) -> None:
    rdf = graph_to_rdf(graph, SCHEMA)
    acme = entity_iri("acme")
    assert (acme, RDF.type, TS.Firm) in rdf
    assert (acme, TS.name, Literal("Acme")) in rdf
    assert (acme, RDFS.label, Literal("阿克米", lang="zh")) in rdf
    assert (acme, TS.alias, Literal("ACME")) in rdf
    assert (acme, TS.wikidata, Literal("Q1")) in rdf
    assert (acme, TS.founded, Literal(date(1999, 5, 1), datatype=rdfns.XSD.date)) in rdf
    assert (acme, TS.stateOwnership, Literal("state-backed")) in rdf


def test_relations_are_direct_triples_plus_reified_statements(graph: Graph) -> None:
    rdf = graph_to_rdf(graph, SCHEMA)
    acme, beta = entity_iri("acme"), entity_iri("beta")
    st = relation_iri("acme--supplies--beta")
    assert (acme, TS.supplies, beta) in rdf
    assert (st, RDF.type, RDF.Statement) in rdf
    assert [rdf.value(st, p) for p in (RDF.subject, RDF.predicate, RDF.object)] == [
        acme,
        TS.supplies,
        beta,
    ]
    assert rdf.value(st, TS.confidence) == Literal("0.9", datatype=rdfns.XSD.decimal)
    assert rdf.value(st, TS.share) == Literal("0.0000001", datatype=rdfns.XSD.decimal)
    assert rdf.value(st, TS.item) == Literal("soc")
    assert rdf.value(st, TS.validTo) == Literal(date(2025, 12, 31), datatype=rdfns.XSD.date)
    first = provenance_iri("acme--supplies--beta", 1)
    assert set(rdf.objects(st, TS.provenance)) == {
        first,
        provenance_iri("acme--supplies--beta", 2),
        provenance_iri("acme--supplies--beta", 3),
    }
    assert (first, RDF.type, TS.ProvenanceRecord) in rdf
    assert rdf.value(first, PROV.hadPrimarySource) == source_iri("paper")
    assert rdf.value(first, TS.evidence) == Literal("Acme supplies Beta.")


def test_sources_carry_their_metadata(graph: Graph) -> None:
    rdf = graph_to_rdf(graph, SCHEMA)
    paper = source_iri("paper")
    assert (paper, RDF.type, TS.Source) in rdf
    assert rdf.value(paper, TS.url) == Literal(
        "https://example.org/paper?a=1&b=2", datatype=rdfns.XSD.anyURI
    )
    assert rdf.value(paper, TS.published) == Literal(date(2024, 2, 1), datatype=rdfns.XSD.date)
    assert rdf.value(paper, TS.sourceKind) == Literal("article")
    assert len(list(rdf.predicate_objects(source_iri("bare")))) == 1


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_each_export_format_parses_back_to_the_same_rdf_and_graph(
    graph: Graph, fmt: RdfFormat, tmp_path: Path
) -> None:
    original = graph_to_rdf(graph, SCHEMA)
    out = tmp_path / f"export.{fmt}"
    export_rdf(graph, SCHEMA, fmt, out)
    stream = io.StringIO()
    export_rdf(graph, SCHEMA, fmt, stream)
    assert stream.getvalue() == out.read_text(encoding="utf-8")
    parsed = RdfGraph().parse(out, format=RDF_FORMATS[fmt])
    assert isomorphic(parsed, original)
    assert rdf_to_graph(parsed, SCHEMA) == graph


def test_rdf_to_graph_inverts_graph_to_rdf(graph: Graph) -> None:
    assert rdf_to_graph(graph_to_rdf(graph, SCHEMA), SCHEMA) == graph


def test_the_curated_set_round_trips_through_every_format() -> None:
    files, _ = find_yaml_files(default_paths())
    if not files:
        pytest.skip("no curated files shipped yet")
    curated, _ = collect(None, SCHEMA, run_shacl=False)
    original = graph_to_rdf(curated, SCHEMA)
    for fmt in RDF_FORMATS:
        text = serialize_rdf(original, fmt)  # type: ignore[arg-type]
        parsed = RdfGraph().parse(data=text, format=RDF_FORMATS[fmt])
        assert isomorphic(parsed, original), fmt
        assert rdf_to_graph(parsed, SCHEMA) == curated, fmt


def test_exports_are_stable_across_runs(graph: Graph) -> None:
    first = serialize_rdf(graph_to_rdf(graph, SCHEMA), "ntriples")
    second = serialize_rdf(graph_to_rdf(graph, SCHEMA), "ntriples")
    assert sorted(first.splitlines()) == sorted(second.splitlines())
    assert "_:" not in first  # no blank nodes: every node has a stable IRI


def test_jsonld_uses_the_ontology_prefixes(graph: Graph) -> None:
    text = serialize_rdf(graph_to_rdf(graph, SCHEMA), "jsonld")
    assert '"ts": "https://w3id.org/techsov/ontology#"' in text
    assert "ts:supplies" in text


def test_unknown_format_is_refused(graph: Graph) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        serialize_rdf(graph_to_rdf(graph, SCHEMA), "rdfxml")  # type: ignore[arg-type]


def test_reading_back_broken_rdf_reports_every_bad_node(graph: Graph) -> None:
    rdf = graph_to_rdf(graph, SCHEMA)
    rdf.remove((relation_iri("acme--supplies--beta"), TS.confidence, None))
    rdf.remove((entity_iri("beta"), TS.name, None))
    with pytest.raises(ValidationFailed) as info:
        rdf_to_graph(rdf, SCHEMA)
    assert sorted(p.field for p in info.value.problems) == ["acme--supplies--beta", "beta"]


@pytest.mark.parametrize(
    ("value", "datatype", "expected"),
    [
        (0.5, "float", Literal("0.5", datatype=rdfns.XSD.decimal)),
        (1e-07, "float", Literal("0.0000001", datatype=rdfns.XSD.decimal)),
        (1, "float", Literal("1.0", datatype=rdfns.XSD.decimal)),
        (3, "int", Literal(3)),
        (True, "bool", Literal(True)),
        (date(2024, 1, 2), "date", Literal(date(2024, 1, 2), datatype=rdfns.XSD.date)),
        ("x", "string", Literal("x")),
    ],
)
def test_literals_get_the_ontology_datatype(
    value: object, datatype: str, expected: Literal
) -> None:
    lit = to_literal(value, datatype)  # type: ignore[arg-type]
    assert lit == expected and lit.datatype == expected.datatype
