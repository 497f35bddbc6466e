"""The GraphQL schema as a contract: the committed SDL, the published field names, and
types generated from the ontology with no code per class."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from api_fixtures import ApiClient, make_client
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    print_ast,
)

from api.limits import ApiLimits
from api.ontology_types import build_ontology_types
from api.sdl import REGENERATE_COMMAND, SDL_PATH, render_sdl
from ontology.errors import OntologyError
from ontology.model import Entity, Graph
from ontology.schema import (
    ONTOLOGY_DIR,
    ONTOLOGY_FILE,
    SHAPES_FILE,
    Schema,
    default_schema,
    load_schema,
)
from store.embedded_store import EmbeddedStore

CONSORTIUM_TTL = """
ts:Consortium a owl:Class ; rdfs:subClassOf ts:Organization .
"""

# The published contract: type -> fields (and, for fields with arguments, their names).
CONTRACT: dict[str, dict[str, set[str]]] = {
    "Entity": {
        "id": set(),
        "kind": set(),
        "name": set(),
        "names": set(),
        "aliases": set(),
        "wikidata": set(),
        "description": set(),
        "relations": {"direction", "types", "first", "after"},
    },
    "Relation": {
        f: set()
        for f in (
            [
                "id",
                "type",
                "source",
                "target",
                "properties",
                "confidence",
                "validFrom",
                "validTo",
                "provenance",
            ]
        )
    },
    "Provenance": {"source": set(), "evidence": set()},
    "Source": {f: set() for f in ("id", "title", "publisher", "url", "published")},
    "SearchHit": {"entity": set(), "score": set()},
    "RelationConnection": {"edges": set(), "pageInfo": set(), "totalCount": set()},
    "RelationEdge": {"cursor": set(), "node": set()},
    "PageInfo": {"hasNextPage": set(), "endCursor": set()},
    "Exposure": {f: set() for f in ("supplier", "kind", "depth", "score", "path")},
    "Dependency": {f: set() for f in ("entity", "kind", "depth", "path")},
    "PolicyImpact": {
        f: set() for f in ("policy", "technologies", "namedEntities", "firms", "jurisdictions")
    },
    "OntologyInfo": {"classes": set(), "relationTypes": set()},
    "Query": {
        "entity": {"id"},
        "search": {"query", "kinds", "first"},
        "suppliersExposedTo": {"policy", "maxDepth", "asOf", "first"},
        "dependencies": {"firm", "maxDepth", "asOf"},
        "policyImpact": {"policy", "asOf"},
        "path": {"from", "to", "maxLength"},
        "ontology": set(),
    },
}

# Contract defaults clients rely on without asking.
CONTRACT_DEFAULTS = {
    ("Query", "search", "first"): 10,
    ("Query", "suppliersExposedTo", "maxDepth"): 3,
    ("Query", "suppliersExposedTo", "first"): 100,
    ("Query", "dependencies", "maxDepth"): 3,
    ("Query", "path", "maxLength"): 4,
    ("Entity", "relations", "first"): 50,
}


@pytest.fixture(scope="module")
def served() -> GraphQLSchema:
    return build_schema(render_sdl())


def ontology_copy(tmp_path: Path, extra_turtle: str) -> Schema:
    """The shipped ontology copied to ``tmp_path`` with ``extra_turtle`` appended to the
    main file, as a user would edit it."""
    files = sorted(p for p in ONTOLOGY_DIR.glob("*.ttl") if p.name != SHAPES_FILE.name)
    copies = []
    for original in files:
        copy = tmp_path / original.name
        shutil.copy(original, copy)
        copies.append(copy)
    main = tmp_path / ONTOLOGY_FILE.name
    main.write_text(main.read_text(encoding="utf-8") + extra_turtle, encoding="utf-8")
    return load_schema(copies)


@pytest.fixture
def extended_schema(tmp_path: Path) -> Schema:
    return ontology_copy(tmp_path, CONSORTIUM_TTL)


def test_committed_sdl_matches_the_schema_the_code_builds() -> None:
    committed = SDL_PATH.read_text(encoding="utf-8")
    assert committed == render_sdl(), (
        f"{SDL_PATH} is out of date with the ontology or the API code; "
        f"regenerate it with `{REGENERATE_COMMAND}` and commit the diff"
    )


@pytest.mark.parametrize("type_name", sorted(CONTRACT))
def test_contract_fields_and_arguments_are_published(served: GraphQLSchema, type_name: str) -> None:
    gql_type = served.get_type(type_name)
    assert isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType), type_name
    for field, args in CONTRACT[type_name].items():
        assert field in gql_type.fields, f"{type_name}.{field} missing"
        assert args <= set(gql_type.fields[field].args), f"{type_name}.{field} arguments"


def test_contract_defaults_are_published(served: GraphQLSchema) -> None:
    for (type_name, field, arg), default in CONTRACT_DEFAULTS.items():
        gql_type = served.get_type(type_name)
        assert isinstance(gql_type, GraphQLObjectType | GraphQLInterfaceType)
        literal = gql_type.fields[field].args[arg].default.literal
        assert print_ast(literal) == str(default), (type_name, field, arg)


def test_direction_enum_has_out_in_both(served: GraphQLSchema) -> None:
    direction = served.get_type("Direction")
    assert isinstance(direction, GraphQLEnumType)
    assert set(direction.values) == {"OUT", "IN", "BOTH"}


def test_every_ontology_class_is_a_type_implementing_entity(served: GraphQLSchema) -> None:
    schema = default_schema()
    entity = served.get_type("Entity")
    for kind in schema.concrete_kinds:
        gql_type = served.get_type(kind)
        assert isinstance(gql_type, GraphQLObjectType), kind
        assert entity in gql_type.interfaces, kind


def test_class_attributes_become_typed_fields(served: GraphQLSchema) -> None:
    firm = served.get_type("Firm")
    product = served.get_type("Product")
    policy = served.get_type("ExportControl")
    assert isinstance(firm, GraphQLObjectType)
    assert isinstance(product, GraphQLObjectType)
    assert isinstance(policy, GraphQLObjectType)
    assert str(firm.fields["founded"].type) == "Date"
    assert str(firm.fields["stateOwnership"].type) == "String"
    assert str(product.fields["launched"].type) == "Date"
    assert str(policy.fields["reference"].type) == "String"
    assert "founded" not in policy.fields


def test_kind_and_relation_type_enums_list_the_ontology(served: GraphQLSchema) -> None:
    schema = default_schema()
    kinds = served.get_type("EntityKind")
    relation_types = served.get_type("RelationType")
    assert isinstance(kinds, GraphQLEnumType)
    assert isinstance(relation_types, GraphQLEnumType)
    assert list(kinds.values) == schema.concrete_kinds
    assert list(relation_types.values) == schema.relation_types


def test_a_class_added_to_the_ontology_appears_as_type_and_enum_value(
    extended_schema: Schema,
) -> None:
    served = build_schema(render_sdl(extended_schema))
    consortium = served.get_type("Consortium")
    assert isinstance(consortium, GraphQLObjectType)
    assert served.get_type("Entity") in consortium.interfaces
    # Inherited attributes of the parent class come along.
    assert {"founded", "stateOwnership"} <= set(consortium.fields)
    kinds = served.get_type("EntityKind")
    assert isinstance(kinds, GraphQLEnumType)
    assert "Consortium" in kinds.values


def test_an_entity_of_an_added_class_resolves_to_its_generated_type(
    extended_schema: Schema,
) -> None:
    store = EmbeddedStore(extended_schema)
    store.load(
        Graph.of(
            [
                Entity(
                    id="open-ran-alliance",
                    kind="Consortium",
                    name="O-RAN Alliance",
                    attributes={"founded": "2018-02-27"},
                )
            ]
        )
    )
    client: ApiClient = make_client(store, extended_schema)
    data = client.data(
        '{ entity(id: "open-ran-alliance") { __typename kind ... on Consortium { founded } } '
        "ontology { kinds classes } }"
    )
    assert data["entity"] == {
        "__typename": "Consortium",
        "kind": "Consortium",
        "founded": "2018-02-27",
    }
    assert "Consortium" in data["ontology"]["kinds"]
    assert "Consortium" in data["ontology"]["classes"]


@pytest.mark.parametrize("clash", ["Relation", "Query", "EntityKind"])
def test_a_class_named_like_an_api_type_is_refused_with_its_name(
    tmp_path: Path, clash: str
) -> None:
    with pytest.raises(OntologyError, match=clash):
        build_ontology_types(ontology_copy(tmp_path, CONSORTIUM_TTL.replace("Consortium", clash)))


def test_sdl_does_not_depend_on_the_limits() -> None:
    """The committed SDL is one file whatever a deployment's limits are."""
    from api.graphql_schema import schema_for

    schema = default_schema()
    assert str(schema_for(schema, ApiLimits(max_first=1000, max_depth=9))) == str(
        schema_for(schema)
    )


@pytest.mark.parametrize(
    "limits",
    [
        {"max_first": 99},
        {"max_depth": 3},
        {"max_query_depth": 0},
        {"max_aliases": 0},
        {"max_tokens": 0},
        {"ready_timeout_s": 0},
        {"cors_origins": "https://example.org"},
    ],
)
def test_limits_that_would_refuse_default_queries_fail_at_construction(
    limits: dict[str, object],
) -> None:
    with pytest.raises(ValueError, match="invalid API limits"):
        ApiLimits(**limits)  # type: ignore[arg-type]
