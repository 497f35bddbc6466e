"""The analyst questions' rules, pinned on a small hand-built graph.

The graph: a semiconductor taxonomy, a Dutch lithography maker with a German supplier and
a subsidiary, a Taiwanese foundry, a Chinese chip designer, a Chinese buyer; an industrial
policy promoting domestic semiconductors in China, and a Dutch export control on lithography
to China that also names a firm, each with its rule. The same rules hold on Neo4j: the
conformance tests compare both, and tests/test_policy_rules.py pins each rule of the
semantics on both stores.
"""

from __future__ import annotations

from datetime import date

import pytest

from ontology.errors import NotFound
from ontology.model import Entity, Graph, Source
from ontology.schema import default_schema
from store.analysis import dependencies, policy_impact, shortest_path, suppliers_exposed_to
from store.embedded_store import EmbeddedStore
from tests.graph_builders import fact

SCHEMA = default_schema()


DAY = date(2024, 6, 1)


rel = fact


ENTITIES = [
    ("china", "Country"),
    ("netherlands", "Country"),
    ("taiwan", "Jurisdiction"),
    ("germany", "Country"),
    ("semiconductors", "Technology"),
    ("lithography", "Technology"),
    ("euv", "Technology"),
    ("advanced-logic", "Technology"),
    ("asml", "Firm"),
    ("zeiss", "Firm"),
    ("asml-sub", "Firm"),
    ("tsmc", "Firm"),
    ("cn-designer", "Firm"),
    ("buyer", "Firm"),
    ("listed", "Firm"),
    ("chip-x", "Chip"),
    ("cn-sub", "Firm"),
    ("chip-y", "Chip"),
    ("mic", "IndustrialPolicy"),
    ("ec", "ExportControl"),
]
RULES = {
    "mic-rule": {"ruleDirection": "promotes-domestic", "inForceFrom": date(2015, 5, 8)},
    "ec-rule": {"ruleDirection": "both", "inForceFrom": date(2019, 1, 1)},
}

RELATIONS = [
    rel("lithography", "broader", "semiconductors"),
    rel("euv", "broader", "lithography"),
    rel("advanced-logic", "broader", "semiconductors"),
    rel("asml", "headquarteredIn", "netherlands"),
    rel("zeiss", "headquarteredIn", "germany"),
    rel("tsmc", "headquarteredIn", "taiwan"),
    rel("cn-designer", "headquarteredIn", "china"),
    rel("asml", "produces", "euv", 0.8),
    rel("tsmc", "produces", "chip-x"),
    rel("chip-x", "uses", "advanced-logic"),
    rel("cn-designer", "develops", "chip-y"),
    rel("chip-y", "uses", "advanced-logic"),
    rel("cn-sub", "produces", "chip-y"),
    rel("cn-sub", "subsidiaryOf", "cn-designer"),
    rel("zeiss", "supplies", "asml", 0.5, valid_to=date(2020, 12, 31)),
    rel("asml-sub", "subsidiaryOf", "asml"),
    rel("tsmc", "supplies", "buyer"),
    rel("mic", "targets", "semiconductors", effect="promotes-domestic"),
    rel("mic", "appliesTo", "china"),
    rel("ec", "targets", "lithography", effect="restricts-trade"),
    rel("ec", "appliesTo", "china"),
    rel("ec", "names", "listed"),
    rel("mic-rule", "ruleOf", "mic"),
    rel("mic-rule", "covers", "semiconductors"),
    rel("mic-rule", "imposedBy", "china"),
    rel("mic-rule", "appliesIn", "china"),
    rel("ec-rule", "ruleOf", "ec"),
    rel("ec-rule", "covers", "lithography"),
    rel("ec-rule", "imposedBy", "netherlands"),
    rel("ec-rule", "appliesIn", "china"),
]


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    s = EmbeddedStore(SCHEMA)
    s.load(
        Graph.of(
            [Entity(id=i, kind=k, name=i.title()) for i, k in ENTITIES]
            + [Entity(id=i, kind="PolicyRule", name=i, attributes=a) for i, a in RULES.items()],
            RELATIONS,
            [Source(id="src", title="test")],
        )
    )
    return s


def test_industrial_policy_exposes_foreign_producers_through_the_taxonomy(
    store: EmbeddedStore,
) -> None:
    found = suppliers_exposed_to(store, SCHEMA, "mic", max_depth=0, as_of=DAY)
    assert [(e.supplier, e.basis, e.depth) for e in found] == [
        ("tsmc", "technology", 0),
        ("asml", "technology", 0),
    ]
    asml = found[1]
    assert [r.id for r in asml.path] == [
        "asml--produces--euv",
        "euv--broader--lithography",
        "lithography--broader--semiconductors",
        "mic-rule--covers--semiconductors",
        "mic-rule--ruleOf--mic",
    ]
    assert asml.rule_version == "mic-rule" and asml.as_of == DAY
    assert asml.score == pytest.approx(0.8)


def test_domestic_firms_are_not_exposed_to_their_own_substitution_policy(
    store: EmbeddedStore,
) -> None:
    exposed = {
        e.supplier for e in suppliers_exposed_to(store, SCHEMA, "mic", max_depth=0, as_of=DAY)
    }
    assert "cn-designer" not in exposed
    # No headquarters of its own: it takes its Chinese parent's.
    assert "cn-sub" not in exposed


def test_export_control_names_and_restricts_the_producers_under_its_reach(
    store: EmbeddedStore,
) -> None:
    found = suppliers_exposed_to(store, SCHEMA, "ec", max_depth=0, as_of=DAY)
    assert [(e.supplier, e.basis) for e in found] == [("listed", "named"), ("asml", "restricted")]


def test_upstream_suppliers_and_subsidiaries_are_exposed_with_decaying_scores(
    store: EmbeddedStore,
) -> None:
    found = {
        e.supplier: e
        for e in suppliers_exposed_to(store, SCHEMA, "ec", max_depth=2, as_of=date(2020, 6, 1))
    }
    assert found["zeiss"].basis == "supplier" and found["zeiss"].depth == 1
    assert found["zeiss"].score == pytest.approx(0.5 * 0.8 * 0.5)
    assert found["zeiss"].path[0].id == "zeiss--supplies--asml"
    assert found["asml-sub"].basis == "ownership"
    assert found["asml-sub"].depth == 1


def test_as_of_drops_facts_not_valid_on_that_date(store: EmbeddedStore) -> None:
    later = suppliers_exposed_to(store, SCHEMA, "ec", max_depth=2, as_of=date(2022, 1, 1))
    assert "zeiss" not in {e.supplier for e in later}
    earlier = suppliers_exposed_to(store, SCHEMA, "ec", max_depth=2, as_of=date(2020, 12, 31))
    assert "zeiss" in {e.supplier for e in earlier}


def test_max_depth_bounds_the_tiers_and_first_bounds_the_count(store: EmbeddedStore) -> None:
    found = suppliers_exposed_to(store, SCHEMA, "ec", max_depth=0, as_of=DAY)
    assert {e.depth for e in found} == {0}
    assert len(suppliers_exposed_to(store, SCHEMA, "ec", max_depth=3, as_of=DAY, first=1)) == 1


def test_policy_impact_lists_taxonomy_expanded_targets_and_reach(store: EmbeddedStore) -> None:
    impact = policy_impact(store, SCHEMA, "ec", as_of=DAY)
    assert impact.technologies == ["euv", "lithography"]
    assert (impact.rule_version, impact.in_force, impact.as_of) == ("ec-rule", True, DAY)
    assert impact.named_entities == ["listed"]
    assert impact.firms == ["asml", "listed"]
    assert impact.jurisdictions == ["china"]


def test_dependencies_walk_suppliers_then_their_technologies_and_countries(
    store: EmbeddedStore,
) -> None:
    deps = dependencies(store, SCHEMA, "buyer", max_depth=3, as_of=DAY)
    assert [(d.entity, d.category, d.depth) for d in deps] == [
        ("tsmc", "supplier", 1),
        ("advanced-logic", "technology", 1),
        ("taiwan", "country", 1),
    ]
    assert [r.id for r in deps[1].path] == [
        "tsmc--supplies--buyer",
        "tsmc--produces--chip-x",
        "chip-x--uses--advanced-logic",
    ]


def test_path_follows_relations_in_either_direction_and_breaks_ties_by_ids(
    store: EmbeddedStore,
) -> None:
    found = shortest_path(store, "buyer", "mic", max_length=6)
    assert found is not None
    assert [r.id for r in found] == [
        "tsmc--supplies--buyer",
        "tsmc--produces--chip-x",
        "chip-x--uses--advanced-logic",
        "advanced-logic--broader--semiconductors",
        "mic--targets--semiconductors",
    ]
    assert shortest_path(store, "buyer", "mic", max_length=4) is None
    assert shortest_path(store, "buyer", "buyer", max_length=1) == []


def test_unknown_or_wrongly_typed_ids_raise_not_found(store: EmbeddedStore) -> None:
    with pytest.raises(NotFound, match="nope"):
        suppliers_exposed_to(store, SCHEMA, "nope", max_depth=1)
    with pytest.raises(NotFound, match="not a Policy"):
        policy_impact(store, SCHEMA, "asml")
    with pytest.raises(NotFound):
        shortest_path(store, "asml", "nope", max_length=2)
