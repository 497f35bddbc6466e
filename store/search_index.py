"""Name search: how names are analysed, how a hit is scored and explained, and the
in-process index of the embedded store.

Both stores answer :meth:`store.base.GraphStore.search` the same way: an index finds
*candidates* (the embedded one below, Lucene full-text indexes on Neo4j, see
:mod:`store.neo4j_search`), and :func:`best_match` scores every candidate from its
:func:`search_fields`. The score therefore never depends on the store, and the top hits
agree as long as both indexes find the same candidates, which is why both index exactly
the tokens :func:`tokens` makes.

What matches (a *field* is one name of an entity: its name, a localized name, an alias,
its id, or the pinyin of a Chinese name):

- the whole query equals a field (accent-, case- and script-insensitive): 1.0;
- every word of the query matches a different word of one field, in any order: exactly,
  by prefix (the last word only, the one being typed) or within a small edit distance
  (optimal string alignment, Lucene's fuzzy distance: a swap of two neighbouring letters
  is one edit; 1 edit for words of 4 to 7 letters, 2 from 8; never for words
  holding digits, so "2025" does not find "2026", nor for words under 4 letters, so "NIO"
  does not find "Union"): 0.5 to 0.95, more when the words cover more of the field;
- a Chinese query is matched as a substring of a field's Chinese characters, traditional
  and simplified characters being folded to simplified (OpenCC) on both sides.

Pinyin fields score 0.9 of what the name itself would, as they are a reading of it.
"""

from __future__ import annotations

import heapq
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import opencc
from pypinyin import lazy_pinyin
from rapidfuzz.distance import OSA

from ontology.model import Entity, normalize
from store.base import SearchHit
from store.search_vocabulary import Vocabulary, max_edits

# Han ideographs (with extensions and compatibility forms), kana and hangul: scripts
# written without spaces between words, matched by substring rather than by word.
_CJK = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_WORD = re.compile(r"[^\W_]+")

EXACT = 1.0
PINYIN_WEIGHT = 0.9
WORD_CREDIT = {"exact": 1.0, "prefix": 0.9, "fuzzy1": 0.8, "fuzzy2": 0.7}
MAX_QUERY_WORDS = 12
MEMBERSHIP_WORDS = 64
WORDS_PER_ENTITY = 16
"""About what reading an entity's own words costs against one posting: a candidate set
this many times smaller than a word group's postings is filtered by its words instead."""
MAX_SCORED = 300
"""Candidates scored per query at most (at least three times the hits asked for): a one-
or two-letter prefix can match tens of thousands of entities; beyond this many, the
exact-word matches and then the first by id are scored (Neo4j likewise re-scores a
bounded number of Lucene's best). At L, 300 gave the same top 10 as 1,000 on all 300
benchmark queries, for two-thirds of the CPU time at p95."""

_TO_SIMPLIFIED = opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters folded to simplified ones."""
    return _TO_SIMPLIFIED.convert(text) if _HAN.search(text) else text


def search_key(text: str) -> str:
    """The key a field or a query is compared by: :func:`normalize` (accents, case,
    whitespace), then traditional to simplified Chinese. ASCII text, most names, has
    nothing to decompose, strip or convert: lower case and collapsed whitespace are its
    whole key, without the two Unicode normalisations (the Neo4j store rebuilds every
    candidate's fields from their text on each search)."""
    if text.isascii():
        return " ".join(text.lower().split())
    return simplified(normalize(text))


def tokens(key: str) -> tuple[str, ...]:
    """The words of a key outside Chinese/Japanese/Korean runs, in order; each word one
    string object however many names hold it (interned: the index keeps millions)."""
    return tuple(map(sys.intern, _WORD.findall(_CJK.sub(" ", key))))


def cjk_text(key: str) -> str:
    """The key's Chinese/Japanese/Korean characters, run together."""
    return "".join(_CJK.findall(key))


@dataclass(frozen=True, slots=True)
class Field:
    """One searchable name of an entity (slotted: the embedded index holds one for every
    name, alias and reading of every entity)."""

    how: str  # "name", "name:<lang>", "alias", "id" or "pinyin"
    text: str  # as written (for the explanation)
    key: str
    words: tuple[str, ...]
    cjk: str


def make_field(how: str, text: str) -> Field:
    """The field ``how``/``text``; an id is its own key (hyphens kept), its words split
    at the hyphens. A key equal to the text is the text's own string."""
    how = sys.intern(how)
    if how == "id":
        return Field(how=how, text=text, key=text, words=tokens(text.replace("-", " ")), cjk="")
    key = search_key(text)
    if key == text:
        key = text
    return Field(how=how, text=text, key=key, words=tokens(key), cjk=cjk_text(key))


def search_fields(entity: Entity) -> list[Field]:
    """Every field of ``entity``, best-known first, one per key (the first one names the
    match). Pinyin is computed here, once per Chinese name: the Neo4j store keeps each
    field's ``how`` and ``text`` on the node and rebuilds it with :func:`make_field`."""
    raw: list[tuple[str, str]] = [("name", entity.name)]
    raw += [(f"name:{n.lang}", n.value) for n in entity.names]
    raw += [("alias", a) for a in entity.aliases]
    for _, text in list(raw):
        if _HAN.search(text):
            syllables = [s for s in lazy_pinyin(search_key(text)) if s.strip()]
            raw.append(("pinyin", " ".join(syllables)))
            raw.append(("pinyin", "".join(syllables)))
    raw.append(("id", entity.id))
    out: list[Field] = []
    seen: set[str] = set()
    for how, text in raw:
        f = make_field(how, text)
        if f.key and f.key not in seen:
            seen.add(f.key)
            out.append(f)
    return out


@dataclass(frozen=True)
class Query:
    """A search query, analysed once."""

    key: str
    words: tuple[str, ...]
    cjk: str

    @classmethod
    def parse(cls, text: str) -> Query:
        key = search_key(text)
        return cls(key=key, words=tokens(key)[:MAX_QUERY_WORDS], cjk=cjk_text(key))

    @property
    def compact(self) -> str:
        """The words run together, for fields written as one word (pinyin typed with
        spaces, "zhongguo zhizao"); "" for a query of one word."""
        return "".join(self.words) if len(self.words) > 1 else ""

    @property
    def empty(self) -> bool:
        return not self.words and not self.cjk


@lru_cache(maxsize=262144)
def word_match(query_word: str, word: str, last: bool) -> str | None:
    """How ``query_word`` matches an indexed ``word`` (a key of :data:`WORD_CREDIT`)."""
    if query_word == word:
        return "exact"
    if last and word.startswith(query_word):
        return "prefix"
    edits = max_edits(query_word)
    if edits and abs(len(word) - len(query_word)) <= edits:
        distance = OSA.distance(query_word, word, score_cutoff=edits)
        if distance <= edits:
            return f"fuzzy{distance}" if distance else "exact"
    return None


@dataclass(frozen=True)
class Match:
    score: float
    field: Field
    how: str  # "exact", "words", "prefix", "fuzzy" or "substring"
    detail: str

    def hit(self, entity_id: str) -> SearchHit:
        return SearchHit(
            entity_id=entity_id,
            score=self.score,
            matched_name=self.field.text,
            matched_field=self.field.how,
            match_type=self.how,
            explanation=self.detail,
        )


def _words_match(query: Query, f: Field) -> Match | None:
    """Every query word against a different word of ``f``, best pairs first."""
    if not query.words or len(query.words) > len(f.words):
        return None
    if len(query.words) == 1:
        return _word_match(query.words[0], f)
    last = len(query.words) - 1
    pairs: list[tuple[float, int, int, str]] = []
    for i, qw in enumerate(query.words):
        for j, w in enumerate(f.words):
            kind = word_match(qw, w, i == last)
            if kind is not None:
                pairs.append((WORD_CREDIT[kind], i, j, kind))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_q: dict[int, tuple[float, int, str]] = {}
    used_w: set[int] = set()
    for credit, i, j, kind in pairs:
        if i not in used_q and j not in used_w:
            used_q[i] = (credit, j, kind)
            used_w.add(j)
    if len(used_q) < len(query.words):
        return None
    credit = sum(c for c, _, _ in used_q.values()) / len(query.words)
    coverage = len(used_w) / len(f.words)
    score = 0.5 + 0.45 * credit * (0.5 + 0.5 * coverage)
    kinds = {k for _, _, k in used_q.values()}
    how = (
        "fuzzy"
        if any(k.startswith("fuzzy") for k in kinds)
        else ("prefix" if "prefix" in kinds else "words")
    )
    detail = ", ".join(
        f"{query.words[i]}{_SYMBOL[k]}{f.words[j]}" for i, (_, j, k) in sorted(used_q.items())
    )
    return Match(score, f, how, detail)


_SYMBOL = {"exact": "=", "prefix": "…→", "fuzzy1": "≈", "fuzzy2": "≈≈"}
_HOW = {"exact": "words", "prefix": "prefix", "fuzzy1": "fuzzy", "fuzzy2": "fuzzy"}


def _word_match(word: str, f: Field) -> Match | None:
    """:func:`_words_match` for a query of one word (most of what is typed): its best
    word of ``f``, the first on a tie, without pairing."""
    best: str | None = None
    best_j = -1
    for j, w in enumerate(f.words):
        kind = word_match(word, w, True)
        if kind is not None and (best is None or WORD_CREDIT[kind] > WORD_CREDIT[best]):
            best, best_j = kind, j
            if kind == "exact":
                break
    if best is None:
        return None
    score = 0.5 + 0.45 * WORD_CREDIT[best] * (0.5 + 0.5 / len(f.words))
    return Match(score, f, _HOW[best], f"{word}{_SYMBOL[best]}{f.words[best_j]}")


def _cjk_match(query: Query, f: Field) -> Match | None:
    if not f.cjk or query.cjk not in f.cjk:
        return None
    share = len(query.cjk) / len(f.key.replace(" ", ""))
    if f.cjk.startswith(query.cjk):
        return Match(0.55 + 0.4 * share, f, "prefix", f"{query.cjk} begins {f.cjk}")
    return Match(0.5 + 0.4 * share, f, "substring", f"{query.cjk} within {f.cjk}")


def field_match(query: Query, f: Field) -> Match | None:
    weight = PINYIN_WEIGHT if f.how == "pinyin" else 1.0
    if query.key == f.key:
        found: Match | None = Match(EXACT, f, "exact", f"equals {f.how}")
    elif query.cjk:
        found = _cjk_match(query, f)
    else:
        found = _words_match(query, f)
        if found is None and query.compact and len(f.words) == 1:
            found = _words_match(Query(query.compact, (query.compact,), ""), f)
    if found is None:
        return None
    score = round(found.score * weight, 4)
    return Match(score, found.field, found.how, f"{f.how} {f.text!r}: {found.detail}")


def best_match(query: Query, fields: Iterable[Field]) -> Match | None:
    """The entity's best-scoring field (the earliest on a tie), or None."""
    best: Match | None = None
    for f in fields:
        m = field_match(query, f)
        if m is not None and (best is None or m.score > best.score):
            best = m
            if best.score >= EXACT:
                break
    return best


def rank(
    query: Query, candidates: Iterable[tuple[str, Sequence[Field]]], first: int
) -> list[SearchHit]:
    """Score candidates; score descending, then id ascending; at most ``first``."""
    found = []
    for entity_id, fields in candidates:
        m = best_match(query, fields)
        if m is not None:
            found.append((-m.score, entity_id, m))
    best = heapq.nsmallest(first, found, key=lambda t: (t[0], t[1]))
    return [m.hit(entity_id) for _, entity_id, m in best]


# --- the embedded index -------------------------------------------------------------------


@dataclass(frozen=True)
class _Prefixed:
    """The words a query word being typed matches when its prefix begins very many ("1",
    "pro"): not listed, but asked word by word (``w in group``), so candidates found by
    the other words are checked against it instead of unioning its postings."""

    near: frozenset[str]
    prefix: str

    def __contains__(self, word: str) -> bool:
        return word in self.near or word.startswith(self.prefix)


_Group = set[str] | _Prefixed

Posting = frozenset[str] | tuple[str, ...]
"""The entities a word is indexed for: a sorted tuple when they are few (most words name
one entity or a handful; a tuple of one is 48 bytes, the smallest frozenset 216), a
frozenset beyond :data:`SMALL_POSTING`."""

SMALL_POSTING = 8


def _compacted(postings: dict[str, set[str]]) -> dict[str, Posting]:
    """``postings`` made immutable and compact, emptying ``postings``: each word's set is
    dropped as soon as its replacement exists, so the build never holds both in full."""
    out: dict[str, Posting] = {}
    for word in list(postings):
        ids = postings.pop(word)
        out[word] = tuple(sorted(ids)) if len(ids) <= SMALL_POSTING else frozenset(ids)
    return out


@dataclass(frozen=True)
class SearchIndex:
    """Postings from words (and Chinese characters) to entities, for candidates.

    A candidate has, for every query word, an indexed word matching it (exactly, by
    prefix for the last word, or within :func:`max_edits`); for a Chinese query, every
    character of it. Prefixes are found by bisecting the sorted vocabulary, fuzzy
    neighbours through the words' deletions (:class:`store.search_vocabulary.Vocabulary`).
    """

    fields: Mapping[str, tuple[Field, ...]]
    kinds: Mapping[str, str]
    postings: Mapping[str, Posting]
    vocabulary: Vocabulary
    chars: Mapping[str, frozenset[str]]

    @classmethod
    def build(cls, entities: Iterable[Entity]) -> SearchIndex:
        fields: dict[str, tuple[Field, ...]] = {}
        kinds: dict[str, str] = {}
        postings: dict[str, set[str]] = {}
        chars: dict[str, set[str]] = {}
        for entity in entities:
            fs = tuple(search_fields(entity))
            fields[entity.id] = fs
            kinds[entity.id] = entity.kind
            for f in fs:
                for w in f.words:
                    postings.setdefault(w, set()).add(entity.id)
                for ch in f.cjk:
                    chars.setdefault(ch, set()).add(entity.id)
        posted = _compacted(postings)
        return cls(
            fields=MappingProxyType(fields),
            kinds=MappingProxyType(kinds),
            postings=posted,
            vocabulary=Vocabulary.build(posted),
            chars=MappingProxyType({c: frozenset(ids) for c, ids in chars.items()}),
        )

    @classmethod
    def empty(cls) -> SearchIndex:
        return cls.build(())

    def matching_words(self, word: str, last: bool) -> set[str]:
        """The indexed words ``word`` matches (exactly what :func:`word_match` accepts)."""
        return self.vocabulary.matching(word, last)

    def _union(self, words: set[str]) -> set[str]:
        out: set[str] = set()
        for w in words:
            out.update(self.postings[w])
        return out

    def candidates(self, query: Query) -> set[str]:
        return self._candidates(query)[0]

    def _group(self, word: str, last: bool, others: bool) -> _Group:
        """The words ``word`` matches; lazily (:class:`_Prefixed`) when it is being typed,
        begins more than :data:`MEMBERSHIP_WORDS` words and other words find candidates."""
        if last and others and self.vocabulary.prefix_count(word) > MEMBERSHIP_WORDS:
            return _Prefixed(frozenset(self.vocabulary.near(word)), word)
        return self.matching_words(word, last)

    def _size(self, group: _Group) -> float:
        """Postings of a group (a lazy one last: never the starting set)."""
        if isinstance(group, _Prefixed):
            return float("inf")
        return sum(len(self.postings[w]) for w in group)

    def _candidates(self, query: Query) -> tuple[set[str], list[_Group]]:
        """Entities having, for every query word, a word it matches (in any field: the
        scorer then asks for one field). The rarest word's entities are the start; a
        common word filters them by membership rather than by building its whole set."""
        if query.cjk:
            sets = sorted((self.chars.get(ch, frozenset()) for ch in set(query.cjk)), key=len)
            out = set(sets[0]) if sets else set()
            for chars in sets[1:]:
                out &= chars
            return out, []
        last = len(query.words) - 1
        groups = [self._group(w, i == last, last > 0) for i, w in enumerate(query.words)]
        sized = sorted((self._size(g), i) for i, g in enumerate(groups))
        first = groups[sized[0][1]]
        out = self._union(first) if isinstance(first, set) else set()
        for size, i in sized[1:]:
            group = groups[i]
            if not out:
                break
            if isinstance(group, set) and len(group) <= MEMBERSHIP_WORDS:
                postings = [self.postings[w] for w in group]
                out = {e for e in out if any(e in p for p in postings)}
            elif not isinstance(group, set) or len(out) * WORDS_PER_ENTITY < size:
                out = {e for e in out if any(w in group for f in self.fields[e] for w in f.words)}
            else:
                out &= self._union(group)
        if query.compact:
            out |= self._union(self.matching_words(query.compact, True))
        return out, groups

    def _cut(self, query: Query, ids: set[str], limit: int) -> set[str]:
        """The ``limit`` candidates scored out of too many: the exact-word matches, then
        the others, each by id (the first ``limit`` picked without sorting them all)."""
        exact = set().union(*(self.postings.get(w, frozenset()) for w in query.words)) & ids
        if len(exact) >= limit:
            return set(heapq.nsmallest(limit, exact))
        return exact | set(heapq.nsmallest(limit - len(exact), ids - exact))

    def search(self, text: str, allowed: frozenset[str] | None, first: int) -> list[SearchHit]:
        """Hits for ``text`` among entities whose kind is in ``allowed`` (None: all)."""
        query = Query.parse(text)
        if first <= 0 or query.empty:
            return []
        ids, groups = self._candidates(query)
        if allowed is not None:
            ids = {i for i in ids if self.kinds[i] in allowed}
        limit = max(MAX_SCORED, 3 * first)
        if len(ids) > limit:
            ids = self._cut(query, ids, limit)
        if not groups or query.compact:
            return rank(query, ((i, self.fields[i]) for i in ids), first)

        def could_match(f: Field) -> bool:  # every query word has a word in f it matches
            return all(any(w in g for w in f.words) for g in groups)

        return rank(query, ((i, [f for f in self.fields[i] if could_match(f)]) for i in ids), first)
