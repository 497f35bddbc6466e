"""The typed fact model: entities, relations with provenance, and sources.

These are the objects that flow between layers: ingest builds them from files, stores
persist and return them, the API renders them. They are deliberately free of any storage
or transport concern.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Scalar = str | int | float | bool | date

# Entity ids are stable kebab-case slugs; relation ids default to "<from>--<type>--<to>",
# so they may hold "--" separators and the camelCase relation type.
ENTITY_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
RELATION_ID_PATTERN = r"^[A-Za-z0-9]+(?:-{1,2}[A-Za-z0-9]+)*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedName(_Frozen):
    lang: str = Field(min_length=2, max_length=16)
    value: str = Field(min_length=1)


class Source(_Frozen):
    id: str = Field(pattern=ENTITY_ID_PATTERN)
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: date | None = None
    source_type: str | None = None
    """What the document is (``article``, ``dataset``, ``government-notice``...)."""


class Provenance(_Frozen):
    source: str
    evidence: str | None = None


class Entity(_Frozen):
    id: str = Field(pattern=ENTITY_ID_PATTERN)
    kind: str
    name: str = Field(min_length=1)
    names: tuple[LocalizedName, ...] = ()
    aliases: tuple[str, ...] = ()
    wikidata: str | None = Field(default=None, pattern=r"^Q[1-9][0-9]*$")
    description: str | None = None
    attributes: dict[str, Scalar] = Field(default_factory=dict)

    def all_names(self) -> list[str]:
        """Every string a user may search this entity by, in a stable order."""
        out: list[str] = []
        for n in (self.name, *(n.value for n in self.names), *self.aliases):
            if n not in out:
                out.append(n)
        return out


class Relation(_Frozen):
    id: str = Field(pattern=RELATION_ID_PATTERN)
    type: str
    source: str
    target: str
    properties: dict[str, Scalar] = Field(default_factory=dict)
    confidence: float = Field(ge=0.0, le=1.0)
    valid_from: date | None = None
    valid_to: date | None = None
    provenance: tuple[Provenance, ...] = Field(min_length=1)

    def valid_at(self, as_of: date | None) -> bool:
        """True when the fact holds on ``as_of`` (bounds inclusive; ``None`` = any time)."""
        if as_of is None:
            return True
        if self.valid_from is not None and as_of < self.valid_from:
            return False
        return not (self.valid_to is not None and as_of > self.valid_to)

    def other(self, entity_id: str) -> str:
        return self.target if self.source == entity_id else self.source

    def content(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass
class Graph:
    """A complete, validated set of facts: what a load writes and an export reads."""

    entities: dict[str, Entity] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        entities: Iterable[Entity] = (),
        relations: Iterable[Relation] = (),
        sources: Iterable[Source] = (),
    ) -> Graph:
        return cls(
            entities={e.id: e for e in entities},
            relations={r.id: r for r in relations},
            sources={s.id: s for s in sources},
        )

    def counts(self) -> dict[str, int]:
        return {
            "entities": len(self.entities),
            "relations": len(self.relations),
            "sources": len(self.sources),
        }


def normalize(text: str) -> str:
    """Search key: NFKC, accents stripped, case-folded, whitespace collapsed.

    Both stores index and query with this one function, so exact-name and alias hits are
    the same everywhere; Chinese characters pass through unchanged.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = unicodedata.normalize("NFKC", stripped).casefold()
    return " ".join(folded.split())
