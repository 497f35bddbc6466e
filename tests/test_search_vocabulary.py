"""Which indexed words a query word matches: exactly the words within its edits (no more,
no fewer) however long the word, and on Neo4j the words of the graph it holds now, even
after another process loaded a new one."""

from __future__ import annotations

import random
import string

import neo4j
import pytest
from rapidfuzz.distance import OSA

from ontology.model import Entity, Graph
from ontology.schema import default_schema
from store.neo4j_search import Searcher, lucene_query
from store.neo4j_store import Neo4jStore
from store.search_index import Query
from store.search_vocabulary import LONG_WORD, Vocabulary, max_edits
from techsov.settings import Settings


def _words(rng: random.Random, count: int) -> list[str]:
    letters = "abcdeo"  # few letters: many near neighbours
    return ["".join(rng.choices(letters, k=rng.randint(2, 2 * LONG_WORD))) for _ in range(count)]


def _typo(rng: random.Random, word: str) -> str:
    chars = list(word)
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(len(chars))
        edit = rng.choice(["swap", "drop", "add", "change"])
        if edit == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif edit == "drop" and len(chars) > 1:
            del chars[i]
        elif edit == "add":
            chars.insert(i, rng.choice(string.ascii_lowercase[:6]))
        else:
            chars[i] = rng.choice("abcdeo")
    return "".join(chars)


def test_near_words_are_exactly_those_within_the_edits_short_or_long() -> None:
    rng = random.Random(5)
    words = [*_words(rng, 3000), "model2025", "model2026"]
    vocabulary = Vocabulary.build(words)
    for word in [*(_typo(rng, rng.choice(words)) for _ in range(400)), "model2025"]:
        edits = max_edits(word)
        expected = {w for w in set(words) if w == word} | {
            w
            for w in set(words)
            if edits and not any(c.isdigit() for c in w) and OSA.distance(word, w) <= edits
        }
        assert vocabulary.near(word) == expected, word


def test_the_word_being_typed_also_matches_the_words_it_begins() -> None:
    vocabulary = Vocabulary.build(["semiconductor", "semiconductors", "seminar", "lithography"])
    assert vocabulary.matching("semic", last=True) == {"semiconductor", "semiconductors"}
    assert vocabulary.matching("semic", last=False) == set()


def test_the_lucene_query_names_indexed_words_and_no_fuzzy_operator() -> None:
    vocabulary = Vocabulary.build(["huawei", "technologies", "investment"])
    _, text = lucene_query(Query.parse("Huawei Technolgies"), vocabulary)
    assert "~" not in text
    assert "+(technolgies^2 technologies technolgies*)" in text


def _graph(name: str) -> Graph:
    return Graph.of([Entity(id="firm-a", kind="Firm", name=name)], [], [])


@pytest.mark.neo4j
def test_a_search_sees_the_words_of_a_graph_another_process_loaded(
    neo4j_db: neo4j.Driver,
) -> None:
    def store() -> Neo4jStore:
        return Neo4jStore(
            neo4j_db, database=Settings().neo4j_database, schema=default_schema(), precompute=False
        )

    reader = store()
    reader.load(_graph("Quillfeather Industries"))
    assert [h.entity_id for h in reader.search("Quilfeather", None, 5)] == ["firm-a"]
    store().load(_graph("Brightwater Dynamics"))  # another writer: the reader's words are stale
    hits = reader.search("Brightwatr Dynamcs", None, 5)
    assert [h.entity_id for h in hits] == ["firm-a"] and hits[0].match_type == "fuzzy"
    assert reader.search("Quilfeather", None, 5) == []


def test_the_searcher_reads_the_vocabulary_once_while_the_graph_stays_the_same() -> None:
    statements: list[str] = []
    stamp = ["v1", None, 1, None]

    def read(text: str, params: object) -> list[dict[str, object]]:
        statements.append(text)
        if "collect(n.`search_words`)" in text:
            return [{"words": ["quillfeather industries"], "stamp": stamp}]
        return [{"hits": [["firm-a", ["name\tQuillfeather Industries"]]], "stamp": stamp}]

    searcher = Searcher(read)
    for _ in range(3):
        assert [h.entity_id for h in searcher.search("Quilfeather", None, 5)] == ["firm-a"]
    assert len(statements) == 4  # the vocabulary once, then one statement per search
    stamp = ["v2", None, 1, None]
    searcher.search("Quilfeather", None, 5)
    assert len(statements) == 7  # a new graph: the search, the vocabulary, the search again


def test_an_ascii_key_is_the_one_full_normalisation_gives() -> None:
    from ontology.model import normalize
    from store.search_index import search_key

    rng = random.Random(3)
    alphabet = string.printable + "\x0b\x1c\x1d\x1e\x1f\x85"[:5]
    for _ in range(5000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 30)))
        assert search_key(text) == normalize(text), repr(text)
