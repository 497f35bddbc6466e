"""The analyst questions as the API asks them: each answered by the store itself when it
can (a stored answer, one statement), by :mod:`store.analysis` otherwise.

Both stores implement the question-level methods below; a store wrapper that does not
(a test's counting proxy) still gets the right answer, evaluated over its primitives.
The semantics stay in :mod:`store.analysis`: a store's own evaluation must give exactly
its answers, which the conformance tests check on both stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol, runtime_checkable

from ontology.model import Entity, Relation
from ontology.schema import Schema
from store import analysis
from store.analysis import Exposure
from store.base import GraphStore


@runtime_checkable
class AnswerSource(Protocol):
    """A store that keeps precomputed answers (see :mod:`store.answers`)."""

    def stored_exposures(
        self, policy: str, *, max_depth: int, first: int, as_of: date | None
    ) -> list[Exposure] | None:
        """The stored answer when it is exact for these arguments, else ``None``."""


@runtime_checkable
class ExposurePageSource(Protocol):
    """A store that reads a stored answer together with its suppliers' entities."""

    def stored_exposure_page(
        self, policy: str, *, max_depth: int, first: int, as_of: date | None
    ) -> tuple[list[Exposure], dict[str, Entity]] | None:
        """:meth:`AnswerSource.stored_exposures` and the entities of the page's suppliers."""


@runtime_checkable
class PathSource(Protocol):
    """A store that finds shortest paths itself (see :meth:`Neo4jStore.shortest_path`)."""

    def shortest_path(
        self,
        start: str,
        end: str,
        *,
        max_length: int,
        ways: Mapping[str, str] | None = None,
        day: date | None = None,
    ) -> tuple[bool, list[Relation] | None]:
        """``(answered, path)``; when answered, exactly the analysis' path."""


def suppliers_exposed_to(
    store: GraphStore,
    schema: Schema,
    policy: str,
    *,
    max_depth: int,
    as_of: date | None = None,
    first: int = 100,
) -> list[Exposure]:
    """:func:`store.analysis.suppliers_exposed_to`, answered from the stored answers when
    they hold it (one lookup), evaluated live otherwise."""
    if isinstance(store, AnswerSource):
        found = store.stored_exposures(policy, max_depth=max_depth, first=first, as_of=as_of)
        if found is not None:
            return found
    return analysis.suppliers_exposed_to(
        store, schema, policy, max_depth=max_depth, as_of=as_of, first=first
    )


def exposure_page(
    store: GraphStore,
    schema: Schema,
    policy: str,
    *,
    max_depth: int,
    as_of: date | None = None,
    first: int = 100,
) -> tuple[list[Exposure], dict[str, Entity]]:
    """:func:`suppliers_exposed_to` and the entities of its suppliers, keyed by id: one
    read when the store keeps the answer and can read both at once, else the answer,
    then the entities (what showing the suppliers would have cost anyway)."""
    if isinstance(store, ExposurePageSource):
        page = store.stored_exposure_page(policy, max_depth=max_depth, first=first, as_of=as_of)
        if page is not None:
            return page
    found = suppliers_exposed_to(
        store, schema, policy, max_depth=max_depth, as_of=as_of, first=first
    )
    return found, store.entities([e.supplier for e in found])


def shortest_path(
    store: GraphStore,
    start: str,
    end: str,
    *,
    max_length: int,
    schema: Schema | None = None,
    directed: bool = False,
    types: Sequence[str] | None = None,
    as_of: date | None = None,
) -> list[Relation] | None:
    """:func:`store.analysis.shortest_path`, by the store's own search when it has one.

    The directions each relation type is followed in, and the day, come from the
    analysis' own rules, so both evaluations read the same question."""
    options: dict[str, Any] = {
        k: v
        for k, v in (("schema", schema), ("directed", directed), ("types", types), ("as_of", as_of))
        if v is not None and v is not False
    }
    if isinstance(store, PathSource):
        ways: Mapping[str, str] | None = None
        day = as_of
        if directed:
            if schema is None:
                raise ValueError("a directed path needs the schema")
            ways = analysis._explanation_ways(schema, types)
            day = as_of if as_of is not None else date.today()
        elif types is not None:
            ways = dict.fromkeys(types, "both")
        answered, found = store.shortest_path(start, end, max_length=max_length, ways=ways, day=day)
        if answered:
            return found
    return analysis.shortest_path(store, start, end, max_length=max_length, **options)
