"""Name search on Neo4j: Lucene full-text indexes find the candidates, the scorer of
:mod:`store.search_index` ranks them, so both stores rank alike.

Two full-text indexes over ``:Entity`` nodes, one per kind of script:

- :data:`WORDS_INDEX` on ``search_words``: the words of every field as
  :func:`store.search_index.tokens` cuts them (Latin, Cyrillic, Greek, Arabic, ... and
  pinyin), so Lucene's terms are exactly the embedded index's words; the ``whitespace``
  analyzer keeps them as they are. A query asks for every word (``+``), the last one also
  as a prefix (``word*``) and each long enough one within its edit distance (``word~1``,
  Lucene's fuzzy queries count a transposition as one edit, as the scorer does);
- :data:`CJK_INDEX` on ``search_cjk``: the Chinese/Japanese/Korean characters of every
  field folded to simplified Chinese, under the ``cjk`` analyzer (overlapping bigrams; the
  characters are indexed once more one by one so that a single-character query finds
  them).

A node also keeps ``search_fields`` (``how<TAB>text`` per field), from which the scorer
rebuilds its fields without recomputing pinyin. The Lucene query text is built only from
the query's own words (letters and digits, never Lucene syntax), and travels as a
parameter like everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from ontology.model import Entity
from store.base import SearchHit
from store.search_index import Query, field_sources, make_field, max_edits, rank, search_fields

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
SHORT_PREFIX_CANDIDATES: Final = 1000
"""A last word of one or two letters is a prefix of very many words, all of which Lucene
scores alike; more candidates keep the ranking close to the embedded store's (exactly
equal while a prefix matches at most this many entities)."""

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

SEARCH: Final = """
CALL db.index.fulltext.queryNodes($index, $lucene, {limit: $limit}) YIELD node, score
WHERE $kinds IS NULL OR any(label IN labels(node) WHERE label IN $kinds)
RETURN node.id AS id, node.search_fields AS fields
"""

AWAIT_INDEXES: Final = "CALL db.awaitIndexes($seconds)"


def search_properties(entity: Entity) -> dict[str, Any]:
    """The node properties the search indexes read."""
    fields = search_fields(entity)
    words = dict.fromkeys(w for f in fields for w in f.words)
    cjk = [f.cjk for f in fields if f.cjk]
    chars = dict.fromkeys(ch for text in cjk for ch in text)
    return {
        WORDS_PROPERTY: " ".join(words),
        CJK_PROPERTY: "\n".join([*dict.fromkeys(cjk), " ".join(chars)]) if cjk else "",
        FIELDS_PROPERTY: [f"{how}\t{text}" for how, text in field_sources(entity)],
    }


def _word_clause(word: str, last: bool) -> str:
    alternatives = [word]
    if last:
        alternatives.append(f"{word}*")
    edits = max_edits(word)
    if edits:
        alternatives.append(f"{word}~{edits}")
    return "(" + " ".join(alternatives) + ")"


def lucene_query(query: Query) -> tuple[str, str]:
    """``(index, Lucene query)`` finding at least the entities the scorer would match."""
    if query.cjk:
        return CJK_INDEX, query.cjk  # the analyzer pairs adjacent characters
    last = len(query.words) - 1
    every = " ".join(f"+{_word_clause(w, i == last)}" for i, w in enumerate(query.words))
    clauses = [f"({every})"]
    if len(query.words) > 1:
        clauses.append('"' + " ".join(query.words) + '"^2')
    if query.compact:
        clauses.append(_word_clause(query.compact, True))
    return WORDS_INDEX, " ".join(clauses)


Read = Callable[[str, Mapping[str, Any]], Sequence[Any]]


def search(read: Read, text: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
    """One read: Lucene's best candidates, re-scored by :func:`store.search_index.rank`.

    ``kinds`` are node labels, which include every ancestor kind, so a kind keeps its
    subclasses without consulting the ontology.
    """
    query = Query.parse(text)
    if first <= 0 or query.empty:
        return []
    index, lucene = lucene_query(query)
    short = bool(query.words) and len(query.words[-1]) <= SHORT_PREFIX
    base = SHORT_PREFIX_CANDIDATES if short else CANDIDATES
    limit = max(base, 3 * first) * (1 if kinds is None else KIND_FILTER_FACTOR)
    params = {
        "index": index,
        "lucene": lucene,
        "limit": limit,
        "kinds": None if kinds is None else list(kinds),
    }
    candidates = (
        (r["id"], [make_field(*_split(f)) for f in r["fields"] or ()]) for r in read(SEARCH, params)
    )
    return rank(query, candidates, first)


def _split(stored: str) -> tuple[str, str]:
    how, _, text = stored.partition("\t")
    return how, text
