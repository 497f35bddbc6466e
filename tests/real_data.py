"""The public data sets the importers read, found at ``../shared/data`` beside the project.

Tests that need them skip with a clear message when the folder is absent; the data is never
copied into the project (two of the three sets are licensed for non-commercial use only).
The resolved graph is built once per test session: every real-data test reads it.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from ingest.importers.common import SourceImport
from ingest.importers.eto import import_eto
from ingest.importers.opensanctions import import_opensanctions
from ingest.importers.staging import fold_versions
from ingest.importers.us_lists import import_us_lists
from ingest.resolution.decisions import load_decisions
from ingest.resolve import Resolution, resolve
from ingest.validate import build_graph

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ETO = DATA / "eto-chip-explorer"
US_LISTS = DATA / "us-restricted-lists"
OPENSANCTIONS = DATA / "opensanctions-tech-lists"

# Versions as the data READMEs give them.
ETO_2024 = ("4ad9219e626bd53e70175feb44b25b03e03e0025", date(2025, 1, 30))
ETO_CURRENT = ("46e010644c2399c812fd89c62cd6297e9cf58525", date(2026, 8, 14))
OPENSANCTIONS_VERSION = ("f33cff233ff4393a8c71784cfe280275727b52ca", date(2026, 8, 22))


def require_data() -> None:
    if not (ETO.is_dir() and US_LISTS.is_dir() and OPENSANCTIONS.is_dir()):
        pytest.skip(
            f"real data sets not found at {DATA} (expected ../shared/data beside the project)"
        )


@cache
def eto_versions() -> tuple[SourceImport, SourceImport]:
    old = import_eto(ETO / "2024", version=ETO_2024[0], released=ETO_2024[1])
    new = import_eto(ETO / "current", version=ETO_CURRENT[0], released=ETO_CURRENT[1])
    return old, new


@cache
def us_lists() -> SourceImport:
    return import_us_lists(US_LISTS)


@cache
def opensanctions() -> SourceImport:
    version, released = OPENSANCTIONS_VERSION
    return import_opensanctions(OPENSANCTIONS, version=version, released=released)


@cache
def resolved() -> Resolution:
    """Curated facts + ETO (2024 then current) + US lists + OpenSanctions, resolved."""
    curated = build_graph(run_shacl=False)
    eto = fold_versions(list(eto_versions()))
    return resolve(curated, [eto, us_lists(), opensanctions()], load_decisions())
