"""The standards questions give the same answers on both stores, with explaining paths.

A small hand-written graph pins the rules (scope through parts, bodies and their partners,
shares summed within a study only, must-implement where a firm sells, foreign essential
patents per study, mandatory standards by technology); the curated graph pins the answers
analysts ask for (who shapes 5G, what an EV sold in China must implement, Xiaomi's
standards) through GraphQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import neo4j
import pytest
from api_fixtures import STORES, ApiClient, curated_client, curated_store
from graph_builders import GraphBuilder

from ingest.validate import build_graph
from ontology.errors import BadRequest, NotFound, ValidationFailed
from ontology.model import Graph
from ontology.schema import default_schema
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.firm_standards import standards_of
from store.neo4j_store import Neo4jStore
from store.standards import standard_influence
from store.standards_exposure import mandatory_standards, standard_exposure

SCHEMA = default_schema()


def small_graph() -> Graph:
    b = GraphBuilder()
    _add_bodies(b)
    _add_firms_and_declarations(b)
    _add_vehicles_and_mandates(b)
    return b.build()


def _add_bodies(b: GraphBuilder) -> None:
    """Two countries, a standard in two releases, its bodies and a committee."""
    for j in ("north", "south"):
        b.entity(j, "Country")
    b.entity("net", "Standard")
    for r in ("net-r1", "net-r2"):
        b.entity(r, "StandardRelease")
        b.relation("partOf", r, "net")
    b.entity("sdo", "StandardsBody")
    b.entity("partner", "StandardsBody")
    b.entity("nsb", "StandardsBody")
    b.entity("tc", "TechnicalCommittee")
    b.relation("develops", "sdo", "net-r1")
    b.relation(
        "memberOf", "partner", "sdo", properties={"membershipRole": "organizational partner"}
    )
    b.relation("memberOf", "alpha", "sdo", properties={"membershipRole": "chair"})
    b.relation("committeeOf", "tc", "nsb")
    b.relation("develops", "tc", "vehicle-std")


def _add_firms_and_declarations(b: GraphBuilder) -> None:
    """Four firms, their essential-patent declarations in two studies, and a phone."""
    for firm, seat in (("alpha", "north"), ("beta", "south"), ("gamma", "north"), ("delta", None)):
        b.entity(firm, "Firm")
        if seat:
            b.relation("headquarteredIn", firm, seat)
    study_a = {"counts": "families declared to one body", "year": 2021}
    study_b = {"counts": "valid families", "year": 2023}
    for firm, target, share, study, tag in (
        ("alpha", "net-r1", 0.3, study_a, "a"),
        ("gamma", "net", 0.2, study_a, "a"),
        ("beta", "net", 0.25, study_a, "a"),
        ("delta", "net", 0.1, study_a, "a"),
        ("beta", "net", 0.4, study_b, "b"),
        ("alpha", "net", 0.1, study_b, "b"),
    ):
        b.relation(
            "declaresEssentialPatents", firm, target,
            id=f"{firm}--declares--{target}--{tag}", properties={"share": share, **study},
        )  # fmt: skip
    b.relation("implements", "beta", "net")
    b.entity("phone", "Product")
    b.relation("produces", "alpha", "phone")
    b.relation("implements", "phone", "net-r2")


def _add_vehicles_and_mandates(b: GraphBuilder) -> None:
    # Vehicles: a standard mandatory in the north for vehicles; EVs are a kind of vehicle.
    b.entity("vehicles", "Technology")
    b.entity("evs", "Technology")
    b.relation("broader", "evs", "vehicles")
    b.entity("vehicle-std", "Standard")
    b.relation("governs", "vehicle-std", "vehicles")
    b.relation(
        "mandatoryIn", "vehicle-std", "north",
        valid_from=date(2021, 1, 1), properties={"scope": "all road vehicles"},
    )  # fmt: skip
    for car, maker in (("car", "gamma"), ("car2", "beta"), ("car3", "delta")):
        b.entity(car, "Vehicle")
        b.relation("produces", maker, car)
        b.relation("uses", car, "evs")
    b.relation("entersMarket", "beta", "north")
    # A policy of the south mandates a radio standard that car2 implements.
    b.entity("v2x", "Standard")
    b.entity("band-rule", "Policy")
    b.relation("mandates", "band-rule", "v2x", properties={"scope": "the band"})
    b.relation("appliesTo", "band-rule", "south")
    b.relation("implements", "car2", "v2x")


def _load(request: pytest.FixtureRequest, graph: Graph) -> GraphStore:
    if request.param == "embedded":
        embedded = EmbeddedStore(SCHEMA)
        embedded.load(graph)
        return embedded
    driver: neo4j.Driver = request.getfixturevalue("neo4j_db")
    neo = Neo4jStore(driver, database="neo4j", schema=SCHEMA)
    neo.load(graph)
    return neo


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return _load(request, small_graph())


@pytest.fixture(params=STORES)
def bloc_store(request: pytest.FixtureRequest) -> GraphStore:
    """The small graph with the north and the south in one bloc."""
    graph = small_graph()
    b = GraphBuilder()
    b.entity("pact", "Bloc")
    b.relation("memberOf", "north", "pact")
    b.relation("memberOf", "south", "pact")
    extra = b.build()
    return _load(
        request,
        Graph(
            entities={**graph.entities, **extra.entities},
            relations={**graph.relations, **extra.relations},
            sources={**graph.sources, **extra.sources},
        ),
    )


def chain(path: Any) -> list[str]:
    return [r.id for r in path]


def test_influence_covers_the_parts_and_names_bodies_partners_and_seats(store: GraphStore) -> None:
    found = standard_influence(store, SCHEMA, "net")
    assert found.parts == ["net-r1", "net-r2"]
    bodies = {b.entity: b for b in found.bodies}
    assert set(bodies) == {"sdo", "partner"}
    assert chain(bodies["sdo"].path) == ["sdo--develops--net-r1", "net-r1--part-of--net"]
    assert bodies["partner"].role == "member (organizational partner)"
    assert chain(bodies["partner"].path)[0] == "partner--member-of--sdo"
    seats = {c.entity: c.role for c in found.contributors}
    assert seats == {"alpha": "member (chair)"}


def test_shares_are_summed_by_jurisdiction_within_each_study_only(store: GraphStore) -> None:
    found = standard_influence(store, SCHEMA, "net")
    rows = [(s.year, s.jurisdiction, s.share, s.holders) for s in found.shares_by_jurisdiction]
    assert rows == [
        (2023, "south", 0.4, ("beta",)),
        (2023, "north", 0.1, ("alpha",)),
        (2021, "north", 0.5, ("alpha", "gamma")),
        (2021, "south", 0.25, ("beta",)),
        (2021, None, 0.1, ("delta",)),
    ]
    alpha_2021 = next(h for h in found.sep_holders if h.holder == "alpha" and h.year == 2021)
    # The declaration on a release, then the release's part-of, then the headquarters.
    assert chain(alpha_2021.path) == [
        "alpha--headquartered-in--north",
        "alpha--declares--net-r1--a",
        "net-r1--part-of--net",
    ]


def test_a_firm_must_implement_a_mandated_standard_where_it_sells(store: GraphStore) -> None:
    found = standard_exposure(store, SCHEMA, standard="vehicle-std")
    got = {(e.basis, e.entity, e.jurisdiction) for e in found}
    # gamma is based in the north, beta enters it; delta sells nowhere the graph knows.
    assert got == {
        ("must-implement", "gamma", "north"),
        ("must-implement", "car", "north"),
        ("must-implement", "beta", "north"),
        ("must-implement", "car2", "north"),
    }
    beta = next(e for e in found if e.entity == "beta")
    assert chain(beta.path) == [
        "beta--enters-market--north",
        "beta--produces--car2",
        "car2--uses--evs",
        "evs--broader--vehicles",
        "vehicle-std--governs--vehicles",
        "vehicle-std--mandatory-in--north",
    ]
    assert standard_exposure(store, SCHEMA, standard="vehicle-std", as_of=date(2020, 6, 1)) == []


def test_a_policy_exposes_who_implements_what_it_mandates(store: GraphStore) -> None:
    found = standard_exposure(store, SCHEMA, policy="band-rule")
    assert [(e.entity, e.standard, e.jurisdiction) for e in found] == [
        ("beta", "v2x", "south"),
        ("car2", "v2x", "south"),
    ]
    assert chain(found[0].path)[-2:] == ["band-rule--mandates--v2x", "band-rule--applies-to--south"]


def test_implementers_depend_on_patents_led_from_another_jurisdiction_per_study(
    store: GraphStore,
) -> None:
    found = [
        e for e in standard_exposure(store, SCHEMA, standard="net") if e.basis != "must-implement"
    ]
    got = {(e.entity, e.jurisdiction, e.study, e.share) for e in found}
    # Study 2021 is led by the north (0.5), study 2023 by the south (0.4).
    assert got == {
        ("beta", "north", "families declared to one body, 2021", 0.5),
        ("alpha", "south", "valid families, 2023", 0.4),
    }
    alpha = next(e for e in found if e.entity == "alpha")
    assert (
        chain(alpha.path)
        == [
            "alpha--headquartered-in--north",
            "alpha--produces--phone",
            "phone--implements--net-r2",
            "net-r2--part-of--net",
            "beta--headquartered-in--south",
            "beta--declares--net--b",
        ][:4]
        + chain(alpha.path)[4:]
    )
    assert {r.type for r in alpha.path[4:]} == {"declaresEssentialPatents", "headquarteredIn"}


def test_patents_held_within_ones_own_bloc_are_not_foreign(bloc_store: GraphStore) -> None:
    found = standard_exposure(bloc_store, SCHEMA, standard="net")
    assert [e for e in found if e.basis == "foreign-essential-patents"] == []


def test_a_firms_standards_list_every_role_with_its_path(store: GraphStore) -> None:
    found = standards_of(store, SCHEMA, "beta")
    got = [(f.standard, f.role, f.jurisdiction) for f in found]
    assert got == [
        ("net", "declares-essential-patents", None),
        ("net", "declares-essential-patents", None),
        ("net", "implements", None),
        ("v2x", "product-implements", None),
        ("vehicle-std", "must-implement", "north"),
    ]
    alpha = standards_of(store, SCHEMA, "alpha")
    assert ("net-r1", "member-of-body") in {(f.standard, f.role) for f in alpha}


def test_mandatory_standards_follow_the_technology_and_its_wider_ones(store: GraphStore) -> None:
    north = mandatory_standards(store, SCHEMA, "north", technology="evs")
    assert [(m.standard, m.technology, m.scope) for m in north] == [
        ("vehicle-std", "vehicles", "all road vehicles")
    ]
    assert chain(north[0].path) == [
        "vehicle-std--mandatory-in--north",
        "vehicle-std--governs--vehicles",
        "evs--broader--vehicles",
    ]
    south = mandatory_standards(store, SCHEMA, "south")
    assert [(m.standard, m.scope) for m in south] == [("v2x", "the band")]


def test_wrong_ids_and_arguments_are_clear_errors(store: GraphStore) -> None:
    with pytest.raises(NotFound, match="'alpha' is a Firm, not a Standard"):
        standard_influence(store, SCHEMA, "alpha")
    with pytest.raises(NotFound, match="no entity with id 'nothing'"):
        standards_of(store, SCHEMA, "nothing")
    with pytest.raises(BadRequest, match="exactly one of policy and standard"):
        standard_exposure(store, SCHEMA)


# ---------------------------------------------------------------- curated graph, through GraphQL


@pytest.fixture(params=STORES)
def client(request: pytest.FixtureRequest) -> ApiClient:
    return curated_client(curated_store(request))  # type: ignore[arg-type]


PATH = "path { type source { id } target { id } provenance { evidence source { id } } }"


def test_who_shapes_5g(client: ApiClient) -> None:
    data = client.data(
        """{ standardInfluence(standard: "5g-nr") {
              parts { id } bodies { role entity { id } }
              sepSharesByJurisdiction { counts year share jurisdiction { id } sources { id } }
            } }"""
    )["standardInfluence"]
    assert {"3gpp-release-15", "3gpp-release-18"} <= {p["id"] for p in data["parts"]}
    bodies = {b["entity"]["id"] for b in data["bodies"]}
    assert {"3gpp", "etsi", "ccsa", "atis", "arib", "tta", "ttc", "tsdsi"} <= bodies
    shares = data["sepSharesByJurisdiction"]
    assert all(s["sources"] for s in shares)
    for study in {(s["counts"], s["year"]) for s in shares}:
        rows = [s for s in shares if (s["counts"], s["year"]) == study]
        assert rows == sorted(rows, key=lambda s: -s["share"])
        assert sum(s["share"] for s in rows) <= 1.0


def test_what_an_ev_sold_in_china_must_implement(client: ApiClient) -> None:
    data = client.data(
        '{ mandatoryStandards(jurisdiction: "china", technology: "electric-vehicles") {'
        " standard { id } scope " + PATH + " } }"
    )["mandatoryStandards"]
    found = {m["standard"]["id"] for m in data}
    assert {"gb-18384-2020", "gb-44495-2024"} <= found
    assert "gb-44497-2024" not in found  # automated driving is not every EV
    for m in data:
        assert m["path"][0]["type"] in {"mandatoryIn", "mandates"}
        assert all(step["provenance"] for step in m["path"])


def test_xiaomis_standards(client: ApiClient) -> None:
    data = client.data(
        '{ standardsOf(firm: "xiaomi") { role standard { id } jurisdiction { id } ' + PATH + " } }"
    )
    rows = data["standardsOf"]
    roles = {(r["standard"]["id"], r["role"]) for r in rows}
    assert ("5g-nr", "declares-essential-patents") in roles
    assert ("5g-nr", "implements") in roles
    must = [r for r in rows if r["role"] == "must-implement"]
    assert must and all(r["jurisdiction"]["id"] == "china" for r in must)
    assert "gb-18384-2020" in {r["standard"]["id"] for r in must}


SHARE_WITHOUT_STUDY = """\
sources:
  - id: study
entities:
  - {id: acme, kind: Firm, name: Acme}
  - {id: radio, kind: Standard, name: Radio}
  - {id: north, kind: Country, name: North}
defaults:
  provenance: [{source: study}]
relations:
  - {type: declaresEssentialPatents, from: acme, to: radio, share: 0.2, year: 2024}
  - {type: mandatoryIn, from: radio, to: north, validFrom: 2025-01-01}
"""


def test_a_share_needs_what_its_study_counts_and_a_mandate_its_scope(tmp_path: Path) -> None:
    path = tmp_path / "standards.yaml"
    path.write_text(SHARE_WITHOUT_STUDY, encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        build_graph([path])
    problems = {(p.line, p.field) for p in info.value.problems}
    assert {(10, "counts"), (11, "scope")} <= problems
