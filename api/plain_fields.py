"""GraphQL execution that reads plain data without resolving it field by field.

An answer of 100 exposures with their paths holds some 1,500 fields, and most of them are
attributes of plain objects: an exposure's ``kind`` and ``score``, a relation's ``id`` and
``type``, an entity's ``name``. graphql-core resolves every one of them the same way as a
field with a resolver: a response path, a resolve-info record, Strawberry's default
resolver, awaitable checks and a generic value completion, for each field and again for
each object of a list. That bookkeeping cost about half a millisecond per row, many
times what the store takes to answer.

:class:`PlainFieldsExecutionContext` takes a shorter road for a *plain* field:

- a Strawberry field without a resolver, field extensions or exception handlers (what
  Strawberry itself calls a basic field and reads with ``getattr``), without arguments;
- of a scalar or enum type, or of an object type (or a list of one) that has no
  ``is_type_of`` check and whose selected fields are all plain in turn, selected without
  directives other than ``@skip``/``@include`` (which field collection has applied);
- and only while no schema extension wraps resolvers (no middleware).

Such a field is read with Strawberry's default resolver and completed with graphql-core's
own :meth:`complete_leaf_value`, exactly as the generic road would. Anything unexpected
on the way - a ``null`` for a non-null field, a value a scalar refuses, something
awaitable, a list that is not a list - sends the whole field down the generic road, which
reports it with its location and path as before (reading plain data has no side effects,
so reading it twice changes nothing). Every other field (resolvers, interfaces, deferred
fragments) is executed as graphql-core executes it; the response keeps the selection's
order.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
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
    """A plain scalar or enum field."""

    attribute: str
    leaf_type: GraphQLLeafType
    non_null: bool


@dataclass(frozen=True, slots=True)
class _Objects:
    """A plain field holding an object, or a list of objects, of plain fields."""

    attribute: str
    non_null: bool
    is_list: bool
    items_non_null: bool
    fields: tuple[tuple[str, _Leaf | _Objects], ...]


_Plain = _Leaf | _Objects
_Step = tuple[str, FieldDetailsList, _Plain | None]
"""One entry of a selection: response name, its field nodes, and how to read it plainly
(``None``: execute it the generic way)."""

_LISTS = (list, tuple)


def _unwrap(field_type: GraphQLOutputType) -> tuple[bool, GraphQLOutputType]:
    if isinstance(field_type, GraphQLNonNull):
        return True, field_type.of_type
    return False, field_type


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, reading plain fields directly (see the module
    docstring). One instance serves one request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._plain_ok = manager is None or not getattr(manager, "_middleware_resolvers", None)
        # Keyed by the identity of a memoized field set, which is kept alive beside its plan
        # so that the identity cannot be reused while this request runs.
        self._plans: dict[tuple[str, int], tuple[GroupedFieldSet, list[_Step]]] = {}

    # -- planning: which fields of a selection are plain -------------------------------

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> list[_Step]:
        key = (parent_type.name, id(fields))
        found = self._plans.get(key)
        if found is not None and found[0] is fields:
            return found[1]
        steps: list[_Step] = [
            (name, details, self._plain(parent_type, details) if self._plain_ok else None)
            for name, details in fields.items()
        ]
        self._plans[key] = (fields, steps)
        return steps

    def _plain(self, parent_type: GraphQLObjectType, details: FieldDetailsList) -> _Plain | None:
        node = details[0].node
        field_def = parent_type.fields.get(node.name.value)
        if field_def is None or field_def.args or node.arguments:
            return None
        if not getattr(field_def.resolve, "_is_default", False):
            return None  # a resolver, field extensions or exception handlers
        field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(field, StrawberryField) or field.default_resolver is not getattr:
            return None
        non_null, inner = _unwrap(field_def.type)
        if is_leaf_type(inner):
            return _Leaf(field.python_name, cast("GraphQLLeafType", inner), non_null)
        is_list = isinstance(inner, GraphQLList)
        items_non_null, item = (
            _unwrap(cast("GraphQLList[Any]", inner).of_type) if is_list else (False, inner)
        )
        if not isinstance(item, GraphQLObjectType) or item.is_type_of is not None:
            return None
        if any(d.node.directives for d in details):
            return None  # e.g. @stream: the generic road knows what it means
        grouped, deferred, _ = self.collect_subfields(item, details)
        if deferred:
            return None
        fields = []
        for name, _, plain in self._plan(item, grouped):
            if plain is None:
                return None
            fields.append((name, plain))
        return _Objects(field.python_name, non_null, is_list, items_non_null, tuple(fields))

    # -- execution ----------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        steps = self._plan(parent_type, grouped_field_set)
        if all(plain is None for _, _, plain in steps):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: dict[str, Any] = {}
        for name, details, plain in steps:
            if plain is not None:
                value = self._read(plain, source_value)
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

    def _read(self, plain: _Plain, source: Any) -> Any:
        """The completed value of a plain field, or ``Undefined`` when the generic road
        must take it (it reports errors with their location and path)."""
        try:
            value = getattr(source, plain.attribute)
        except Exception:
            return Undefined
        if value is None:
            return Undefined if plain.non_null else None
        if isinstance(plain, _Leaf):
            return self._leaf(plain.leaf_type, value)
        if not plain.is_list:
            return self._object(plain.fields, value)
        if not isinstance(value, _LISTS):
            return Undefined
        out: list[Any] = []
        for item in value:
            if item is None:
                if plain.items_non_null:
                    return Undefined
                out.append(None)
                continue
            completed = self._object(plain.fields, item)
            if completed is Undefined:
                return Undefined
            out.append(completed)
        return out

    def _leaf(self, leaf_type: GraphQLLeafType, value: Any) -> Any:
        if value is Undefined or isinstance(value, Exception) or self.is_awaitable(value):
            return Undefined
        try:
            return self.complete_leaf_value(leaf_type, value)
        except Exception:
            return Undefined

    def _object(self, fields: tuple[tuple[str, _Plain], ...], source: Any) -> Any:
        if isinstance(source, Exception) or self.is_awaitable(source):
            return Undefined
        out: dict[str, Any] = {}
        for name, plain in fields:
            value = self._read(plain, source)
            if value is Undefined:
                return Undefined
            out[name] = value
        return out

    async def _merged_later(
        self, steps: list[_Step], results: dict[str, Any], rest: Awaitable[dict[str, Any]]
    ) -> dict[str, Any]:
        return _merged(steps, results, await rest)


_EXPECTED_PARAMETERS = {
    "execute_fields": [
        "self",
        "parent_type",
        "source_value",
        "path",
        "grouped_field_set",
        "position_context",
    ],
    "collect_subfields": ["self", "return_type", "field_details_list"],
}


def _compatible() -> bool:
    """Whether graphql-core's executor has the methods this context overrides and calls,
    with the parameters it passes (they are internal, so a release may change them)."""
    base = StrawberryGraphQLCoreExecutionContext
    for name, expected in _EXPECTED_PARAMETERS.items():
        method = getattr(base, name, None)
        if method is None or list(inspect.signature(method).parameters) != expected:
            return False
    return callable(getattr(base, "complete_leaf_value", None))


def execution_context_class() -> type[StrawberryGraphQLCoreExecutionContext]:
    """:class:`PlainFieldsExecutionContext` when the installed graphql-core is one it was
    written for, else Strawberry's own context (slower, never wrong)."""
    return PlainFieldsExecutionContext if _compatible() else StrawberryGraphQLCoreExecutionContext


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
