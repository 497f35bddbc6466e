"""The importer registry: each importer declares its name, help, options, resolution
priority and alias trust in its own module, and the pipeline, resolution and CLI read them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ingest.importers import registry
from ingest.importers.common import SourceImport
from ingest.importers.registry import Importer, ImporterOption
from techsov import console, import_commands
from techsov.cli import app


def test_every_importer_module_declares_itself_and_priority_follows_the_declarations() -> None:
    found = registry.importers()
    assert list(found) == ["eto", "us-lists", "opensanctions"]
    assert registry.priority_order() == ("curated", "eto", "us-lists", "opensanctions")
    assert registry.priority_of("nobody") == len(registry.priority_order())
    assert registry.trusted_alias_sources() == {"curated", "eto"}
    assert registry.near_miss_sources() == {"curated", "eto"}
    assert not registry.refs_by_spelling("eto") and registry.refs_by_spelling("us-lists")
    with pytest.raises(KeyError, match="known: eto, us-lists, opensanctions"):
        registry.importer("nope")


def test_the_cli_has_one_import_command_per_importer_name() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["import", "--help"], terminal_width=200).output
    for spec in registry.importers().values():
        assert spec.name in listing
        for other, _ in spec.other_names:
            assert other in listing
    assert "entity-list" in listing


def _read(
    folder: Path, *, version: str | None = None, released: date | None = None, **options: str
) -> SourceImport:
    raise FileNotFoundError(f"read {folder.name} with {sorted(options.items())}")


def test_an_importers_own_option_reaches_its_cli_command_and_its_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = Importer(
        name="toy",
        help="a toy data set.",
        read=_read,
        priority=9,
        options=(ImporterOption("sheet", "Which sheet to read."),),
    )
    known = {**registry.importers(), "toy": spec}
    monkeypatch.setattr(registry, "importers", lambda: known)
    # An earlier `techsov --debug` in this process would let the error escape unprinted.
    monkeypatch.setitem(console._debug, "on", False)
    toy = typer.Typer()
    toy.command("toy")(import_commands._command(spec, spec.help))
    toy.command("other")(lambda: None)  # two commands keep "toy" a subcommand
    runner = CliRunner()
    helped = runner.invoke(toy, ["toy", "--help"], terminal_width=200).output
    assert "--sheet" in helped and "Which sheet to read." in helped
    (tmp_path / "data").mkdir()
    result = runner.invoke(
        toy, ["toy", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--sheet", "B"]
    )
    assert result.exit_code != 0
    assert "read data with [('sheet', 'B')]" in result.output
