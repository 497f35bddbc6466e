"""The caps that keep one GraphQL request from costing the server an unbounded amount.

They are plain data, built by the composition root from settings and handed to
:func:`api.app.create_app`, so tests can run the API with any limits without touching
the environment. Checks that compare a request argument with a cap live here too, so
every resolver words a refusal the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology.errors import BadRequest, LimitExceeded

LARGEST_DEFAULT_FIRST = 100
"""The largest ``first`` a client gets without asking (``suppliersExposedTo``)."""

LARGEST_DEFAULT_DEPTH = 4
"""The largest depth a client gets without asking (``path(maxLength: 4)``)."""

MAX_SEARCH_CHARS = 200
"""Longer search strings are refused: no name is that long, and the contains-tier of a
search scans every name key with the query, so its length is a cost multiplier."""


@dataclass(frozen=True)
class ApiLimits:
    """Caps on page sizes, traversal depths and the shape of GraphQL documents.

    ``max_first`` and ``max_depth`` may not be below the defaults the schema advertises
    (``first: Int = 100``, ``maxLength: Int = 4``): a query that asks for nothing
    special must never be refused, so such a configuration fails at start-up instead.
    """

    max_first: int = 500
    max_depth: int = 6
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
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
        for name in ("max_query_depth", "max_aliases", "max_tokens"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        if self.ready_timeout_s <= 0:
            problems.append("ready_timeout_s must be positive")
        if isinstance(self.cors_origins, str):
            problems.append("cors_origins must be a sequence of origins, not one string")
        if problems:
            raise ValueError("invalid API limits: " + "; ".join(problems))

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
