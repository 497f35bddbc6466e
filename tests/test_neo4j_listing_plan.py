"""The Neo4j list statement starts from the labels of the kinds asked for (the label
lookup index) rather than from every entity, and never writes a value into its text."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest

from ontology.schema import default_schema
from store.listing import EntityQuery
from store.neo4j_listing import list_entities, statement

SCHEMA = default_schema()


def test_the_kinds_asked_for_become_their_most_general_labels() -> None:
    text = statement(SCHEMA, tuple(SCHEMA.subclasses("Policy")), descending=False)
    assert text.startswith("MATCH (n:`Policy`) WHERE n:Entity")
    both = statement(SCHEMA, ("Firm", "ExportControl", "Sanction"), descending=True)
    assert both.startswith("MATCH (n:`ExportControl`|`Firm`|`Sanction`)")
    assert statement(SCHEMA, None, descending=False).startswith("MATCH (n:Entity)")


def test_no_known_kind_matches_no_node() -> None:
    assert "TechsovNoKind" in statement(SCHEMA, ("NoSuchKind",), descending=False)


@pytest.mark.neo4j
def test_a_kind_list_reads_only_nodes_of_that_kind(neo4j_driver: neo4j.Driver) -> None:
    from api_fixtures import curated_neo4j

    curated_neo4j(neo4j_driver)
    profiled: list[Any] = []

    def read(text: str, params: Any) -> list[neo4j.Record]:
        result = neo4j_driver.execute_query("PROFILE " + text, dict(params))
        profiled.append(result.summary.profile)
        return list(result.records)

    def rows_read(plan: Any) -> int:
        leaf = plan
        while leaf.get("children"):
            leaf = leaf["children"][0]
        return int(leaf["rows"])

    page = list_entities(read, SCHEMA, EntityQuery(kinds=tuple(SCHEMA.subclasses("Policy"))))
    everything = list_entities(read, SCHEMA, EntityQuery())
    assert 0 < page.total < everything.total
    assert rows_read(profiled[0]) == page.total  # the policies, not every entity
    assert rows_read(profiled[1]) == everything.total


def test_every_attribute_of_an_entity_class_gets_a_range_index() -> None:
    from store.neo4j_listing import attribute_indexes

    declared = {a for k in SCHEMA.entity_kinds for a in SCHEMA.attributes_of(k)}
    statements = attribute_indexes(SCHEMA)
    assert "stateOwnership" in declared and "founded" in declared
    assert len(statements) == len(declared)
    for attribute in declared:
        text = statements[f"techsov_attr_{attribute}"]
        assert text.endswith(f"FOR (n:`Entity`) ON (n.`{attribute}`)")


def test_an_attribute_filter_names_the_property_and_passes_the_value() -> None:
    text = statement(SCHEMA, ("Firm",), descending=False, attributes=["stateOwnership"])
    assert "n.`stateOwnership` = $attribute_0" in text
    assert "state-owned" not in text
    unknown = statement(SCHEMA, None, descending=False, attributes=["noSuchAttribute"])
    assert "noSuchAttribute" not in unknown
    assert "n[$attribute_key_0] = $attribute_0" in unknown
    nothing = statement(SCHEMA, ("NoSuchKind",), descending=False, attributes=["founded"])
    assert nothing.startswith("MATCH (n:`TechsovNoKind`)\nWHERE n.`founded` = $attribute_0")


def _operators(plan: Any) -> list[tuple[str, str]]:
    """``(operator, details)`` of every step of a plan, depth first."""
    args = plan.get("args") or {}
    out = [(str(plan["operatorType"]), str(args.get("Details", "")))]
    for child in plan.get("children") or ():
        out += _operators(child)
    return out


@pytest.mark.neo4j
def test_an_attribute_filter_seeks_its_index_instead_of_scanning_the_kind(
    neo4j_driver: neo4j.Driver,
) -> None:
    from api_fixtures import curated_embedded, curated_neo4j

    store = curated_neo4j(neo4j_driver)
    store.ensure_schema()  # the database may hold the graph from before the index existed
    plans: list[Any] = []

    def read(text: str, params: Any) -> list[neo4j.Record]:
        result = neo4j_driver.execute_query("PROFILE " + text, dict(params))
        plans.append(result.summary.profile)
        return list(result.records)

    wanted = EntityQuery(kinds=("Firm",), attributes=(("stateOwnership", "state-owned"),))
    page = list_entities(read, SCHEMA, wanted)
    assert page.total > 0
    assert page == curated_embedded().list_entities(wanted)
    steps = _operators(plans[0])
    seeks = [d for op, d in steps if op.startswith("NodeIndexSeek")]
    assert any("INDEX n:Entity(stateOwnership)" in d for d in seeks), steps
    assert not any(op.startswith("NodeByLabelScan") for op, _ in steps), steps
