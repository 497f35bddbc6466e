"""Every analytics export reads back as the exact graph it was written from.

Round trips compare whole :class:`~ontology.model.Graph` objects, so ids, counts, names,
attributes, qualifiers, validity dates and provenance (sources and evidence, in order) are
all pinned at once. The awkward graph below holds what breaks naive CSV and GraphML
writers: quotes, commas, semicolons, pipes and newlines in values, Chinese text, empty
evidence, a source id equal to an entity id, and every attribute type.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from datetime import date
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
import pytest
import typer
from neo4j import Driver
from random_graphs import Size, random_graph
from typer.testing import CliRunner

from exports.graphml import read_graphml, write_graphml
from exports.notebook import load_frames, load_graph
from exports.tabular import (
    COMMAND_FILE,
    ENTITIES_CSV,
    RELATIONS_CSV,
    SOURCES_CSV,
    read_neo4j_admin_csv,
    read_parquet,
    write_neo4j_admin_csv,
    write_parquet,
)
from ontology.model import Entity, Graph, LocalizedName, Provenance, Relation, Source
from ontology.schema import default_schema
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from techsov.cli import app as cli_app
from techsov.exports_commands import register

SCHEMA = default_schema()


def _rel(rid: str, rtype: str, a: str, b: str, *prov: Provenance, **kw: object) -> Relation:
    valid = {k: kw.pop(k) for k in ("valid_from", "valid_to") if k in kw}
    return Relation(
        id=rid,
        type=rtype,
        source=a,
        target=b,
        properties=kw,
        confidence=0.9,
        provenance=prov or (Provenance(source="seed", evidence="plain"),),
        **valid,
    )


def awkward_graph() -> Graph:
    return Graph.of(_awkward_entities(), _awkward_relations(), _awkward_sources())


def _awkward_entities() -> list[Entity]:
    return [
        Entity(
            id="xiaomi",
            kind="Firm",
            name='Xiaomi "Mi", Inc.',
            names=(
                LocalizedName(lang="zh", value="小米集团"),
                LocalizedName(lang="en", value="Mi"),
            ),
            aliases=("小米", "Xiaomi; Mi", "X|M"),
            wikidata="Q1636958",
            description="Maker of phones,\ncars; and chips",
            attributes={"founded": date(2010, 4, 6), "stateOwnership": "private"},
        ),
        Entity(id="catl", kind="Firm", name="CATL"),
        Entity(
            id="china",
            kind="Country",
            name="China",
            names=(LocalizedName(lang="zh", value="中国"),),
        ),
        Entity(id="su7", kind="Vehicle", name="SU7", attributes={"launched": date(2024, 3, 28)}),
        Entity(id="batteries", kind="Technology", name="Batteries"),
        Entity(
            id="mic",
            kind="IndustrialPolicy",
            name="Made in China 2025",
            attributes={"reference": "Guofa [2015] No. 28"},
        ),
        Entity(id="seed", kind="Standard", name="Entity sharing an id with a source"),
    ]


def _awkward_relations() -> list[Relation]:
    return [
        _rel(
            "r1",
            "supplies",
            "catl",
            "xiaomi",
            Provenance(source="seed"),
            item="batteries",
            share=0.35,
            valid_from=date(2024, 1, 1),
            valid_to=date(2025, 12, 31),
        ),
        _rel(
            "r2",
            "produces",
            "xiaomi",
            "su7",
            Provenance(source="seed", evidence='He said "yes"; then, a pause\nand | more'),
            Provenance(source="other"),
        ),
        _rel(
            "r3",
            "targets",
            "mic",
            "batteries",
            Provenance(source="other"),
            Provenance(source="seed", evidence="批准"),
            effect="promotes-domestic",
        ),
        _rel("r4", "headquarteredIn", "xiaomi", "china"),
        _rel("catl--produces--batteries", "produces", "catl", "batteries", share=0.37),
    ]


def _awkward_sources() -> list[Source]:
    return [
        Source(id="seed", source_type="article"),
        Source(
            id="other",
            title="A, b; “c”",
            publisher="P",
            url="https://example.org/a?b=1,2",
            published=date(2015, 5, 19),
            source_type="government-notice",
        ),
    ]


GRAPHS: dict[str, Callable[[], Graph]] = {
    "awkward": awkward_graph,
    "random": lambda: random_graph(SCHEMA, 11, Size()),
}


@pytest.fixture(params=sorted(GRAPHS))
def graph(request: pytest.FixtureRequest) -> Graph:
    return GRAPHS[request.param]()


def test_csv_round_trip_rebuilds_the_exact_graph(graph: Graph, tmp_path: Path) -> None:
    write_neo4j_admin_csv(graph, SCHEMA, tmp_path)
    assert read_neo4j_admin_csv(tmp_path, SCHEMA) == graph


def test_csv_headers_follow_the_import_tool_conventions(tmp_path: Path) -> None:
    write_neo4j_admin_csv(awkward_graph(), SCHEMA, tmp_path)
    ent = (tmp_path / ENTITIES_CSV).read_text(encoding="utf-8").splitlines()[0].split(",")
    rel = (tmp_path / RELATIONS_CSV).read_text(encoding="utf-8").splitlines()[0].split(",")
    src = (tmp_path / SOURCES_CSV).read_text(encoding="utf-8").splitlines()[0].split(",")
    assert ent[:2] == ["id:ID(Entity)", ":LABEL"]
    assert {
        "aliases:string[]",
        "founded:date",
        "names_lang:string[]",
        "search_keys:string[]",
    } <= set(ent)
    assert rel[:3] == [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE"]
    assert {
        "confidence:double",
        "valid_from:date",
        "prov_source:string[]",
        "prov_evidence:string[]",
        "share:double",
        "effect:string",
    } <= set(rel)
    assert src[:2] == ["id:ID(Source)", ":LABEL"] and "published:date" in src


def test_csv_labels_are_the_kind_and_its_ancestors_in_neo4j_spelling(tmp_path: Path) -> None:
    write_neo4j_admin_csv(awkward_graph(), SCHEMA, tmp_path)
    text = (tmp_path / RELATIONS_CSV).read_text(encoding="utf-8")
    assert '"HEADQUARTERED_IN"' in text
    delim = _array_delimiter(tmp_path)
    assert f'"{delim.join(SCHEMA.labels("IndustrialPolicy"))}"' in (
        tmp_path / ENTITIES_CSV
    ).read_text(encoding="utf-8")


def _array_delimiter(directory: Path) -> str:
    args = shlex.split((directory / COMMAND_FILE).read_text(encoding="utf-8"))
    return next(a.split("=", 1)[1] for a in args if a.startswith("--array-delimiter="))


def test_array_delimiter_avoids_every_character_inside_array_values(tmp_path: Path) -> None:
    write_neo4j_admin_csv(awkward_graph(), SCHEMA, tmp_path)  # aliases hold ";" and "|"
    assert _array_delimiter(tmp_path) not in {";", "|"}


def test_import_command_loads_every_file_with_the_options_the_files_need(tmp_path: Path) -> None:
    write_neo4j_admin_csv(awkward_graph(), SCHEMA, tmp_path)
    args = shlex.split((tmp_path / COMMAND_FILE).read_text(encoding="utf-8"))
    assert args[:4] == ["neo4j-admin", "database", "import", "full"]
    assert f"--nodes={ENTITIES_CSV}" in args and f"--nodes={SOURCES_CSV}" in args
    assert f"--relationships={RELATIONS_CSV}" in args
    assert "--multiline-fields=true" in args and '--quote="' in args
    assert args[-1] == "neo4j"


def test_parquet_round_trip_rebuilds_the_exact_graph(graph: Graph, tmp_path: Path) -> None:
    write_parquet(graph, SCHEMA, tmp_path)
    assert read_parquet(tmp_path, SCHEMA) == graph


def test_parquet_columns_keep_dates_floats_and_lists_typed(tmp_path: Path) -> None:
    entities, relations, sources = write_parquet(awkward_graph(), SCHEMA, tmp_path)
    rel = pq.read_schema(relations)
    assert str(rel.field("valid_from").type) == "date32[day]"
    assert str(rel.field("confidence").type) == "double"
    assert str(rel.field("prov_evidence").type) == "list<element: string>"
    ent = pq.read_table(entities).to_pylist()
    xiaomi = next(r for r in ent if r["id"] == "xiaomi")
    assert xiaomi["labels"] == ["Entity", "Organization", "Firm"]
    assert xiaomi["founded"] == date(2010, 4, 6)
    assert pq.read_table(sources).num_rows == 2


def test_graphml_round_trip_rebuilds_the_exact_graph(graph: Graph, tmp_path: Path) -> None:
    path = write_graphml(graph, SCHEMA, tmp_path / "g.graphml")
    assert read_graphml(path, SCHEMA) == graph


def test_graphml_is_plain_networkx_graphml_with_lists_as_json(tmp_path: Path) -> None:
    graph = awkward_graph()
    path = write_graphml(graph, SCHEMA, tmp_path / "g.graphml")
    g = nx.read_graphml(path, force_multigraph=True)
    assert g.number_of_nodes() == len(graph.entities)
    assert g.number_of_edges() == len(graph.relations)
    assert json.loads(g.nodes["xiaomi"]["aliases"]) == ["小米", "Xiaomi; Mi", "X|M"]
    edge = g.edges["xiaomi", "su7", "r2"]
    assert json.loads(edge["prov_source"]) == ["seed", "other"]
    assert edge["confidence"] == pytest.approx(0.9)
    assert {s["id"] for s in json.loads(g.graph["sources"])} == {"seed", "other"}


def test_exports_from_the_embedded_store_round_trip(tmp_path: Path) -> None:
    graph = awkward_graph()
    store = EmbeddedStore(SCHEMA)
    _assert_store_exports_round_trip(store, graph, tmp_path)


def test_exports_from_neo4j_round_trip(neo4j_db: Driver, tmp_path: Path) -> None:
    graph = awkward_graph()
    store = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA)
    _assert_store_exports_round_trip(store, graph, tmp_path)


def _assert_store_exports_round_trip(store: GraphStore, graph: Graph, tmp_path: Path) -> None:
    """``graph`` loaded into ``store`` and its snapshot exported in every format reads
    back as ``graph``."""
    store.load(graph)
    snapshot = store.snapshot()
    write_neo4j_admin_csv(snapshot, SCHEMA, tmp_path / "csv")
    write_parquet(snapshot, SCHEMA, tmp_path / "pq")
    write_graphml(snapshot, SCHEMA, tmp_path / "g.graphml")
    assert read_neo4j_admin_csv(tmp_path / "csv", SCHEMA) == graph
    assert read_parquet(tmp_path / "pq", SCHEMA) == graph
    assert read_graphml(tmp_path / "g.graphml", SCHEMA) == graph


def test_notebook_graph_has_one_node_per_entity_and_one_edge_per_relation() -> None:
    graph = awkward_graph()
    g = load_graph(graph)
    assert set(g.nodes) == set(graph.entities)
    assert {k for _, _, k in g.edges(keys=True)} == set(graph.relations)
    assert g.nodes["xiaomi"]["labels"] == ["Entity", "Organization", "Firm"]
    assert g.edges["catl", "xiaomi", "r1"]["prov_evidence"] == [""]
    assert g.graph["sources"]["other"]["published"] == date(2015, 5, 19)


def test_notebook_frames_match_the_graph_from_a_graph_or_a_store() -> None:
    graph = awkward_graph()
    store = EmbeddedStore(SCHEMA)
    store.load(graph)
    for nodes, rels in (load_frames(graph), load_frames(store=store)):
        assert sorted(nodes["id"]) == sorted(graph.entities)
        assert sorted(rels["id"]) == sorted(graph.relations)
        r2 = rels.set_index("id").loc["r2"]
        assert list(r2["prov_source"]) == ["seed", "other"]
        assert r2["neo4j_type"] == "PRODUCES"


def test_notebook_loads_the_curated_graph_by_default() -> None:
    g = load_graph()
    assert g.number_of_nodes() > 0 and g.number_of_edges() > 0
    assert all("labels" in data for _, data in g.nodes(data=True))


# ------------------------------------------------------------------ CLI

FACTS = """\
sources:
  - id: press
    title: Trade press
    kind: news
entities:
  - {id: china, kind: Country, name: China}
  - {id: catl, kind: Firm, name: CATL}
  - {id: xiaomi, kind: Firm, name: Xiaomi}
  - {id: batteries, kind: Technology, name: Batteries}
  - {id: control, kind: ExportControl, name: Battery control}
defaults:
  provenance: [{source: press}]
  confidence: 0.9
relations:
  - {type: headquarteredIn, from: catl, to: china}
  - {type: produces, from: catl, to: batteries, share: 0.4}
  - {type: supplies, from: catl, to: xiaomi, item: batteries}
  - {type: targets, from: control, to: batteries, effect: restricts-trade}
"""


def test_cli_commands_write_their_files_from_the_served_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "facts.yaml").write_text(FACTS, encoding="utf-8")
    monkeypatch.delenv("TECHSOV_NEO4J_URI", raising=False)
    monkeypatch.setenv("TECHSOV_DATA_PATHS", json.dumps([str(facts)]))
    runner = CliRunner()
    out = tmp_path / "out"
    for args in (
        ["bloom", "--out", str(out / "bloom")],
        ["report", "--policy", "control", "--out", str(out / "report")],
        ["export", "--from-store", "--format", "csv", "--out", str(out / "csv")],
        ["export", "--from-store", "--format", "parquet", "--out", str(out / "parquet")],
        ["export", "--format", "graphml", "--out", str(out / "graphml")],
    ):
        result = runner.invoke(cli_app, args)
        assert result.exit_code == 0, (args, result.output)
    perspective = json.loads((out / "bloom" / "perspective.json").read_text(encoding="utf-8"))
    assert {c["labels"][0] for c in perspective["categories"]} >= {"Firm", "ExportControl"}
    assert "Country" in {c["labels"][0] for c in perspective["categories"]}
    assert "Vehicle" not in {c["labels"][0] for c in perspective["categories"]}
    assert (out / "bloom" / "style.grass").read_text(encoding="utf-8").startswith("node {")
    assert "Battery control" in (out / "report" / "report.html").read_text(encoding="utf-8")
    graph = read_neo4j_admin_csv(out / "csv", SCHEMA)
    assert read_parquet(out / "parquet", SCHEMA) == graph
    assert read_graphml(out / "graphml" / "graph.graphml", SCHEMA) == graph
    assert set(graph.entities) == {"china", "catl", "xiaomi", "batteries", "control"}


def test_cli_report_rejects_a_malformed_date(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["report", "--as-of", "2024-13-01", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "--as-of" in result.output
