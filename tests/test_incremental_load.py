"""An incremental load stores what a full recompute would: answers computed by worker
processes are the rows one process computes, in the same order; one evaluation per date
answers and reads as the depth-by-depth evaluations it replaced; a load that edits a few
facts rewrites only the answer nodes whose answer changed, and leaves facts, history and
answers exactly as loading the edited graph from scratch and recomputing everything gives."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import neo4j
import pytest

from ontology.errors import LoadFailed
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store import answer_jobs
from store.analysis import Exposure, suppliers_exposed_to
from store.answer_jobs import AnswerJob, answer_rows
from store.answer_timeline import MAX_EVALUATIONS, sweep
from store.answers import ANSWER_DEPTH, ANSWER_FIRST, policies_of, top_exposures
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_answers import AnswerRows
from store.neo4j_store import Neo4jStore
from tests.neo4j_state import DATABASE
from tests.random_graphs import Size, random_graph
from tests.random_rules import with_rules

SCHEMA = default_schema()
DAY = date(2026, 3, 1)


def rules_graph(seed: int, firms: int = 30) -> Graph:
    return with_rules(random_graph(SCHEMA, seed, Size(firms=firms, policies=5)), SCHEMA, seed)


def policies(graph: Graph) -> list[str]:
    return policies_of(SCHEMA, {i: e.kind for i, e in graph.entities.items()})


def edited(graph: Graph, share: int = 7) -> Graph:
    """``graph`` with every ``share``-th relation's confidence lowered, one relation
    dropped and one entity renamed: an analyst's corrections."""
    relations = dict(graph.relations)
    for rid in sorted(relations)[::share]:
        rel = relations[rid]
        relations[rid] = rel.model_copy(update={"confidence": round(rel.confidence / 2, 4)})
    relations.pop(sorted(relations)[1])
    entities = dict(graph.entities)
    first = sorted(entities)[0]
    entities[first] = entities[first].model_copy(update={"name": "Renamed Ltd"})
    return Graph(entities=entities, relations=relations, sources=dict(graph.sources))


@pytest.mark.parametrize(
    ("seed", "chunk"), [(3, answer_jobs.CHUNK), (4, answer_jobs.CHUNK), (4, 1)]
)
def test_answers_from_worker_processes_are_the_rows_one_process_computes(
    seed: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer_jobs, "CHUNK", chunk)  # 1: the workers' policies interleave
    graph = rules_graph(seed)
    here = answer_rows(graph, SCHEMA, policies(graph), DAY)
    with AnswerJob(graph, SCHEMA, policies(graph), DAY, workers=3) as job:
        job.start()
        forked = job.value
    assert forked == here
    assert any(row.get("suppliers") for row in here.intervals)
    assert len({row["hash"] for row in here.answers}) == len(here.answers)


def test_a_failing_worker_fails_the_job_and_leaves_no_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = rules_graph(5)

    def broken(*_: Any, **__: Any) -> Any:
        raise ValueError("no answers today")

    monkeypatch.setattr(answer_jobs, "rows_of", broken)
    job = AnswerJob(graph, SCHEMA, policies(graph), DAY, workers=2)
    with pytest.raises(RuntimeError, match="no answers today"):
        job.value  # noqa: B018 - the property runs the job
    assert job._running == []


def deepening(
    reader: GraphStore, schema: Schema, policy: str, *, first: int, as_of: date | None
) -> tuple[Exposure, ...]:
    """The stored answer as first defined: evaluations at depth 0, 1, 2, ... in turn, up
    to the first that fills the page or adds no one."""
    found: list[Exposure] = []
    previous = -1
    for depth in range(0, ANSWER_DEPTH + 1):
        found = suppliers_exposed_to(
            reader, schema, policy, max_depth=depth, first=first, as_of=as_of
        )
        if len(found) >= first or (depth > 0 and len(found) == previous):
            break
        previous = len(found)
    return tuple(found)


def _once(store: GraphStore, day: date, *, policy: str, first: int) -> Any:
    return top_exposures(store, SCHEMA, policy, first=first, as_of=day)


def _deeper(store: GraphStore, day: date, *, policy: str, first: int) -> Any:
    return deepening(store, SCHEMA, policy, first=first, as_of=day)


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_one_evaluation_answers_and_reads_as_deepening_one_tier_at_a_time(seed: int) -> None:
    graph = rules_graph(seed, firms=40)
    reader = EmbeddedStore.traversal_reader(graph, SCHEMA)
    compared = 0
    for policy in policies(graph):
        for first in (1, 3, ANSWER_FIRST):
            once = partial(_once, policy=policy, first=first)
            deeper = partial(_deeper, policy=policy, first=first)
            got = sweep(reader, SCHEMA, policy, once, around=DAY, budget=MAX_EVALUATIONS)
            assert got == sweep(reader, SCHEMA, policy, deeper, around=DAY, budget=MAX_EVALUATIONS)
            compared += sum(len(i.exposures) for i in got)
    assert compared > 0


# ------------------------------------------------------------------ on the real Neo4j


def answer_nodes(driver: neo4j.Driver) -> dict[str, dict[str, Any]]:
    """Every stored answer node by element id, its dates as Python dates."""
    records, _, _ = driver.execute_query(
        "MATCH (a) WHERE a:ExposureAnswers OR a:ExposureInterval "
        "RETURN elementId(a) AS element, labels(a) AS labels, properties(a) AS props",
        database_=DATABASE,
    )
    out = {}
    for r in records:
        props = {k: getattr(v, "to_native", lambda v=v: v)() for k, v in r["props"].items()}
        out[r["element"]] = {"label": r["labels"][0], **props}
    return out


def expected_nodes(graph: Graph) -> list[dict[str, Any]]:
    """The nodes a full recompute of ``graph``'s answers writes."""
    rows = answer_rows(graph, SCHEMA, policies(graph), DAY)
    out = [{"label": "ExposureAnswers", **r} for r in rows.answers]
    out += [{"label": "ExposureInterval", **r} for r in rows.intervals]
    return [{k: v for k, v in row.items() if v is not None} for row in out]


def facts(driver: neo4j.Driver) -> list[Any]:
    """The stored graph's facts, without element ids or the version they came in with."""
    records, _, _ = driver.execute_query(
        "MATCH (n) WHERE n:Entity OR n:Source RETURN labels(n) AS l, properties(n) AS p "
        "UNION ALL MATCH (:Entity)-[r]->(:Entity) RETURN [type(r)] AS l, properties(r) AS p",
        database_=DATABASE,
    )
    rows = [(sorted(r["l"]), sorted((k, v) for k, v in r["p"].items() if k != "_added_in"))
            for r in records]  # fmt: skip
    return sorted(rows, key=repr)


def _key(row: dict[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in row.items()))


@pytest.mark.neo4j
def test_an_edit_stores_facts_history_and_answers_as_a_full_recompute_does(
    neo4j_db: neo4j.Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer_jobs, "FORK_MIN_RELATIONS", 0)  # worker processes here too
    before = rules_graph(11)
    after = edited(before)
    neo = Neo4jStore(neo4j_db, database=DATABASE, schema=SCHEMA, today=lambda: DAY)
    embedded = EmbeddedStore(SCHEMA, today=lambda: DAY)
    neo.load(before)
    embedded.load(before)
    first = answer_nodes(neo4j_db)
    summary = neo.load(after)
    embedded.load(after)
    assert summary.relations.updated > 0 and summary.relations.removed == 1
    nodes = answer_nodes(neo4j_db)
    assert sorted(map(_key, nodes.values())) == sorted(map(_key, expected_nodes(after)))
    kept = set(first) & set(nodes)
    assert kept and kept != set(nodes), "unchanged answers are kept, changed ones rewritten"

    assert neo.changes(1) == embedded.changes(1) and neo.changes(1)
    assert [(v.number, v.relations) for v in neo.versions()] == [
        (v.number, v.relations) for v in embedded.versions()
    ]
    incremental = facts(neo4j_db)
    neo4j_db.execute_query("MATCH (n) DETACH DELETE n", database_=DATABASE)
    neo.load(after)
    assert facts(neo4j_db) == incremental
    assert sorted(map(_key, answer_nodes(neo4j_db).values())) == sorted(map(_key, nodes.values()))


@pytest.mark.neo4j
def test_a_load_failing_after_the_answers_leaves_facts_and_answers_as_they_were(
    neo4j_db: neo4j.Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer_jobs, "FORK_MIN_RELATIONS", 0)
    before = rules_graph(12)
    neo = Neo4jStore(neo4j_db, database=DATABASE, schema=SCHEMA, today=lambda: DAY)
    neo.load(before)
    held, answers = facts(neo4j_db), answer_nodes(neo4j_db)
    written = AnswerRows.write

    def write_then_fail(self: AnswerRows, tx: Any, batch: int) -> int:
        assert written(self, tx, batch) > 0
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(AnswerRows, "write", write_then_fail)
    with pytest.raises(LoadFailed):
        neo.load(edited(before))
    assert facts(neo4j_db) == held
    assert answer_nodes(neo4j_db) == answers
