"""Paths of relations and the tie-breaking every analyst question shares.

Each reached entity keeps one explaining path: the one reached in the fewest steps, then the
shortest, then the one whose sequence of relation ids is smallest in lexicographic order.
Breadth-first order makes that choice deterministic and identical in every store.
"""

from __future__ import annotations

from collections.abc import Iterable

from ontology.model import Relation

Path = tuple[Relation, ...]

DEPTH_DECAY = 0.5
"""Each supply or ownership tier halves an exposure's score."""


def path_key(path: Path) -> tuple[int, tuple[str, ...]]:
    """Shortest first, then smallest sequence of relation ids."""
    return (len(path), tuple(r.id for r in path))


def better(path: Path, than: Path) -> bool:
    """``path_key(path) < path_key(than)``, without building either key: the lengths
    decide first, then the first relation ids that differ (usually the first). A
    domain-wide rule compares hundreds of thousands of candidates, and each key is a new
    tuple of every id on the path."""
    if len(path) != len(than):
        return len(path) < len(than)
    for a, b in zip(path, than, strict=True):
        if a.id != b.id:
            return a.id < b.id
    return False


def settle(candidates: Iterable[tuple[str, Path]], settled: dict[str, Path]) -> dict[str, Path]:
    """Best new path per entity not settled yet; returns (and records) the new ones."""
    best: dict[str, Path] = {}
    for node, path in candidates:
        if node in settled:
            continue
        known = best.get(node)
        if known is None or better(path, known):
            best[node] = path
    settled.update(best)
    return best


Candidate = tuple[str, str, Path]  # (organization, kind, path)


def best_candidates(
    candidates: Iterable[Candidate], taken: set[str]
) -> dict[str, tuple[str, Path]]:
    """Best (kind, path) per organization not in ``taken``, by the shared tie-break."""
    best: dict[str, tuple[str, Path]] = {}
    for org, kind, path in candidates:
        if org in taken:
            continue
        known = best.get(org)
        if known is None or better(path, known[1]):
            best[org] = (kind, path)
    return best


def score(path: Path, depth: int) -> float:
    """The product of the confidences along the path, halved per tier."""
    value = 1.0
    for rel in path:
        value *= rel.confidence
    return round(value * DEPTH_DECAY**depth, 9)
