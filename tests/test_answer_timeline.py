"""The stored answers for every date equal the engine's answer on that date, on the curated
graph and on random ones; a bounded sweep says which dates it covers and claims nothing
outside; both stores hold the same intervals, written in the load's transaction."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import neo4j
import pytest

from ingest import default_paths
from ingest.validate import build_graph
from ontology.errors import LoadFailed
from ontology.model import Graph
from ontology.schema import default_schema
from store import neo4j_answers
from store.analysis import exposure
from store.answer_timeline import AnswerInterval
from store.answers import ANSWER_DEPTH, ANSWER_FIRST, ExposureAnswers, policies_of
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_answers import LISTS, AnswerRows, interval_rows
from store.neo4j_queries import ANSWER_HASH
from store.neo4j_store import Neo4jStore
from tests.random_graphs import Size, random_graph
from tests.random_rules import with_rules

SCHEMA = default_schema()
DAY = date(2026, 3, 1)


def policies(graph: Graph) -> list[str]:
    return policies_of(SCHEMA, {i: e.kind for i, e in graph.entities.items()})


def answers_of(graph: Graph, budget: int | None = None) -> tuple[GraphStore, ExposureAnswers]:
    reader = EmbeddedStore.traversal_reader(graph, SCHEMA)
    extra: dict[str, Any] = {} if budget is None else {"budget": budget}
    return reader, ExposureAnswers.compute(reader, SCHEMA, policies(graph), DAY, **extra)


def probe_days(intervals: tuple[AnswerInterval, ...], rng: random.Random) -> list[date]:
    """Each interval's first and last day, the days just outside, and random days."""
    edges = {d for i in intervals for d in (i.start, i.end) if d is not None}
    near = edges | {d - timedelta(days=1) for d in edges}
    far = {date(1995, 1, 1) + timedelta(days=rng.randrange(16_000)) for _ in range(12)}
    return sorted(near | far)


def assert_intervals_equal_live(graph: Graph, budget: int | None = None, seed: int = 0) -> int:
    """Every probed date: the stored answer is the engine's, or (outside the computed
    range only) none is claimed. Returns how many dates were compared."""
    reader, answers = answers_of(graph, budget)
    rng, compared = random.Random(seed), 0
    for policy in policies(graph):
        intervals = answers.timelines[policy]
        assert intervals and any(i.holds(date.today()) for i in intervals), policy
        for a, b in pairwise(intervals):
            assert a.end == b.start and a.exposures != b.exposures, policy
        for day in probe_days(intervals, rng):
            stored = answers.on(policy, day)
            inside = (intervals[0].start is None or intervals[0].start <= day) and (
                intervals[-1].end is None or day < intervals[-1].end
            )
            assert (stored is not None) == inside, (policy, day)
            if stored is None:
                continue
            live = exposure(
                reader, SCHEMA, policy, max_depth=ANSWER_DEPTH, as_of=day, first=ANSWER_FIRST
            )
            assert list(stored) == [replace(e, as_of=None) for e in live.exposures], (policy, day)
            compared += 1
    return compared


@pytest.fixture(scope="module")
def curated() -> Graph:
    return build_graph(default_paths(), SCHEMA)


def test_curated_intervals_cover_every_date_and_equal_the_engine(curated: Graph) -> None:
    _, answers = answers_of(curated)
    assert all(t[0].start is None and t[-1].end is None for t in answers.timelines.values())
    # Rule versions and listings changing over the years: answers that differ by date.
    assert sum(len(t) > 2 for t in answers.timelines.values()) >= 3
    assert assert_intervals_equal_live(curated) > 400


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_graph_intervals_equal_the_engine(seed: int) -> None:
    """Random rule versions (enacted, amended, suspended, rescinded) over random facts."""
    graph = with_rules(random_graph(SCHEMA, seed, Size(firms=30, policies=6)), SCHEMA, seed)
    _, answers = answers_of(graph)
    assert any(len(t) > 2 for t in answers.timelines.values())  # answers that change
    assert assert_intervals_equal_live(graph, seed=seed) > 50


def test_a_bounded_sweep_covers_today_and_claims_nothing_outside_its_range(
    curated: Graph,
) -> None:
    _, answers = answers_of(curated, budget=2)
    assert any(t[0].start is not None or t[-1].end is not None for t in answers.timelines.values())
    assert assert_intervals_equal_live(curated, budget=2) > 100


def test_todays_stored_answer_is_the_interval_holding_today(curated: Graph) -> None:
    _, answers = answers_of(curated)
    for policy, found in answers.by_policy.items():
        assert [replace(e, as_of=None) for e in found] == list(
            answers.on(policy, date.today()) or ()
        )
        assert all(e.as_of == date.today() for e in found)


# ------------------------------------------------------------------ on the real Neo4j


def stored_intervals(driver: neo4j.Driver) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(
        "MATCH (a:ExposureInterval) RETURN properties(a) AS a", database_="neo4j"
    )
    out = []
    for rec in records:
        row = dict(rec["a"])
        for key in ("valid_from", "valid_to"):
            row[key] = row[key].to_native() if row.get(key) is not None else None
        out.append(row)
    return sorted(out, key=_order)


def _order(row: dict[str, Any]) -> tuple[str, date]:
    return row["policy"], row.get("valid_from") or date.min


def _set(row: dict[str, Any]) -> dict[str, Any]:
    """The properties a node gets from ``row`` (Neo4j sets no property to null)."""
    return {k: v for k, v in row.items() if v is not None}


@pytest.mark.neo4j
@pytest.mark.parametrize("seed", [4, 5])
def test_neo4j_and_embedded_hold_the_same_intervals(neo4j_db: neo4j.Driver, seed: int) -> None:
    graph = with_rules(random_graph(SCHEMA, seed, Size(firms=30, policies=5)), SCHEMA, seed)
    neo = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA, today=lambda: DAY)
    embedded = EmbeddedStore(SCHEMA, today=lambda: DAY, eager=True)
    neo.load(random_graph(SCHEMA, seed + 100, Size(firms=10)))  # intervals of another graph
    neo.load(graph)
    embedded.load(graph)
    held = embedded.answers()
    assert held is not None
    rows = AnswerRows.of(held)
    expected = [_set(r) for r in rows.intervals]
    got = [_set(r) for r in stored_intervals(neo4j_db)]
    assert sorted(got, key=_order) == sorted(expected, key=_order)
    assert any(row.get("suppliers") for row in expected) and len(expected) > len(held.by_policy)
    # Each interval holding the answers' day names today's answer node; the rest are whole.
    today = {row["policy"]: row for row in rows.answers}
    full = interval_rows(held.timelines)
    for row, whole in zip(rows.intervals, full, strict=True):
        held_today = today[row["policy"]]
        if ANSWER_HASH in row:
            assert {k: held_today[k] for k in LISTS} == {k: whole[k] for k in LISTS}
        else:
            assert row == whole
    assert any(ANSWER_HASH in row for row in rows.intervals)


@pytest.mark.neo4j
def test_a_failed_load_leaves_the_stored_intervals_as_they_were(
    neo4j_db: neo4j.Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    neo = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA, today=lambda: DAY)
    neo.load(with_rules(random_graph(SCHEMA, 7, Size(firms=15, policies=4)), SCHEMA, 7))
    before = stored_intervals(neo4j_db)
    assert any(row.get("suppliers") for row in before)
    written = neo4j_answers.AnswerRows.write

    def write_then_fail(self: neo4j_answers.AnswerRows, tx: Any, batch: int) -> int:
        assert written(self, tx, batch) > 0
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(neo4j_answers.AnswerRows, "write", write_then_fail)
    with pytest.raises(LoadFailed):
        neo.load(random_graph(SCHEMA, 8, Size(firms=20, policies=4)))
    assert stored_intervals(neo4j_db) == before
