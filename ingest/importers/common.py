"""What every importer shares: the import record, ids, dates, countries and validation.

An importer turns one data set into typed records (:class:`~ingest.record_model.SourceInput`,
:class:`~ingest.record_model.EntityInput`, :class:`~ingest.record_model.RelationInput`), so
imported facts meet exactly the rules curated facts meet: :func:`validate_import` hands each
record, at the data-set file and row it came from, to the one record validator
(:mod:`ingest.records`, through :func:`ingest.validate.collect_inputs`), and every problem
points at that file and row. Entity ids inside one import are scoped to its data set
(``eto-p37``); entity resolution (:mod:`ingest.resolve`) later decides which of them are
the same real-world entity as a curated one or as an entry of another data set.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from unidecode import unidecode

from ingest.record_model import (
    CitationInput,
    EntityInput,
    RelationInput,
    SourceInput,
    TypedInput,
    typed_record,
)
from ingest.validate import collect_inputs
from ingest.values import RecordInput, native_record
from ontology.errors import Problem
from ontology.model import Graph
from ontology.schema import Schema

Record = dict[str, Any]
"""One fact record as the YAML format writes it (field name -> value): what entity
resolution writes its output files from."""

MAX_SLUG = 60
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\s*$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_LONG_DATE = re.compile(r"^\s*([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\s*$")
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})\s*$")
_DAY_MONTH_NAME = re.compile(r"^\s*(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})\s*$")


@dataclass(frozen=True)
class Place:
    """Where in the data set a record was read: file (relative to the data set) and line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class EntityInfo:
    """What entity resolution needs to know about an imported entity beyond its record.

    ``ref`` is the entity's key in its data set, stable across versions and readable in the
    decisions file (``eto:P37``, ``bis-entity-list:Yangtze Memory Technologies Co., Ltd.``);
    ``group`` is the table or list it is an entry of: two entries of one group are distinct
    entities by construction, so resolution never merges them; ``country`` is the ISO 3166
    alpha-3 code the data set gives for it, if any; ``address`` and ``citation`` (the act
    that listed it) are further evidence for resolution.
    """

    ref: str
    group: str
    country: str | None
    place: Place
    address: str | None = None
    citation: str | None = None


@dataclass
class SourceImport:
    """One version of one data set, as fact records in the curated format."""

    source: str  # the importer: eto, us-lists, opensanctions
    version: str
    released: date
    sources: list[SourceInput] = field(default_factory=list)
    entities: list[EntityInput] = field(default_factory=list)
    relations: list[RelationInput] = field(default_factory=list)
    entity_info: dict[str, EntityInfo] = field(default_factory=dict)
    relation_places: dict[str, Place] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    listed_by_country: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(list, country as listed) -> [entries in the file, entities named]: for reconciling
    an import with the official list (not staged)."""

    def add_source(self, record: SourceInput) -> None:
        if all(s.id != record.id for s in self.sources):
            self.sources.append(record)

    def add_entity(self, record: EntityInput, info: EntityInfo) -> None:
        """Add an entity; a second record with the same id adds its names as aliases."""
        known = self._entity_index().get(record.id)
        if known is None:
            self.entities.append(record)
            self.entity_info[record.id] = info
            return
        aliases = [a for a in known.aliases if a != known.name]
        for alias in (record.name, *record.aliases):
            if alias != known.name and alias not in aliases:
                aliases.append(alias)
        if aliases:
            known.aliases = aliases

    def add_relation(self, record: RelationInput, place: Place) -> bool:
        """Add a relation unless one with its id is already there (a repeated row)."""
        if record.id in self.relation_places:
            self.skipped["repeated row"] += 1
            return False
        self.relations.append(record)
        self.relation_places[record.id] = place
        return True

    def has_entity(self, entity_id: str) -> bool:
        return entity_id in self.entity_info

    def entity(self, entity_id: str) -> EntityInput | None:
        return self._entity_index().get(entity_id)

    def _entity_index(self) -> dict[str, EntityInput]:
        return {e.id: e for e in self.entities}

    def counts(self) -> dict[str, int]:
        return {
            "entities": len(self.entities),
            "relations": len(self.relations),
            "sources": len(self.sources),
        }


def slug(text: str, max_length: int = MAX_SLUG) -> str:
    """A kebab-case id fragment: transliterated, lower-case, cut at a word boundary."""
    out = _NON_ALNUM.sub("-", unidecode(text).lower()).strip("-")
    if len(out) > max_length:
        out = out[:max_length].rsplit("-", 1)[0] or out[:max_length]
    return out or "x"


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def keyed_id(prefix: str, key: str) -> str:
    """An entity id for a data-set key: readable slug plus a hash of the exact key, so two
    keys whose slugs collide (punctuation, case, cut-off) still get distinct ids."""
    return f"{prefix}-{slug(key, 40)}-{short_hash(key, 6)}"


def relation_id(source: str, rel_type: str, target: str, *qualifiers: str) -> str:
    """``<from>--<type>--<to>`` as curated relations default to, plus distinguishing parts
    (a year, a list round) so facts a data set states separately keep separate ids."""
    parts = [source, rel_type, target, *(slug(q) for q in qualifiers if q)]
    return "--".join(parts)


def files_version(paths: Iterable[Path]) -> str:
    """A version id for data files without one: a hash of their names and bytes, so the same
    files always give the same version and any change gives a new one."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def files_date(paths: Iterable[Path]) -> date:
    """The release date to assume when none is given: the newest file modification."""
    stamps = [p.stat().st_mtime for p in paths]
    return date.fromtimestamp(max(stamps)) if stamps else date.today()


def parse_date(text: str | None) -> date | None:
    """Dates as the data sets write them: ISO, US ``M/D/YY``, ``June 10, 2026``,
    ``03 Jun 2021``; ``None`` when the text is empty or not a date."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        pass
    if m := _US_DATE.match(raw):
        return _make_date(_year(m.group(3)), int(m.group(1)), int(m.group(2)))
    if m := _LONG_DATE.match(raw):
        month = _month(m.group(1))
        return _make_date(int(m.group(3)), month, int(m.group(2))) if month else None
    if m := _DAY_MONTH_NAME.match(raw):
        month = _month(m.group(2))
        return _make_date(int(m.group(3)), month, int(m.group(1))) if month else None
    return None


def parse_day_first(text: str | None) -> date | None:
    """``DD.MM.YY`` or ``DD.MM.YYYY`` (European order), else :func:`parse_date`."""
    if text and (m := _DAY_FIRST.match(text)):
        return _make_date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
    return parse_date(text)


def _year(text: str) -> int:
    year = int(text)
    return year + (2000 if year < 70 else 1900) if year < 100 else year


def _month(name: str) -> int | None:
    low = name.lower()
    return next((i for m, i in _MONTHS.items() if m.startswith(low[:3])), None)


def _make_date(year: int, month: int | None, day: int) -> date | None:
    if month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def excerpt(text: str, limit: int = 300) -> str:
    """A verbatim prefix of ``text`` cut at a word boundary: evidence must be copied, not
    paraphrased, so a long note is shortened only by stopping early."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut or text[:limit]


def dataset_source(
    source_id: str,
    title: str,
    publisher: str,
    released: date,
    url: str | None = None,
) -> SourceInput:
    return SourceInput(source_id, title, publisher, url or None, released, "dataset")


def citation(source: str, evidence: str | None = None) -> CitationInput:
    return CitationInput(source, evidence or None)


# ---------------------------------------------------------------- validation


AnyRecord = TypedInput | Record
"""An importer's typed record, or a record already in the format's shape (entity
resolution's output, which is written as YAML)."""


def _as_input(file: str, line: int, record: AnyRecord) -> RecordInput:
    if isinstance(record, dict):
        return native_record(file, line, record)
    return typed_record(file, line, record)


def record_inputs(
    label: str,
    sources: Sequence[AnyRecord],
    entities: Sequence[tuple[AnyRecord, Place | None]],
    relations: Sequence[tuple[AnyRecord, Place | None]],
) -> Iterator[tuple[str, RecordInput]]:
    """Each record as the validator reads it, at the data-set file and line it came from
    (``label`` for records with no place, such as the data set's own source)."""
    for record in sources:
        yield "sources", _as_input(label, 1, record)
    for section, placed in (("entities", entities), ("relations", relations)):
        for record, place in placed:
            file, line = (place.file, place.line) if place is not None else (label, 1)
            yield section, _as_input(file, line, record)


def validate_records(
    label: str,
    sources: Sequence[AnyRecord],
    entities: Sequence[tuple[AnyRecord, Place | None]],
    relations: Sequence[tuple[AnyRecord, Place | None]],
    schema: Schema | None = None,
    *,
    run_shacl: bool = False,
) -> tuple[Graph, list[Problem]]:
    """Check records with the curated rules; SHACL only when asked, as for bulk facts
    (every rule it checks is also checked record by record, and it is slow at this size)."""
    inputs = record_inputs(label, sources, entities, relations)
    return collect_inputs(inputs, schema, run_shacl=run_shacl)


def validate_import(
    imported: SourceImport, schema: Schema | None = None, *, run_shacl: bool = False
) -> tuple[Graph, list[Problem]]:
    """The graph of an import on its own, and every problem found in its records."""
    return validate_records(
        f"{imported.source} import",
        imported.sources,
        [(e, imported.entity_info[e.id].place) for e in imported.entities],
        [(r, imported.relation_places.get(r.id)) for r in imported.relations],
        schema,
        run_shacl=run_shacl,
    )
