"""Every SHACL shape in ontology/shapes.ttl, on a tiny valid graph and a broken variant.

The valid graph below exercises every shape; each case edits it in one place and names the
shape that must object, the node it must object to and the message it must give.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from ingest.rdf import PROV
from ingest.records import Origin
from ingest.rules import SH, load_rules
from ingest.shacl import ShaclResult, readable, run_shacl, shacl_problems
from ontology.schema import DATA, SHAPES_FILE, TS, default_schema, shapes_graph

# rdflib warns when sh:lessThanOrEquals compares an ill-typed date; that case is on purpose.
pytestmark = pytest.mark.filterwarnings(
    "ignore:NotImplemented should not be used:DeprecationWarning"
)

PREFIXES = """\
@prefix ts: <https://w3id.org/techsov/ontology#> .
@prefix d: <https://w3id.org/techsov/id/> .
@prefix rel: <https://w3id.org/techsov/id/rel/> .
@prefix src: <https://w3id.org/techsov/id/source/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

VALID = """\
d:acme a ts:Firm ; ts:name "Acme" ; rdfs:label "Acme Corp"@en ; ts:alias "ACME" ;
    ts:wikidata "Q1" ; ts:description "A firm." ; ts:stateOwnership "private" ;
    ts:founded "1999-05-01"^^xsd:date .
d:beta a ts:Firm ; ts:name "Beta" .
d:fakeland a ts:Country ; ts:name "Fakeland" .
d:plan a ts:IndustrialPolicy ; ts:name "Plan" ; ts:reference "No. 1" .
d:chips a ts:Technology ; ts:name "Chips" .
d:logic-chips a ts:Technology ; ts:name "Logic chips" .
d:soc a ts:Chip ; ts:name "SoC" ; ts:launched "2024-01-01"^^xsd:date .

d:acme ts:supplies d:beta .
rel:supply a rdf:Statement ; rdf:subject d:acme ; rdf:predicate ts:supplies ; rdf:object d:beta ;
    ts:confidence 0.9 ; ts:share 0.5 ; ts:item "chips" ;
    ts:validFrom "2024-01-01"^^xsd:date ; ts:validTo "2024-12-31"^^xsd:date ;
    ts:provenance rel:supply-p1 .
d:beta ts:ownedBy d:acme .
rel:own a rdf:Statement ; rdf:subject d:beta ; rdf:predicate ts:ownedBy ; rdf:object d:acme ;
    ts:confidence 1.0 ; ts:share 1.0 ; ts:provenance rel:own-p1 .
d:plan ts:targets d:chips .
rel:target a rdf:Statement ; rdf:subject d:plan ; rdf:predicate ts:targets ; rdf:object d:chips ;
    ts:confidence 0.7 ; ts:effect "promotes-domestic" ; ts:provenance rel:target-p1 .
d:logic-chips ts:broader d:chips .
rel:broader a rdf:Statement ; rdf:subject d:logic-chips ; rdf:predicate ts:broader ;
    rdf:object d:chips ; ts:confidence 1 ; ts:provenance rel:broader-p1 .
d:acme ts:produces d:soc .
rel:produce a rdf:Statement ; rdf:subject d:acme ; rdf:predicate ts:produces ; rdf:object d:soc ;
    ts:confidence 0.8 ; ts:provenance rel:produce-p1 .

d:rule1 a ts:PolicyRule ; ts:name "Rule v1" ; ts:ruleDirection "both" ; ts:ruleAction "enacts" ;
    ts:inForceFrom "2022-10-07"^^xsd:date ; ts:inForceTo "2023-10-16"^^xsd:date ;
    ts:ownershipThreshold 0.5 ; ts:maxTiers 2 .
d:rule2 a ts:PolicyRule ; ts:name "Rule v2" ; ts:ruleDirection "both" ; ts:ruleAction "amends" ;
    ts:inForceFrom "2023-10-17"^^xsd:date .
d:rule1 ts:ruleOf d:plan .
d:rule2 ts:ruleOf d:plan .
d:rule2 ts:amends d:rule1 .

rel:supply-p1 a ts:ProvenanceRecord ; prov:hadPrimarySource src:paper ; ts:evidence "Acme sells." .
rel:own-p1 a ts:ProvenanceRecord ; prov:hadPrimarySource src:paper .
rel:target-p1 a ts:ProvenanceRecord ; prov:hadPrimarySource src:paper .
rel:broader-p1 a ts:ProvenanceRecord ; prov:hadPrimarySource src:paper .
rel:produce-p1 a ts:ProvenanceRecord ; prov:hadPrimarySource src:paper .
src:paper a ts:Source ; ts:title "A paper" ; ts:publisher "Press" ;
    ts:url "https://example.org/paper"^^xsd:anyURI ; ts:published "2024-02-01"^^xsd:date ;
    ts:sourceKind "article" .
"""

# (shape, text replaced in VALID, replacement, focus node, part of the message)
CASES: list[tuple[str, str, str, str, str]] = [
    (
        "EntityShape",
        'd:beta a ts:Firm ; ts:name "Beta" .',
        "d:beta a ts:Firm .",
        "beta",
        "An entity has exactly one display name (ts:name).",
    ),
    (
        "EntityShape",
        'd:beta a ts:Firm ; ts:name "Beta" .',
        'd:beta a ts:Firm ; ts:name "Beta", "Beta Ltd" .',
        "beta",
        "An entity has exactly one display name (ts:name).",
    ),
    (
        "EntityShape",
        'd:beta a ts:Firm ; ts:name "Beta" .',
        'd:beta a ts:Firm ; ts:name "Beta"@en .',
        "beta",
        "non-empty string without a language tag",
    ),
    (
        "EntityShape",
        'ts:wikidata "Q1"',
        'ts:wikidata "Q01"',
        "acme",
        "A Wikidata id is one QID such as Q1636958.",
    ),
    ("EntityShape", 'ts:alias "ACME"', 'ts:alias ""', "acme", "An alias is a non-empty string."),
    (
        "EntityShape",
        'ts:description "A firm."',
        'ts:description "A firm.", "Another."',
        "acme",
        "at most one description",
    ),
    (
        "EntityShape",
        'd:beta a ts:Firm ; ts:name "Beta" .',
        'd:beta a ts:Firm ; ts:name "Beta" ; ts:launched "2020-01-01"^^xsd:date .',
        "beta",
        "launched is not an attribute of any class of beta (ts:attribute in the ontology).",
    ),
    (
        "EntityShape",
        'ts:founded "1999-05-01"^^xsd:date',
        'ts:founded "1999"',
        "acme",
        "founded expects a value of type http://www.w3.org/2001/XMLSchema#date.",
    ),
    (
        "StateOwnershipShape",
        'ts:stateOwnership "private"',
        'ts:stateOwnership "public"',
        "acme",
        "stateOwnership is one of state-owned, state-backed, private.",
    ),
    (
        "DomainRangeShape",
        "d:acme ts:supplies d:beta .",
        "d:acme ts:supplies d:beta . d:fakeland ts:supplies d:beta .",
        "fakeland",
        "fakeland is the subject of supplies but not an instance of its rdfs:domain.",
    ),
    (
        "DomainRangeShape",
        "d:acme ts:supplies d:beta .",
        "d:acme ts:supplies d:beta . d:acme ts:headquarteredIn d:beta .",
        "beta",
        "beta is the object of headquarteredIn but not an instance of its rdfs:range.",
    ),
    (
        "DomainRangeShape",
        "d:acme ts:produces d:soc .",
        "d:acme ts:produces d:soc . d:acme ts:produces d:fakeland .",
        "fakeland",
        "fakeland is the object of produces but not an instance of its rdfs:range.",
    ),
    (
        "DomainRangeShape",
        "d:acme ts:supplies d:beta .",
        "d:acme ts:supplies d:beta . d:acme ts:supplies d:ghost .",
        "ghost",
        "ghost is the object of supplies but not an instance of its rdfs:range.",
    ),
    (
        "RelationStatementShape",
        "ts:confidence 0.9 ;",
        "ts:confidence 1.5 ;",
        "supply",
        "Confidence is a number from 0 to 1.",
    ),
    (
        "RelationStatementShape",
        "ts:confidence 0.9 ;",
        "",
        "supply",
        "A relation has exactly one confidence.",
    ),
    (
        "RelationStatementShape",
        'ts:validTo "2024-12-31"^^xsd:date',
        'ts:validTo "2023-12-31"^^xsd:date',
        "supply",
        "validFrom must not be after validTo.",
    ),
    (
        "RelationStatementShape",
        'ts:validTo "2024-12-31"^^xsd:date',
        'ts:validTo "2024-02-30"^^xsd:date',
        "supply",
        "A relation has at most one validTo, a real date.",
    ),
    (
        "RelationStatementShape",
        ' ts:effect "promotes-domestic" ;',
        "",
        "target",
        "A targets relation must carry the qualifier effect (ts:requiredQualifier",
    ),
    (
        "RelationStatementShape",
        'ts:share 0.5 ; ts:item "chips" ;',
        'ts:share 0.5 ; ts:item "chips" ; ts:effect "restricts-trade" ;',
        "supply",
        "effect is not a qualifier of supplies (ts:qualifier in the ontology).",
    ),
    (
        "RelationStatementShape",
        "d:logic-chips ts:broader d:chips .",
        "",
        "broader",
        "The statement's subject, predicate and object have no matching direct triple.",
    ),
    (
        "RelationStatementShape",
        "rdf:predicate ts:produces",
        "rdf:predicate ts:name",
        "produce",
        "The statement's predicate is not a relation type of the ontology",
    ),
    (
        "RelationStatementShape",
        "ts:confidence 0.8 ; ts:provenance rel:produce-p1 .",
        "ts:confidence 0.8 .",
        "produce",
        "A relation cites at least one provenance record (ts:ProvenanceRecord).",
    ),
    (
        "EffectShape",
        'ts:effect "promotes-domestic"',
        'ts:effect "bans-everything"',
        "target",
        "effect is one of promotes-domestic, restricts-trade, requires-transfer.",
    ),
    (
        "ShareShape",
        "ts:share 1.0 ;",
        "ts:share 1.2 ;",
        "own",
        "share is a fraction from 0 to 1.",
    ),
    (
        "ItemShape",
        'ts:item "chips"',
        'ts:item "lfp-battery"',
        "supply",
        "item lfp-battery is not the id of an entity.",
    ),
    (
        "TaxonomyShape",
        "d:logic-chips ts:broader d:chips .",
        "d:logic-chips ts:broader d:chips . d:chips ts:broader d:logic-chips .",
        "chips",
        "The technology taxonomy has a cycle: chips is broader than itself.",
    ),
    (
        "OwnershipShape",
        "d:beta ts:ownedBy d:acme .",
        "d:beta ts:ownedBy d:acme . d:acme ts:subsidiaryOf d:beta .",
        "acme",
        "Ownership has a cycle: acme ends up owning itself.",
    ),
    (
        "PolicyRuleShape",
        'ts:inForceTo "2023-10-16"^^xsd:date',
        'ts:inForceTo "2021-01-01"^^xsd:date',
        "rule1",
        "inForceFrom must not be after inForceTo.",
    ),
    (
        "PolicyRuleShape",
        "ts:ownershipThreshold 0.5",
        "ts:ownershipThreshold 1.5",
        "rule1",
        "ownershipThreshold is a share between 0 and 1",
    ),
    (
        "PolicyRuleShape",
        "ts:maxTiers 2",
        "ts:maxTiers -1",
        "rule1",
        "maxTiers is a whole number of tiers, 0 or more",
    ),
    (
        "PolicyRuleShape",
        'ts:ruleDirection "both" ; ts:ruleAction "enacts"',
        'ts:ruleDirection "sideways" ; ts:ruleAction "enacts"',
        "rule1",
        "ruleDirection is one of",
    ),
    (
        "PolicyRuleShape",
        "d:rule2 ts:amends d:rule1 .",
        "",
        "rule2",
        "names the version it acts on",
    ),
    (
        "PolicyRuleShape",
        "d:rule1 ts:ruleOf d:plan .",
        "",
        "rule1",
        "A policy rule belongs to exactly one policy",
    ),
    (
        "PolicyRuleShape",
        'ts:inForceFrom "2022-10-07"^^xsd:date',
        'ts:inForceFrom "2024-01-01"^^xsd:date',
        "rule2",
        "starts no later than it",
    ),
    (
        "AmendmentShape",
        "d:rule2 ts:amends d:rule1 .",
        "d:rule2 ts:amends d:rule1 . d:rule1 ts:amends d:rule2 .",
        "rule1",
        "Rule amendments have a cycle: rule1 ends up amending itself.",
    ),
    (
        "ProvenanceShape",
        "rel:own-p1 a ts:ProvenanceRecord ; prov:hadPrimarySource src:paper .",
        "rel:own-p1 a ts:ProvenanceRecord .",
        "own-p1",
        "A provenance record cites exactly one ts:Source.",
    ),
    (
        "ProvenanceShape",
        'ts:evidence "Acme sells."',
        'ts:evidence ""',
        "supply-p1",
        "Evidence is at most one non-empty excerpt.",
    ),
    (
        "SourceShape",
        'ts:url "https://example.org/paper"^^xsd:anyURI',
        'ts:url "ftp://example.org/paper"^^xsd:anyURI',
        "paper",
        "A source has at most one url, an http(s) address.",
    ),
    (
        "SourceShape",
        'ts:published "2024-02-01"^^xsd:date',
        'ts:published "February 2024"',
        "paper",
        "A source has at most one publication date, a real xsd:date.",
    ),
]


def _results(turtle: str) -> list[ShaclResult]:
    data = Graph().parse(data=PREFIXES + turtle, format="turtle")
    return run_shacl(data, default_schema())


def _found(results: list[ShaclResult]) -> list[tuple[str, str]]:
    return [(readable(str(r.focus)), readable(r.message)) for r in results]


def test_the_valid_graph_conforms() -> None:
    assert _found(_results(VALID)) == []


@pytest.mark.parametrize(
    ("shape", "old", "new", "focus", "message"),
    CASES,
    ids=[f"{c[0]}:{c[4][:40]}" for c in CASES],
)
def test_each_shape_reports_its_violation(
    shape: str, old: str, new: str, focus: str, message: str
) -> None:
    assert old in VALID
    found = _found(_results(VALID.replace(old, new, 1)))
    assert any(f == focus and message in m for f, m in found), found


def test_every_node_shape_has_a_case() -> None:
    g = shapes_graph(SHAPES_FILE)
    declared = {str(s).rsplit("#", 1)[-1] for s in g.subjects(RDF.type, SH.NodeShape)}
    assert declared == {c[0] for c in CASES}


def test_domain_and_range_follow_subclasses_and_unions() -> None:
    extra = (
        'd:ministry a ts:GovernmentBody ; ts:name "M" .\n'
        'd:listing a ts:EntityListing ; ts:name "L" .\n'
        "d:listing ts:issuedBy d:ministry . d:listing ts:names d:acme .\n"
        "d:fakeland ts:dependsOn d:chips . d:acme ts:dependsOn d:fakeland .\n"
    )
    found = _found(_results(VALID + extra))
    assert not [f for f in found if "rdfs:domain" in f[1] or "rdfs:range" in f[1]], found


def test_the_validator_reads_its_concept_rules_from_the_shapes() -> None:
    rules = load_rules()
    assert rules.allowed_values["effect"] == (
        "promotes-domestic",
        "restricts-trade",
        "requires-transfer",
    )
    assert rules.allowed_values["stateOwnership"] == ("state-owned", "state-backed", "private")
    assert (rules.minimum["share"], rules.maximum["share"]) == (0.0, 1.0)
    assert (rules.minimum["confidence"], rules.maximum["confidence"]) == (0.0, 1.0)
    assert rules.patterns["wikidata"] == "^Q[1-9][0-9]*$"
    assert rules.references == {"item": "Entity"}
    assert [(r.relations, r.label) for r in rules.acyclic] == [
        (("amends",), "rule amendments (amends)"),
        (("broader",), "the technology taxonomy (broader)"),
        (("subsidiaryOf", "ownedBy"), "ownership (subsidiaryOf, ownedBy)"),
    ]
    (total,) = rules.totals
    assert (total.relations, total.qualifier, total.maximum, total.per) == (
        ("subsidiaryOf", "ownedBy"),
        "share",
        1.0,
        "source",
    )


def test_messages_name_ids_not_iris() -> None:
    assert readable(f"{DATA}acme is the subject of {URIRef(DATA + 'x')}") == (
        "acme is the subject of x"
    )


def test_shacl_results_point_at_the_record_and_field_behind_the_node() -> None:
    data = Graph().parse(data=PREFIXES + VALID, format="turtle")
    data.remove((DATA["rel/supply"], TS.confidence, None))
    data.add((DATA["rel/supply"], TS.confidence, Literal(Decimal("1.5"))))
    data.add((DATA["fakeland"], TS.supplies, DATA["beta"]))
    cite = DATA["rel/supply/provenance/2"]
    data.add((DATA["rel/supply"], TS.provenance, cite))
    data.add((cite, RDF.type, TS.ProvenanceRecord))
    data.add((cite, PROV.hadPrimarySource, DATA["source/paper"]))
    data.add((cite, TS.evidence, Literal("")))
    origins = {
        DATA["acme"]: Origin("a.yaml", 3),
        DATA["fakeland"]: Origin("a.yaml", 9),
        DATA["rel/supply"]: Origin("b.yaml", 20, {"confidence": 24}),
    }
    problems = sorted(shacl_problems(data, default_schema(), origins))
    assert [(p.file, p.line, p.field) for p in problems] == [
        ("a.yaml", 9, ""),  # no relation record made this triple: point at the entity
        ("b.yaml", 20, "provenance.evidence"),
        ("b.yaml", 24, "confidence"),
    ]
    assert problems[0].message.startswith("fakeland is the subject of supplies")
    assert problems[1].message == "Evidence is at most one non-empty excerpt."
    assert problems[2].message == "Confidence is a number from 0 to 1. (found '1.5')"
