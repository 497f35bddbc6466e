"""``techsov validate`` and ``techsov export`` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from rdflib import Graph as RdfGraph
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from ingest import default_paths
from ingest.rdf import RDF_FORMATS, graph_to_rdf
from ingest.reader import find_yaml_files
from ingest.validate import build_graph
from ontology.schema import default_schema
from techsov import exports_commands, ingest_commands

BAD = Path(__file__).parent / "bad_inputs"

FACTS = """\
sources:
  - id: note
entities:
  - {id: acme, kind: Firm, name: Acme}
  - {id: beta, kind: Firm, name: Beta}
relations:
  - type: supplies
    from: acme
    to: beta
    confidence: 0.9
    provenance: [{source: note, evidence: Acme supplies Beta}]
"""

# rdflib's own JSON-LD parser uses a class rdflib itself deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.delenv("TECHSOV_DATA_PATHS", raising=False)
    cli = typer.Typer()
    ingest_commands.register(cli)
    exports_commands.register(cli)
    return cli


@pytest.fixture
def facts(tmp_path: Path) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text(FACTS, encoding="utf-8")
    return path


runner = CliRunner()


def test_validate_prints_counts_for_valid_files(app: typer.Typer, facts: Path) -> None:
    result = runner.invoke(app, ["validate", str(facts)])
    assert result.exit_code == 0, result.output
    assert "valid: 2 entities, 1 relations, 1 sources" in result.stdout
    assert "Entities by kind" in result.stdout and "Relations by type" in result.stdout
    assert result.stderr == ""


def test_validate_lists_every_problem_on_stderr_and_exits_2(app: typer.Typer) -> None:
    path = BAD / "three_errors.yaml"
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "3 problem(s) found"
    problems = lines[1:]
    assert len(problems) == 3
    assert problems[0].endswith(
        "three_errors.yaml:12: stateOwnership: must be one of state-owned, state-backed, "
        "private; found 'public'"
    )
    assert problems[1].split(": ")[1] == "kind"
    assert problems[2].endswith(
        "three_errors.yaml:20: confidence: must be between 0 and 1; found 1.5"
    )


def test_validate_checks_evidence_against_source_texts(
    app: typer.Typer, facts: Path, tmp_path: Path
) -> None:
    article = tmp_path / "note.txt"
    article.write_text("Acme supplies Beta with chips.", encoding="utf-8")
    ok = runner.invoke(app, ["validate", str(facts), "--source-text", f"note={article}"])
    assert ok.exit_code == 0, ok.output
    assert "evidence checked against note" in ok.stdout

    article.write_text("Beta buys from Acme.", encoding="utf-8")
    bad = runner.invoke(app, ["validate", str(facts), "--source-text", f"note={article}"])
    assert bad.exit_code == 2
    assert "provenance[1].evidence: evidence 'Acme supplies Beta' does not occur" in bad.stderr


@pytest.mark.parametrize("spec", ["note", "=x.txt", "note=/no/such/file.txt"])
def test_malformed_source_text_options_are_usage_errors(
    app: typer.Typer, facts: Path, spec: str
) -> None:
    result = runner.invoke(app, ["validate", str(facts), "--source-text", spec])
    assert result.exit_code == 2
    assert "--source-text" in result.output


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_export_writes_each_format_to_a_file(
    app: typer.Typer, facts: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out" / f"graph.{fmt}"
    result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out), str(facts)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 entities, 1 relations and 1 sources" in result.stderr
    schema = default_schema()
    expected = graph_to_rdf(build_graph([facts], schema), schema)
    assert isomorphic(RdfGraph().parse(out, format=RDF_FORMATS[fmt]), expected)


def test_export_writes_turtle_to_stdout_by_default(app: typer.Typer, facts: Path) -> None:
    result = runner.invoke(app, ["export", str(facts)])
    assert result.exit_code == 0, result.output
    parsed = RdfGraph().parse(data=result.stdout, format="turtle")
    schema = default_schema()
    assert isomorphic(parsed, graph_to_rdf(build_graph([facts], schema), schema))


def test_export_refuses_invalid_facts(app: typer.Typer) -> None:
    result = runner.invoke(app, ["export", str(BAD / "dangling_id.yaml")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "to: no entity has id 'no-such-corp'" in result.stderr


def test_export_rejects_unknown_formats(app: typer.Typer, facts: Path) -> None:
    result = runner.invoke(app, ["export", "--format", "rdfxml", str(facts)])
    assert result.exit_code == 2


def test_validate_without_paths_checks_the_shipped_curated_set(app: typer.Typer) -> None:
    if not find_yaml_files(default_paths())[0]:
        pytest.skip("no curated fact files shipped yet")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "valid:" in result.stdout


def test_export_of_an_analytics_format_needs_an_output_folder(
    app: typer.Typer, facts: Path
) -> None:
    result = runner.invoke(app, ["export", "--format", "parquet", str(facts)])
    assert result.exit_code == 2
    assert "give --out DIR" in result.stderr


def test_export_reads_either_fact_paths_or_the_store_not_both(
    app: typer.Typer, facts: Path
) -> None:
    result = runner.invoke(app, ["export", "--from-store", str(facts)])
    assert result.exit_code == 2
    assert "not both" in result.stderr
