"""RDF exports (Turtle, JSON-LD, N-Triples) with the ontology's IRIs.

The mapping itself is :mod:`ingest.rdf`'s (the same one that reads RDF back); this module
only declares the three formats to the export registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from exports.registry import Exporter, ExportSource
from ingest.rdf import RdfFormat, export_rdf

SUFFIXES: dict[RdfFormat, str] = {"turtle": ".ttl", "jsonld": ".jsonld", "ntriples": ".nt"}
HELP: dict[RdfFormat, str] = {
    "turtle": "RDF as Turtle (a file; standard output by default)",
    "jsonld": "RDF as JSON-LD (a file; standard output by default)",
    "ntriples": "RDF as N-Triples (a file; standard output by default)",
}


def _rdf_exporter(fmt: RdfFormat) -> Exporter:
    def write(source: ExportSource, out: Path, _: Mapping[str, Any]) -> list[Path]:
        export_rdf(source.graph(), source.schema, fmt, out)
        return [out]

    def stream(source: ExportSource, out: TextIO, _: Mapping[str, Any]) -> None:
        export_rdf(source.graph(), source.schema, fmt, out)

    return Exporter(fmt, HELP[fmt], SUFFIXES[fmt], write, stream=stream)


EXPORTERS = tuple(_rdf_exporter(fmt) for fmt in SUFFIXES)
