"""Root fields for finding things: the generated entity lists and search, joined with
the paged analyses of :mod:`api.paged_fields`.

They take arguments typed with the ontology's enums (``EntityKind``), which exist only once
an ontology is loaded, so the fields are declared by :func:`query_fields` for one set of
generated types; the ``Query`` root inherits the class it returns.

The older ``String`` arguments (``kinds``) keep working as they were: GraphQL coerces
neither a string literal nor a ``String`` variable to an enum, so changing their type
would break existing queries. The enum-typed arguments are new ones (``kindIn``).
"""

from typing import Annotated, Any

import strawberry

from api.context import Info
from api.entity_list import entity_list_fields
from api.loaders import offload
from api.ontology_types import OntologyTypes
from api.paged_fields import PagedFields
from api.types import SearchHitNode
from ontology.errors import BadRequest

DEFAULT_SEARCH_FIRST = 10


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _kinds(info: Info, kinds: list[str] | None, kind_in: list[Any] | None) -> list[str] | None:
    """The union of the String and the enum kind arguments; unknown names refused."""
    if kinds is None and kind_in is None:
        return None
    wanted = [*(kinds or ()), *(k.value for k in kind_in or ())]
    unknown = sorted(set(wanted) - set(info.context.schema.entity_kinds))
    if unknown:
        raise BadRequest(f"unknown entity kind(s): {', '.join(unknown)}")
    return list(dict.fromkeys(wanted))


def query_fields(types: OntologyTypes) -> type:
    """The root fields of this module, typed with ``types``' enums."""
    kind_list = Annotated[
        list[Any] | None,
        strawberry.argument(
            graphql_type=list[types.entity_kind] | None,  # type: ignore[name-defined]
            description="Entity kinds (subclasses included); combined with `kinds`.",
        ),
    ]

    listing = entity_list_fields(types)

    @strawberry.type
    class SearchFields:
        @strawberry.field(
            description=(
                "Entities by name, localized name, alias, id or pinyin: all words in any "
                "order, the last one as a prefix, small typos forgiven, traditional and "
                "simplified Chinese alike. 1.0 when a whole name equals the query; each "
                "hit says which name matched and how."
            )
        )
        async def search(
            self,
            info: Info,
            query: str,
            kinds: list[str] | None = None,
            first: int | None = DEFAULT_SEARCH_FIRST,
            kind_in: kind_list = None,
        ) -> list[SearchHitNode]:
            ctx = info.context
            ctx.limits.check_search(query)
            count = ctx.limits.check_first(_or(first, DEFAULT_SEARCH_FIRST))
            wanted = _kinds(info, kinds, kind_in)
            hits = await offload(ctx.store.search, query, wanted, count)
            entities = await ctx.loaders.entities.load_many([h.entity_id for h in hits])
            return [
                SearchHitNode(
                    entity=ctx.node(e),
                    score=h.score,
                    matched_name=h.matched_name,
                    matched_field=h.matched_field,
                    match_type=h.match_type,
                    explanation=h.explanation,
                )
                for h, e in zip(hits, entities, strict=True)
                if e is not None
            ]

    @strawberry.type
    class FindingFields(listing, SearchFields, PagedFields):  # type: ignore[misc,valid-type]
        """The generated list fields, ``search``, then the paged analyses."""

    return FindingFields
