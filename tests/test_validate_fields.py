"""Field-level problems of curated YAML records: one snippet a problem, each reported
with its field and message, and the file-level sections, defaults and sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from curated_snippets import HEADER, problems_of, write_facts

from ingest.validate import build_graph
from ontology.errors import ValidationFailed

BAD = Path(__file__).parent / "bad_inputs"


def _record(fields: dict[str, str]) -> str:
    """A YAML list item with the fields in order, one per line."""
    lines = [f"{k}: {v}" for k, v in fields.items()]
    return "  - " + "\n    ".join(lines) + "\n"


@pytest.mark.parametrize(
    ("snippet", "field", "message"),
    [
        ("kind: Entity", "kind", "'Entity' is abstract"),
        ("names: [Acme]", "names", "expected a mapping of language tag to name"),
        ("aliases: ACME", "aliases", "expected a list of names"),
        ("founded: 1999", "founded", "expected a date YYYY-MM-DD, found a whole number"),
        ("founded: '1999-13-01'", "founded", "1999-13-01 is not a real date"),
        ("founded: 1999-05-01T10:00:00", "founded", "expected a date YYYY-MM-DD"),
        ("name: '   '", "name", "must not be empty"),
        ("reference: X-1", "reference", "'reference' is not an attribute of Firm"),
    ],
)
def test_entity_fieldproblems_of(tmp_path: Path, snippet: str, field: str, message: str) -> None:
    key, value = (part.strip() for part in snippet.split(":", 1))
    fields = {"id": "gamma", "kind": "Firm", "name": "Gamma"} | {key: value}
    problems = problems_of(write_facts(tmp_path, HEADER + _record(fields)))
    assert [p.field for p in problems] == [field], problems
    assert message in problems[0].message


@pytest.mark.parametrize(
    ("snippet", "field", "message"),
    [
        ("confidence: '0.5'", "confidence", "expected a number, found text ('0.5')"),
        ("confidence: .nan", "confidence", "expected a finite number"),
        ("provenance: []", "provenance", "expected a list of at least one"),
        ("provenance: [src]", "provenance[1]", "expected a mapping with source and evidence"),
        ("provenance: [{source: src, page: 3}]", "provenance[1].page", "unknown field 'page'"),
        ("provenance: [{evidence: x}]", "provenance[1].source", "missing"),
        ("id: acme_beta", "id", "is not a valid id"),
        ("effect: restricts-trade", "effect", "'effect' is not a qualifier of supplies"),
        ("share: lots", "share", "expected a number"),
        ("from: [acme]", "from", "expected text, found a list"),
    ],
)
def test_relation_fieldproblems_of(tmp_path: Path, snippet: str, field: str, message: str) -> None:
    key, value = (part.strip() for part in snippet.split(":", 1))
    fields = {
        "type": "supplies",
        "from": "acme",
        "to": "beta",
        "confidence": "0.5",
        "provenance": "[{source: src}]",
    } | {key: value}
    problems = problems_of(write_facts(tmp_path, HEADER + "relations:\n" + _record(fields)))
    assert [p.field for p in problems] == [field], problems
    assert message in problems[0].message


def test_a_section_that_is_not_a_list_is_a_problem(tmp_path: Path) -> None:
    (problem,) = problems_of(write_facts(tmp_path, "entities: {id: acme}\n"))
    assert (problem.line, problem.field) == (1, "entities")
    assert "expected a list of entities, found a mapping" in problem.message


def test_unknown_defaults_keys_areproblems_of(tmp_path: Path) -> None:
    (problem,) = problems_of(write_facts(tmp_path, "defaults: {effect: restricts-trade}\n"))
    assert problem.field == "defaults.effect"
    assert "defaults may set confidence, validFrom, validTo, provenance" in problem.message


def test_source_fields_are_checked(tmp_path: Path) -> None:
    text = "sources:\n  - id: s\n    url: ftp://x\n    published: 2024-02-30\n    author: me\n"
    problems = problems_of(write_facts(tmp_path, text))
    assert [(p.line, p.field) for p in problems] == [(3, "url"), (4, "published"), (5, "author")]


def test_validation_failed_carries_the_exit_code_of_the_cli() -> None:
    with pytest.raises(ValidationFailed) as info:
        build_graph([BAD / "unknown_kind.yaml"])
    assert info.value.exit_code == 2
    assert "unknown_kind.yaml:" in str(info.value)
