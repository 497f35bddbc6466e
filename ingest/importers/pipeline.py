"""Import -> stage -> resolve -> write: what ``techsov import`` and ``techsov resolve`` do.

The output folder is the complete resolved graph, in the curated YAML format: the curated
facts (with the aliases and provenance merges gave them) in ``curated.yaml``, each data
set's facts in ``<source>.yaml``, and the staged versions of every data set in the hidden
``.staging/`` folder. Each run re-resolves *everything* (curated set, all staged data sets,
the decisions file), so the result never depends on the order of imports, and an edited
decision takes effect on the next ``techsov resolve``. Load or serve the folder on its own
(``techsov load OUT``, ``TECHSOV_DATA_PATHS=OUT``): it already holds the curated facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import yaml

from ingest.importers.common import SourceImport, validate_import
from ingest.importers.registry import importer, priority_of
from ingest.importers.staging import effective, stage, staged_sources
from ingest.resolution.decisions import load_decisions
from ingest.resolve import Resolution, resolve
from ingest.validate import build_graph
from ontology.errors import ValidationFailed
from ontology.schema import Schema, default_schema


def import_source(
    source: str,
    path: Path,
    out: Path,
    *,
    version: str | None = None,
    released: date | None = None,
    schema: Schema | None = None,
    options: Mapping[str, str] | None = None,
) -> tuple[SourceImport, bool]:
    """Read and check one data set with the importer registered as ``source``, then stage
    it; returns it and whether it was new. ``options``: the importer's own options.

    Raises :class:`ValidationFailed` (nothing staged) when a record breaks a rule.
    """
    imported = importer(source).run(path, version=version, released=released, options=options)
    _, problems = validate_import(imported, schema)
    if problems:
        raise ValidationFailed(problems)
    return imported, stage(out, imported)


def resolve_folder(
    out: Path,
    *,
    curated: Sequence[Path] | None = None,
    decisions: Path | None = None,
    schema: Schema | None = None,
    run_shacl: bool = False,
) -> Resolution:
    """Resolve the curated facts with every data set staged in ``out``."""
    schema = schema or default_schema()
    graph = build_graph(curated, schema, run_shacl=False)
    imports = [imp for s in staged_sources(out) if (imp := effective(out, s)) is not None]
    imports.sort(key=lambda i: priority_of(i.source))
    return resolve(graph, imports, load_decisions(decisions), schema, run_shacl=run_shacl)


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    """No anchors or aliases: the fact-file reader refuses them."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_resolution(resolution: Resolution, out: Path) -> list[Path]:
    """Write the resolved facts as YAML fact files (one per source); stale ones go."""
    if resolution.problems:
        raise ValidationFailed(resolution.problems)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for source, sections in resolution.files.items():
        path = out / f"{source}.yaml"
        body = {k: v for k, v in sections.items() if v}
        text = yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
        path.write_text(
            f"# Resolved facts from {source}; regenerate with techsov resolve.\n" + text,
            encoding="utf-8",
        )
        written.append(path)
    for stale in out.glob("*.yaml"):
        if stale not in written:
            stale.unlink()
    return written
