"""Known time: what the graph held after each load, and what changed between loads.

Valid time (``asOf``) says when a fact holds in the world; known time says when the graph
learned it. Every load that changes the graph is a numbered :class:`GraphVersion`. The
live graph always holds the latest version, so questions about "now" pay nothing for
history; each live fact remembers the version it was added in, and a fact that a later
load changes or drops is kept as a retired :class:`FactRecord` (never hard-deleted). The
graph as known at an earlier version is the live facts added by then plus the retired
records that were still current then.

Both stores keep this log inside the load's own transaction, so a failed load leaves the
version counter and the history exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FactKind = Literal["entity", "relation", "source"]
"""What a fact record holds."""

ChangeKind = Literal["added", "changed", "ended", "retracted", "merged", "split"]
"""How a fact changed between two versions.

- ``added``: a fact the earlier version did not hold;
- ``changed``: same id, different content (other than a newly set end date);
- ``ended``: same id, its valid time now has an end (``valid_to``) it did not have —
  the world moved on, the fact is kept;
- ``retracted``: the graph no longer holds the fact at all;
- ``merged`` / ``split``: entity resolution folded an entity into another one, or gave
  back an entity of its own to a name it had folded.
"""


@dataclass(frozen=True)
class GraphVersion:
    """One load that changed the graph."""

    number: int
    loaded_at: datetime
    """When the load committed (UTC)."""
    digest: str | None
    """The digest of the input the version was loaded from, when the caller gave one."""
    entities: int
    relations: int
    sources: int


@dataclass(frozen=True)
class FactRecord:
    """One fact as it was stored from ``added_in`` until ``retired_in`` (exclusive)."""

    kind: FactKind
    id: str
    payload: dict[str, object]
    """The fact as JSON (``Entity`` / ``Relation`` / ``Source`` ``model_dump(mode="json")``)."""
    added_in: int
    retired_in: int | None = None


@dataclass(frozen=True)
class FactChange:
    """One entry of the change feed: a fact as it was before and after ``version``."""

    version: int
    change: ChangeKind
    kind: FactKind
    id: str
    before: dict[str, object] | None
    after: dict[str, object] | None
