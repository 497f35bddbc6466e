"""One record validator: the same bad record read from curated YAML, a bulk CSV row and an
importer's record gives the same problem - same field, same words - at its own file and line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.bulk import collect_bulk
from ingest.importers.common import Place, validate_records
from ingest.record_model import EntityInput, RelationInput, SourceInput
from ingest.validate import collect
from ontology.errors import Problem

SOURCE = {"id": "src", "title": "A source"}
GOOD_ENTITY = {"id": "acme", "kind": "Firm", "name": "Acme"}
CHIPS = {"id": "chips", "kind": "Technology", "name": "Chips"}

# field -> (YAML text, CSV cell, importer value, words every input's message must hold)
BAD_ENTITY_FIELDS: dict[str, tuple[str, str, object, str]] = {
    "kind": ("Frim", "Frim", "Frim", "'Frim' is not a kind of the ontology (did you mean 'Firm'?)"),
    "founded": ("2020-02-30", "2020-02-30", "2020-02-30", "2020-02-30 is not a real date"),
    "id": ("Bad_Id", "Bad_Id", "Bad_Id", "'Bad_Id' is not a valid id"),
    "wikidata": ("wd-1", "wd-1", "wd-1", "expected a Wikidata QID like Q1636958"),
}
BAD_RELATIONS: dict[str, tuple[dict[str, str], str]] = {
    "type": ({"type": "suplies"}, "'suplies' is not a relation type of the ontology"),
    "confidence": ({"confidence": "1.5"}, "must be between 0 and 1"),
    "validTo": (
        {"validFrom": "2024-01-01", "validTo": "2023-01-01"},
        "validTo 2023-01-01 is before validFrom 2024-01-01",
    ),
}


def _yaml(tmp_path: Path, entity: dict[str, str], relation: dict[str, str]) -> list[Problem]:
    def line(key: str, value: str) -> str:
        if key == "provenance":
            return "provenance: [{source: src}]"
        return f"{key}: {value}" if key == "confidence" else f"{key}: {value!r}"

    def block(record: dict[str, str]) -> str:
        return "  - " + "\n    ".join(line(k, v) for k, v in record.items())

    text = (
        f"sources:\n{block(SOURCE)}\nentities:\n{block(entity)}\n{block(CHIPS)}\n"
        f"relations:\n{block({**relation, 'provenance': ''})}\n"
    )
    (tmp_path / "facts.yaml").write_text(text, encoding="utf-8")
    _, problems = collect([tmp_path / "facts.yaml"], run_shacl=False)
    return problems


def _csv(tmp_path: Path, entity: dict[str, str], relation: dict[str, str]) -> list[Problem]:
    def table(name: str, *records: dict[str, str]) -> None:
        columns = list(dict.fromkeys(k for r in records for k in r))
        rows = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in records]
        (tmp_path / name).write_text("\n".join(rows) + "\n", encoding="utf-8")

    table("sources.csv", SOURCE)
    table("entities.csv", entity, CHIPS)
    table("relations.csv", {**relation, "sources": "src"})
    _, problems = collect_bulk([tmp_path])
    return problems


def _native(entity: dict[str, object], relation: dict[str, object]) -> list[Problem]:
    """The records as an importer builds them: typed, values as the data set gives them."""
    cited = RelationInput.from_fields({**relation, "provenance": [{"source": "src"}]})
    _, problems = validate_records(
        "test import",
        [SourceInput.from_fields(SOURCE)],
        [
            (EntityInput.from_fields(entity), Place("data.csv", 7)),
            (EntityInput.from_fields(CHIPS), Place("data.csv", 8)),
        ],
        [(cited, Place("links.csv", 3))],
    )
    return problems


def _relation(**fields: str) -> dict[str, str]:
    base = {"type": "produces", "from": "acme", "to": "chips", "confidence": "0.9"}
    return {**base, **fields}


@pytest.mark.parametrize("field", sorted(BAD_ENTITY_FIELDS))
def test_a_bad_entity_field_reads_the_same_from_yaml_csv_and_an_importer(
    tmp_path: Path, field: str
) -> None:
    yaml_value, csv_value, native_value, words = BAD_ENTITY_FIELDS[field]
    relation = _relation()
    (tmp_path / "y").mkdir()
    (tmp_path / "c").mkdir()
    found = {
        "yaml": _yaml(tmp_path / "y", {**GOOD_ENTITY, field: yaml_value}, relation),
        "csv": _csv(tmp_path / "c", {**GOOD_ENTITY, field: csv_value}, relation),
        "importer": _native({**GOOD_ENTITY, field: native_value}, {**relation, "confidence": 0.9}),
    }
    for name, problems in found.items():
        mine = [p for p in problems if p.field == field]
        assert mine, f"{name}: no problem at {field}: {problems}"
        assert words in mine[0].message, f"{name}: {mine[0]}"
        assert mine[0].line > 0 and mine[0].file, f"{name}: {mine[0]}"
    assert len({p.message for ps in found.values() for p in ps if p.field == field}) == 1
    assert found["importer"][0].file == "data.csv" and found["importer"][0].line == 7


@pytest.mark.parametrize("field", sorted(BAD_RELATIONS))
def test_a_bad_relation_reads_the_same_from_yaml_csv_and_an_importer(
    tmp_path: Path, field: str
) -> None:
    change, words = BAD_RELATIONS[field]
    relation = _relation(**change)
    native: dict[str, object] = dict(relation)
    native["confidence"] = float(relation["confidence"])
    (tmp_path / "y").mkdir()
    (tmp_path / "c").mkdir()
    found = {
        "yaml": _yaml(tmp_path / "y", GOOD_ENTITY, relation),
        "csv": _csv(tmp_path / "c", GOOD_ENTITY, relation),
        "importer": _native(dict(GOOD_ENTITY), native),
    }
    messages = set()
    for name, problems in found.items():
        mine = [p for p in problems if p.field == field]
        assert mine, f"{name}: no problem at {field}: {problems}"
        assert words in mine[0].message, f"{name}: {mine[0]}"
        messages.add(mine[0].message)
    assert len(messages) == 1
    assert [(p.file, p.line) for p in found["importer"] if p.field == field] == [("links.csv", 3)]


def test_every_problem_of_a_bulk_file_is_reported_at_once(tmp_path: Path) -> None:
    bad = {**GOOD_ENTITY, "kind": "Frim", "founded": "2020-13-01", "wikidata": "x"}
    problems = _csv(tmp_path, bad, _relation(type="suplies", confidence="2"))
    fields = {(Path(p.file).name, p.field) for p in problems}
    assert {("entities.csv", "kind"), ("entities.csv", "wikidata")} <= fields
    assert {("relations.csv", "type"), ("relations.csv", "confidence")} <= fields


def test_a_missing_confidence_points_to_file_defaults_only_where_files_have_them(
    tmp_path: Path,
) -> None:
    relation = _relation()
    del relation["confidence"]
    (tmp_path / "y").mkdir()
    (tmp_path / "c").mkdir()
    from_yaml = [p for p in _yaml(tmp_path / "y", GOOD_ENTITY, relation) if p.field == "confidence"]
    from_csv = [p for p in _csv(tmp_path / "c", GOOD_ENTITY, relation) if p.field == "confidence"]
    assert [p.message for p in from_yaml] == [
        "missing; set a confidence from 0 to 1 here or in the file's defaults"
    ]
    assert [p.message for p in from_csv] == ["missing; set a confidence from 0 to 1"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"sourceType": "article"}, "article"),
        ({"kind": "article"}, "article"),
        ({"sourceType": "article", "kind": "article"}, "article"),
    ],
)
def test_a_source_type_reads_by_its_name_or_its_former_one(
    tmp_path: Path, fields: dict[str, str], expected: str
) -> None:
    text = "sources:\n  - id: src\n" + "".join(f"    {k}: {v}\n" for k, v in fields.items())
    (tmp_path / "facts.yaml").write_text(text, encoding="utf-8")
    graph, problems = collect([tmp_path / "facts.yaml"], run_shacl=False)
    assert problems == []
    assert graph.sources["src"].source_type == expected


def test_a_source_type_that_differs_from_its_former_name_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "facts.yaml").write_text(
        "sources:\n  - id: src\n    sourceType: article\n    kind: dataset\n", encoding="utf-8"
    )
    (tmp_path / "sources.csv").write_text("id,sourceType,kind\nsrc,article,dataset\n")
    _, from_yaml = collect([tmp_path / "facts.yaml"], run_shacl=False)
    _, from_csv = collect_bulk([tmp_path])
    for problems, line in ((from_yaml, 4), (from_csv, 2)):
        assert [(p.line, p.field) for p in problems] == [(line, "kind")]
        assert "sourceType 'article' and its former name kind 'dataset' differ" in (
            problems[0].message
        )
