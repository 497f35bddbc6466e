"""The YAML reader keeps line numbers and reports low-level problems instead of raising."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import CURATED_DIR, default_paths
from ingest.reader import (
    MAX_DEPTH,
    YamlList,
    YamlMap,
    YamlScalar,
    find_yaml_files,
    parse_yaml_text,
    read_yaml_file,
    read_yaml_files,
)


def _top(text: str) -> YamlMap:
    top, problems = parse_yaml_text(text, "t.yaml")
    assert problems == []
    assert top is not None
    return top


def test_every_mapping_and_field_keeps_its_line() -> None:
    top = _top("# comment\nentities:\n  - id: a\n    kind: Firm\n\n  - id: b\n")
    entities = top.fields["entities"]
    assert entities.line == 2
    assert isinstance(entities.value, YamlList)
    first, second = entities.value.items
    assert isinstance(first, YamlMap) and isinstance(second, YamlMap)
    assert (first.line, first.fields["kind"].line, second.line) == (3, 4, 6)


def test_scalars_keep_their_yaml_type_and_dates_stay_text() -> None:
    top = _top("relations:\n  - {a: 1, b: 0.5, c: true, d: 2024-02-30, e: '2024', f: ~}\n")
    rel = top.fields["relations"].value
    assert isinstance(rel, YamlList) and isinstance(rel.items[0], YamlMap)
    values = {k: f.value for k, f in rel.items[0].fields.items()}
    assert values["a"] == YamlScalar(1, "int", 2)
    assert values["b"] == YamlScalar(0.5, "float", 2)
    assert values["c"] == YamlScalar(True, "bool", 2)
    assert values["d"] == YamlScalar("2024-02-30", "timestamp", 2)
    assert values["e"] == YamlScalar("2024", "str", 2)
    assert values["f"] == YamlScalar(None, "null", 2)


def test_keys_are_kept_as_written_not_resolved() -> None:
    top = _top("entities:\n  - names: {no: Nei, on: x, 1: y}\n")
    ent = top.fields["entities"].value
    assert isinstance(ent, YamlList) and isinstance(ent.items[0], YamlMap)
    names = ent.items[0].fields["names"].value
    assert isinstance(names, YamlMap)
    assert list(names.fields) == ["no", "on", "1"]


def test_duplicate_key_is_reported_at_the_second_occurrence() -> None:
    _, problems = parse_yaml_text("entities:\n  - id: a\n    id: b\n", "d.yaml")
    assert [(p.line, p.field) for p in problems] == [(3, "id")]
    assert "duplicate key" in problems[0].message and "line 2" in problems[0].message


def test_tabs_are_reported_per_line() -> None:
    _, problems = parse_yaml_text("entities:\n  - id: a\tb\n  - id: c\n\t\n", "t.yaml")
    assert [p.line for p in problems] == [2, 4]
    assert all("tab" in p.message for p in problems)


def test_malformed_yaml_reports_the_line() -> None:
    top, problems = parse_yaml_text("entities:\n  - id: a\n  kind: [Firm\n", "m.yaml")
    assert top is None
    assert len(problems) == 1
    assert problems[0].line > 0 and problems[0].message.startswith("invalid YAML")


def test_anchors_and_aliases_are_refused_before_expansion() -> None:
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n'
    top, problems = parse_yaml_text(bomb, "bomb.yaml")
    assert top is None
    assert [p.line for p in problems] == [1]
    assert "anchors and aliases" in problems[0].message


def test_deep_nesting_is_refused() -> None:
    depth = MAX_DEPTH + 5
    top, problems = parse_yaml_text("a: " + "[" * depth + "]" * depth + "\n", "deep.yaml")
    assert top is None
    assert "nested more than" in problems[0].message


def test_unknown_top_level_key_is_reported_with_its_line() -> None:
    _, problems = parse_yaml_text("entities: []\nrelation: []\n", "u.yaml")
    assert [(p.line, p.field) for p in problems] == [(2, "relation")]
    assert "expected one of sources, entities, relations, defaults" in problems[0].message


def test_top_level_must_be_a_mapping() -> None:
    top, problems = parse_yaml_text("- id: a\n", "l.yaml")
    assert top is None and "found a list" in problems[0].message


def test_empty_file_is_an_empty_mapping() -> None:
    assert _top("") == YamlMap({}, 1)


def test_unsupported_tags_are_reported() -> None:
    _, problems = parse_yaml_text("entities: !!python/object:os.system []\n", "tag.yaml")
    assert problems and "unsupported YAML tag" in problems[0].message


def test_unprintable_characters_are_reported_with_their_line() -> None:
    top, problems = parse_yaml_text("entities:\n  - id: a\x07\n", "c.yaml")
    assert top is None and problems[0].line == 2


def test_non_utf8_bytes_are_reported_with_their_line(tmp_path: Path) -> None:
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"entities:\n  - id: a\n    name: Caf\xe9\n")
    parsed, problems = read_yaml_file(f, name="latin1.yaml")
    assert parsed is None
    assert [(p.file, p.line) for p in problems] == [("latin1.yaml", 3)]
    assert "not valid UTF-8" in problems[0].message and "0xe9" in problems[0].message


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "bom.yaml"
    f.write_bytes(b"\xef\xbb\xbfentities: []\n")
    parsed, problems = read_yaml_file(f)
    assert problems == [] and parsed is not None


def test_oversized_files_are_refused_unread(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    f.write_text("entities: []\n" + "# padding\n" * 100, encoding="utf-8")
    parsed, problems = read_yaml_file(f, name="big.yaml", max_bytes=100)
    assert parsed is None
    assert "more than the limit of 100" in problems[0].message


def test_folders_expand_to_sorted_yaml_files(tmp_path: Path) -> None:
    for name in ("b.yml", "a.yaml", "notes.txt", "sub/c.yaml", ".#a.yaml", ".hidden/d.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("entities: []\n", encoding="utf-8")
    files, problems = find_yaml_files([tmp_path])
    assert problems == []
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.yaml", "b.yml", "sub/c.yaml"]


def test_missing_paths_and_empty_folders_are_problems(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = read_yaml_files([tmp_path / "nope.yaml", tmp_path / "empty"])
    assert result.files == []
    assert sorted(p.message for p in result.problems) == [
        "folder holds no .yaml or .yml files",
        "no such file or folder",
    ]


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("entities: []\n", encoding="utf-8")
    assert len(read_yaml_files([f, tmp_path]).files) == 1


@pytest.mark.parametrize("text", ["entities: []\n", "sources:\n", "defaults: {confidence: 1}\n"])
def test_well_formed_files_have_no_problems(text: str) -> None:
    _top(text)


def test_default_paths_is_the_shipped_curated_folder() -> None:
    assert default_paths() == [CURATED_DIR]
    assert CURATED_DIR.name == "curated" and CURATED_DIR.parent.name == "ingest"
