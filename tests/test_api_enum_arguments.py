"""Arguments and fields typed with the ontology's enums: `relations(typeIn:)`,
`path(typeIn:)` and `Relation.relationType`, next to the String forms they extend.

The enum forms are API-layer only (the store receives the same relation type names), so
the curated graph on the embedded store is enough.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_fixtures import ApiClient, curated_client, curated_embedded

from ontology.schema import default_schema


@pytest.fixture
def client() -> ApiClient:
    return curated_client(curated_embedded())


RELATIONS = """query ($types: [String!], $typeIn: [RelationType!]) {
  entity(id: "xiaomi") {
    relations(types: $types, typeIn: $typeIn, first: 200) {
      totalCount edges { node { id type relationType } } } } }"""


def _relations(client: ApiClient, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = client.data(RELATIONS, **variables)["entity"]["relations"]
    return found


def test_relations_filtered_by_enum_values_equal_those_filtered_by_names(
    client: ApiClient,
) -> None:
    by_enum = _relations(client, typeIn=["headquarteredIn", "produces"])
    by_name = _relations(client, types=["headquarteredIn", "produces"])
    assert by_enum == by_name
    assert by_enum["totalCount"] > 0
    assert {e["node"]["type"] for e in by_enum["edges"]} <= {"headquarteredIn", "produces"}


def test_relation_types_given_both_ways_are_combined(client: ApiClient) -> None:
    both = _relations(client, types=["headquarteredIn"], typeIn=["produces"])
    each = [_relations(client, typeIn=[t])["totalCount"] for t in ("headquarteredIn", "produces")]
    assert both["totalCount"] == sum(each) and all(each)
    assert {e["node"]["type"] for e in both["edges"]} == {"headquarteredIn", "produces"}


def test_an_enum_value_outside_the_ontology_is_refused_before_running(
    client: ApiClient,
) -> None:
    body = client.graphql(
        '{ entity(id: "xiaomi") { relations(typeIn: [marries]) { totalCount } } }'
    )
    assert body["data"] is None
    [error] = body["errors"]
    assert "RelationType" in error["message"] and "marries" in error["message"]


def test_a_relation_gives_its_type_as_an_enum_value_and_as_a_name(client: ApiClient) -> None:
    edges = _relations(client)["edges"]
    assert edges
    assert all(e["node"]["relationType"] == e["node"]["type"] for e in edges)


def test_path_follows_the_relation_types_given_as_enum_values(client: ApiClient) -> None:
    query = """query ($types: [String!], $typeIn: [RelationType!]) {
      path(from: "xiaomi", to: "china", types: $types, typeIn: $typeIn) {
        type relationType } }"""
    by_enum = client.data(query, typeIn=["headquarteredIn"])["path"]
    assert by_enum == client.data(query, types=["headquarteredIn"])["path"]
    assert by_enum == [{"type": "headquarteredIn", "relationType": "headquarteredIn"}]
    assert client.data(query, typeIn=["produces"])["path"] is None


INTROSPECT_ARGS = """query ($name: String!) { __type(name: $name) {
  fields { name type { name ofType { name } } args { name type { kind ofType { kind ofType {
    kind name } } } } } } }"""


def _field(client: ApiClient, type_name: str, field: str) -> dict[str, Any]:
    fields = client.data(INTROSPECT_ARGS, name=type_name)["__type"]["fields"]
    found: dict[str, Any] = next(f for f in fields if f["name"] == field)
    return found


def _argument_type(field: dict[str, Any], argument: str) -> tuple[str, str, str, str]:
    arg = next(a for a in field["args"] if a["name"] == argument)
    t = arg["type"]
    return (
        t["kind"],
        t["ofType"]["kind"],
        t["ofType"]["ofType"]["kind"],
        t["ofType"]["ofType"]["name"],
    )


@pytest.mark.parametrize(
    ("type_name", "field"),
    [("Entity", "relations"), ("Firm", "relations"), ("Policy", "relations"), ("Query", "path")],
)
def test_introspection_shows_the_relation_type_enum_on_type_in(
    client: ApiClient, type_name: str, field: str
) -> None:
    found = _field(client, type_name, field)
    assert _argument_type(found, "typeIn") == ("LIST", "NON_NULL", "ENUM", "RelationType")
    assert _argument_type(found, "types")[2:] == ("SCALAR", "String")


def test_introspection_offers_every_relation_type_of_the_ontology(client: ApiClient) -> None:
    enum = client.data('{ __type(name: "RelationType") { kind enumValues { name } } }')["__type"]
    assert enum["kind"] == "ENUM"
    assert [v["name"] for v in enum["enumValues"]] == default_schema().relation_types
    relation_type = _field(client, "Relation", "relationType")["type"]
    assert relation_type == {"name": None, "ofType": {"name": "RelationType"}}
