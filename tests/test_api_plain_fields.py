"""Plain leaf fields read without per-field resolving answer exactly what graphql-core's
generic execution answers, errors included; a document is validated once per text; a
served app keeps what start-up built out of the garbage collector's walks."""

from __future__ import annotations

import asyncio
import enum
import gc
import json
from datetime import date
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api import validated_documents
from api.context import ApiContext
from api.graphql_schema import build_graphql_schema
from api.limits import ApiLimits
from api.ontology_types import build_ontology_types
from api.plain_fields import PlainFieldsExecutionContext, execution_context_class
from api.validated_documents import MAX_KEPT_CHARS, DocumentVerdicts
from ontology.schema import default_schema
from tests.api_fixtures import curated_embedded, curated_graph


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    count: int
    ratio: float | None
    colour: Colour
    day: date | None
    must: str
    tags: list[str]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Branch:
    id: strawberry.ID
    leaves: list[Leaf]
    first: Leaf | None
    gaps: list[Leaf | None] | None = None


def _leaf(i: int, **overrides: Any) -> Leaf:
    values: dict[str, Any] = dict(
        name=f"leaf {i}",
        count=i,
        ratio=i / 3 if i % 2 else None,
        colour=Colour.RED if i % 2 else Colour.BLUE,
        day=date(2025, 1, 1 + i) if i % 3 else None,
        must="x",
        tags=[f"t{i}"],
    )
    values.update(overrides)
    return Leaf(**values)


@strawberry.type
class Query:
    @strawberry.field
    def branches(self) -> list[Branch]:
        leaves = [_leaf(i) for i in range(6)]
        return [Branch(id=strawberry.ID(f"b{j}"), leaves=leaves, first=leaves[j]) for j in range(3)]

    @strawberry.field
    def broken_null(self) -> list[Leaf]:
        return [_leaf(1), _leaf(2, must=None)]

    @strawberry.field
    def broken_int(self) -> list[Leaf]:
        return [_leaf(1), _leaf(2, count="many")]

    @strawberry.field
    def broken_branch(self) -> Branch:
        leaves = [_leaf(1), _leaf(2, must=None)]
        return Branch(id=strawberry.ID("bb"), leaves=leaves, first=_leaf(3, count="many"))

    @strawberry.field
    def gaps(self) -> list[Branch]:
        return [
            Branch(id=strawberry.ID("g"), leaves=[], first=None, gaps=[_leaf(1), None, _leaf(2)]),
            Branch(id=strawberry.ID("h"), leaves=[_leaf(5)], first=None, gaps=None),
        ]

    @strawberry.field
    async def later(self) -> Branch:
        return Branch(id=strawberry.ID("late"), leaves=[_leaf(4)], first=None)


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    generic = strawberry.Schema(
        Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    plain = strawberry.Schema(Query, execution_context_class=PlainFieldsExecutionContext)
    return generic, plain


def _answer(schema: strawberry.Schema, query: str) -> str:
    result = asyncio.run(schema.execute(query))
    errors = [
        {"message": e.message, "path": e.path, "locations": e.locations}
        for e in result.errors or ()
    ]
    return json.dumps({"data": result.data, "errors": errors}, default=str)


DOCUMENTS = {
    "leaves, nested": "{ branches { id leaves { name count ratio colour day must tags } } }",
    "aliases and order": "{ branches { b: id first { c: count name n2: name shout } } }",
    "fragments, typename, skip": """
        query { branches { ...B } }
        fragment B on Branch { __typename leaves { ... on Leaf { count @skip(if: true) name }
                               day @include(if: true) colour } }""",
    "null where not allowed": "{ brokenNull { name must count } }",
    "scalar refusing the value": "{ brokenInt { name count } }",
    "null deep in a list of objects": "{ brokenBranch { id leaves { name must } } }",
    "refused value in a nullable object": "{ brokenBranch { id first { name count } } }",
    "lists with null items, empty and null lists": "{ gaps { id leaves { name } gaps { day } } }",
    "awaited parent": "{ later { id leaves { name shout count } first { name } } }",
}


WITH_ERRORS = {
    "null where not allowed",
    "scalar refusing the value",
    "null deep in a list of objects",
    "refused value in a nullable object",
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_plain_leaf_fields_answer_as_generic_execution_does(name: str) -> None:
    generic, plain = _schemas()
    expected = _answer(generic, DOCUMENTS[name])
    assert _answer(plain, DOCUMENTS[name]) == expected
    assert ('"errors": []' not in expected) == (name in WITH_ERRORS)


def test_the_installed_graphql_core_gets_the_plain_execution() -> None:
    """A graphql-core whose executor changed would get the generic execution silently;
    this says so instead."""
    assert execution_context_class() is PlainFieldsExecutionContext
    served = build_graphql_schema(build_ontology_types(default_schema()))
    assert served.execution_context_class is PlainFieldsExecutionContext


def test_a_plain_null_for_a_non_null_field_is_an_error_at_its_path() -> None:
    _, plain = _schemas()
    result = asyncio.run(plain.execute("{ brokenNull { name must } }"))
    assert result.data is None
    assert result.errors is not None and len(result.errors) == 1
    assert result.errors[0].path == ["brokenNull", 1, "must"]
    assert "non-nullable field Leaf.must" in result.errors[0].message


EXPOSURE = """query ($id: ID!) {
  suppliersExposedTo(policy: $id, maxDepth: 3) {
    kind depth score asOf ruleVersion supplier { id kind name aliases } path { id type confidence
      validFrom relationType properties source { id name } provenance { evidence source { id } } }
  }
  policyImpact(policy: $id) { inForce asOf firms { id name } }
}"""


def test_the_served_schema_answers_as_with_generic_execution() -> None:
    schema = default_schema()
    types = build_ontology_types(schema)
    limits = ApiLimits()
    plain = build_graphql_schema(types, limits)
    generic = build_graphql_schema(types, limits)
    generic.execution_context_class = StrawberryGraphQLCoreExecutionContext
    store = curated_embedded()
    policies = sorted(
        {r.source for r in curated_graph().relations.values() if r.type == "targets"}
    )[:4]
    seen_rows = 0
    for policy in policies:
        answers = []
        for served in (generic, plain):
            context = ApiContext(store=store, schema=schema, limits=limits, types=types)
            result = asyncio.run(
                served.execute(EXPOSURE, variable_values={"id": policy}, context_value=context)
            )
            assert not result.errors, result.errors
            answers.append(json.dumps(result.data))
        assert answers[0] == answers[1]
        seen_rows += len(json.loads(answers[1])["suppliersExposedTo"])
    assert seen_rows > 0


def test_a_document_is_validated_once_per_text(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = validated_documents.validate_document

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(validated_documents, "validate_document", counting)
    schema = build_graphql_schema(build_ontology_types(default_schema()))
    valid = "{ ontology { classes } }"
    invalid = "{ ontology { classes noSuchField } }"
    outcomes = [asyncio.run(schema.execute(q)) for q in (valid, invalid, valid, invalid)]
    assert len(calls) == 2
    assert not outcomes[0].errors and outcomes[0].data == outcomes[2].data
    for result in (outcomes[1], outcomes[3]):
        assert result.errors is not None and len(result.errors) == 1
        assert "noSuchField" in result.errors[0].message
        assert result.errors[0].extensions == {"code": "BAD_REQUEST"}


def test_a_document_refused_before_validation_is_refused_every_time() -> None:
    schema = build_graphql_schema(build_ontology_types(default_schema()), ApiLimits())
    fragments = " ".join(
        f"fragment F{i} on OntologyInfo {{ ...F{i + 1} ...F{i + 1} }}" for i in range(12)
    )
    query = f"{{ ontology {{ ...F0 }} }} {fragments} fragment F12 on OntologyInfo {{ classes }}"
    for _ in range(2):
        result = asyncio.run(schema.execute(query))
        assert result.errors is not None
        assert result.errors[0].extensions is not None
        assert result.errors[0].extensions["code"] == "LIMIT_EXCEEDED"
        assert "expands to" in result.errors[0].message


def test_verdicts_keep_the_latest_documents_and_no_huge_ones() -> None:
    verdicts = DocumentVerdicts(2)
    for text in ("{ a }", "{ b }", "{ a }", "{ c }"):
        verdicts.put(text, ())
    assert verdicts.get("{ b }") is None  # least recently used, dropped
    assert verdicts.get("{ a }") == () and verdicts.get("{ c }") == ()
    huge = "{ a }" + " " * MAX_KEPT_CHARS
    verdicts.put(huge, ())
    assert verdicts.get(huge) is None and len(verdicts) == 2


def test_a_served_app_moves_what_start_up_built_out_of_the_collectors_sight() -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    gc.unfreeze()
    app = create_app(curated_embedded(), default_schema(), ApiLimits())
    assert gc.get_freeze_count() == 0  # building the app alone changes nothing
    try:
        with TestClient(app) as client:  # runs the app's start-up, as a server does
            assert gc.get_freeze_count() > 0
            assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
    finally:
        gc.unfreeze()
