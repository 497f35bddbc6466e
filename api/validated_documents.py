"""Validation done once per distinct document text, not once per request.

Validating even a small query against this schema walks every node of the document
through some thirty rules (graphql-core's, the depth and alias limiters', Strawberry's):
about 5 ms, as much as a stored answer costs to read. The outcome depends only on the
document and the schema's fixed rules, never on variables or data, so it is kept per
document text in a bounded LRU map, one per schema.

Strawberry's own ``ValidationCache`` is not used: it keys on the per-request rule
classes the limiters create (so it never hits) and overwrites errors an earlier
extension set (the document-size check of :class:`api.limits.ResultSizeLimiter`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_KEPT_CHARS = 16 * 1024
"""Longer documents are validated every time: no client reuses one that large, and
keeping them would let a few requests pin megabytes."""


class DocumentVerdicts:
    """The validation errors of up to ``maxsize`` document texts (none: valid), most
    recently used kept. One instance per schema, shared by its requests (all on one
    event loop, so no lock)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._verdicts: OrderedDict[str, tuple[GraphQLError, ...]] = OrderedDict()

    def get(self, text: str) -> tuple[GraphQLError, ...] | None:
        found = self._verdicts.get(text)
        if found is not None:
            self._verdicts.move_to_end(text)
        return found

    def put(self, text: str, errors: tuple[GraphQLError, ...]) -> None:
        if len(text) > MAX_KEPT_CHARS:
            return
        self._verdicts[text] = errors
        self._verdicts.move_to_end(text)
        while len(self._verdicts) > self.maxsize:
            self._verdicts.popitem(last=False)

    def __len__(self) -> int:
        return len(self._verdicts)


class ValidatedDocuments(SchemaExtension):
    """Validates a document the first time its text is seen, then reuses the verdict.

    Must come after every extension that adds validation rules or refuses a document
    before validation (the schema lists it last): a document refused already is left
    alone and its verdict not kept, since the refusal is not validation's.
    """

    def __init__(self, *, verdicts: DocumentVerdicts) -> None:
        self.verdicts = verdicts

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        text, document = ctx.query, ctx.graphql_document
        if text is not None and document is not None and ctx.pre_execution_errors is None:
            errors = self.verdicts.get(text)
            if errors is None:
                errors = tuple(
                    validate_document(ctx.schema._schema, document, ctx.validation_rules)
                )
                self.verdicts.put(text, errors)
            # A fresh list: error processing replaces its items with the client's view.
            ctx.pre_execution_errors = list(errors)
        yield
