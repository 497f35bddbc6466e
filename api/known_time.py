"""``knownAt``: relationship questions asked of the graph as known at an earlier version.

The argument is a version number or an ISO timestamp (the version known then); absent,
the latest graph answers, at no cost. An earlier version is answered by the store's
in-memory reader of that version (:meth:`store.base.GraphStore.at_version`), the same on
both stores, so the answers are identical by construction; precomputed answers serve the
latest version only. The field that takes the argument makes the request's context read
that version for itself and every field nested in it (see :data:`api.context.KNOWN_AT`).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import KNOWN_AT, ApiContext, KnownView
from api.loaders import Loaders, offload
from store.history_log import resolve_known_at

KNOWN_AT_HELP = (
    "The graph as known at this version (a number) or time (ISO timestamp): what the "
    "graph held after that load. Latest when not given."
)

KnownAtArgument = Annotated[str | None, strawberry.argument(description=KNOWN_AT_HELP)]
"""The ``knownAt`` argument as every field that takes it declares it."""


async def known_at(ctx: ApiContext, when: str | None) -> None:
    """Make this field (and its nested fields) read the graph as known at ``when``.

    Raises :class:`store.history_log.UnknownVersion` (``UNKNOWN_VERSION``) when the store
    holds no such version."""
    if when is None:
        return  # inherit what an enclosing field asked for, else the latest
    versions = await offload(ctx.latest.versions)
    number = resolve_known_at(versions, when)
    if number is None or number == versions[-1].number:
        KNOWN_AT.set(None)
        return
    view = ctx.known.get(number)
    if view is None:
        store = await offload(ctx.latest.at_version, number)
        view = ctx.known[number] = KnownView(ctx, number, store, Loaders(store))
    KNOWN_AT.set(view)
