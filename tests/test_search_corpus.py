"""Search as analysts type it, on the curated graph, on both stores: a corpus of queries
with the entity that must come first (typos, word order, scripts, pinyin, aliases, ids),
and the same ranked hits from Neo4j's Lucene indexes as from the embedded index."""

from __future__ import annotations

import pytest
from api_fixtures import STORES, curated_embedded, curated_store

from store.base import GraphStore

CORPUS: list[tuple[str, str]] = [
    ("Xiaomi", "xiaomi"),
    ("xioami", "xiaomi"),  # two letters swapped
    ("Huawei Technolgies", "huawei"),  # one letter dropped
    ("technologies huawei", "huawei"),  # word order
    ("Huawei Technologies", "huawei"),  # a localized name
    ("華為", "huawei"),  # traditional characters of an alias written in simplified
    ("华为", "huawei"),
    ("台灣積體電路", "tsmc"),  # traditional prefix of a simplified name
    ("台積電", "tsmc"),
    ("taijidian", "tsmc"),  # pinyin of 台积电
    ("zhongxin guoji", "smic"),  # pinyin of 中芯国际, typed in two words
    ("weilai", "nio"),  # pinyin of 蔚来
    ("NIO", "nio"),
    ("made-in-china-2025", "made-in-china-2025"),  # an id
    ("Made in Chin", "made-in-china-2025"),  # the last word being typed
    ("china made 2025", "made-in-china-2025"),
    ("MIC 2025", "made-in-china-2025"),  # an alias
    ("中国制造2025", "made-in-china-2025"),
    ("Semiconductor Manufacturing International", "smic"),
    ("EUV", "euv-lithography"),
    ("extreme ultraviolet", "euv-lithography"),
    ("Taiwan Semiconductor", "tsmc"),
    ("asml holding", "asml"),
    ("Europen Union", "european-union"),
    ("欧盟", "european-union"),
    ("半导体", "semiconductors"),
    ("CHIPS Act", "chips-and-science-act"),
]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return curated_store(request)


@pytest.mark.parametrize(("query", "expected"), CORPUS)
def test_the_expected_entity_comes_first(store: GraphStore, query: str, expected: str) -> None:
    hits = store.search(query, None, 5)
    assert hits and hits[0].entity_id == expected, [(h.entity_id, h.score) for h in hits]
    assert hits[0].matched_name and hits[0].explanation


@pytest.mark.neo4j
@pytest.mark.parametrize("query", [q for q, _ in CORPUS] + ["xiaomi", "a", "s", "中", "2025"])
def test_neo4j_ranks_the_corpus_as_the_embedded_store_does(
    neo4j_driver: object, query: str
) -> None:
    from api_fixtures import curated_neo4j

    neo4j = curated_neo4j(neo4j_driver)  # type: ignore[arg-type]
    assert neo4j.search(query, None, 10) == curated_embedded().search(query, None, 10)


def test_a_short_word_is_not_matched_inside_another(store: GraphStore) -> None:
    """ "NIO" is neither a typo of "Union" nor part of it."""
    found = [h.entity_id for h in store.search("NIO", None, 50)]
    assert found[0] == "nio"
    assert "european-union" not in found


def test_words_with_digits_are_never_fuzzy(store: GraphStore) -> None:
    assert "made-in-china-2025" not in [h.entity_id for h in store.search("china 2026", None, 50)]


def test_an_exact_name_outranks_every_partial_match(store: GraphStore) -> None:
    hits = store.search("Xiaomi", None, 10)
    assert hits[0].score == 1.0 and hits[0].match_type == "exact"
    assert all(h.score < 1.0 for h in hits[1:])
