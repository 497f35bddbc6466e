"""Stored answers in Neo4j: how :class:`store.answers.ExposureAnswers` become nodes, and
how one policy's page comes back in one read.

Each policy's answer is one ``:ExposureAnswers`` node holding parallel lists (supplier,
kind, depth, score per exposure; the relations of all paths flattened, with ``offsets``
marking where each path starts). Relations are stored by id and endpoints, not copied:
a lookup reads them back from the graph, so provenance is never duplicated and the
answer shows exactly what the graph holds. The answers are written in the load's own
transaction (see :meth:`store.neo4j_store.Neo4jStore.load`), so every API replica reading
the database sees the answers of the graph it reads.

The answers for every date (:mod:`store.answer_timeline`) are ``:ExposureInterval`` nodes
of the same shape, one per policy and interval, with ``valid_from`` (inclusive) and
``valid_to`` (exclusive) absent where the interval is open: what the dated Bloom phrase
picks from (:mod:`exports.bloom_phrases`). An interval whose answer is the
policy's ``:ExposureAnswers`` node's (the one holding the day the answers were computed,
and any other with the same answer) names that node's ``hash`` (``answer_hash``) instead
of repeating its lists.

Each node carries ``hash``, a digest of its row, so a load rewrites only the nodes whose
answer changed (:meth:`AnswerRows.write`): most policies' answers survive a small edit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import neo4j

from ontology.model import Entity, Relation
from store import neo4j_queries as q
from store.analysis import Exposure
from store.answer_timeline import AnswerInterval
from store.answers import ExposureAnswers
from store.neo4j_records import entity_from

LISTS = ("suppliers", "kinds", "depths", "scores", "offsets", "rel_ids", "rel_sources",
         "rel_targets", "rule_versions")  # fmt: skip
"""The parallel lists of an answer node, which an interval holding today's answer leaves
out (see :func:`interval_rows`)."""


def answer_row(policy: str, exposures: Iterable[Exposure], **meta: Any) -> dict[str, Any]:
    """The properties of one policy's ``:ExposureAnswers`` node."""
    return hashed({"policy": policy, **meta, **_lists(exposures)})


def _lists(exposures: Iterable[Exposure]) -> dict[str, list[Any]]:
    row: dict[str, list[Any]] = {key: [] for key in LISTS}
    row["offsets"].append(0)
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


def hashed(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with ``hash``, a digest of its other properties: equal rows, equal hashes."""
    body = {k: v for k, v in row.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    row["hash"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return row


@dataclass(frozen=True)
class AnswerRows:
    """One load's stored answers as node rows: today's, and the intervals'."""

    answers: list[dict[str, Any]]
    intervals: list[dict[str, Any]]

    @classmethod
    def of(cls, answers: ExposureAnswers) -> AnswerRows:
        meta = {
            "computed_on": answers.computed_on,
            "max_depth": answers.max_depth,
            "first": answers.first,
        }
        rows = [answer_row(p, found, **meta) for p, found in answers.by_policy.items()]
        today = {row["policy"]: row for row in rows}
        return cls(answers=rows, intervals=interval_rows(answers.timelines, today))

    def replace(self, tx: neo4j.ManagedTransaction, batch: int) -> None:
        """Replace every stored answer by these, in the caller's (the load's) transaction;
        rows are large, so ``batch`` should be a few."""
        tx.run(q.DELETE_ANSWERS).consume()
        tx.run(q.DELETE_INTERVALS).consume()
        for query, rows in ((q.CREATE_ANSWERS, self.answers), (q.CREATE_INTERVALS, self.intervals)):
            for start in range(0, len(rows), batch):
                tx.run(query, rows=rows[start : start + batch]).consume()

    def write(self, tx: neo4j.ManagedTransaction, batch: int) -> int:
        """Make the stored answers exactly these rows, as :meth:`replace` does, but touch
        only the nodes that differ: a stored node whose ``hash`` no row has (or a second
        node of the same hash) is deleted, a row whose hash no node has is created. Returns
        how many nodes were created."""
        created = 0
        steps = ((q.ANSWER_HASHES, q.CREATE_ANSWERS, self.answers),
                 (q.INTERVAL_HASHES, q.CREATE_INTERVALS, self.intervals))  # fmt: skip
        for read, create, rows in steps:
            stored = tx.run(read).single(strict=True)
            held: set[str] = set()
            stale: list[str] = []
            wanted = {row["hash"] for row in rows}
            for element, digest in zip(stored["elements"], stored["hashes"], strict=True):
                if digest in wanted and digest not in held:
                    held.add(digest)
                else:
                    stale.append(element)
            for start in range(0, len(stale), 1000):
                tx.run(q.DELETE_NODES, elements=stale[start : start + 1000]).consume()
            new = [row for row in rows if row["hash"] not in held]
            for start in range(0, len(new), batch):
                tx.run(create, rows=new[start : start + batch]).consume()
            created += len(new)
        return created


def interval_rows(
    by_policy: Mapping[str, Iterable[AnswerInterval]],
    today: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The properties of the ``:ExposureInterval`` nodes of every policy's intervals. An
    interval whose lists are those of the policy's row in ``today`` (its answer node: so
    the interval holding the day the answers were computed, and any other with the same
    answer) names that node's hash instead of repeating them: on a large graph, whose
    budget is one evaluation per policy, that is every interval, and half of what a load
    would write."""
    out: list[dict[str, Any]] = []
    for policy, intervals in by_policy.items():
        answer = (today or {}).get(policy)
        for i in intervals:
            lists = _lists(i.exposures)
            if answer is not None and all(answer[k] == lists[k] for k in LISTS):
                body: dict[str, Any] = {q.ANSWER_HASH: answer["hash"]}
            else:
                body = lists
            out.append(hashed({"policy": policy, "valid_from": i.start, "valid_to": i.end,
                               **body}))  # fmt: skip
    return out


def exposures_from(
    record: Mapping[str, Any], relation: Callable[[Mapping[str, Any]], Relation]
) -> list[Exposure] | None:
    """The page read by ``STORED_EXPOSURES``; ``None`` if a path relation could not be
    read back (the graph changed under the answer: evaluate live instead)."""
    built = {m["id"]: relation(m) for m in record["rels"]}
    ids, offsets, on = record["path_ids"], record["offsets"], _native(record["computed_on"])
    versions = record["rule_versions"] or [None] * len(record["suppliers"])
    out: list[Exposure] = []
    for i, supplier in enumerate(record["suppliers"]):
        steps = ids[offsets[i] : offsets[i + 1]]
        if not all(step in built for step in steps):
            return None
        out.append(
            Exposure(
                supplier=supplier,
                basis=record["kinds"][i],
                depth=int(record["depths"][i]),
                score=float(record["scores"][i]),
                path=tuple(built[step] for step in steps),
                rule_version=versions[i] or None,
                as_of=on,
            )
        )
    return out


def page_from(
    record: Mapping[str, Any], relation: Callable[[Mapping[str, Any]], Relation]
) -> tuple[list[Exposure], dict[str, Entity]] | None:
    """The page and supplier entities read by ``STORED_EXPOSURES`` (each entity as
    key-value pairs); ``None`` as for :func:`exposures_from`."""
    found = exposures_from(record, relation)
    if found is None:
        return None
    entities = (entity_from(dict(pairs)) for pairs in record["entities"])
    return found, {e.id: e for e in entities}


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
