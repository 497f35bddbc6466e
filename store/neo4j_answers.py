"""Stored answers in Neo4j: how :class:`store.answers.ExposureAnswers` become nodes, and
how one policy's page comes back in one read.

Each policy's answer is one ``:ExposureAnswers`` node holding parallel lists (supplier,
kind, depth, score per exposure; the relations of all paths flattened, with ``offsets``
marking where each path starts). Relations are stored by id and endpoints, not copied:
a lookup reads them back from the graph, so provenance is never duplicated and the
answer shows exactly what the graph holds. The answers are written in the load's own
transaction (see :meth:`store.neo4j_store.Neo4jStore.load`), so every API replica reading
the database sees the answers of the graph it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from ontology.model import Relation
from store.analysis import Exposure


def answer_row(policy: str, exposures: Iterable[Exposure], **meta: Any) -> dict[str, Any]:
    """The properties of one policy's ``:ExposureAnswers`` node."""
    row: dict[str, Any] = {
        "policy": policy,
        **meta,
        "suppliers": [],
        "kinds": [],
        "depths": [],
        "scores": [],
        "offsets": [0],
        "rel_ids": [],
        "rel_sources": [],
        "rel_targets": [],
        "rule_versions": [],
    }
    for e in exposures:
        row["suppliers"].append(e.supplier)
        row["rule_versions"].append(e.rule_version or "")
        row["kinds"].append(e.basis)
        row["depths"].append(e.depth)
        row["scores"].append(e.score)
        for rel in e.path:
            row["rel_ids"].append(rel.id)
            row["rel_sources"].append(rel.source)
            row["rel_targets"].append(rel.target)
        row["offsets"].append(len(row["rel_ids"]))
    return row


def exposures_from(
    rows: Iterable[Mapping[str, Any]], relation: Callable[[Mapping[str, Any]], Relation]
) -> list[Exposure] | None:
    """The page read by ``STORED_EXPOSURES``; ``None`` if a path relation could not be
    read back (the graph changed under the answer: evaluate live instead)."""
    out: list[Exposure] = []
    for row in rows:
        path = tuple(relation(m) for m in row["path"])
        if len(path) != row["length"]:
            return None
        out.append(
            Exposure(
                supplier=row["supplier"],
                basis=row["kind"],
                depth=int(row["depth"]),
                score=float(row["score"]),
                path=path,
                rule_version=row.get("rule_version") or None,
                as_of=_native(row.get("computed_on")),
            )
        )
    return out


def _native(value: Any) -> date | None:
    """A Neo4j ``Date`` (or a Python one) as a Python date."""
    if value is None:
        return None
    native = value.to_native() if hasattr(value, "to_native") else value
    return native if isinstance(native, date) else None


def is_current(answers_on: Any, today: date) -> bool:
    """Whether stored answers (``answers_on`` as read from Neo4j) are today's."""
    if answers_on is None:
        return False
    native = answers_on.to_native() if hasattr(answers_on, "to_native") else answers_on
    return bool(native == today)
