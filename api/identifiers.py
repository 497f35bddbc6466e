"""Entity arguments: an id, or an exact name or alias when only one entity bears it.

Analysts type "Made in China 2025" where the API wants ``made-in-china-2025``; refusing
that helps nobody, and guessing is worse. So an argument resolves to an entity only when
the id exists or exactly one entity has that whole name (any language, any alias,
traditional or simplified Chinese); otherwise the error lists the closest entities with
their ids and kinds (``extensions.candidates``), and an entity of the wrong kind gets its
own code (``WRONG_KIND``) rather than "not found".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from api.context import ApiContext
from api.errors import AmbiguousEntity, UnknownEntity, WrongKind
from api.loaders import offload
from api.types import is_entity_id
from ontology.errors import NotFound
from ontology.model import Entity
from store.base import SearchHit

_T = TypeVar("_T")

CANDIDATES = 5
MAX_IDENTIFIER_CHARS = 200


def _candidate(entity: Entity) -> dict[str, str]:
    return {"id": entity.id, "name": entity.name, "kind": entity.kind}


def _listed(candidates: list[dict[str, str]]) -> str:
    return "; ".join(f"{c['name']} ({c['id']}, {c['kind']})" for c in candidates)


async def _named(ctx: ApiContext, text: str) -> tuple[list[Entity], list[Entity]]:
    """(entities having ``text`` as a whole name, the closest other entities)."""
    hits: list[SearchHit] = await offload(ctx.store.search, text, None, CANDIDATES * 2)
    found = await ctx.loaders.entities.load_many([h.entity_id for h in hits])
    pairs = [(h, e) for h, e in zip(hits, found, strict=True) if e is not None]
    exact = [e for h, e in pairs if h.score >= 1.0 and h.matched_field != "pinyin"]
    near = [e for h, e in pairs if e not in exact]
    return exact, near


async def find_entity(ctx: ApiContext, text: str) -> Entity | None:
    """The entity with this id, or the only one with this exact name; else None."""
    if is_entity_id(text):
        found = await ctx.loaders.entities.load(text)
        if found is not None:
            return found
    if not text.strip() or len(text) > MAX_IDENTIFIER_CHARS:
        return None
    exact, _ = await _named(ctx, text)
    return exact[0] if len(exact) == 1 else None


async def resolve_entity(ctx: ApiContext, text: str, kind: str | None, argument: str) -> str:
    """The id of the entity ``text`` names, which must be a ``kind`` (or a subclass).

    Raises :class:`UnknownEntity` (``NOT_FOUND``) with the closest names when nothing
    matches, :class:`AmbiguousEntity` when several entities share the name, and
    :class:`WrongKind` when the one entity found is of another kind.
    """
    if len(text) > MAX_IDENTIFIER_CHARS:
        raise UnknownEntity(f"{argument}: no entity {text[:100]!r}...", [])
    entity = await ctx.loaders.entities.load(text) if is_entity_id(text) else None
    if entity is None and text.strip():
        exact, near = await _named(ctx, text)
        if kind is not None and len(exact) > 1:
            exact = [e for e in exact if ctx.schema.is_a(e.kind, kind)] or exact
        if len(exact) > 1:
            candidates = [_candidate(e) for e in exact[:CANDIDATES]]
            raise AmbiguousEntity(
                f"{argument}: {text[:100]!r} names several entities, give an id: "
                + _listed(candidates),
                candidates,
            )
        if not exact:
            if kind is not None:
                near = [e for e in near if ctx.schema.is_a(e.kind, kind)] or near
            candidates = [_candidate(e) for e in near[:CANDIDATES]]
            hint = f"; did you mean: {_listed(candidates)}" if candidates else ""
            raise UnknownEntity(f"{argument}: no entity {text[:100]!r}{hint}", candidates)
        entity = exact[0]
    if entity is None:
        raise UnknownEntity(f"{argument}: no entity {text[:100]!r}", [])
    if kind is not None and not ctx.schema.is_a(entity.kind, kind):
        raise WrongKind(
            f"{argument}: {entity.id!r} ({entity.name}) is a {entity.kind}, not a {kind}",
            [_candidate(entity)],
        )
    return entity.id


async def answer_for(
    ctx: ApiContext,
    arguments: Sequence[tuple[str, str | None, str]],
    run: Callable[..., Awaitable[_T]],
) -> _T:
    """``run(*ids)`` for arguments given as ``(text, kind, argument name)``.

    Texts that look like ids are tried as they are first, so a question asked by id costs
    exactly what its analysis costs; only when that fails (the analysis raises
    :class:`NotFound`) are the arguments resolved by name, which either finds the intended
    entities (and asks again) or raises the precise error: candidates, ambiguity, kind.
    """
    texts = [text for text, _, _ in arguments]
    if all(is_entity_id(t) for t in texts):
        try:
            return await run(*texts)
        except NotFound:
            pass
    ids = [await resolve_entity(ctx, text, kind, name) for text, kind, name in arguments]
    return await run(*ids)
