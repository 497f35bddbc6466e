"""The embedded store against the GraphStore contract, with no server at all (loads and
concurrent reloads are pinned down in ``test_embedded_load``)."""

from __future__ import annotations

from datetime import date

import pytest
from embedded_graphs import entity, loaded_store, relation, sample_graph

from ontology.model import Graph, Relation
from ontology.schema import Schema, default_schema
from store.base import Direction, GraphStore, SearchHit
from store.embedded_store import EmbeddedStore


@pytest.fixture(scope="module")
def schema() -> Schema:
    return default_schema()


@pytest.fixture
def store(schema: Schema) -> EmbeddedStore:
    return loaded_store(schema)


def ids(relations: list[Relation]) -> list[str]:
    return [r.id for r in relations]


# -- identity and lookups --------------------------------------------------------------


def test_is_a_graph_store_of_engine_embedded(schema: Schema) -> None:
    s = EmbeddedStore(schema)
    assert isinstance(s, GraphStore)
    assert s.engine == "embedded"
    s.ping()
    s.close()


def test_new_store_is_empty(schema: Schema) -> None:
    s = EmbeddedStore(schema)
    assert s.counts() == {"entities": 0, "relations": 0, "sources": 0}
    assert s.snapshot() == Graph()
    assert s.search("xiaomi", None, 10) == []


def test_snapshot_round_trips_the_loaded_graph(store: EmbeddedStore) -> None:
    assert store.snapshot() == sample_graph()
    assert store.counts() == sample_graph().counts()


def test_snapshot_is_a_copy_callers_may_change(store: EmbeddedStore) -> None:
    store.snapshot().entities.clear()
    assert store.snapshot() == sample_graph()


def test_batch_lookups_skip_unknown_ids(store: EmbeddedStore) -> None:
    found = store.entities(["xiaomi", "nope", "tsmc"])
    assert set(found) == {"xiaomi", "tsmc"}
    assert found["xiaomi"] == sample_graph().entities["xiaomi"]
    assert set(store.sources(["src-filing", "nope"])) == {"src-filing"}


# -- search ----------------------------------------------------------------------------


def hits(
    store: EmbeddedStore, query: str, kinds: list[str] | None = None, first: int = 10
) -> list[tuple[str, float]]:
    return [(h.entity_id, h.score) for h in store.search(query, kinds, first)]


def test_search_finds_chinese_names_exactly_by_prefix_and_in_traditional_script(
    store: EmbeddedStore,
) -> None:
    assert hits(store, "小米") == [("xiaomi", 1.0)]
    assert hits(store, "小米集团") == [("xiaomi", 1.0)]
    assert hits(store, "小米集團") == [("xiaomi", 1.0)]  # traditional 團
    [(found, score)] = hits(store, "小米集")
    assert found == "xiaomi" and 0.5 < score < 1.0
    assert hits(store, "中国")[0] == ("china", 1.0)
    assert hits(store, "中國")[0] == ("china", 1.0)


def test_search_ignores_accents_case_and_extra_whitespace(store: EmbeddedStore) -> None:
    assert hits(store, "Société Générale") == [("societe-generale", 1.0)]
    assert hits(store, "  SOCIETE   generale ") == [("societe-generale", 1.0)]
    assert hits(store, "generale societe") == [("societe-generale", 0.95)]  # any order
    [(found, score)] = hits(store, "GÉNÉRALE")
    assert found == "societe-generale" and 0.5 < score < 0.95


def test_search_matches_aliases_ids_typos_and_the_word_being_typed(store: EmbeddedStore) -> None:
    assert hits(store, "miit") == [("miit", 1.0)]
    assert hits(store, "Taiwan Semi")[0][0] == "tsmc"
    assert hits(store, "societe-generale") == [("societe-generale", 1.0)]
    assert hits(store, "Xaiomi")[0][0] == "xiaomi"  # two letters swapped: one edit
    assert hits(store, "Société Génér")[0][0] == "societe-generale"


def test_search_orders_by_score_then_id_and_keeps_each_entity_once(
    store: EmbeddedStore,
) -> None:
    # xiaomi matches exactly (alias) and by word (name): it appears once, at 1.0.
    found = hits(store, "xiaomi")
    assert [i for i, _ in found] == ["xiaomi", "xiaomi-phone-15", "xiaomi-su7", "hyperos"]
    assert found[0] == ("xiaomi", 1.0)
    assert found == sorted(found, key=lambda h: (-h[1], h[0]))
    assert found[1][1] == found[2][1] > found[3][1]  # one word of two beats one of three


def test_search_returns_at_most_first_hits(store: EmbeddedStore) -> None:
    assert hits(store, "xiaomi", first=2) == hits(store, "xiaomi")[:2]
    assert hits(store, "xiaomi", first=1) == [("xiaomi", 1.0)]
    assert hits(store, "xiaomi", first=0) == []


def test_search_kinds_include_subclasses(store: EmbeddedStore) -> None:
    assert hits(store, "xiaomi", ["Organization"]) == [("xiaomi", 1.0)]
    assert [i for i, _ in hits(store, "xiaomi", ["Product"])] == [
        "xiaomi-phone-15",
        "xiaomi-su7",
        "hyperos",
    ]
    assert [i for i, _ in hits(store, "xiaomi", ["Vehicle", "Firm"])] == ["xiaomi", "xiaomi-su7"]
    assert hits(store, "xiaomi", ["Jurisdiction"]) == []


def test_kinds_filter_applies_before_the_first_limit(store: EmbeddedStore) -> None:
    assert [i for i, _ in hits(store, "xiaomi", ["Product"], first=1)] == ["xiaomi-phone-15"]


def test_search_without_match_or_query_is_empty(store: EmbeddedStore) -> None:
    assert hits(store, "huawei") == []
    assert hits(store, "   ") == []


def test_search_hits_say_which_name_matched_and_how(store: EmbeddedStore) -> None:
    [exact] = store.search("France", None, 5)
    assert exact == SearchHit(
        entity_id="france",
        score=1.0,
        matched_name="France",
        matched_field="name",
        match_type="exact",
        explanation="name 'France': equals name",
    )
    typo = store.search("Xaiomi Corporation", None, 1)[0]
    assert (typo.entity_id, typo.matched_field, typo.match_type) == ("xiaomi", "name", "fuzzy")
    assert typo.explanation is not None and "xaiomi≈xiaomi" in typo.explanation


# -- relations (paged) -----------------------------------------------------------------


def test_relations_follow_direction(store: EmbeddedStore) -> None:
    def page_ids(direction: Direction) -> list[str]:
        return ids(store.relations(["xiaomi"], direction, None, 50, None)["xiaomi"].items)

    assert page_ids(Direction.OUT) == ["r-03", "r-04", "r-05", "r-06"]
    assert page_ids(Direction.IN) == ["r-01"]
    assert page_ids(Direction.BOTH) == ["r-01", "r-03", "r-04", "r-05", "r-06"]


def test_relations_pages_continue_after_the_given_id(store: EmbeddedStore) -> None:
    first = store.relations(["xiaomi"], Direction.BOTH, None, 2, None)["xiaomi"]
    assert (ids(first.items), first.total, first.has_next) == (["r-01", "r-03"], 5, True)
    second = store.relations(["xiaomi"], Direction.BOTH, None, 2, "r-03")["xiaomi"]
    assert (ids(second.items), second.total, second.has_next) == (["r-04", "r-05"], 5, True)
    last = store.relations(["xiaomi"], Direction.BOTH, None, 2, "r-05")["xiaomi"]
    assert (ids(last.items), last.total, last.has_next) == (["r-06"], 5, False)


def test_relations_after_need_not_be_an_existing_id(store: EmbeddedStore) -> None:
    page = store.relations(["xiaomi"], Direction.BOTH, None, 10, "r-035")["xiaomi"]
    assert ids(page.items) == ["r-04", "r-05", "r-06"]
    assert page.total == 5


def test_relations_type_filter_also_narrows_the_total(store: EmbeddedStore) -> None:
    page = store.relations(["xiaomi"], Direction.BOTH, ["produces", "supplies"], 2, None)
    assert ids(page["xiaomi"].items) == ["r-01", "r-03"]
    assert (page["xiaomi"].total, page["xiaomi"].has_next) == (3, True)


def test_relations_answer_many_entities_at_once_and_skip_unknown_ones(
    store: EmbeddedStore,
) -> None:
    pages = store.relations(["qualcomm", "miit", "ghost"], Direction.BOTH, None, 10, None)
    assert set(pages) == {"qualcomm", "miit"}
    assert ids(pages["qualcomm"].items) == ["r-01", "r-02"]
    assert (pages["miit"].items, pages["miit"].total, pages["miit"].has_next) == ([], 0, False)


def test_self_loop_appears_once(schema: Schema) -> None:
    s = EmbeddedStore(schema)
    s.load(
        Graph.of(
            entities=[entity("acme", "Firm", "Acme")],
            relations=[relation("r-self", "dependsOn", "acme", "acme")],
        )
    )
    page = s.relations(["acme"], Direction.BOTH, None, 10, None)["acme"]
    assert (ids(page.items), page.total) == (["r-self"], 1)
    assert ids(s.edges(["acme"], None, Direction.BOTH, None)) == ["r-self"]


# -- edges (traversal primitive) -------------------------------------------------------


def test_edges_follow_direction(store: EmbeddedStore) -> None:
    assert ids(store.edges(["xiaomi"], None, Direction.OUT, None)) == [
        "r-03",
        "r-04",
        "r-05",
        "r-06",
    ]
    assert ids(store.edges(["xiaomi"], None, Direction.IN, None)) == ["r-01"]
    assert ids(store.edges(["qualcomm"], None, Direction.BOTH, None)) == ["r-01", "r-02"]


def test_edges_of_several_nodes_are_sorted_without_duplicates(store: EmbeddedStore) -> None:
    # r-01 links qualcomm to xiaomi: it touches both nodes but is returned once.
    found = store.edges(["xiaomi", "qualcomm", "xiaomi", "ghost"], None, Direction.BOTH, None)
    assert ids(found) == ["r-01", "r-02", "r-03", "r-04", "r-05", "r-06"]


def test_edges_filter_by_type(store: EmbeddedStore) -> None:
    found = store.edges(["xiaomi"], ["produces", "develops"], Direction.OUT, None)
    assert ids(found) == ["r-03", "r-04", "r-06"]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2018, 12, 31), ["r-02"]),  # before r-01 starts
        (date(2019, 1, 1), ["r-01", "r-02"]),  # lower bound inclusive
        (date(2022, 12, 31), ["r-01", "r-02"]),  # upper bound inclusive
        (date(2023, 1, 1), ["r-02"]),  # after r-01 ends
        (None, ["r-01", "r-02"]),  # no date: every relation
    ],
)
def test_edges_keep_relations_valid_at_the_date(
    store: EmbeddedStore, as_of: date | None, expected: list[str]
) -> None:
    assert ids(store.edges(["qualcomm"], ["supplies"], Direction.BOTH, as_of)) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(1900, 1, 1), ["r-04", "r-05", "r-06"]),  # r-03 not yet; r-04 open start
        (date(2024, 3, 28), ["r-03", "r-04", "r-05", "r-06"]),
        (date(2026, 12, 31), ["r-03", "r-04", "r-05", "r-06"]),
        (date(2100, 1, 1), ["r-03", "r-05", "r-06"]),  # r-04 over; r-03 open end
    ],
)
def test_edges_treat_missing_bounds_as_open(
    store: EmbeddedStore, as_of: date, expected: list[str]
) -> None:
    assert ids(store.edges(["xiaomi"], None, Direction.OUT, as_of)) == expected
