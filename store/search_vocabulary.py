"""The words a search index holds, and which of them a query word matches.

Both stores need it: the embedded index looks its postings up by these words, and the
Neo4j store turns a query word into the indexed words it matches *before* asking Lucene,
so that Lucene answers term lookups only. (A Lucene fuzzy query, ``word~2``, builds a
Levenshtein automaton for every query word on every request; on the real data that was
most of a search's time, and the longer the word the slower: a run-together query of
forty letters cost 20 ms before it matched anything.)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

LONG_WORD = 12
"""Words longer than this are not indexed by their deletions (a word of 40 letters has
780 with two letters gone) but kept by length, and compared directly: few words are that
long, and a query word's neighbours are within two letters of its length."""
MAX_PREFIX_WORDS = 4096
"""Indexed words a prefix expands to at most (a one-letter prefix of a large vocabulary
matches tens of thousands)."""


@lru_cache(maxsize=65536)
def max_edits(word: str) -> int:
    """How many edits a query word may be away from an indexed word: none for words
    under 4 letters or holding digits ("NIO" does not find "Union", "2025" not "2026"),
    1 for 4 to 7 letters, 2 from 8."""
    if len(word) < 4 or any(ch.isdigit() for ch in word):
        return 0
    return 1 if len(word) <= 7 else 2


def indexed_edits(length: int) -> int:
    """Deletions indexed for a word of ``length`` letters: enough for every query word
    that may be :func:`max_edits` away from it (4-7 letters: 1 edit, 8+: 2)."""
    if length >= 6:
        return 2
    return 1 if length >= 3 else 0


def deletions(word: str, edits: int) -> set[str]:
    """``word`` with up to ``edits`` letters deleted (itself included): two words within
    ``edits`` edits always share one (the symmetric-delete method), so fuzzy neighbours
    are found by lookups instead of comparing against the whole vocabulary."""
    out = {word}
    frontier = {word}
    for _ in range(edits):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w)) if len(w) > 1}
        out |= frontier
    return out


@dataclass(frozen=True)
class Vocabulary:
    """Indexed words, sorted (for prefixes), and their deletions (for fuzzy neighbours)."""

    words: tuple[str, ...]
    known: frozenset[str]
    by_deletion: Mapping[str, tuple[str, ...]]
    by_length: Mapping[int, tuple[str, ...]]

    @classmethod
    def build(cls, words: Iterable[str]) -> Vocabulary:
        ordered = tuple(sorted(set(words)))
        by_deletion: dict[str, list[str]] = {}
        by_length: dict[int, list[str]] = {}
        for w in ordered:
            if any(ch.isdigit() for ch in w):
                continue  # never a fuzzy match: query words with digits are exact
            by_length.setdefault(len(w), []).append(w)
            if len(w) <= LONG_WORD:
                for d in deletions(w, indexed_edits(len(w))):
                    by_deletion.setdefault(d, []).append(w)
        return cls(
            words=ordered,
            known=frozenset(ordered),
            by_deletion={d: tuple(ws) for d, ws in by_deletion.items()},
            by_length={n: tuple(ws) for n, ws in by_length.items()},
        )

    def prefixed(self, word: str, limit: int | None = None) -> list[str]:
        """Indexed words beginning with ``word`` (at most ``limit``), in order."""
        out: list[str] = []
        i = bisect_left(self.words, word)
        while i < len(self.words) and self.words[i].startswith(word):
            if limit is not None and len(out) >= limit:
                break
            out.append(self.words[i])
            i += 1
        return out

    def prefix_count(self, word: str) -> int:
        """How many indexed words begin with ``word`` (two bisections, none listed)."""
        return bisect_left(self.words, word + "\U0010ffff") - bisect_left(self.words, word)

    def near(self, word: str) -> set[str]:
        """Indexed words within :func:`max_edits` of ``word`` (optimal string alignment,
        a swap of two neighbouring letters being one edit), ``word`` itself included
        when indexed."""
        edits = max_edits(word)
        found = {word} if word in self.known else set()
        if not edits:
            return found
        lengths = range(len(word) - edits, len(word) + edits + 1)
        if len(word) <= LONG_WORD:
            close = {w for d in deletions(word, edits) for w in self.by_deletion.get(d, ())}
            found |= {w for w in close if OSA.distance(word, w, score_cutoff=edits) <= edits}
            lengths = range(LONG_WORD + 1, len(word) + edits + 1)
        for n in lengths:
            bucket = self.by_length.get(n, ())
            hits = process.extract(
                word, bucket, scorer=OSA.distance, score_cutoff=edits, limit=None
            )
            found.update(str(choice) for choice, _, _ in hits)
        return found

    def matching(self, word: str, last: bool) -> set[str]:
        """The indexed words ``word`` matches: exactly, within its edits, and when it is
        the last word of the query (the one being typed) by prefix."""
        found = self.near(word)
        if last:
            found.update(self.prefixed(word))
        return found
