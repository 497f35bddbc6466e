"""Name search on Neo4j: Lucene full-text indexes find the candidates, the scorer of
:mod:`store.search_index` ranks them, so both stores rank alike.

Two full-text indexes over ``:Entity`` nodes, one per kind of script:

- :data:`WORDS_INDEX` on ``search_words``: the words of every field as
  :func:`store.search_index.tokens` cuts them (Latin, Cyrillic, Greek, Arabic, ... and
  pinyin), so Lucene's terms are exactly the embedded index's words; the ``whitespace``
  analyzer keeps them as they are. A query asks for every word (``+``), the last one also
  as a prefix (``word*``), and each long enough one as the indexed words within its edit
  distance, which the store finds in its copy of the index's vocabulary
  (:class:`store.search_vocabulary.Vocabulary`, the embedded index's own): Lucene then
  looks terms up and builds no fuzzy automaton (``word~2`` did, per word and per request,
  and that was most of a search's time);
- :data:`CJK_INDEX` on ``search_cjk``: the Chinese/Japanese/Korean characters of every
  field folded to simplified Chinese, under the ``cjk`` analyzer (overlapping bigrams; the
  characters are indexed once more one by one so that a single-character query finds
  them).

A node also keeps ``search_fields`` (``how<TAB>text`` per field), from which the scorer
rebuilds its fields without recomputing pinyin. The Lucene query text is built only from
words (letters and digits, never Lucene syntax), and travels as a parameter like
everything else.

The vocabulary is read from the nodes once and kept with a *stamp* of the graph it was
read from (the graph's version and digest, the number of entities, the latest recorded
version). Every search returns the stamp of the graph it searched, in the same statement:
when that differs (a load since), the vocabulary is read again and the search repeated,
so an answer never rests on the words of another graph.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from ontology.model import Entity
from store.base import SearchHit
from store.search_index import Field, Query, make_field, rank, search_fields
from store.search_vocabulary import Vocabulary

WORDS_INDEX: Final = "techsov_search_words"
CJK_INDEX: Final = "techsov_search_cjk"
WORDS_PROPERTY: Final = "search_words"
CJK_PROPERTY: Final = "search_cjk"
FIELDS_PROPERTY: Final = "search_fields"
PROPERTIES: Final = frozenset({WORDS_PROPERTY, CJK_PROPERTY, FIELDS_PROPERTY})

CANDIDATES: Final = 100
"""Lucene hits re-scored per request (more when kinds filter them afterwards)."""
KIND_FILTER_FACTOR: Final = 10
SHORT_PREFIX: Final = 2
SHORT_PREFIX_CANDIDATES: Final = 300
"""A last word of one or two letters is a prefix of very many words, all of which Lucene
scores alike; more candidates keep the ranking close to the embedded store's (exactly
equal while a prefix matches at most this many entities; the embedded store scores as
many, :data:`store.search_index.MAX_SCORED`). At L, 300 gave the same top 10 as 1,000."""

FIELD_CACHE: Final = 65536
"""Analysed fields kept (about 4 per entity; a few hundred bytes each)."""

SCHEMA: Final = {
    WORDS_INDEX: (
        f"CREATE FULLTEXT INDEX `{WORDS_INDEX}` IF NOT EXISTS FOR (n:`Entity`) "
        f"ON EACH [n.`{WORDS_PROPERTY}`] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}"
    ),
    CJK_INDEX: (
        f"CREATE FULLTEXT INDEX `{CJK_INDEX}` IF NOT EXISTS FOR (n:`Entity`) "
        f"ON EACH [n.`{CJK_PROPERTY}`] "
        "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}"
    ),
}
"""The search indexes, by name (schema commands take no parameters; these are fixed)."""

_STAMP: Final = """
CALL {
  OPTIONAL MATCH (g:TechsovGraph {key: 'graph'})
  RETURN [g.version, g.digest, COUNT { (:Entity) }] AS graph
}
CALL {
  OPTIONAL MATCH (v:TechsovVersion)
  RETURN max(v.number) AS latest
}
"""

SEARCH: Final = (
    """
CALL db.index.fulltext.queryNodes($index, $lucene, {limit: $limit}) YIELD node, score
WHERE $kinds IS NULL OR any(label IN labels(node) WHERE label IN $kinds)
WITH collect([node.id, node.search_fields]) AS hits
"""
    + _STAMP
    + "RETURN hits, graph + [latest] AS stamp\n"
)
"""Lucene's best candidates with their stored fields, and the stamp of the graph searched."""

VOCABULARY: Final = (
    f"MATCH (n:`Entity`) WHERE n.`{WORDS_PROPERTY}` <> '' "
    f"WITH collect(n.`{WORDS_PROPERTY}`) AS words\n"
    + _STAMP
    + "RETURN words, graph + [latest] AS stamp\n"
)
"""Every node's indexed words, with the stamp of the graph they were read from."""

AWAIT_INDEXES: Final = "CALL db.awaitIndexes($seconds)"


def search_properties(entity: Entity) -> dict[str, Any]:
    """The node properties the search indexes read."""
    fields = search_fields(entity)  # computed once: pinyin is most of a load's planning
    words = dict.fromkeys(w for f in fields for w in f.words)
    cjk = [f.cjk for f in fields if f.cjk]
    chars = dict.fromkeys(ch for text in cjk for ch in text)
    return {
        WORDS_PROPERTY: " ".join(words),
        CJK_PROPERTY: "\n".join([*dict.fromkeys(cjk), " ".join(chars)]) if cjk else "",
        FIELDS_PROPERTY: [f"{f.how}\t{f.text}" for f in fields],
    }


def _any_of(terms: Sequence[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " ".join(terms) + ")"


def _word_clause(vocabulary: Vocabulary, word: str, last: bool) -> str:
    """The query word (boosted), the indexed words within its edits, and, for the word
    being typed, every word it begins (a prefix query: Lucene walks its sorted terms)."""
    near = sorted(vocabulary.near(word) - {word})
    terms = [f"{word}^2" if near or last else word, *near]
    if last:
        terms.append(f"{word}*")
    return _any_of(terms)


def lucene_query(query: Query, vocabulary: Vocabulary) -> tuple[str, str]:
    """``(index, Lucene query)`` finding at least the entities the scorer would match."""
    if query.cjk:
        return CJK_INDEX, query.cjk  # the analyzer pairs adjacent characters
    last = len(query.words) - 1
    every = " ".join(
        f"+{_word_clause(vocabulary, w, i == last)}" for i, w in enumerate(query.words)
    )
    clauses = [f"({every})"]
    if len(query.words) > 1:
        clauses.append('"' + " ".join(query.words) + '"^2')
    if query.compact:
        clauses.append(_word_clause(vocabulary, query.compact, True))
    return WORDS_INDEX, " ".join(clauses)


Read = Callable[[str, Mapping[str, Any]], Sequence[Any]]


@dataclass(frozen=True)
class _Known:
    vocabulary: Vocabulary
    stamp: list[Any]


class Searcher:
    """Search on one Neo4j database, with its copy of the indexed vocabulary."""

    def __init__(self, read: Read) -> None:
        self._read = read
        self._known: _Known | None = None
        self._lock = threading.Lock()

    def _vocabulary(self, stale: list[Any] | None) -> _Known:
        """The vocabulary, read again when none is kept or the kept one has ``stale``'s
        stamp (one reader at a time; others then use what it read)."""
        with self._lock:
            known = self._known
            if known is None or known.stamp == stale:
                record = self._read(VOCABULARY, {})[0]
                words = (w for text in record["words"] for w in text.split())
                known = self._known = _Known(Vocabulary.build(words), list(record["stamp"]))
            return known

    def search(self, text: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
        """One read: Lucene's best candidates, re-scored by :func:`store.search_index.rank`
        (two more when the graph changed since the vocabulary was read).

        ``kinds`` are node labels, which include every ancestor kind, so a kind keeps its
        subclasses without consulting the ontology.
        """
        query = Query.parse(text)
        if first <= 0 or query.empty:
            return []
        short = bool(query.words) and len(query.words[-1]) <= SHORT_PREFIX
        base = SHORT_PREFIX_CANDIDATES if short else CANDIDATES
        params: dict[str, Any] = {
            "limit": max(base, 3 * first) * (1 if kinds is None else KIND_FILTER_FACTOR),
            "kinds": None if kinds is None else list(kinds),
        }
        known = self._known or self._vocabulary(None)
        for attempt in range(2):
            params["index"], params["lucene"] = lucene_query(query, known.vocabulary)
            record = self._read(SEARCH, params)[0]
            if list(record["stamp"]) == known.stamp or attempt:
                break
            known = self._vocabulary(known.stamp)
        candidates = (
            (hit_id, [stored_field(f) for f in fields or ()]) for hit_id, fields in record["hits"]
        )
        return rank(query, candidates, first)


@lru_cache(maxsize=FIELD_CACHE)
def stored_field(stored: str) -> Field:
    """The field a node keeps as ``how<TAB>text``. Kept by its stored text, which is all
    it depends on (so a new graph cannot make one stale): the same entities come back as
    candidates of many searches, and analysing their names again was most of the time a
    search spent in Python (normalising, cutting words)."""
    how, _, text = stored.partition("\t")
    return make_field(how, text)
