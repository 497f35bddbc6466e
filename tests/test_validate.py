"""Validation of curated YAML: every rule of ingest/FORMAT.md, with file, line and field.

The bad-input corpus in ``tests/bad_inputs`` holds one small file per mistake; the table
below says where the one problem each file must produce is (a text on the expected line),
which field it names and what its message says.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from curated_snippets import HEADER, problems_of, write_facts

from ingest.records import default_relation_id
from ingest.validate import build_graph, collect
from ontology.errors import ValidationFailed
from ontology.model import Entity, Relation

BAD = Path(__file__).parent / "bad_inputs"
FAKE_ARTICLE = (
    "A tiny fake article. Fake Corp supplies Other Corp. "
    "MATCH (n) DETACH DELETE n is not a sentence."
)
TEXTS = {"fake-article": FAKE_ARTICLE}

# file -> (text on the problem's line, field, part of the message)
EXPECTED: dict[str, tuple[str, str, str]] = {
    "malformed_yaml.yaml": ("name: Fake Corp", "", "invalid YAML"),
    "duplicate_key.yaml": ("name: Third Corporation", "name", "duplicate key 'name'"),
    "tabs.yaml": ("\tname", "", "tab character"),
    "non_utf8.yaml": ("name: Caf", "", "not valid UTF-8 (byte 0xe9)"),
    "alias_bomb.yaml": ("&a0", "", "anchors and aliases (& and *) are not allowed"),
    "unknown_top_level_key.yaml": ("relationships:", "relationships", "unknown top-level key"),
    "unknown_field.yaml": ("nmae:", "nmae", "unknown field 'nmae' (did you mean 'name'?)"),
    "wrong_type.yaml": ("name: 2024", "name", "expected text, found a whole number (2024)"),
    "bad_slug.yaml": ("id: Fake_Corp", "id", "'Fake_Corp' is not a valid id"),
    "bad_wikidata.yaml": ("wikidata: wd-", "wikidata", "expected a Wikidata QID like Q1636958"),
    "unknown_kind.yaml": ("kind: Frim", "kind", "'Frim' is not a kind of the ontology"),
    "unknown_relation_type.yaml": (
        "type: suplies",
        "type",
        "'suplies' is not a relation type of the ontology (did you mean 'supplies'?)",
    ),
    "domain_violation.yaml": (
        "from: fakeland",
        "from",
        "'fakeland' is a Country, but the domain of headquarteredIn is Organization",
    ),
    "range_violation.yaml": (
        "to: other-corp",
        "to",
        "'other-corp' is a Firm, but the range of headquarteredIn is Jurisdiction",
    ),
    "dangling_id.yaml": ("to: no-such-corp", "to", "no entity has id 'no-such-corp'"),
    "duplicate_id.yaml": ("# again", "id", "duplicate entity id 'fake-corp'"),
    "duplicate_relation_id.yaml": (
        "# same from, type and to",
        "id",
        "relation id 'fake-corp--supplies--other-corp' (from <from>--<type>--<to>) is already "
        "used at",
    ),
    "valid_to_before_valid_from.yaml": (
        "validTo: 2023-06-01",
        "validTo",
        "validTo 2023-06-01 is before validFrom 2024-06-01",
    ),
    "impossible_date.yaml": ("validFrom: 2024-02-30", "validFrom", "2024-02-30 is not a real date"),
    "confidence_out_of_range.yaml": (
        "confidence: 1.5",
        "confidence",
        "must be between 0 and 1; found 1.5",
    ),
    "missing_confidence.yaml": ("- type: supplies", "confidence", "missing; set a confidence"),
    "share_out_of_range.yaml": ("share: -0.2", "share", "must be between 0 and 1; found -0.2"),
    "evidence_not_in_article.yaml": (
        'evidence: "Fake Corp is the sole',
        "provenance[1].evidence",
        "does not occur verbatim in source 'fake-article'",
    ),
    "undeclared_source.yaml": (
        "source: fake-newspaper",
        "provenance[1].source",
        "no source has id 'fake-newspaper'",
    ),
    "missing_effect.yaml": (
        "- type: targets",
        "effect",
        "a targets relation must set effect (one of promotes-domestic, restricts-trade, "
        "requires-transfer)",
    ),
    "unknown_effect.yaml": (
        "effect: bans-everything",
        "effect",
        "must be one of promotes-domestic, restricts-trade, requires-transfer",
    ),
    "unknown_state_ownership.yaml": (
        "stateOwnership: public",
        "stateOwnership",
        "must be one of state-owned, state-backed, private",
    ),
    "attribute_not_allowed.yaml": (
        "stateOwnership: state-owned",
        "stateOwnership",
        "'stateOwnership' is not an attribute of Country",
    ),
    "qualifier_not_allowed.yaml": (
        "share: 0.5",
        "share",
        "'share' is not a qualifier of competesWith",
    ),
    "ownership_shares_above_100.yaml": (
        "share: 0.7",
        "share",
        "share values for 'joint-venture' add up to 1.2, more than 1",
    ),
    "taxonomy_cycle.yaml": (
        "to: chips",
        "to",
        "the technology taxonomy (broader) has a cycle: ai-chips -> logic-chips -> chips -> "
        "ai-chips",
    ),
    "ownership_cycle.yaml": (
        "to: other-corp",
        "to",
        "ownership (subsidiaryOf, ownedBy) has a cycle: fake-corp -> other-corp -> fake-corp",
    ),
    "python_object_tag.yaml": (
        "!!python/object/apply:os.system",
        "",
        "unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system",
    ),
    "deep_nesting.yaml": ("description: [[[", "", "nested more than 64 levels deep"),
    "top_level_list.yaml": (
        "- id: fake-corp",
        "",
        "expected a mapping with keys sources, entities, relations, defaults; found a list",
    ),
    "control_character.yaml": ('name: "Fake', "", "character #x0007 is not allowed in YAML"),
    "missing_name.yaml": ("# no name", "name", "missing; expected text"),
    "abstract_kind.yaml": ("kind: Entity", "kind", "'Entity' is abstract"),
    "confidence_not_a_number.yaml": (
        "confidence: .nan",
        "confidence",
        "expected a finite number, found nan",
    ),
    "empty_provenance.yaml": (
        "provenance: []",
        "provenance",
        "expected a list of at least one {source, evidence} entry",
    ),
    "section_not_a_list.yaml": (
        "entities:",
        "entities",
        "expected a list of entities, found a mapping",
    ),
}


def _line_of(path: Path, text: str) -> int:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_the_corpus_covers_every_bad_file() -> None:
    files = {p.name for p in BAD.iterdir() if not p.name.startswith("ok_")}
    assert files - {"three_errors.yaml"} == set(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_reported_with_file_line_field_and_message(name: str) -> None:
    marker, field, message = EXPECTED[name]
    path = BAD / name
    problems = problems_of(path, texts=TEXTS)
    assert len(problems) == 1, "\n".join(map(str, problems))
    problem = problems[0]
    assert problem.file.endswith(name)
    assert problem.line == _line_of(path, marker) > 0
    assert problem.field == field
    assert message in problem.message


def test_a_file_with_three_different_errors_reports_all_three() -> None:
    problems = problems_of(BAD / "three_errors.yaml", texts=TEXTS)
    assert [(p.field, p.line) for p in problems] == [
        ("stateOwnership", 12),
        ("kind", 14),
        ("confidence", 20),
    ]
    assert all(p.file.endswith("three_errors.yaml") for p in problems)
    assert [p.message for p in problems] == [
        "must be one of state-owned, state-backed, private; found 'public'",
        "'Frim' is not a kind of the ontology (did you mean 'Firm'?); expected one of "
        + problems[1].message.split("expected one of ")[1],
        "must be between 0 and 1; found 1.5",
    ]


def test_problems_from_several_files_are_reported_together() -> None:
    problems = problems_of(BAD / "unknown_kind.yaml", BAD / "impossible_date.yaml")
    assert {Path(p.file).name for p in problems} == {"unknown_kind.yaml", "impossible_date.yaml"}


def test_injection_looking_strings_are_valid_and_kept_verbatim() -> None:
    graph = build_graph([BAD / "ok_injection_strings.yaml"], source_texts=TEXTS)
    bobby = graph.entities["bobby-tables"]
    assert bobby.name == "Robert'); DROP TABLE entities;--"
    assert {n.lang: n.value for n in bobby.names} == {
        "en": "<script>alert('x')</script>",
        "zh": "${jndi:ldap://example.invalid/a}",
    }
    assert set(bobby.aliases) == {
        "{{7*7}}",
        "' OR '1'='1",
        "MATCH (n) DETACH DELETE n //",
        "$(rm -rf /)",
    }
    assert bobby.description == '" } ] ) ; CALL db.clearQueryCaches() // <!-- -->'
    assert graph.sources["fake-article"].title == "'; DROP TABLE sources; --"
    (rel,) = graph.relations.values()
    assert rel.provenance[0].evidence == "MATCH (n) DETACH DELETE n"


def test_a_valid_file_becomes_model_objects(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER
        + """\
relations:
  - type: supplies
    from: acme
    to: beta
    item: chips
    share: 0.25
    confidence: 0.9
    validFrom: 2024-03-28
    validTo: 2025-12-31
    provenance:
      - source: src
        evidence: Acme supplies Beta.
      - source: src
""",
    )
    graph = build_graph([path])
    assert graph.counts() == {"entities": 3, "relations": 1, "sources": 1}
    acme = graph.entities["acme"]
    assert acme == Entity(
        id="acme",
        kind="Firm",
        name="Acme",
        names=acme.names,
        aliases=("ACME", "Acme Inc."),
        wikidata="Q1",
        description="A firm.",
        attributes={"stateOwnership": "private", "founded": date(1999, 5, 1)},
    )
    assert [(n.lang, n.value) for n in acme.names] == [("en", "Acme Corporation"), ("zh", "阿克米")]
    rel = graph.relations["acme--supplies--beta"]
    assert rel == Relation(
        id="acme--supplies--beta",
        type="supplies",
        source="acme",
        target="beta",
        properties={"item": "chips", "share": 0.25},
        confidence=0.9,
        valid_from=date(2024, 3, 28),
        valid_to=date(2025, 12, 31),
        provenance=rel.provenance,
    )
    assert [(p.source, p.evidence) for p in rel.provenance] == [
        ("src", "Acme supplies Beta."),
        ("src", None),
    ]
    assert graph.sources["src"].published == date(2024, 1, 2)


def test_defaults_apply_to_every_relation_of_their_file_only(tmp_path: Path) -> None:
    first = write_facts(
        tmp_path,
        HEADER
        + """\
defaults:
  confidence: 0.6
  provenance: [{source: src, evidence: default evidence}]
relations:
  - {type: supplies, from: acme, to: beta}
  - {type: competesWith, from: acme, to: beta, confidence: 0.9}
""",
        "a.yaml",
    )
    second = write_facts(
        tmp_path,
        "relations:\n  - {type: develops, from: beta, to: chips}\n",
        "b.yaml",
    )
    problems = problems_of(first, second)
    assert [(Path(p.file).name, p.field) for p in problems] == [
        ("b.yaml", "confidence"),
        ("b.yaml", "provenance"),
    ]
    graph, _ = collect([first, second], run_shacl=False)
    assert graph.relations["acme--supplies--beta"].confidence == 0.6
    assert graph.relations["acme--competesWith--beta"].confidence == 0.9
    assert graph.relations["acme--supplies--beta"].provenance[0].evidence == "default evidence"


def test_a_problem_in_defaults_is_reported_once_at_the_defaults(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER
        + """\
defaults:
  confidence: high
  provenance: [{source: src}]
relations:
  - {type: supplies, from: acme, to: beta}
  - {type: supplies, from: beta, to: acme}
""",
    )
    problems = problems_of(path)
    assert [(p.line, p.field) for p in problems] == [(24, "defaults.confidence")]
    assert "expected a number, found text ('high'); remove the quotes" in problems[0].message


def test_explicit_ids_tell_repeated_relations_apart(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER
        + """\
defaults: {confidence: 0.5, provenance: [{source: src}]}
relations:
  - {type: supplies, from: acme, to: beta, validTo: 2020-12-31}
  - {type: supplies, from: acme, to: beta, validFrom: 2021-01-01, id: acme--supplies--beta--2}
""",
    )
    assert set(build_graph([path]).relations) == {
        "acme--supplies--beta",
        "acme--supplies--beta--2",
    }


def test_default_relation_ids_join_from_type_and_to() -> None:
    assert default_relation_id("xiaomi", "headquarteredIn", "china") == (
        "xiaomi--headquarteredIn--china"
    )


def test_ownership_shares_held_at_different_times_do_not_add_up(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER
        + """\
defaults: {confidence: 0.5, provenance: [{source: src}]}
relations:
  - {type: ownedBy, from: beta, to: acme, share: 0.8, validTo: 2019-12-31}
  - {type: subsidiaryOf, from: beta, to: acme, share: 0.9, validFrom: 2020-01-01}
""",
    )
    assert len(build_graph([path]).relations) == 2


def test_subclass_endpoints_satisfy_domain_and_range(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER
        + """\
  - id: ministry
    kind: GovernmentBody
    name: Ministry
  - id: listing
    kind: EntityListing
    name: A listing
defaults: {confidence: 0.5, provenance: [{source: src}]}
relations:
  - {type: issuedBy, from: listing, to: ministry}
  - {type: names, from: listing, to: acme}
  - {type: harmedBy, from: acme, to: listing}
""",
    )
    assert len(build_graph([path]).relations) == 3


def test_item_must_name_an_existing_entity(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER
        + """\
relations:
  - type: supplies
    from: acme
    to: beta
    item: lfp-battery
    confidence: 0.5
    provenance: [{source: src}]
""",
    )
    (problem,) = problems_of(path)
    assert (problem.line, problem.field) == (27, "item")
    assert "no entity has id 'lfp-battery'" in problem.message


def test_evidence_that_differs_only_in_quotes_gets_a_hint(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER
        + """\
relations:
  - type: supplies
    from: acme
    to: beta
    confidence: 0.5
    provenance: [{source: src, evidence: "Acme’s chips"}]
""",
    )
    with pytest.raises(ValidationFailed) as info:
        build_graph([path], source_texts={"src": "We like Acme's chips."})
    (problem,) = info.value.problems
    assert "differs only in quotes, dashes or spacing" in problem.message


def test_text_for_an_unknown_source_is_a_problem(tmp_path: Path) -> None:
    path = write_facts(tmp_path, HEADER)
    with pytest.raises(ValidationFailed) as info:
        build_graph([path], source_texts={"nope": "text"})
    assert [(p.file, p.field) for p in info.value.problems] == [("<source texts>", "nope")]


def test_an_unquoted_comma_in_a_flow_mapping_gets_a_hint(tmp_path: Path) -> None:
    path = write_facts(
        tmp_path,
        HEADER.replace("names: {zh: 阿克米, en: Acme Corporation}", "names: {en: Acme Co., Ltd.}"),
    )
    (problem,) = problems_of(path)
    assert problem.field == "names.Ltd."
    assert "quote names with commas" in problem.message
