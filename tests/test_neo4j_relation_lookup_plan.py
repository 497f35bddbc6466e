"""Statements that find relations by their two ends seek both ends through the entity id
index, then expand between them. Left to choose, the planner sometimes expanded every
relation of one end and joined on the other: hydrating the 2,820 relations a listing
names read each of its 2,820 ``names`` relations per row, 12 s instead of 0.5 s on the
real data, past the query timeout. The expand sits in a subquery that imports both ends,
so it can only be an expand into."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest

from store import neo4j_exposure, neo4j_history_queries, neo4j_queries

STATEMENTS = {
    "hydrate": neo4j_exposure.HYDRATE,
    "relations by key": neo4j_history_queries.RELATIONS_BY_KEY,
    "delete relations": neo4j_queries.DELETE_RELATIONS,
    "update relations": neo4j_queries.UPDATE_RELATIONS,
    "stored exposures": neo4j_queries.STORED_EXPOSURES,
}
SCANS = ("AllNodesScan", "NodeByLabelScan", "NodeIndexScan", "NodeHashJoin", "ValueHashJoin")


def _operators(plan: Any) -> list[tuple[str, str]]:
    """``(operator, details)`` of every step of a plan, depth first."""
    args = plan.get("args") or {}
    out = [(str(plan["operatorType"]).split("@")[0], str(args.get("Details", "")))]
    for child in plan.get("children") or ():
        out += _operators(child)
    return out


@pytest.mark.neo4j
@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_both_ends_of_a_relation_are_sought_by_id_and_expanded_into(
    name: str, neo4j_driver: neo4j.Driver
) -> None:
    from api_fixtures import curated_neo4j

    curated_neo4j(neo4j_driver).ensure_schema()
    steps = _operators(neo4j_driver.execute_query("EXPLAIN " + STATEMENTS[name]).summary.plan)
    seeks = [d for op, d in steps if op.startswith("NodeUniqueIndexSeek")]
    assert sum(" s:Entity(id)" in d or " a:Entity(id)" in d for d in seeks) == 1, steps
    assert sum(" t:Entity(id)" in d or " b:Entity(id)" in d for d in seeks) == 1, steps
    assert [op for op, _ in steps if op.startswith("Expand")] == ["Expand(Into)"], steps
    assert not [op for op, _ in steps if op.startswith(SCANS)], steps


@pytest.mark.neo4j
def test_a_stored_answer_is_found_by_its_policy_index(neo4j_driver: neo4j.Driver) -> None:
    from api_fixtures import curated_neo4j

    curated_neo4j(neo4j_driver).ensure_schema()
    plan = neo4j_driver.execute_query("EXPLAIN " + neo4j_queries.STORED_EXPOSURES).summary.plan
    seeks = [d for op, d in _operators(plan) if op.startswith("NodeIndexSeek")]
    assert any("ExposureAnswers(policy)" in d for d in seeks), _operators(plan)
