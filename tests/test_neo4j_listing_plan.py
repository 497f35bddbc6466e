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
