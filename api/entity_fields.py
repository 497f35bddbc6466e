"""Root fields that look up entities and the chains between them: ``entity`` (one entity
by id, name or alias) and ``path`` (the shortest chain of relations between two).

Each lives in its own class, which the ``Query`` root inherits from in the order the
published SDL lists them, so these fields grow here without touching the other roots.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.context import Info
from api.identifiers import answer_for, find_entity
from api.known_time import KnownAtArgument
from api.known_time import known_at as read_known_at
from api.loaders import offload
from api.prefetch import prefetch_relations
from api.types import EntityNode, RelationNode, RelationTypeList, relation_path, relation_types
from store import questions

DEFAULT_MAX_LENGTH = 4


def _or(value: int | None, default: int) -> int:
    """Arguments with defaults are nullable (as the contract publishes them); ``null``
    means the default."""
    return default if value is None else value


@strawberry.type
class EntityFields:
    @strawberry.field(
        description=(
            "The entity with this id (or the only one with this exact name or alias), "
            "or null when there is none."
        )
    )
    async def entity(
        self,
        info: Info,
        id: strawberry.ID,
        known_at: KnownAtArgument = None,
    ) -> EntityNode | None:
        await read_known_at(info.context, known_at)
        found = await find_entity(info.context, str(id))
        return None if found is None else info.context.node(found)


@strawberry.type
class PathFields:
    @strawberry.field(
        description=(
            "The shortest chain of relations between two entities, or null when none is at "
            "most maxLength long. Directed (the default): only relations whose role explains "
            "(supply, production, use, ownership, kind-of, components, listings, rule "
            "scope), each read from the affected entity towards the policy, valid on asOf "
            "(today by default), or the relation types given (`types` as names, `typeIn` "
            "as `RelationType` values; both may be given, and their union is followed). "
            "directed: false follows any relation in either direction, valid at any time "
            "unless asOf is given."
        )
    )
    async def path(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_length: int | None = DEFAULT_MAX_LENGTH,
        directed: bool | None = True,
        types: list[str] | None = None,
        as_of: date | None = None,
        type_in: RelationTypeList = None,
        known_at: KnownAtArgument = None,
    ) -> list[RelationNode] | None:
        await read_known_at(info.context, known_at)
        ctx = info.context
        length = ctx.limits.check_depth(_or(max_length, DEFAULT_MAX_LENGTH), "maxLength")
        types = relation_types(types, type_in)
        found = await answer_for(
            ctx,
            [(str(from_), None, "from"), (str(to), None, "to")],
            lambda start, end: offload(
                questions.shortest_path,
                ctx.store,
                start,
                end,
                max_length=length,
                schema=ctx.schema,
                **path_options(directed, types, as_of),  # type: ignore[arg-type]
            ),
        )
        if found is None:
            return None
        await prefetch_relations(info, found)
        return relation_path(found)


def path_options(
    directed: bool | None, types: list[str] | None, as_of: date | None
) -> dict[str, object]:
    """Keyword arguments of :func:`store.analysis.shortest_path` for the ``path`` field:
    directed (the default) or undirected, with the relation types and date asked."""
    return {"directed": directed is not False, "types": types, "as_of": as_of}
