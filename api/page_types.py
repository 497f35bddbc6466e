"""Paged answers (Relay connections with ``totalCount``) and the chokepoint answer.

Cursors of these connections are opaque offsets into a deterministic order (every list the
API returns has one), so a client pages by passing the last ``cursor`` as ``after``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date
from typing import Any, Generic, TypeVar

import strawberry

from api.context import Info
from api.types import (
    Connection,
    DependencyNode,
    Edge,
    EntityNode,
    ExposureNode,
    PageInfo,
    RelationNode,
    entity_field,
)
from ontology.errors import BadRequest

_CURSOR_PREFIX = "offset:"
_T = TypeVar("_T")
_C = TypeVar("_C", bound=Connection[Any])


def encode_offset(offset: int) -> str:
    return base64.b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode("ascii")


def _ascii_digits(text: str) -> bool:
    """Digits ``int`` reads: ``str.isdigit`` also accepts "¹" and other Unicode digits."""
    return text.isascii() and text.isdigit()


def decode_offset(cursor: str | None) -> int:
    """The position after ``cursor`` (0 without one)."""
    if cursor is None:
        return 0
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        raise BadRequest(f"invalid cursor {cursor[:100]!r}") from None
    if not text.startswith(_CURSOR_PREFIX) or not _ascii_digits(text[len(_CURSOR_PREFIX) :]):
        raise BadRequest(f"invalid cursor {cursor[:100]!r}")
    return int(text[len(_CURSOR_PREFIX) :]) + 1


@strawberry.type(
    name="ExposureConnection",
    description="A page of the organizations exposed to a policy, in the answer's order.",
)
class ExposureConnection(Connection[ExposureNode]):
    pass


@strawberry.type(
    name="DependencyConnection",
    description="A page of what a firm depends on upstream, in the answer's order.",
)
class DependencyConnection(Connection[DependencyNode]):
    pass


@strawberry.type(name="EntityConnection", description="A page of entities (Relay style).")
class EntityConnection(Connection[EntityNode]):
    pass


def page_info(start: int, shown: int, total: int) -> PageInfo:
    """Page info of ``shown`` items from ``start`` among ``total``."""
    return PageInfo(
        has_next_page=start + shown < total,
        has_previous_page=start > 0,
        start_cursor=encode_offset(start) if shown else None,
        end_cursor=encode_offset(start + shown - 1) if shown else None,
    )


def offset_connection(
    cls: type[_C], start: int, nodes: Sequence[object], total: int, **more: object
) -> _C:
    """The connection ``cls`` of ``nodes``, the page that starts at offset ``start`` of an
    answer of ``total`` items, cursors being offsets; ``more``: the fields ``cls`` adds."""
    edges = [Edge(cursor=encode_offset(start + i), node=n) for i, n in enumerate(nodes)]
    return cls(
        edges=edges, page_info=page_info(start, len(nodes), total), total_count=total, **more
    )


class _Page(Generic[_T]):
    """``items[start:start+first]`` of a complete answer of ``total`` items."""

    def __init__(self, items: Sequence[_T], start: int, first: int) -> None:
        self.items = list(items[start : start + first])
        self.start = start
        self.total = len(items)

    def connection(self, cls: type[_C], nodes: Sequence[object], **more: object) -> _C:
        """The page as ``cls``, ``nodes`` being its items as the schema shows them."""
        return offset_connection(cls, self.start, nodes, self.total, **more)


def page_of(items: Sequence[_T], after: str | None, first: int) -> _Page[_T]:
    return _Page(items, decode_offset(after), first)


# --- chokepoints -------------------------------------------------------------------------


@strawberry.type(name="ChokepointSupplier", description="A known producer of a technology.")
class ChokepointSupplier:
    share: float | None = strawberry.field(
        description="Its share of world production as the source states it (0-1), if any."
    )
    relation: RelationNode = strawberry.field(description="The `produces` fact, with sources.")
    supplier_id: strawberry.Private[str]
    country_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field
    def supplier(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.supplier_id)

    @strawberry.field(description="Where the supplier is headquartered.")
    def countries(self, info: Info) -> list[EntityNode]:
        return [entity_field(info.context, c) for c in self.country_ids]


@strawberry.type(name="ChokepointCountry", description="A country's part of the production.")
class ChokepointCountry:
    share: float | None = strawberry.field(
        description=(
            "Stated share of the country (`hostsProductionOf`) when a source gives one, "
            "else the sum of the stated shares of suppliers headquartered there."
        )
    )
    suppliers: int = strawberry.field(description="Known suppliers headquartered there.")
    basis: str = strawberry.field(
        description="`hostsProductionOf` (a stated country share) or `suppliers` (summed)."
    )
    country_id: strawberry.Private[str]

    @strawberry.field
    def country(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.country_id)


@strawberry.type(
    name="Chokepoint",
    description=(
        "Who can make a technology, and how concentrated that is. The concentration index "
        "(HHI, 0-10,000) is computed over the stated shares only, so it is a lower bound "
        "when shares are missing; read it with `knownSuppliers`, `suppliersWithShare` and "
        "`shareCovered`: one known supplier is not evidence of a monopoly."
    ),
)
class Chokepoint:
    as_of: date | None
    suppliers: list[ChokepointSupplier]
    countries: list[ChokepointCountry]
    known_suppliers: int
    suppliers_with_share: int
    share_covered: float | None = strawberry.field(
        description="Sum of the stated supplier shares (0-1): how much of the market is known."
    )
    hhi: float | None = strawberry.field(
        description="Herfindahl-Hirschman index of the stated supplier shares (percent²)."
    )
    country_hhi: float | None = strawberry.field(
        description="The same index over the country shares."
    )
    concentration: str = strawberry.field(
        description=(
            "`unknown` (no stated share), `single known supplier`, or the band of the 2023 "
            "US merger guidelines: `highly concentrated` (HHI > 1,800), `moderately "
            "concentrated` (1,000-1,800), `unconcentrated` (< 1,000); `undetermined` when "
            "the stated shares cover under 95% of the market and their index is not "
            "already above 1,800."
        )
    )
    technology_id: strawberry.Private[str]

    @strawberry.field
    def technology(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.technology_id)
