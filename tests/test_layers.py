"""Data flows one way: each package imports only the layers below it.

``ontology`` imports none of ours; ``ingest`` and ``store`` build on ``ontology`` only;
``api`` serves the store interface and never reads files; ``exports`` reads stores; the
``techsov`` CLI wires them all. A violation here is a design change, not a quick fix.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"ontology", "ingest", "store", "api", "exports", "techsov", "bench"}
ALLOWED = {
    "ontology": set(),
    "ingest": {"ontology"},
    "store": {"ontology"},
    "api": {"ontology", "store"},
    "exports": {"ontology", "store", "ingest"},
    "techsov": OURS - {"techsov", "bench"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_the_layers_below_it(package: str) -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - ALLOWED[package] - {package})
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    offending = {k: v for k, v in offending.items() if v}
    assert offending == {}, f"{package} may import only {sorted(ALLOWED[package])}"


NEO4J_SPECIFIC_EXPORTS = {"bloom.py", "bloom_phrases.py", "tabular.py"}
"""Exports whose format is Neo4j's own (a Bloom perspective, neo4j-admin CSV)."""


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _engine_specific(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "neo4j" or (
        parts[0] == "store" and len(parts) > 1 and parts[1].startswith("neo4j")
    )


@pytest.mark.parametrize(
    "path",
    [
        *(
            p
            for p in sorted((ROOT / "exports").glob("*.py"))
            if p.name not in NEO4J_SPECIFIC_EXPORTS
        ),
        ROOT / "store" / "records.py",
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_engine_neutral_modules_import_no_neo4j_module(path: Path) -> None:
    """The row model behind Parquet, GraphML and notebooks, the report and the record
    fields every store shares read the store interface only, never a Neo4j module."""
    offending = sorted(m for m in _imported_modules(path) if _engine_specific(m))
    assert offending == [], f"{path.relative_to(ROOT)} imports {offending}"
