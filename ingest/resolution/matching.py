"""Scored candidate matches between entities of different sources, and the clusters they
form under the analyst's decisions.

**Scores** (0..1) add up the contributions of the evidence two records share; every
contribution is reported (``techsov resolve --report``), so a merge can be read as the
sum of its reasons. For two entities of the same family (organizations, jurisdictions,
policies, technologies) from different tables:

* *identifiers*: the same Wikidata id scores 0.99; different Wikidata ids forbid the
  merge; jurisdictions with the same ISO country code score 0.99;
* *name*: a shared *distinctive* name key (two words or more, or eight letters; see
  :mod:`ontology.names`) scores 0.95, a shared short key ("SMIC", "NAURA") 0.86; a key
  met only through a list alias 0.07 less (list aliases hold trade names, former names and
  front companies);
* *full name*: two names written alike with their legal form ("ZTE Corporation" on two
  lists) add 0.05 to a short key;
* *core*: failing a shared key, a shared name core (legal form, trade words and a
  qualifying place removed: "Sunway" and "Sunway Microelectronics") scores 0.88 when the
  core belongs to one entry only of each table; a core several entries share (a parent
  and its "(Beijing)" subsidiaries) is no evidence of which one is meant;
* *country*: +0.03 (distinctive key) or +0.06 (short key, core) when both countries are
  known and agree, -0.35 when they contradict;
* *city*: the cities the addresses name: +0.02 when they share one, -0.1 when both name
  cities and none is shared;
* *citation*: +0.02 when both entries cite the same Federal Register rule;
* *ambiguity*: a key that several entries of one table share ("Huawei" as an alias of
  many affiliates) cannot identify one of them: the score is capped below the merge
  threshold;
* otherwise, names sharing words: a near miss scored from the overlap of their words and
  their similarity (rapidfuzz), at most 0.85, never merged without a decision.

A parent and its subsidiary (a ``subsidiaryOf`` fact of any source) are never merged.

**Clusters.** Pairs at or above :data:`AUTO_MERGE` are merged best first, but never two
clusters that hold entries of the same table (a list names each entity once: two of its
entries are two entities), nor two with different Wikidata ids, nor two that a
``not-same-as`` decision or a parent link separates. ``same-as`` decisions are applied
first and override everything but a ``not-same-as``. A wrong merge is worse than a missed
one, so everything uncertain is left as a candidate for the report. The thresholds are
tuned on the labelled pairs (:mod:`ingest.resolution.evaluation`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ingest.importers.common import Place, Record
from ingest.importers.countries import same_or_compatible
from ingest.importers.registry import trusted_alias_sources
from ingest.resolution.names import NameKey, all_keys, core_key, full_form, token_set
from ontology.names import PLACE_WORDS

AUTO_MERGE = 0.9
"""Pairs scoring at least this merge without a decision."""
REVIEW = 0.5
"""Pairs scoring at least this (and below :data:`AUTO_MERGE`) are listed for review."""
# Sources whose aliases are as good as names (registry.trusted_alias_sources): curated by
# analysts, or an importer that declares so (full names of a short provider name). List
# aliases also hold trade names, former names, parents' brands and front companies, so a
# match through one needs the countries to agree. (Only organizations' aliases come from
# list entries; importers name policies, countries and technologies themselves.)
MAX_TOKEN_FREQUENCY = 40
"""Words used by more entities than this are too common to propose a near miss."""

NAME, SHORT_NAME, ALIAS_PENALTY = 0.95, 0.86, 0.07
FULL_FORM = 0.05
CORE, CORE_ALIAS = 0.88, 0.80
COUNTRY_AGREES, COUNTRY_AGREES_WEAK, COUNTRY_CONTRADICTS = 0.03, 0.06, -0.35
CITY_AGREES, CITY_CONTRADICTS = 0.02, -0.1
SAME_CITATION = 0.02
QUALIFIED_PENALTY = 0.04
_WORDS = re.compile(r"[a-z]+")


def address_cities(address: str | None) -> frozenset[str]:
    """Chinese cities and provinces an address names (the lists' addresses are free text)."""
    if not address:
        return frozenset()
    words = set(_WORDS.findall(address.lower().replace("xi'an", "xian")))
    return frozenset(w for w in words & PLACE_WORDS if len(w) > 2 and w not in {"hong", "kong"})


@dataclass
class Member:
    """One entity record of one source, as resolution sees it."""

    uid: str  # "<source>/<record id>": unique across sources
    ref: str  # the key analysts use in the decisions file
    source: str  # curated, eto, us-lists, opensanctions
    group: str  # the table or list it is an entry of
    family: str | None  # organization, jurisdiction, policy, technology (None: not resolved)
    country: str | None
    record: Record
    place: Place | None = None
    address: str | None = None
    citation: str | None = None
    keys: dict[str, NameKey] = field(default_factory=dict)
    official: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()
    cores: frozenset[str] = frozenset()
    official_cores: frozenset[str] = frozenset()
    full_forms: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        own = [self.record["name"], *self.record.get("names", {}).values()]
        aliases = list(self.record.get("aliases", []))
        self.keys = all_keys([*own, *aliases])
        trusted_aliases = self.source in trusted_alias_sources() or self.family != "organization"
        trusted = own + (aliases if trusted_aliases else [])
        self.official = frozenset(all_keys(trusted))
        self.tokens = token_set([*own, *aliases])
        if self.family == "organization":
            self.official_cores = frozenset(c for n in trusted if (c := core_key(n)))
            self.cores = self.official_cores | {c for n in aliases if (c := core_key(n))}
            self.full_forms = frozenset(f for n in trusted if (f := full_form(n)))
            self.cities = address_cities(self.address)

    @property
    def name(self) -> str:
        return str(self.record["name"])


@dataclass(frozen=True)
class Candidate:
    a: str  # member uids, a < b
    b: str
    score: float
    reasons: tuple[str, ...]

    @property
    def forbidden(self) -> bool:
        """A pair that evidence (different Wikidata ids, a parent link) says is two
        entities."""
        return self.score <= 0.0


@dataclass
class Ambiguity:
    """Name keys and cores that several entries of one table hold."""

    keys: set[tuple[str, str]] = field(default_factory=set)  # (member uid, key)
    cores: set[tuple[str, str]] = field(default_factory=set)  # (member uid, core)
    forms: set[tuple[str, str]] = field(default_factory=set)  # (member uid, full form)


class _Evidence:
    """Contributions to one pair's score, each kept with its reason."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, float]] = []

    def add(self, reason: str, value: float) -> None:
        self.parts.append((reason, value))

    @property
    def score(self) -> float:
        return sum(v for _, v in self.parts)

    def reasons(self) -> tuple[str, ...]:
        return tuple(f"{r} ({v:+.2f})" if v else r for r, v in self.parts)


def _best_key(a: Member, b: Member, shared: set[str]) -> str:
    return max(
        shared,
        key=lambda k: (
            k in a.official and k in b.official,
            a.keys[k].distinctive and b.keys[k].distinctive,
            len(k),
            k,
        ),
    )


def _key_evidence(a: Member, b: Member, ambiguous: Ambiguity) -> tuple[_Evidence, str] | None:
    shared = set(a.keys) & set(b.keys)
    if not shared:
        return None
    ev = _Evidence()
    key = _best_key(a, b, shared)
    distinctive = a.keys[key].distinctive and b.keys[key].distinctive
    sides = (key in a.official) + (key in b.official)
    what = "name" if distinctive else "short name"
    base = NAME if distinctive else SHORT_NAME
    if sides == 2:
        ev.add(f"same {what} {key!r}", base)
    elif sides == 1:
        ev.add(f"{what} {key!r} via an alias", base - ALIAS_PENALTY)
    else:
        ev.add(f"{what} {key!r} via aliases on both sides", base - 2 * ALIAS_PENALTY)
    if a.keys[key].qualified != b.keys[key].qualified:
        ev.add(f"{key!r} only once a place qualifier is dropped", -QUALIFIED_PENALTY)
    if (a.uid, key) in ambiguous.keys or (b.uid, key) in ambiguous.keys:
        ev.add(f"{key!r} is shared by several entries of one table", 0.0)
        ev.parts.append(("cap", -1.0))
    return ev, ("name" if distinctive and sides == 2 else "short")


def _full_form_evidence(a: Member, b: Member, ambiguous: Ambiguity) -> tuple[_Evidence, str] | None:
    forms = {
        f
        for f in a.full_forms & b.full_forms
        if (a.uid, f) not in ambiguous.forms and (b.uid, f) not in ambiguous.forms
    }
    if not forms:
        return None
    ev = _Evidence()
    ev.add(f"same full name {min(forms)!r}", NAME + FULL_FORM - 0.04)
    return ev, "name"


def _core_evidence(a: Member, b: Member, ambiguous: Ambiguity) -> tuple[_Evidence, str] | None:
    cores = a.cores & b.cores
    if not cores:
        return None
    ev = _Evidence()
    core = max(cores, key=lambda c: (c in a.official_cores and c in b.official_cores, len(c), c))
    if (a.uid, core) in ambiguous.cores or (b.uid, core) in ambiguous.cores:
        ev.add(f"same core {core!r}", CORE_ALIAS)
        ev.add(f"core {core!r} is shared by several entries of one table", 0.0)
        ev.parts.append(("cap", -1.0))
    elif core in a.official_cores and core in b.official_cores:
        ev.add(f"same core {core!r}", CORE)
    else:
        ev.add(f"core {core!r} via an alias", CORE_ALIAS)
    return ev, "core"


def _name_evidence(a: Member, b: Member, ambiguous: Ambiguity, ev: _Evidence) -> str | None:
    """The strongest name evidence (a shared key, the same full name, a shared core) into
    ``ev``; returns its strength ("name", "short", "core") or None when none is shared."""
    found = [
        e
        for e in (
            _key_evidence(a, b, ambiguous),
            _full_form_evidence(a, b, ambiguous),
            _core_evidence(a, b, ambiguous),
        )
        if e is not None
    ]
    if not found:
        return None

    def strength(item: tuple[_Evidence, str]) -> float:
        capped = any(r == "cap" for r, _ in item[0].parts)
        return min(item[0].score + 1.0, AUTO_MERGE - 0.05) if capped else item[0].score

    best, kind = max(found, key=strength)
    ev.parts.extend(best.parts)
    return kind


def _context_evidence(a: Member, b: Member, strength: str, ev: _Evidence) -> None:
    country = same_or_compatible(a.country, b.country)
    if country is True:
        strong = strength == "name"
        ev.add(f"same country {a.country}", COUNTRY_AGREES if strong else COUNTRY_AGREES_WEAK)
    elif country is False:
        ev.add(f"different countries {a.country} and {b.country}", COUNTRY_CONTRADICTS)
    if a.cities and b.cities:
        if common := a.cities & b.cities:
            ev.add(f"same city {min(common)}", CITY_AGREES)
        else:
            ev.add(
                f"different cities {', '.join(sorted(a.cities))} and {', '.join(sorted(b.cities))}",
                CITY_CONTRADICTS,
            )
    if a.citation and a.citation == b.citation:
        ev.add(f"same listing citation {a.citation}", SAME_CITATION)


def _finish(ev: _Evidence, cap: float) -> float:
    capped = any(r == "cap" for r, _ in ev.parts)
    ev.parts = [(r, v) for r, v in ev.parts if r != "cap"]
    score = min(ev.score, 0.99)
    return min(score, cap) if capped else score


def score_pair(a: Member, b: Member, ambiguous: Ambiguity) -> Candidate | None:
    """The candidate match of two members, or None when nothing links them."""
    first, second = (a, b) if a.uid < b.uid else (b, a)

    def result(score: float, reasons: tuple[str, ...]) -> Candidate:
        return Candidate(first.uid, second.uid, round(max(0.0, min(score, 0.99)), 3), reasons)

    qa, qb = a.record.get("wikidata"), b.record.get("wikidata")
    if qa and qb:
        if qa == qb:
            return result(0.99, (f"same Wikidata id {qa} (+0.99)",))
        return result(0.0, (f"different Wikidata ids {qa} and {qb}",))
    if a.family == "jurisdiction" and a.country and b.country:
        if same_or_compatible(a.country, b.country):
            return result(0.99, (f"same country code {a.country} (+0.99)",))
        return None
    ev = _Evidence()
    strength = _name_evidence(a, b, ambiguous, ev)
    if strength is not None:
        _context_evidence(a, b, strength, ev)
        return result(_finish(ev, AUTO_MERGE - 0.05), ev.reasons())
    return _near_miss(a, b)


def _near_miss(a: Member, b: Member) -> Candidate | None:
    first, second = (a, b) if a.uid < b.uid else (b, a)
    common = a.tokens & b.tokens
    if not common:
        return None
    overlap = len(common) / len(a.tokens | b.tokens)
    contained = a.tokens <= b.tokens or b.tokens <= a.tokens
    if overlap < 0.5 and not contained:
        return None
    similarity = fuzz.token_set_ratio(" ".join(sorted(a.tokens)), " ".join(sorted(b.tokens)))
    ev = _Evidence()
    ev.add(f"shared words {', '.join(sorted(common))}", 0.35 + 0.5 * overlap)
    if contained:
        ev.add("one name's words contain the other's", 0.1)
    ev.add(f"name similarity {similarity / 100:.2f}", 0.0)
    country = same_or_compatible(a.country, b.country)
    if country is False:
        ev.add(f"different countries {a.country} and {b.country}", -0.2)
    score = min(0.85, ev.score)
    return Candidate(first.uid, second.uid, round(max(0.0, score), 3), ev.reasons())


def _ambiguity(members: Sequence[Member]) -> Ambiguity:
    out = Ambiguity()
    for attr, target in (("keys", out.keys), ("cores", out.cores), ("full_forms", out.forms)):
        holders: dict[tuple[str | None, str], list[Member]] = defaultdict(list)
        for m in members:
            for key in getattr(m, attr):
                holders[(m.family, key)].append(m)
        for (_, key), found in holders.items():
            per_group: dict[str, int] = defaultdict(int)
            plain: dict[str, int] = defaultdict(int)
            for m in found:
                per_group[m.group] += 1
                plain[m.group] += attr == "keys" and not m.keys[key].qualified
            for m in found:
                if per_group[m.group] <= 1:
                    continue
                # the one entry that holds a key as written, where the others hold it only
                # once their place qualifier is dropped, is the parent the key names
                if attr == "keys" and plain[m.group] == 1 and not m.keys[key].qualified:
                    continue
                target.add((m.uid, key))
    return out


def candidates(
    members: Sequence[Member],
    *,
    near_miss_sources: set[str],
    apart: set[frozenset[str]] = frozenset(),  # type: ignore[assignment]
) -> list[Candidate]:
    """Scored pairs from different tables of one family. Exact keys and cores are compared
    for all members; word-overlap near misses only where one side comes from
    ``near_miss_sources`` (the curated set and the supply-chain data), so the report stays
    readable. Pairs in ``apart`` (parent links) are reported as forbidden."""
    by_key: dict[tuple[str | None, str], list[Member]] = defaultdict(list)
    by_token: dict[tuple[str | None, str], list[Member]] = defaultdict(list)
    by_country: dict[str, list[Member]] = defaultdict(list)
    for m in members:
        if m.family is None:
            continue
        for key in m.keys:
            by_key[(m.family, key)].append(m)
        for core in m.cores:
            by_key[(m.family, "core:" + core)].append(m)
        for token in m.tokens:
            by_token[(m.family, token)].append(m)
        if m.family == "jurisdiction" and m.country:
            by_country[m.country].append(m)
    ambiguous = _ambiguity([m for m in members if m.family is not None])
    pairs: set[tuple[str, str]] = set()
    index = {m.uid: m for m in members}
    blocks: list[list[Member]] = [*by_key.values(), *by_country.values()]
    for (_, _token), holders in by_token.items():
        if len(holders) <= MAX_TOKEN_FREQUENCY:
            blocks.append(holders)
    out: list[Candidate] = []
    for block in blocks:
        for i, a in enumerate(block):
            for b in block[i + 1 :]:
                if a.group == b.group or a.family != b.family:
                    continue
                pair = (a.uid, b.uid) if a.uid < b.uid else (b.uid, a.uid)
                if pair in pairs:
                    continue
                pairs.add(pair)
                found = score_pair(index[pair[0]], index[pair[1]], ambiguous)
                if found is None:
                    continue
                if frozenset(pair) in apart:
                    found = Candidate(
                        found.a, found.b, 0.0, (*found.reasons, "one is the parent of the other")
                    )
                exact = not found.reasons[0].startswith("shared words")
                if not exact and not ({a.source, b.source} & near_miss_sources):
                    continue
                if found.forbidden or found.score >= REVIEW:
                    out.append(found)
    out.sort(key=lambda c: (-c.score, c.a, c.b))
    return out


@dataclass
class Clusters:
    """Union-find over member uids that keeps each cluster's tables and Wikidata ids."""

    members: dict[str, Member]
    parent: dict[str, str] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)
    qids: dict[str, set[str]] = field(default_factory=dict)
    of: dict[str, set[str]] = field(default_factory=dict)
    evidence: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for uid, m in self.members.items():
            self.parent[uid] = uid
            self.groups[uid] = {m.group}
            qid = m.record.get("wikidata")
            self.qids[uid] = {qid} if qid else set()
            self.of[uid] = {uid}

    def find(self, uid: str) -> str:
        root = uid
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[uid] != root:
            self.parent[uid], uid = root, self.parent[uid]
        return root

    def conflict(self, a: str, b: str, apart: set[frozenset[str]], *, forced: bool) -> str | None:
        """Why the clusters of ``a`` and ``b`` must stay apart, or None."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if any(frozenset({x, y}) in apart for x in self.of[ra] for y in self.of[rb]):
            return "a not-same-as decision separates them"
        if len(self.qids[ra] | self.qids[rb]) > 1:
            return "different Wikidata ids"
        if not forced and self.groups[ra] & self.groups[rb]:
            return "both clusters hold entries of one table"
        return None

    def union(self, a: str, b: str, why: Candidate | None) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, drop = sorted((ra, rb))
        self.parent[drop] = keep
        self.groups[keep] |= self.groups.pop(drop)
        self.qids[keep] |= self.qids.pop(drop)
        self.of[keep] |= self.of.pop(drop)
        self.evidence[keep] += self.evidence.pop(drop, [])
        if why is not None:
            self.evidence[keep].append(why)

    def clusters(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for uid in sorted(self.members):
            out[self.find(uid)].append(uid)
        return dict(out)


def cluster(
    members: Iterable[Member],
    scored: Sequence[Candidate],
    same: Sequence[tuple[str, str]],
    apart: set[frozenset[str]],
) -> tuple[Clusters, list[tuple[str, str, str]]]:
    """Apply ``same`` decisions, then merge scored pairs best first (see the module
    docstring). Returns the clusters and the decisions that could not be applied."""
    found = Clusters({m.uid: m for m in members})
    refused: list[tuple[str, str, str]] = []
    for a, b in same:
        why = found.conflict(a, b, apart, forced=True)
        if why is None:
            low, high = sorted((a, b))
            found.union(a, b, Candidate(low, high, 1.0, ("same-as decision",)))
        else:
            refused.append((a, b, why))
    for cand in scored:
        if cand.score < AUTO_MERGE:
            break
        if found.conflict(cand.a, cand.b, apart, forced=False) is None:
            found.union(cand.a, cand.b, cand)
    return found, refused
