"""The ETO Advanced Semiconductor Supply Chain Dataset ("Chip Explorer") onto the ontology.

Five CSV files describe the advanced logic-chip supply chain:

* ``inputs.csv`` and ``stages.csv``: the nodes (tools, materials, design resources,
  processes, the three stages) become :class:`Technology` entities;
* ``sequence.csv``: "X is a type of Y" becomes ``X broader Y`` (the SKOS taxonomy, so
  exposure reasoning and concentration figures follow it downwards), "X goes into Y"
  becomes ``X inputTo Y``; a process's stage becomes its ``broader`` concept;
* ``providers.csv``: organizations become Firms (the pseudo-provider "Various companies"
  an Organization), countries Countries (or Jurisdictions for "Europe" and "Various
  countries"); a firm's country becomes ``headquarteredIn``;
* ``provision.csv``: a firm's row becomes ``produces``, a country's ``hostsProductionOf``,
  with the market share as a fraction (``share``), the ``year`` it describes and the row
  (``recordId``); the row itself, copied verbatim, is the evidence.

Both published layouts are read: the 2025-data one (``year`` and ``alias`` columns,
shares as numbers) and the 2024 one (shares as ``61%``, a ``negligible_market_share``
flag, a byte-order mark). Provider and node ids (``P…``, ``N…``, ``S…``) are stable
across versions, so they key the entities and a re-import of a newer version updates the
same facts. A market share is a fact about its year: a share for another year is another
fact, and the older one is ended, not overwritten, when a newer version drops it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ingest.importers.common import (
    EntityInfo,
    Place,
    SourceImport,
    citation,
    dataset_source,
    files_date,
    files_version,
    relation_id,
)
from ingest.importers.countries import country_code, country_name
from ingest.importers.files import CsvSpec, check_files, number
from ingest.importers.registry import Importer
from ingest.record_model import CitationInput, EntityInput, RelationInput

SOURCE = "eto"
FILES = ("inputs.csv", "providers.csv", "provision.csv", "sequence.csv", "stages.csv")
REPOSITORY = "https://github.com/georgetown-cset/eto-chip-explorer"
TITLE = "ETO Advanced Semiconductor Supply Chain Dataset (Chip Explorer)"
PUBLISHER = "Emerging Technology Observatory, CSET, Georgetown University"
CONFIDENCE = 0.9
"""A research data set compiled from market data: reliable, not official."""

ETO_FILES = (
    CsvSpec("stages.csv", ("stage_id", "stage_name"), unique=("stage_id",)),
    CsvSpec("inputs.csv", ("input_id", "input_name"), unique=("input_id",)),
    CsvSpec("providers.csv", ("provider_name", "provider_id", "provider_type", "country")),
    CsvSpec(
        "provision.csv",
        ("provider_name", "provider_id", "provided_id", "share_provided"),
        typed={
            "share_provided": (number, "a share (a number, optionally with %)"),
            "year": (
                lambda t: int(t) if t.isascii() and t.isdigit() and len(t) == 4 else None,
                "a year",
            ),
        },
    ),
    CsvSpec("sequence.csv", ("input_id", "goes_into_id", "is_type_of_id")),
)
"""What the importer reads of each file (checked before reading, see
:mod:`ingest.importers.files`)."""

PSEUDO_COUNTRIES = {"Various countries": "Various countries", "EUR": "Europe"}
PSEUDO_FIRMS = {"Various companies"}


def _rows(path: Path) -> Iterator[tuple[int, str | None, dict[str, str]]]:
    """``(line, verbatim row text or None when it spans lines, cells)`` per data row."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _ = reader.fieldnames  # reads the header
    previous = reader.line_num
    for row in reader:
        first, end = previous + 1, reader.line_num
        previous = end
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        verbatim = lines[first - 1] if first == end and first <= len(lines) else None
        yield first, verbatim, cells


def _share(text: str) -> float | None:
    """``61%`` or ``61.0`` (percent) -> 0.61; empty -> None."""
    raw = text.strip().rstrip("%").strip()
    if not raw:
        return None
    return round(float(raw) / 100.0, 6)


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n", 1)[0].split())


class _Builder:
    def __init__(self, folder: Path, version: str, released: date) -> None:
        self.folder = folder
        self.imp = SourceImport(SOURCE, version, released)
        self.source_id = f"eto-chip-explorer-{version[:12].lower()}"
        url = f"{REPOSITORY}/tree/{version}/data" if _is_commit(version) else REPOSITORY
        self.imp.add_source(
            dataset_source(self.source_id, f"{TITLE}, version {version}", PUBLISHER, released, url)
        )
        self.countries: dict[str, str] = {}  # provider code (CHN, EUR, ...) -> entity id
        self.kinds: dict[str, str] = {}  # provider entity id -> kind

    def place(self, file: str, line: int) -> Place:
        return Place(f"{self.folder.name}/{file}", line)

    def cite(self, verbatim: str | None) -> list[CitationInput]:
        return [citation(self.source_id, verbatim)]

    # ------------------------------------------------------------ nodes
    def technologies(self) -> None:
        for file, id_col, name_col in (
            ("stages.csv", "stage_id", "stage_name"),
            ("inputs.csv", "input_id", "input_name"),
        ):
            for line, _, row in _rows(self.folder / file):
                node = row[id_col]
                description = _first_paragraph(row.get("description", ""))
                market = row.get("market_share_chart_global_market_size_info", "")
                if market:
                    description = f"{description} Global market: {market}.".strip()
                record = EntityInput(_tech_id(node), "Technology", row[name_col])
                record.description = description or None
                self.imp.add_entity(
                    record,
                    EntityInfo(f"eto:{node}", "eto-inputs", None, self.place(file, line)),
                )
                stage = row.get("stage_id", "")
                if file == "inputs.csv" and stage:
                    self._relation(
                        RelationInput(
                            "broader",
                            _tech_id(node),
                            _tech_id(stage),
                            qualifiers={"recordId": f"inputs.csv:{line}"},
                        ),
                        None,
                        self.place(file, line),
                    )

    def providers(self) -> None:
        rows = list(_rows(self.folder / "providers.csv"))
        for line, _, row in rows:  # countries first: firms point at them
            if row["provider_type"] == "country":
                self._country(row, line)
        for line, verbatim, row in rows:
            if row["provider_type"] != "country":
                self._firm(row, line, verbatim)

    def _country(self, row: dict[str, str], line: int) -> None:
        code, pid = row["provider_name"], row["provider_id"]
        alias = row.get("alias", "")
        a3 = country_code(code) or country_code(alias)
        if code in PSEUDO_COUNTRIES:
            kind, name, aliases = "Jurisdiction", PSEUDO_COUNTRIES[code], [code]
        else:
            kind = "Country"
            name = alias or (country_name(a3) if a3 else code)
            aliases = [code] if code != name else []
        record = EntityInput(_provider_id(pid), kind, name, aliases=aliases)
        self.imp.add_entity(
            record,
            EntityInfo(f"eto:{pid}", "eto-providers", a3, self.place("providers.csv", line)),
        )
        self.kinds[record.id] = kind
        self.countries[code] = _provider_id(pid)
        if a3:
            self.countries.setdefault(a3, _provider_id(pid))

    def _country_entity(self, code: str, line: int) -> str:
        """The entity of a firm's country code, created when no country row names it."""
        a3 = country_code(code)
        known = self.countries.get(code) or (self.countries.get(a3) if a3 else None)
        if known:
            return known
        eid = f"eto-country-{(a3 or code).lower()}"
        self.imp.add_entity(
            EntityInput(eid, "Country", country_name(a3) if a3 else code),
            EntityInfo(
                f"eto:country:{a3 or code}", "eto-countries", a3, self.place("providers.csv", line)
            ),
        )
        self.countries[code] = eid
        return eid

    def _firm(self, row: dict[str, str], line: int, verbatim: str | None) -> None:
        pid, name, alias = row["provider_id"], row["provider_name"], row.get("alias", "")
        code = row.get("country", "")
        kind = "Organization" if name in PSEUDO_FIRMS else "Firm"
        record = EntityInput(_provider_id(pid), kind, name)
        if alias and alias != name:
            record.aliases = [alias]
        if name in PSEUDO_FIRMS:
            record.description = "ETO's pseudo-provider for the firms it does not name."
        first_row = not self.imp.has_entity(record.id)  # later rows add aliases
        self.kinds[record.id] = kind
        self.imp.add_entity(
            record,
            EntityInfo(
                f"eto:{pid}",
                "eto-providers",
                country_code(code),
                self.place("providers.csv", line),
            ),
        )
        if code and name not in PSEUDO_FIRMS and first_row:
            country = self._country_entity(code, line)
            self._relation(
                RelationInput(
                    "headquarteredIn",
                    _provider_id(pid),
                    country,
                    qualifiers={"recordId": f"providers.csv:{line}"},
                ),
                verbatim,
                self.place("providers.csv", line),
            )

    # ------------------------------------------------------------ facts
    def provision(self) -> None:
        for line, verbatim, row in _rows(self.folder / "provision.csv"):
            provider, node = _provider_id(row["provider_id"]), _tech_id(row["provided_id"])
            if not self.imp.has_entity(provider) or not self.imp.has_entity(node):
                self.imp.skipped["provision row naming an unknown provider or input"] += 1
                continue
            kind = self.kinds[provider]
            rel_type = "produces" if kind in ("Firm", "Organization") else "hostsProductionOf"
            year = row.get("year", "")
            record = RelationInput(
                rel_type,
                provider,
                node,
                relation_id(provider, rel_type, node, year),
                qualifiers={"recordId": f"provision.csv:{line}"},
            )
            share = _share(row.get("share_provided", ""))
            if share is not None:
                record.qualifiers["share"] = share
            if year:
                record.qualifiers["year"] = int(year)
            self._relation(record, verbatim, self.place("provision.csv", line))

    def sequence(self) -> None:
        for line, verbatim, row in _rows(self.folder / "sequence.csv"):
            node = _tech_id(row["input_id"])
            for col, rel_type in (("goes_into_id", "inputTo"), ("is_type_of_id", "broader")):
                other = row.get(col, "")
                if not other:
                    continue
                self._relation(
                    RelationInput(
                        rel_type,
                        node,
                        _tech_id(other),
                        qualifiers={"recordId": f"sequence.csv:{line}"},
                    ),
                    verbatim,
                    self.place("sequence.csv", line),
                )

    def _relation(self, record: RelationInput, verbatim: str | None, place: Place) -> None:
        record.id = record.id or relation_id(record.source, record.type, record.target)
        record.confidence = CONFIDENCE
        record.provenance = self.cite(verbatim)
        self.imp.add_relation(record, place)


def _tech_id(node: str) -> str:
    return f"eto-{node.lower()}"


def _provider_id(pid: str) -> str:
    return f"eto-{pid.lower()}"


def _is_commit(version: str) -> bool:
    return len(version) == 40 and all(c in "0123456789abcdef" for c in version.lower())


def import_eto(
    folder: Path, *, version: str | None = None, released: date | None = None
) -> SourceImport:
    """Read one version of the data set (a folder holding the five CSV files).

    ``version`` (a commit of the repository, ideally) and ``released`` (its date) default
    to a hash of the files and their newest modification date.
    """
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder}: missing {', '.join(missing)} (not an ETO data folder)")
    check_files(folder, ETO_FILES)
    paths = [folder / f for f in FILES]
    builder = _Builder(folder, version or files_version(paths), released or files_date(paths))
    builder.technologies()
    builder.providers()
    builder.provision()
    builder.sequence()
    return builder.imp


IMPORTER = Importer(
    name=SOURCE,
    help="the ETO Chip Explorer data (a folder with inputs.csv, providers.csv...).",
    read=import_eto,
    priority=1,
    trusted_aliases=True,  # full names of a short provider name
    near_misses=True,  # supply-chain firms: worth an analyst's look on a near-miss name
    refs_by_spelling=False,  # keyed by provider id, not by name
)
