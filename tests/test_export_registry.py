"""Export formats are declared by their own modules and found by the registry: the CLI
offers what the registry holds, so a new format is one module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import exports
from exports import registry
from exports.registry import ExportSource
from ontology.errors import BadRequest
from ontology.model import Entity, Graph
from ontology.schema import default_schema
from techsov import exports_commands, ingest_commands

SCHEMA = default_schema()
runner = CliRunner()

NEW_FORMAT = """
from exports.registry import Exporter, ExportOption


def write(source, out, options):
    names = sorted(e.name for e in source.graph().entities.values())
    out.write_text(options["separator"].join(names), encoding="utf-8")
    return [out]


EXPORTERS = (
    Exporter(
        "names-list",
        "Entity names, one string",
        ".txt",
        write,
        options=(ExportOption("--separator", "names-list: between names.", default=","),),
    ),
)
"""


@pytest.fixture
def extra_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A format module dropped into the exports package (on a path of its own)."""
    folder = tmp_path / "more_exports"
    folder.mkdir()
    (folder / "names_list.py").write_text(NEW_FORMAT, encoding="utf-8")
    monkeypatch.setattr(exports, "__path__", [*exports.__path__, str(folder)])
    registry.exporters.cache_clear()
    yield
    registry.exporters.cache_clear()
    sys.modules.pop("exports.names_list", None)


def _cli() -> typer.Typer:
    app = typer.Typer()
    ingest_commands.register(app)
    exports_commands.register(app)
    return app


def test_every_format_module_is_found_with_one_name_each() -> None:
    found = registry.exporters()
    assert {"turtle", "jsonld", "ntriples", "csv", "parquet", "graphml", "bloom", "report"} <= set(
        found
    )
    for name, spec in found.items():
        assert spec.name == name and spec.help and spec.suffix.startswith(".")


def test_the_cli_offers_exactly_the_registered_formats() -> None:
    app = _cli()
    export_help = runner.invoke(app, ["export", "--help"], terminal_width=200).output
    for spec in registry.reading("graph"):
        assert spec.name in export_help
        for option in spec.options:
            assert option.flag in export_help
    for spec in registry.reading("store"):
        own_help = runner.invoke(app, [spec.name, "--help"], terminal_width=200)
        assert own_help.exit_code == 0, own_help.output
        for option in spec.options:
            assert option.flag in own_help.output


def test_a_new_format_module_is_exported_with_its_options_and_no_other_edit(
    extra_format: None, tmp_path: Path
) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text(
        "sources: [{id: note}]\n"
        "entities:\n"
        "  - {id: acme, kind: Firm, name: Acme}\n"
        "  - {id: beta, kind: Firm, name: Beta}\n",
        encoding="utf-8",
    )
    out = tmp_path / "names.txt"
    args = ["export", "-f", "names-list", "--separator", ";", "--out", str(out), str(facts)]
    result = runner.invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "Acme;Beta"


def test_two_formats_with_one_name_are_refused(
    extra_format: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "names_list_again.py").write_text(NEW_FORMAT, encoding="utf-8")
    monkeypatch.setattr(exports, "__path__", [*exports.__path__, str(clash)])
    registry.exporters.cache_clear()
    try:
        with pytest.raises(ValueError, match="two export formats named 'names-list'"):
            registry.exporters()
    finally:
        sys.modules.pop("exports.names_list_again", None)


def test_a_folder_format_without_a_folder_and_an_unknown_format_are_bad_requests() -> None:
    graph = Graph.of([Entity(id="acme", kind="Firm", name="Acme")], [], [])
    source = ExportSource(SCHEMA, lambda: graph)
    with pytest.raises(BadRequest, match="give --out DIR"):
        registry.exporter("parquet").write(source, None)
    with pytest.raises(BadRequest, match="unknown export format 'rdfxml'"):
        registry.exporter("rdfxml")


def test_a_store_format_refuses_a_source_without_a_store(tmp_path: Path) -> None:
    graph = Graph.of([Entity(id="acme", kind="Firm", name="Acme")], [], [])
    with pytest.raises(BadRequest, match="asks the store questions"):
        registry.exporter("report").write(ExportSource(SCHEMA, lambda: graph), tmp_path / "r")
