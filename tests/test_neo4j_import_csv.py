"""The import CSV of a graph (:mod:`store.neo4j_import`): typed headers read off the load's
own properties, fields quoted as the import tool reads them, every property a load writes."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from graph_builders import sample_graph

from ontology.schema import default_schema
from store.neo4j_import import (
    AddedIn,
    choose_array_delimiter,
    column_type,
    formatter,
    write_csv,
)
from store.neo4j_records import content_hash, entity_props, relation_props

SCHEMA = default_schema()


def test_column_types_follow_the_values_and_widen_long_to_double() -> None:
    assert column_type(["a", None]) == "string"
    assert column_type([1, 2.5]) == "double"
    assert column_type([True, None]) == "boolean"
    assert column_type([date(2020, 1, 1)]) == "date"
    assert column_type([["a"], [], None]) == "string[]"
    assert column_type([None, []]) == "string"
    with pytest.raises(ValueError, match="mixes types"):
        column_type(["a", 1])


def test_fields_are_quoted_and_missing_values_are_empty() -> None:
    assert formatter("string", ";")('say "hi"') == '"say ""hi"""'
    assert formatter("string", ";")(None) == ""
    assert formatter("string[]", ";")(["a", "b"]) == '"a;b"'
    assert formatter("string[]", ";")([]) == ""
    assert formatter("double", ";")(0.9) == "0.9"
    assert formatter("date", ";")(date(2019, 5, 16)) == "2019-05-16"


def test_the_array_delimiter_avoids_every_element() -> None:
    assert choose_array_delimiter([{"a": ["x;y"], "b": "no|list"}]) == "|"


def test_the_files_hold_every_property_a_load_writes(tmp_path: Path) -> None:
    graph = sample_graph()
    files = write_csv(graph, SCHEMA, tmp_path, added_in=AddedIn(entities={"huawei": 3}))
    assert "--multiline-fields=true" in files.arguments()  # search_text spans lines
    with files.nodes[0].open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = [h.partition(":")[0] for h in rows[0]]
    by_id = {r[header.index("id")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == set(graph.entities)
    huawei = graph.entities["huawei"]
    expected = entity_props(huawei, content_hash(huawei))
    assert by_id["huawei"]["hash"] == expected["hash"]
    assert by_id["huawei"]["search_text"] == expected["search_text"]
    assert by_id["huawei"]["_added_in"] == "3"
    assert by_id["huawei"][""].split(files.array_delimiter) == SCHEMA.labels("Firm")
    assert "founded:date" in rows[0]
    with files.relationships[0].open(encoding="utf-8", newline="") as f:
        rel_rows = list(csv.reader(f))
    rel_header = [h.partition(":")[0] for h in rel_rows[0]]
    assert "confidence:double" in rel_rows[0]
    assert len(rel_rows) - 1 == len(graph.relations)
    for name in relation_props(next(iter(graph.relations.values())), "x"):
        assert name in rel_header
