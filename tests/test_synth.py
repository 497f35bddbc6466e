"""The synthetic graph generator and the bulk CSV reader.

The generator's output is only useful for measuring if it is valid (the loader accepts it
unchanged), reproducible (a seed names a graph) and shaped like supply-chain data (deep
tiers, hubs, ownership trees, a deep taxonomy, listings), so each of those is pinned here.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from ingest.bulk import build_bulk_graph, collect_bulk
from ingest.synth import LISTED_SHARE, SIZES, TIERS, generate
from ingest.synth_roles import SynthRelations, role_type, role_types
from ingest.validate import build_graph
from ontology.errors import ValidationFailed
from ontology.model import Graph
from ontology.schema import Schema, build_schema, default_schema, read_ontology_graph
from techsov.cli import app


@pytest.fixture(scope="module")
def schema() -> Schema:
    return default_schema()


@pytest.fixture(scope="module")
def small_graph(schema: Schema) -> Graph:
    """The S size through the bulk reader: big enough for shape statistics."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        generate(Path(folder), SIZES["S"], seed=7, schema=schema)
        return build_bulk_graph([folder], schema)


def _edges(graph: Graph, rtype: str) -> list[tuple[str, str]]:
    return [(r.source, r.target) for r in graph.relations.values() if r.type == rtype]


def test_same_seed_writes_identical_files(tmp_path: Path, schema: Schema) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(first, 200, seed=11, formats=("csv", "yaml"), schema=schema)
    generate(second, 200, seed=11, formats=("csv", "yaml"), schema=schema)
    generate(other, 200, seed=12, formats=("csv",), schema=schema)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "relations.csv").read_bytes() != (other / "relations.csv").read_bytes()


def test_same_seed_writes_identical_files_in_processes_with_other_hash_seeds(
    tmp_path: Path,
) -> None:
    """Set iteration order changes with PYTHONHASHSEED: the output must not."""
    code = "import sys; from pathlib import Path; from ingest.synth import generate; "
    code += "generate(Path(sys.argv[1]), 150, seed=4, formats=('csv', 'yaml'))"
    for hash_seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / hash_seed)],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            cwd=Path(__file__).resolve().parent.parent,
            check=True,
        )
    for path in sorted((tmp_path / "1").iterdir()):
        assert path.read_bytes() == (tmp_path / "2" / path.name).read_bytes(), path.name


def test_generated_yaml_passes_the_curated_validator_with_shacl(
    tmp_path: Path, schema: Schema
) -> None:
    stats = generate(tmp_path, 60, seed=3, formats=("yaml",), schema=schema)
    graph = build_graph([tmp_path], schema, run_shacl=True)
    assert len(graph.relations) == sum(stats.relations.values())
    assert len(graph.entities) == sum(stats.entities.values())


def test_bulk_csv_reads_into_the_same_graph_as_the_yaml_files(
    tmp_path: Path, schema: Schema
) -> None:
    generate(tmp_path, 250, seed=5, formats=("csv", "yaml"), schema=schema)
    from_yaml = build_graph([tmp_path], schema, run_shacl=False)
    from_csv = build_bulk_graph([tmp_path], schema)
    assert from_csv.entities == from_yaml.entities
    assert from_csv.relations == from_yaml.relations
    assert from_csv.sources == from_yaml.sources


def test_standard_size_s_has_about_ten_thousand_relations(small_graph: Graph) -> None:
    assert 8_500 <= len(small_graph.relations) <= 12_000


def test_supply_chains_run_six_tiers_deep_and_never_loop(small_graph: Graph) -> None:
    supply = nx.DiGraph(_edges(small_graph, "supplies"))
    assert nx.is_directed_acyclic_graph(supply)
    assert nx.dag_longest_path_length(supply) == TIERS - 1


def test_a_few_hub_suppliers_serve_a_large_share_of_buyers(small_graph: Graph) -> None:
    out_degree = Counter(src for src, _ in _edges(small_graph, "supplies"))
    degrees = sorted(out_degree.values(), reverse=True)
    assert degrees[0] >= 10 * statistics.median(degrees)
    top = degrees[: max(1, len(degrees) // 10)]
    assert sum(top) >= 0.3 * sum(degrees)  # a tenth of the suppliers, a third of the supply


def test_technology_taxonomy_is_four_to_five_levels_deep(small_graph: Graph) -> None:
    broader = nx.DiGraph(_edges(small_graph, "broader"))
    assert nx.is_directed_acyclic_graph(broader)
    roots = {n for n in broader if broader.out_degree(n) == 0}
    leaves = [n for n in broader if broader.in_degree(n) == 0]
    depths = {len(nx.descendants(broader, leaf)) for leaf in leaves}  # a chain up to a root
    assert max(depths) == 4  # five levels
    assert min(depths) >= 3  # at least four levels everywhere
    assert all(nx.descendants(broader, leaf) & roots for leaf in leaves)


def test_listings_name_about_one_percent_of_firms(small_graph: Graph, schema: Schema) -> None:
    firms = [e for e in small_graph.entities.values() if e.kind == "Firm"]
    named = {t for _, t in _edges(small_graph, "names")}
    assert abs(len(named) / len(firms) - LISTED_SHARE) <= 0.002
    for rel in small_graph.relations.values():
        if rel.type == "names":
            kind = small_graph.entities[rel.source].kind
            assert schema.is_a(kind, "EntityListing") or schema.is_a(kind, "Sanction")


def test_every_policy_kind_targets_a_technology_subtree(small_graph: Graph, schema: Schema) -> None:
    targeting = {
        small_graph.entities[r.source].kind
        for r in small_graph.relations.values()
        if r.type == "targets" and small_graph.entities[r.target].kind == "Technology"
    }
    assert targeting == set(schema.subclasses("Policy"))


def test_ownership_forms_trees_more_than_one_level_deep(small_graph: Graph) -> None:
    parents = Counter(src for src, _ in _edges(small_graph, "subsidiaryOf"))
    assert max(parents.values()) == 1  # one parent per firm: a forest
    ownership = nx.DiGraph(_edges(small_graph, "subsidiaryOf"))
    assert nx.is_directed_acyclic_graph(ownership)
    assert nx.dag_longest_path_length(ownership) >= 2


def test_firms_are_spread_over_many_countries(small_graph: Graph) -> None:
    hq = Counter(t for s, t in _edges(small_graph, "headquarteredIn") if s.startswith("firm-"))
    assert len(hq) >= 20
    assert max(hq.values()) <= 0.4 * sum(hq.values())


def test_relations_carry_validity_dates(small_graph: Graph) -> None:
    rels = list(small_graph.relations.values())
    dated = sum(r.valid_from is not None for r in rels)
    ended = sum(r.valid_to is not None for r in rels)
    assert 0.2 * len(rels) <= dated <= 0.9 * len(rels)
    assert ended >= 0.02 * len(rels)


def test_bulk_reader_reports_each_bad_row_at_its_line(tmp_path: Path, schema: Schema) -> None:
    (tmp_path / "sources.csv").write_text("id,title\nsrc,A source\n", encoding="utf-8")
    (tmp_path / "entities.csv").write_text(
        "id,kind,name,founded\n"
        "acme,Firm,Acme,2020-02-30\n"
        "widget,Gadget,Widget,\n"
        "chips,Technology,Chips,\n"
        "ctrl,ExportControl,Control,\n",
        encoding="utf-8",
    )
    (tmp_path / "relations.csv").write_text(
        "id,type,from,to,confidence,sources,effect,share\n"
        ",produces,acme,chips,0.9,src,,\n"
        ",supplies,acme,nobody,0.9,src,,\n"
        ",targets,ctrl,chips,0.9,src,,\n"
        ",produces,chips,acme,1.5,ghost,,2\n",
        encoding="utf-8",
    )
    graph, problems = collect_bulk([tmp_path], schema)
    where = {(Path(p.file).name, p.line, p.field) for p in problems}
    assert ("entities.csv", 2, "founded") in where  # not a real date
    assert ("entities.csv", 3, "kind") in where  # unknown kind
    assert ("relations.csv", 3, "to") in where  # dangling endpoint
    assert ("relations.csv", 4, "effect") in where  # required qualifier
    assert ("relations.csv", 5, "confidence") in where  # out of bounds
    assert ("relations.csv", 5, "share") in where  # out of bounds
    assert "chips--produces--acme" not in graph.relations
    with pytest.raises(ValidationFailed):
        build_bulk_graph([tmp_path], schema)


def test_bulk_reader_refuses_unknown_columns(tmp_path: Path, schema: Schema) -> None:
    (tmp_path / "entities.csv").write_text("id,kind,name,colour\na,Firm,A,red\n", "utf-8")
    _, problems = collect_bulk([tmp_path], schema)
    assert any(p.field == "colour" and p.line == 1 for p in problems)


def test_synth_command_writes_a_graph_the_bulk_reader_accepts(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["synth", "--firms", "120", "--seed", "2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "manifest.json").is_file()
    assert build_bulk_graph([tmp_path]).relations


def test_synth_command_needs_exactly_one_of_firms_and_size(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path)])
    assert result.exit_code != 0


def test_every_policy_has_a_rule_that_restates_its_targets_and_issuer(
    small_graph: Graph, schema: Schema
) -> None:
    rules: dict[str, list[str]] = {}
    for src, dst in _edges(small_graph, "ruleOf"):
        rules.setdefault(dst, []).append(src)
    policies = [e.id for e in small_graph.entities.values() if schema.is_a(e.kind, "Policy")]
    assert sorted(rules) == sorted(policies)
    covers = Counter(_edges(small_graph, "covers"))
    imposed = dict(_edges(small_graph, "imposedBy"))
    seat = dict(_edges(small_graph, "headquarteredIn"))
    issuer = dict(_edges(small_graph, "issuedBy"))
    amends = dict(_edges(small_graph, "amends"))
    for policy in policies:
        versions = rules[policy]
        enacting = [v for v in versions if v not in amends]
        assert len(enacting) == 1, policy
        for version in versions:
            assert imposed[version] == seat[issuer[policy]]
        targets = {t for s, t in _edges(small_graph, "targets") if s == policy}
        assert {t for (s, t) in covers if s == enacting[0]} == targets
    for later, earlier in amends.items():
        first = small_graph.entities[earlier].attributes["inForceFrom"]
        then = small_graph.entities[later].attributes["inForceFrom"]
        assert isinstance(first, date) and isinstance(then, date)
        assert first < then < date(2025, 1, 1)
        assert small_graph.entities[later].attributes["ruleAction"] == "amends"
    assert 0 < len(amends) < len(policies)


def test_synthetic_policies_expose_organizations_today_in_every_direction(
    small_graph: Graph, schema: Schema
) -> None:
    from store.analysis import exposure
    from store.embedded_store import EmbeddedStore

    store = EmbeddedStore(schema)
    store.load(small_graph)
    policies = sorted(e.id for e in small_graph.entities.values() if schema.is_a(e.kind, "Policy"))
    sizes: list[int] = []
    kinds: set[str] = set()
    for policy in policies:
        found = exposure(store, schema, policy, max_depth=1, first=10_000)
        assert found.rule is not None, policy  # every policy has a rule in force today
        sizes.append(len(found.exposures))
        kinds.update(e.basis for e in found.exposures if e.depth == 0)
    assert sum(size > 0 for size in sizes) >= 0.9 * len(policies)
    assert {"restricted", "cut-off", "technology", "named"} <= kinds


def test_relation_types_are_read_through_their_ontology_roles(schema: Schema) -> None:
    types = SynthRelations.of(schema)
    assert (types.supply, types.kind_of, types.listing) == ("supplies", "broader", "names")
    assert role_types(schema, "ProductionRole", "Firm", "Technology") == ("produces", "develops")
    assert (types.production, types.development) == ("produces", ("develops",))
    assert (types.parent, types.state_owner) == ("subsidiaryOf", "ownedBy")
    assert (types.scope, types.rule_scope) == ("targets", "covers")
    with pytest.raises(ValueError, match="no SupplyRole relation from Technology"):
        role_type(schema, "SupplyRole", "Technology", "Firm")


def test_a_new_supply_relation_type_in_the_ontology_is_what_the_generator_writes(
    tmp_path: Path,
) -> None:
    g = read_ontology_graph()
    g.parse(
        data="""
        @prefix ts: <https://w3id.org/techsov/ontology#> .
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ts:sellsTo a owl:ObjectProperty ; ts:relation true ; rdfs:label "sells to"@en ;
            rdfs:domain ts:Firm ; rdfs:range ts:Firm ; ts:relationRole ts:SupplyRole .
        """,
        format="turtle",
    )
    stats = generate(tmp_path, 100, seed=5, schema=build_schema(g))
    assert stats.relations["sellsTo"] > 0
    assert "supplies" not in stats.relations
