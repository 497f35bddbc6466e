"""Buyers of what producers make: the sales a rule that cuts users off reaches.

Both stores' evaluators (:mod:`store.exposure`, :mod:`store.neo4j_engine`) match sales to
the producers this way, so the match is written once.
"""

from __future__ import annotations

from collections.abc import Iterable

from ontology.model import Relation
from store.paths import Path


def made_by(producers: list[tuple[str, Path]]) -> dict[tuple[str, str], Path]:
    """Each (producer, item it makes) with the first path that reached it."""
    made: dict[tuple[str, str], Path] = {}
    for org, path in producers:
        made.setdefault((org, path[0].target), path)
    return made


def sales_of(sold: Iterable[Relation], made: dict[tuple[str, str], Path]) -> list[tuple[str, Path]]:
    """The buyers on ``sold`` facts whose ``item`` the seller makes, with the path."""
    out = []
    for r in sold:
        item = r.properties.get("item")
        if isinstance(item, str) and (r.source, item) in made:
            out.append((r.target, (r, *made[(r.source, item)])))
    return out
