"""Prefetching what a query shows of an answer, decided from the query itself.

An answer from the store (a page of relations, exposures with their paths) is a list of
ids; the entities and sources behind them are fetched only if the query selects fields
that show them, and then in one batch per kind, right after the answer arrives and before
GraphQL walks it. Asking the selection (rather than always fetching) keeps a query that
shows only ids from paying for objects it never displays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import SelectedField, Selection

from api.context import Info
from ontology import model


def asks_for(info: Info, *path: str) -> bool:
    """Whether the query selects ``path`` (GraphQL field names) below the current field,
    looking through fragments; ``@skip``/``@include`` are ignored, which at worst
    prefetches something unused."""
    return _selects([s for f in info.selected_fields for s in f.selections], path)


def _selects(selections: Sequence[Selection], path: Sequence[str]) -> bool:
    if not path:
        return True
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == path[0] and _selects(selection.selections, path[1:]):
                return True
        elif _selects(selection.selections, path):  # a fragment: same level
            return True
    return False


def asks_for_ends(info: Info, *path: str) -> bool:
    return asks_for(info, *path, "source") or asks_for(info, *path, "target")


def relation_ends(relations: Iterable[model.Relation]) -> set[str]:
    return {end for r in relations for end in (r.source, r.target)}


def cited_sources(relations: Iterable[model.Relation]) -> set[str]:
    return {p.source for r in relations for p in r.provenance}


async def prefetch_relations(
    info: Info, relations: Sequence[model.Relation], *path: str, also: Iterable[str] = ()
) -> None:
    """Prefetch what the query shows of ``relations`` (found at ``path`` below the
    current field), plus the entities ``also``."""
    await info.context.prefetch(
        entity_ids=[*also, *(relation_ends(relations) if asks_for_ends(info, *path) else ())],
        source_ids=cited_sources(relations)
        if asks_for(info, *path, "provenance", "source")
        else (),
    )
