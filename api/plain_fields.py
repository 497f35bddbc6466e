"""GraphQL execution that reads plain leaf fields without resolving them one by one.

An answer of 100 exposures with their paths holds some 1,500 fields, and most of them are
attributes of plain objects: an exposure's ``kind`` and ``score``, a relation's ``id`` and
``type``, an entity's ``name``. graphql-core resolves every one of them the same way as a
field with a resolver: a response path, a resolve-info record, Strawberry's default
resolver, two awaitable checks and a generic value completion. That bookkeeping cost
about half a millisecond per row, several times what the store takes to answer.

:class:`PlainFieldsExecutionContext` takes a shorter road for a field that is

- a Strawberry field without a resolver, field extensions or exception handlers (what
  Strawberry itself calls a basic field and reads with ``getattr``),
- without arguments, of a scalar or enum type (nullable or not, not a list),

and only while no schema extension wraps resolvers (no middleware). Such a field is read
with Strawberry's default resolver and completed with graphql-core's own
:meth:`complete_leaf_value`, exactly as the generic road would. Anything unexpected on the
way - a ``null`` for a non-null field, a value the scalar refuses, an awaitable - sends the
field down the generic road, which reports it with its location and path as before.
Every other field (resolvers, objects, lists, interfaces) is executed as graphql-core
executes it; the response keeps the order of the selection.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


@dataclass(frozen=True, slots=True)
class _Leaf:
    """How to read one plain leaf field of the selection."""

    attribute: str
    leaf_type: GraphQLLeafType
    non_null: bool


_Step = tuple[str, FieldDetailsList, _Leaf | None]
"""One entry of a selection: response name, its field nodes, and how to read it plainly
(``None``: execute it the generic way)."""


def _plain_leaf(parent_type: GraphQLObjectType, details: FieldDetailsList) -> _Leaf | None:
    node = details[0].node
    field_def = parent_type.fields.get(node.name.value)
    if field_def is None or field_def.args or node.arguments:
        return None
    if not getattr(field_def.resolve, "_is_default", False):
        return None  # a resolver, field extensions or exception handlers
    field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField) or field.default_resolver is not getattr:
        return None
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    leaf_type = field_type.of_type if non_null else field_type
    if not is_leaf_type(leaf_type):
        return None
    return _Leaf(field.python_name, leaf_type, non_null)


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, reading plain leaf fields directly (see the
    module docstring). One instance serves one request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._plain_ok = manager is None or not getattr(manager, "_middleware_resolvers", None)
        # Keyed by the identity of a memoized field set, which is kept alive beside its plan
        # so that the identity cannot be reused while this request runs.
        self._plans: dict[tuple[str, int], tuple[GroupedFieldSet, list[_Step]]] = {}

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> list[_Step]:
        key = (parent_type.name, id(fields))
        found = self._plans.get(key)
        if found is not None and found[0] is fields:
            return found[1]
        steps: list[_Step] = [
            (name, details, _plain_leaf(parent_type, details) if self._plain_ok else None)
            for name, details in fields.items()
        ]
        self._plans[key] = (fields, steps)
        return steps

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        steps = self._plan(parent_type, grouped_field_set)
        if all(leaf is None for _, _, leaf in steps):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: dict[str, Any] = {}
        for name, details, leaf in steps:
            if leaf is not None:
                value = self._read_leaf(leaf, source_value)
                if value is not Undefined:
                    results[name] = value
                    continue
            pending[name] = details
        if not pending:
            return results
        # The rest, the generic way; their results take their places in selection order.
        rest = super().execute_fields(parent_type, source_value, path, pending, position_context)
        if self.is_awaitable(rest):
            return self._merged_later(steps, results, rest)
        return _merged(steps, results, cast("dict[str, Any]", rest))

    def _read_leaf(self, leaf: _Leaf, source: Any) -> Any:
        """The completed value of a plain leaf, or ``Undefined`` when the generic road
        must take it (it reports errors with their location and path)."""
        try:
            value = getattr(source, leaf.attribute)
        except Exception:
            return Undefined
        if value is None:
            return Undefined if leaf.non_null else None
        if value is Undefined or isinstance(value, Exception) or self.is_awaitable(value):
            return Undefined
        try:
            return self.complete_leaf_value(leaf.leaf_type, value)
        except Exception:
            return Undefined

    async def _merged_later(
        self, steps: list[_Step], results: dict[str, Any], rest: Awaitable[dict[str, Any]]
    ) -> dict[str, Any]:
        return _merged(steps, results, await rest)


def _merged(steps: list[_Step], plain: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    """The response object in the selection's order (fields the generic road left out,
    such as unknown ones, stay out)."""
    out: dict[str, Any] = {}
    for name, _, _ in steps:
        if name in plain:
            out[name] = plain[name]
        elif name in rest:
            out[name] = rest[name]
    return out
