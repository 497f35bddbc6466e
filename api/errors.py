"""The one place where failures become GraphQL errors.

Every error a response carries goes through :func:`client_error`, so clients see one
vocabulary (``extensions.code``) and never an internal detail:

- an intentional project error (:class:`ontology.errors.TechsovError`) keeps its message
  and gets its ``code`` (``NOT_FOUND``, ``LIMIT_EXCEEDED``, ``STORE_UNAVAILABLE``, ...);
- an error about the request itself (syntax, validation, variable values, the document
  limits) keeps graphql-core's message, which only talks about the client's document, and
  gets ``BAD_REQUEST`` or ``LIMIT_EXCEEDED``;
- anything else is a bug or an outage nobody anticipated: it is logged here with its
  traceback and the client gets ``internal error`` / ``INTERNAL``.

The mapping runs in :meth:`TechsovGraphQLSchema.process_errors`, which Strawberry calls
on every error list of every phase (parse, validation, execution, and the catch-all
around them) before the response is built; an extension would miss the catch-all.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from ontology.errors import BadRequest, LimitExceeded, NotFound, StoreUnavailable, TechsovError

logger = logging.getLogger("api.graphql")

INTERNAL_CODE = "INTERNAL"
INTERNAL_MESSAGE = "internal error"

# What Strawberry's document limiters say (QueryDepthLimiter, MaxAliasesLimiter,
# MaxTokensLimiter). They report plain GraphQL errors, so their wording is the only thing
# that tells a limit apart from other validation errors; a test pins each one.
_DOCUMENT_LIMIT_MESSAGES = re.compile(
    r"exceeds maximum operation depth of \d+"
    r"|\d+ aliases found\. Allowed: \d+"
    r"|Document contains more than \d+ tokens"
)


class UnknownEntity(NotFound):
    """No entity has this id, nor this exact name or alias; ``candidates`` are the
    closest names (``extensions.candidates``: id, name, kind)."""

    def __init__(self, message: str, candidates: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


class AmbiguousEntity(UnknownEntity):
    """Several entities have this exact name or alias: the client must pick an id."""

    code = "AMBIGUOUS_ENTITY"


class WrongKind(BadRequest):
    """The entity exists but is not of the kind the argument takes."""

    code = "WRONG_KIND"

    def __init__(self, message: str, candidates: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


def client_error(error: GraphQLError) -> GraphQLError:
    """The error as a client may see it: a safe message and ``extensions.code`` (and,
    for an identifier that found no single entity, ``extensions.candidates``)."""
    original = error.original_error
    if isinstance(original, UnknownEntity | WrongKind):
        extra = {"candidates": original.candidates}
        return _with(error, original.message, original.code, extra)
    if isinstance(original, TechsovError):
        return _with(error, original.message, original.code)
    if _is_about_the_request(error):
        code = (
            LimitExceeded.code
            if _DOCUMENT_LIMIT_MESSAGES.search(error.message)
            else BadRequest.code
        )
        return _with(error, error.message, code)
    return _with(error, INTERNAL_MESSAGE, INTERNAL_CODE)


def _is_about_the_request(error: GraphQLError) -> bool:
    """Errors outside any field (no ``path``) that either carry no exception or point
    at the document (``nodes``) were raised by graphql-core about the request; a
    path-less error wrapping an exception with no location is an unexpected failure
    around execution and must be masked."""
    if error.path is not None:
        return False
    return error.original_error is None or bool(error.nodes)


def _with(
    error: GraphQLError, message: str, code: str, extra: dict[str, Any] | None = None
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={"code": code, **(extra or {})},
    )


def log_error(error: GraphQLError) -> None:
    """Expected errors are one line at a level matching their seriousness; unexpected
    ones are logged with their traceback, which is the only place it goes."""
    original = error.original_error
    if isinstance(original, StoreUnavailable):
        logger.warning("store unavailable: %s", original.message)
    elif isinstance(original, TechsovError):
        logger.info("%s: %s", original.code, original.message)
    elif _is_about_the_request(error):
        logger.info("rejected request: %s", error.message)
    else:
        cause = original if original is not None else error
        logger.error(
            "unexpected error at %s: %s",
            error.path or "request",
            error.message,
            exc_info=(type(cause), cause, cause.__traceback__),
        )


class TechsovGraphQLSchema(strawberry.Schema):
    """A Strawberry schema whose error processing logs, then maps, every error."""

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        # Replacing the items in place (not the list) is what makes the mapped errors the
        # ones the response carries: the caller keeps a reference to this very list.
        for i, error in enumerate(errors):
            log_error(error)
            errors[i] = client_error(error)


def error_payload(code: str, message: str) -> dict[str, Any]:
    """The JSON body of non-GraphQL error responses (``/readyz``), shaped like a
    GraphQL error so clients parse one format."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
