"""The caps that keep one GraphQL request from costing the server an unbounded amount.

They are plain data, built by the composition root from settings and handed to
:func:`api.app.create_app`, so tests can run the API with any limits without touching
the environment. Checks that compare a request argument with a cap live here too, so
every resolver words a refusal the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    VariableNode,
    get_named_type,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql.type.definition import GraphQLField, GraphQLInterfaceType, GraphQLObjectType
from strawberry.extensions import SchemaExtension

from ontology.errors import BadRequest, LimitExceeded

LARGEST_DEFAULT_FIRST = 100
"""The largest ``first`` a client gets without asking (``suppliersExposedTo``)."""

LARGEST_DEFAULT_DEPTH = 4
"""The largest depth a client gets without asking (``path(maxLength: 4)``)."""

COST_PER_FIRST = 100
"""Without an explicit ``max_cost``, an answer may hold this many fields per item of the
largest page (50,000 at the default ``max_first`` of 500): raising ``max_first`` for
larger pages raises what an answer may hold with it."""

MAX_SEARCH_CHARS = 200
"""Longer search strings are refused: no name is that long, and the contains-tier of a
search scans every name key with the query, so its length is a cost multiplier."""


@dataclass(frozen=True)
class ApiLimits:
    """Caps on page sizes, traversal depths and the shape of GraphQL documents.

    ``max_first`` and ``max_depth`` may not be below the defaults the schema advertises
    (``first: Int = 100``, ``maxLength: Int = 4``): a query that asks for nothing
    special must never be refused, so such a configuration fails at start-up instead.

    ``max_cost`` bounds the fields an answer could hold (see :func:`document_cost`);
    ``None`` means :data:`COST_PER_FIRST` per item of the largest page (``cost_limit``).
    ``max_body_bytes`` bounds a request's body and query string.
    """

    max_first: int = 500
    max_depth: int = 6
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int | None = None
    max_body_bytes: int = 256 * 1024
    cors_origins: tuple[str, ...] = ()
    ready_timeout_s: float = 5.0

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.max_first < LARGEST_DEFAULT_FIRST:
            problems.append(
                f"max_first={self.max_first} is below the default page size "
                f"{LARGEST_DEFAULT_FIRST} that clients get without asking"
            )
        if self.max_depth < LARGEST_DEFAULT_DEPTH:
            problems.append(
                f"max_depth={self.max_depth} is below the default depth "
                f"{LARGEST_DEFAULT_DEPTH} that clients get without asking"
            )
        for name in (
            "max_query_depth",
            "max_aliases",
            "max_tokens",
            "cost_limit",
            "max_body_bytes",
        ):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        if self.ready_timeout_s <= 0:
            problems.append("ready_timeout_s must be positive")
        if isinstance(self.cors_origins, str):
            problems.append("cors_origins must be a sequence of origins, not one string")
        if problems:
            raise ValueError("invalid API limits: " + "; ".join(problems))

    @property
    def cost_limit(self) -> int:
        """The most fields an answer may hold (``max_cost``, or derived from ``max_first``)."""
        return self.max_cost if self.max_cost is not None else COST_PER_FIRST * self.max_first

    def check_first(self, first: int, argument: str = "first") -> int:
        """``first`` itself when allowed; a clear error naming the cap otherwise."""
        if first < 0:
            raise BadRequest(f"{argument} must not be negative (got {first})")
        if first > self.max_first:
            raise LimitExceeded(f"{argument}={first} exceeds the limit of {self.max_first}")
        return first

    def check_depth(self, depth: int, argument: str) -> int:
        """Traversal depths (``maxDepth``, ``maxLength``) share one cap: each step of a
        traversal is one store round trip, so the cap bounds a request's cost."""
        if depth < 0:
            raise BadRequest(f"{argument} must not be negative (got {depth})")
        if depth > self.max_depth:
            raise LimitExceeded(f"{argument}={depth} exceeds the limit of {self.max_depth}")
        return depth

    def check_search(self, query: str) -> str:
        if len(query) > MAX_SEARCH_CHARS:
            raise LimitExceeded(
                f"search query is {len(query)} characters long; the limit is {MAX_SEARCH_CHARS}"
            )
        return query


MAX_FRAGMENT_NESTING = 50
"""Fragments spread inside fragments deeper than this are refused (no real query needs it,
and each level is a frame of every document walker)."""


_META_FIELDS = {
    "__schema": SchemaMetaFieldDef,
    "__type": TypeMetaFieldDef,
    "__typename": TypeNameMetaFieldDef,
}
"""Introspection fields, which no type lists among its fields."""


def document_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    max_first: int | None = None,
) -> int:
    """How many fields ``document`` can put in its answer, at most.

    Every field counts once per object it is asked on. With ``max_first``, a field with a
    ``first`` argument (its value, else the schema's default, at most ``max_first`` since
    the field itself refuses more) multiplies what is selected below it; without, the
    count is the size of the document written out without fragments. Each fragment is
    costed once and reused, so the walk is linear in the document even when its fragments
    would expand exponentially (``...B ...B`` in ``A``, ``...C ...C`` in ``B``, ...).
    Unknown fields and fragments cost 1 and 0: validation reports them.
    """
    walk = _CostWalk(schema, document, variables or {}, max_first)
    return sum(
        walk.selections(d.selection_set, schema.get_root_type(d.operation), 0)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )


class _CostWalk:
    """One walk of :func:`document_cost`: the document's fragments, each costed once."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        values: Mapping[str, Any],
        max_first: int | None,
    ) -> None:
        self.schema = schema
        self.values = values
        self.max_first = max_first
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, int] = {}

    @staticmethod
    def field_def(node: FieldNode, parent: GraphQLNamedType | None) -> GraphQLField | None:
        if node.name.value in _META_FIELDS:
            return _META_FIELDS[node.name.value]
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return None
        return parent.fields.get(node.name.value)

    def multiplier(self, node: FieldNode, definition: GraphQLField) -> int:
        if self.max_first is None or "first" not in definition.args:
            return 1
        value: Any = definition.args["first"].default_value
        for arg in node.arguments or ():
            if arg.name.value == "first" and isinstance(arg.value, IntValueNode):
                value = int(arg.value.value)
            elif arg.name.value == "first" and isinstance(arg.value, VariableNode):
                value = self.values.get(arg.value.name.value, value)
        return min(value, self.max_first) if isinstance(value, int) and value > 0 else 1

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None, nesting: int
    ) -> int:
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += 1
                definition = self.field_def(sel, parent)
                if sel.selection_set is not None and definition is not None:
                    child = get_named_type(definition.type)
                    below = self.selections(sel.selection_set, child, nesting)
                    total += self.multiplier(sel, definition) * below
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                inner = self.schema.get_type(cond.name.value) if cond is not None else parent
                total += self.selections(sel.selection_set, inner, nesting)
            elif isinstance(sel, FragmentSpreadNode):
                total += self.fragment(sel.name.value, nesting + 1)
        return total

    def fragment(self, name: str, nesting: int) -> int:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None:
            return 0
        if nesting > MAX_FRAGMENT_NESTING:
            raise LimitExceeded(
                f"fragments are nested more than {MAX_FRAGMENT_NESTING} levels deep"
            )
        self.memo[name] = 0  # a cycle adds nothing here; validation refuses it
        self.memo[name] = self.selections(
            definition.selection_set,
            self.schema.get_type(definition.type_condition.name.value),
            nesting,
        )
        return self.memo[name]


class ResultSizeLimiter(SchemaExtension):
    """Bounds the size of an answer before any work is done for it.

    - Before validation: a document that, written out without fragments, has more than
      ``max_fields`` fields is refused. This runs ahead of the depth and alias limiters on
      purpose: they expand fragments as they walk, which a few hundred bytes of
      self-doubling fragments turn into minutes of CPU; this count is linear.
    - After validation, before execution: a document whose answer could hold more than
      ``max_cost`` fields, counting every page at its size (``first``), is refused.
    """

    def __init__(self, *, max_fields: int, max_cost: int, max_first: int) -> None:
        self.max_fields = max_fields
        self.max_cost = max_cost
        self.max_first = max_first

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None:
            try:
                fields = document_cost(ctx.schema._schema, ctx.graphql_document)
                if fields > self.max_fields:
                    raise LimitExceeded(
                        f"the query expands to {fields} fields through its fragments, more "
                        f"than the limit of {self.max_fields}"
                    )
            except LimitExceeded as exc:
                # Errors set here stand for validation, which then does not run at all.
                ctx.pre_execution_errors = [GraphQLError(exc.message, original_error=exc)]
        yield

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and ctx.result is None:
            cost = document_cost(
                ctx.schema._schema, ctx.graphql_document, ctx.variables, self.max_first
            )
            if cost > self.max_cost:
                exc = LimitExceeded(
                    f"the query could return up to {cost} fields, more than the limit of "
                    f"{self.max_cost}; ask for smaller pages (first) or fewer levels"
                )
                # A result set here stands for execution, which then does not run at all.
                ctx.result = GraphQLExecutionResult(
                    data=None, errors=[GraphQLError(exc.message, original_error=exc)]
                )
        yield
