"""Writers of generated records: the bulk CSV files and the curated YAML files.

Kept apart from the generator (:mod:`ingest.synth`) so that what a graph looks like and
how it is spelled on disk change independently. Both writers stream: a record is written
when it is made, so memory does not grow with the graph.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from ingest.bulk import CITATION_COLUMNS, RELATION_COLUMNS
from ontology.schema import Schema

YAML_CHUNK = 20_000
"""Records per YAML file: keeps each far below the reader's per-file size limit."""

EntityRow = tuple[str, str, str, dict[str, str], dict[str, str], tuple[str, ...]]
"""(id, kind, name, attributes, localized names, aliases) - values as written."""
RelationRow = tuple[str, str, str, dict[str, str], str, str, str, str]
"""(type, from, to, qualifiers, confidence, validFrom, validTo, source); "" = absent."""


class Sink(Protocol):
    """Where generated records go, in the order they are made."""

    def source(self, sid: str, title: str, kind: str) -> None: ...
    def entity(self, row: EntityRow) -> None: ...
    def relation(self, row: RelationRow) -> None: ...
    def close(self) -> list[str]:
        """Finish writing; the names of the files written."""
        ...


class CsvSink:
    """Three CSV files; columns for every attribute and qualifier the ontology declares,
    so the bulk reader accepts them and a new attribute needs no code here."""

    def __init__(self, out: Path, schema: Schema) -> None:
        self.attributes = sorted({a for c in schema.classes.values() for a in c.attributes})
        self.qualifiers = sorted({q for r in schema.relations.values() for q in r.qualifiers})
        self._files: list[IO[str]] = []
        self._sources = self._open(out / "sources.csv", ["id", "title", "sourceType"])
        self._entities = self._open(
            out / "entities.csv", ["id", "kind", "name", "names", "aliases", *self.attributes]
        )
        header = [*RELATION_COLUMNS, CITATION_COLUMNS[0], *self.qualifiers]
        self._relations = self._open(out / "relations.csv", header)

    def _open(self, path: Path, header: list[str]) -> Any:
        handle = path.open("w", encoding="utf-8", newline="")
        self._files.append(handle)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        return writer

    def source(self, sid: str, title: str, kind: str) -> None:
        self._sources.writerow((sid, title, kind))

    def entity(self, row: EntityRow) -> None:
        eid, kind, name, attrs, names, aliases = row
        self._entities.writerow(
            (
                eid,
                kind,
                name,
                json.dumps(names, ensure_ascii=False) if names else "",
                json.dumps(list(aliases), ensure_ascii=False) if aliases else "",
                *(attrs.get(a, "") for a in self.attributes),
            )
        )

    def relation(self, row: RelationRow) -> None:
        rtype, src, dst, quals, conf, vf, vt, source = row
        self._relations.writerow(
            (
                "",
                rtype,
                src,
                dst,
                conf,
                vf,
                vt,
                source,
                *(quals.get(q, "") for q in self.qualifiers),
            )
        )

    def close(self) -> list[str]:
        for handle in self._files:
            handle.close()
        return ["sources.csv", "entities.csv", "relations.csv"]


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid ones)."""
    return json.dumps(text, ensure_ascii=False)


class YamlSink:
    """Curated-format YAML, one flow mapping per line, in files of :data:`YAML_CHUNK`."""

    def __init__(self, out: Path, plain: frozenset[str]) -> None:
        self._out = out
        self._plain = plain  # properties written unquoted: numbers and dates
        self._names: list[str] = []
        self._chunks: dict[str, tuple[IO[str], int]] = {}
        self._counts: Counter[str] = Counter()
        self._sources: list[str] = []

    def _write(self, section: str, line: str) -> None:
        handle, left = self._chunks.get(section, (None, 0))
        if handle is None or left == 0:
            if handle is not None:
                handle.close()
            self._counts[section] += 1
            name = f"{section}-{self._counts[section]:04d}.yaml"
            self._names.append(name)
            handle = (self._out / name).open("w", encoding="utf-8")
            handle.write(f"{section}:\n")
            left = YAML_CHUNK
        handle.write(line)
        self._chunks[section] = (handle, left - 1)

    def source(self, sid: str, title: str, kind: str) -> None:
        self._sources.append(f"  - {{id: {sid}, title: {_q(title)}, sourceType: {kind}}}\n")

    def entity(self, row: EntityRow) -> None:
        eid, kind, name, attrs, names, aliases = row
        parts = [f"id: {eid}", f"kind: {kind}", f"name: {_q(name)}"]
        if names:
            inner = ", ".join(f"{lang}: {_q(v)}" for lang, v in names.items())
            parts.append(f"names: {{{inner}}}")
        if aliases:
            parts.append(f"aliases: [{', '.join(_q(a) for a in aliases)}]")
        parts += [f"{k}: {v if k in self._plain else _q(v)}" for k, v in attrs.items()]
        self._write("entities", f"  - {{{', '.join(parts)}}}\n")

    def relation(self, row: RelationRow) -> None:
        rtype, src, dst, quals, conf, vf, vt, source = row
        parts = [f"type: {rtype}", f"from: {src}", f"to: {dst}", f"confidence: {conf}"]
        if vf:
            parts.append(f"validFrom: {vf}")
        if vt:
            parts.append(f"validTo: {vt}")
        parts += [f"{k}: {v if k in self._plain else _q(v)}" for k, v in quals.items()]
        parts.append(f"provenance: [{{source: {source}}}]")
        self._write("relations", f"  - {{{', '.join(parts)}}}\n")

    def close(self) -> list[str]:
        for handle, _ in self._chunks.values():
            handle.close()
        (self._out / "sources.yaml").write_text(
            "sources:\n" + "".join(self._sources), encoding="utf-8"
        )
        return ["sources.yaml", *self._names]


class Fanout:
    """Sends every record to several sinks (CSV and YAML in one pass)."""

    def __init__(self, sinks: Sequence[Sink]) -> None:
        self.sinks = list(sinks)

    def source(self, sid: str, title: str, kind: str) -> None:
        for s in self.sinks:
            s.source(sid, title, kind)

    def entity(self, row: EntityRow) -> None:
        for s in self.sinks:
            s.entity(row)

    def relation(self, row: RelationRow) -> None:
        for s in self.sinks:
            s.relation(row)

    def close(self) -> list[str]:
        return [name for s in self.sinks for name in s.close()]
