"""Curated YAML fact files -> validated :class:`ontology.model.Graph`, and RDF exports.

Only the location of the shipped fact files lives here, so that importing the package stays
cheap; reading, validation and RDF rendering are in their own modules.
"""

from __future__ import annotations

from pathlib import Path

CURATED_DIR = Path(__file__).resolve().parent / "curated"


def default_paths() -> list[Path]:
    """The curated fact set shipped with the package (``ingest/curated/``)."""
    return [CURATED_DIR]
