"""Screening: which listed or exposed entities a list of names (a supplier file, a
counterparty list) may refer to, with the evidence of each match.

A compliance analyst screens names every day: for each input (a name, optionally a
country and identifiers), the best candidates in the graph with a score and the features
that matched, the listings that name each candidate on a date (policy, since when, until
when, the citation), and its exposure to a chosen set of policies with the chain of facts
that explains it (:func:`store.analysis.suppliers_exposed_to`, one call per policy).

Matching reads names through :mod:`ontology.names`, as entity resolution does:

* a Wikidata id given as an identifier and held by the entity: 0.99;
* a shared name key (legal form, case and punctuation removed): 0.95 for a distinctive key,
  0.86 for a short one ("ZTE"), 0.05 less when the key is one of the entity's aliases;
* a key the entity holds only once its place qualifier is dropped (the input "SMIC
  Corporation" and the entry "Semiconductor Manufacturing International (Beijing)"): 0.08
  less;
* the same name core ("Sunway" and "Sunway Microelectronics"): 0.82;
* otherwise a fuzzy match of the names' words (rapidfuzz ``token_sort_ratio`` over the
  entities that share a word with the input): ratio x 0.85, kept from ratio 0.8;
* the country: +0.04 when the input's country is where the entity is headquartered,
  -0.3 when the entity is headquartered elsewhere (a country the graph does not know by
  that name is no evidence either way).

Screening only reads: it takes one snapshot of the store to build its name index and
asks the store for listings and exposures; nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from ontology.model import Entity, Graph
from ontology.names import core_key, name_keys, token_set
from ontology.schema import Schema
from store import analysis
from store.base import Direction, GraphStore

LISTING, HEADQUARTERS = "ListingRole", "HeadquartersRole"
"""Relation roles (``ts:relationRole``): a list naming a party, an organization's seat."""
SCREENED_KINDS = ("Organization", "Person")
"""Kinds screening matches against (those a list names)."""
KEY, SHORT_KEY, ALIAS_PENALTY = 0.95, 0.86, 0.05
CORE = 0.82
QUALIFIED_PENALTY = 0.08
FUZZY_WEIGHT, FUZZY_FLOOR = 0.85, 80.0
COUNTRY_AGREES, COUNTRY_CONTRADICTS = 0.04, -0.3
MAX_WORD_FREQUENCY = 150
"""Words more entities than this share ("china", "technology") do not propose candidates."""
DEFAULT_THRESHOLD = 0.7
DEFAULT_CANDIDATES = 3


@dataclass(frozen=True)
class ScreenInput:
    """One name to screen, as a supplier file gives it."""

    name: str
    country: str | None = None
    identifiers: tuple[str, ...] = ()
    row: int | None = None


@dataclass(frozen=True)
class Listing:
    """A ``names`` fact: the policy that lists the candidate, and when."""

    policy: str
    policy_name: str
    relation: str
    valid_from: date | None
    valid_to: date | None
    citation: str | None


@dataclass(frozen=True)
class PolicyExposure:
    """How one chosen policy reaches a candidate (:class:`store.analysis.Exposure`)."""

    policy: str
    exposure: analysis.Exposure


@dataclass(frozen=True)
class ScreenCandidate:
    entity: str
    name: str
    kind: str
    score: float
    features: tuple[str, ...]
    countries: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    exposures: tuple[PolicyExposure, ...] = ()


@dataclass(frozen=True)
class ScreenResult:
    input: ScreenInput
    candidates: tuple[ScreenCandidate, ...]


@dataclass
class ScreeningIndex:
    """Name keys, cores and words of every screened entity, and where each is based."""

    entities: dict[str, Entity]
    by_key: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    official: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_core: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_word: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    words: dict[str, str] = field(default_factory=dict)
    countries: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    qids: dict[str, str] = field(default_factory=dict)
    qualified: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    known_countries: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, graph: Graph, schema: Schema) -> ScreeningIndex:
        wanted = {e.id: e for e in graph.entities.values() if schema.is_any(e.kind, SCREENED_KINDS)}
        index = cls(wanted)
        for e in wanted.values():
            own = [e.name, *(n.value for n in e.names)]
            plain: set[str] = set()
            for text in own:
                for key in name_keys(text):
                    index.official[key.text].add(e.id)
            for text in (*own, *e.aliases):
                for key in name_keys(text):
                    index.by_key[key.text].add(e.id)
                    if key.qualified:
                        index.qualified[e.id].add(key.text)
                    else:
                        plain.add(key.text)
                if core := core_key(text):
                    index.by_core[core].add(e.id)
            index.qualified[e.id] -= plain
            tokens = token_set([*own, *e.aliases])
            index.words[e.id] = " ".join(sorted(tokens))
            for token in tokens:
                index.by_word[token].add(e.id)
            if e.wikidata:
                index.qids[e.wikidata] = e.id
        seats = set(schema.with_role(HEADQUARTERS))
        for rel in graph.relations.values():
            if rel.type in seats and rel.source in wanted:
                place = graph.entities.get(rel.target)
                if place is not None:
                    names = {n.lower() for n in place.all_names()}
                    index.countries[rel.source] |= names
                    index.known_countries |= names
        return index

    def match(self, item: ScreenInput) -> dict[str, tuple[float, list[str]]]:
        """Candidate entity ids with their score and the features that gave it."""
        found: dict[str, tuple[float, list[str]]] = {}

        def offer(eid: str, score: float, feature: str) -> None:
            if eid not in found or found[eid][0] < score:
                found[eid] = (score, [feature])

        for ident in item.identifiers:
            if (eid := self.qids.get(ident.strip())) is not None:
                offer(eid, 0.99, f"same Wikidata id {ident.strip()} (+0.99)")
        for key in name_keys(item.name):
            for eid in self.by_key.get(key.text, ()):
                base = KEY if key.distinctive else SHORT_KEY
                if key.text in self.qualified.get(eid, ()):
                    base -= QUALIFIED_PENALTY
                    offer(eid, base, f"name {key.text!r} without its place qualifier (+{base:.2f})")
                elif eid in self.official.get(key.text, ()):
                    offer(eid, base, f"same name {key.text!r} (+{base:.2f})")
                else:
                    offer(eid, base - ALIAS_PENALTY, f"alias {key.text!r} (+{base - 0.05:.2f})")
        if core := core_key(item.name):
            for eid in self.by_core.get(core, ()):
                offer(eid, CORE, f"same core {core!r} (+{CORE:.2f})")
        self._fuzzy(item, offer)
        if item.country and item.country.strip().lower() in self.known_countries:
            wanted = item.country.strip().lower()
            for eid, (score, features) in list(found.items()):
                based = self.countries.get(eid)
                if not based:
                    continue
                if wanted in based:
                    features.append(f"same country {item.country} (+{COUNTRY_AGREES:.2f})")
                    found[eid] = (score + COUNTRY_AGREES, features)
                else:
                    features.append(f"based elsewhere ({COUNTRY_CONTRADICTS:+.2f})")
                    found[eid] = (score + COUNTRY_CONTRADICTS, features)
        return found

    def _fuzzy(self, item: ScreenInput, offer: Callable[[str, float, str], None]) -> None:
        tokens = token_set([item.name])
        pool: set[str] = set()
        for token in tokens:
            holders = self.by_word.get(token, set())
            if len(holders) <= MAX_WORD_FREQUENCY:
                pool |= holders
        query = " ".join(sorted(tokens))
        for eid in pool:
            ratio = fuzz.token_sort_ratio(query, self.words[eid])
            if ratio >= FUZZY_FLOOR:
                score = round(ratio / 100 * FUZZY_WEIGHT, 3)
                offer(eid, score, f"similar name {ratio / 100:.2f} (+{score:.2f})")


def screen(
    store: GraphStore,
    schema: Schema,
    inputs: Sequence[ScreenInput],
    *,
    as_of: date | None = None,
    policies: Sequence[str] = (),
    max_depth: int = 2,
    candidates: int = DEFAULT_CANDIDATES,
    threshold: float = DEFAULT_THRESHOLD,
    index: ScreeningIndex | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ScreenResult]:
    """Screen ``inputs`` (see the module docstring); ``progress`` is called with the
    number of inputs matched so far."""
    index = index or ScreeningIndex.of(store.snapshot(), schema)
    matched: list[list[tuple[str, float, tuple[str, ...]]]] = []
    for i, item in enumerate(inputs, start=1):
        scored = index.match(item)
        best = sorted(
            ((eid, round(min(s, 0.99), 3), tuple(f)) for eid, (s, f) in scored.items()),
            key=lambda t: (-t[1], t[0]),
        )
        matched.append([t for t in best if t[1] >= threshold][:candidates])
        if progress is not None:
            progress(i)
    wanted = sorted({eid for found in matched for eid, _, _ in found})
    listings = _listings(store, schema, wanted, as_of)
    exposures = _exposures(store, schema, policies, set(wanted), max_depth, as_of)
    results = []
    for item, found in zip(inputs, matched, strict=True):
        cands = []
        for eid, score, features in found:
            e = index.entities[eid]
            cands.append(
                ScreenCandidate(
                    eid,
                    e.name,
                    e.kind,
                    score,
                    features,
                    tuple(sorted(index.countries.get(eid, ()))),
                    tuple(listings.get(eid, ())),
                    tuple(exposures.get(eid, ())),
                )
            )
        results.append(ScreenResult(item, tuple(cands)))
    return results


def _listings(
    store: GraphStore, schema: Schema, ids: Sequence[str], as_of: date | None
) -> dict[str, list[Listing]]:
    if not ids:
        return {}
    rels = store.edges(list(ids), schema.with_role(LISTING), Direction.IN, as_of)
    policies = store.entities(sorted({r.source for r in rels}))
    out: dict[str, list[Listing]] = defaultdict(list)
    for r in sorted(rels, key=lambda r: (r.target, r.source, r.valid_from or date.min, r.id)):
        citation = r.properties.get("citation")
        out[r.target].append(
            Listing(
                r.source,
                policies[r.source].name if r.source in policies else r.source,
                r.id,
                r.valid_from,
                r.valid_to,
                str(citation) if citation is not None else None,
            )
        )
    return out


def _exposures(
    store: GraphStore,
    schema: Schema,
    policies: Iterable[str],
    wanted: set[str],
    max_depth: int,
    as_of: date | None,
) -> dict[str, list[PolicyExposure]]:
    out: dict[str, list[PolicyExposure]] = defaultdict(list)
    if not wanted:
        return out
    for policy in policies:
        found = analysis.suppliers_exposed_to(
            store, schema, policy, max_depth=max_depth, as_of=as_of, first=1_000_000
        )
        for exposure in found:
            if exposure.supplier in wanted:
                out[exposure.supplier].append(PolicyExposure(policy, exposure))
    return out
