"""Every imported version of every data set, kept so that history is never lost.

An output folder holds, in the hidden folder ``.staging/`` (fact-file readers skip hidden
folders), one JSON file per imported version of each data set and a manifest listing them
in release order. The facts a data set states *now* are those of its newest version; a fact
an older version stated and the newest does not is not deleted but ended: its ``validTo``
becomes the day before the first version that dropped it was released (a date in
``validTo`` is the last day the fact held). A fact stated again keeps the provenance of
every version that stated it. Importing a version that is already staged changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ingest.importers.common import EntityInfo, Place, SourceImport, slug
from ingest.record_model import CitationInput, EntityInput, RelationInput, SourceInput

STAGING = ".staging"
MANIFEST = "manifest.json"


def staging_dir(out: Path, source: str) -> Path:
    return out / STAGING / source


def _dump(imported: SourceImport) -> dict[str, Any]:
    return {
        "source": imported.source,
        "version": imported.version,
        "released": imported.released.isoformat(),
        "sources": [s.fields() for s in imported.sources],
        "entities": [e.fields() for e in imported.entities],
        "relations": [r.fields() for r in imported.relations],
        "entity_info": {
            k: {**asdict(v), "place": asdict(v.place)} for k, v in imported.entity_info.items()
        },
        "relation_places": {k: asdict(v) for k, v in imported.relation_places.items()},
        "skipped": dict(imported.skipped),
    }


def _load(data: dict[str, Any]) -> SourceImport:
    imported = SourceImport(data["source"], data["version"], date.fromisoformat(data["released"]))
    imported.sources = [SourceInput.from_fields(s) for s in data["sources"]]
    imported.entities = [EntityInput.from_fields(e) for e in data["entities"]]
    imported.relations = [RelationInput.from_fields(r) for r in data["relations"]]
    imported.entity_info = {
        k: EntityInfo(**{**v, "place": Place(**v["place"])}) for k, v in data["entity_info"].items()
    }
    imported.relation_places = {k: Place(**v) for k, v in data["relation_places"].items()}
    imported.skipped.update(data.get("skipped", {}))
    return imported


def stage(out: Path, imported: SourceImport) -> bool:
    """Keep ``imported`` among its data set's versions; False when it was already there."""
    folder = staging_dir(out, imported.source)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(folder)
    file = f"{slug(imported.version)}.json"
    text = json.dumps(_dump(imported), ensure_ascii=False, sort_keys=True, indent=1)
    path = folder / file
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    entries = [e for e in manifest if e["file"] != file]
    entries.append(
        {"version": imported.version, "released": imported.released.isoformat(), "file": file}
    )
    entries.sort(key=lambda e: (e["released"], e["version"]))
    (folder / MANIFEST).write_text(json.dumps({"versions": entries}, indent=1), encoding="utf-8")
    return True


def _manifest(folder: Path) -> list[dict[str, str]]:
    path = folder / MANIFEST
    if not path.is_file():
        return []
    versions: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["versions"]
    return versions


def staged_sources(out: Path) -> list[str]:
    root = out / STAGING
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / MANIFEST).is_file())


def versions(out: Path, source: str) -> Iterator[SourceImport]:
    """The staged versions of one data set, oldest release first."""
    folder = staging_dir(out, source)
    for entry in _manifest(folder):
        yield _load(json.loads((folder / entry["file"]).read_text(encoding="utf-8")))


def effective(out: Path, source: str) -> SourceImport | None:
    """The data set's facts over all its staged versions (see the module docstring)."""
    staged = list(versions(out, source))
    if not staged:
        return None
    return fold_versions(staged)


def fold_versions(staged: list[SourceImport]) -> SourceImport:
    """Newest version's facts, plus older facts it dropped, ended the day before the first
    version without them; entity records come from the newest version that has them, with
    names older versions used kept as aliases."""
    newest = staged[-1]
    result = SourceImport(newest.source, newest.version, newest.released)
    entities: dict[str, EntityInput] = {}
    relations: dict[str, RelationInput] = {}
    last_seen: dict[str, int] = {}
    for index, version in enumerate(staged):
        for source in version.sources:
            result.add_source(source)
        for entity in version.entities:
            entities[entity.id] = _renamed(entities.get(entity.id), entity)
            result.entity_info[entity.id] = version.entity_info[entity.id]
        for record in version.relations:
            old = relations.get(record.id)
            cited = record.provenance if old is None else _union(old.provenance, record.provenance)
            relations[record.id] = replace(record, provenance=cited)
            last_seen[record.id] = index
            if record.id in version.relation_places:
                result.relation_places[record.id] = version.relation_places[record.id]
        result.skipped = version.skipped
    for rid, record in relations.items():
        seen = last_seen[rid]
        if seen < len(staged) - 1:
            relations[rid] = _ended(record, staged[seen + 1].released - timedelta(days=1))
    result.entities = list(entities.values())
    result.relations = list(relations.values())
    return result


def _renamed(old: EntityInput | None, new: EntityInput) -> EntityInput:
    if old is None or old.name == new.name:
        return new
    aliases = list(new.aliases)
    for alias in (old.name, *old.aliases):
        if alias != new.name and alias not in aliases:
            aliases.append(alias)
    return replace(new, aliases=aliases)


def _union(a: list[CitationInput], b: list[CitationInput]) -> list[CitationInput]:
    out = list(a)
    for entry in b:
        if entry not in out:
            out.append(entry)
    return out


def _ended(record: RelationInput, last_day: date) -> RelationInput:
    start, end = record.valid_from, record.valid_to
    if end is not None and end <= last_day:
        return replace(record)
    if start is not None and start > last_day:
        last_day = start
    return replace(record, valid_to=last_day)
