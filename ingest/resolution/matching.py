"""Scored candidate matches between entities of different sources, and the clusters they
form under the analyst's decisions.

**Scores** (0..1), for two entities of the same family (organizations, jurisdictions,
policies, technologies) from different tables:

* the same Wikidata id: 0.99; different Wikidata ids: never the same entity;
* jurisdictions with the same ISO country code: 0.99;
* a shared *distinctive* name key (two words or more, or eight letters; see
  :mod:`ingest.resolution.names`): 0.95, plus 0.03 when the countries agree, minus 0.35
  when they contradict;
* a shared short key ("SMIC", "NAURA"): 0.86, plus 0.06 only when both countries are known
  and agree; short names alone are too ambiguous, so an unknown country leaves it for
  review;
* a key that several entries of one table share ("Huawei" as an alias of many affiliates)
  cannot identify one of them: the score is capped below the merge threshold;
* otherwise, names sharing words: a near miss scored from the overlap of their words,
  at most 0.85, never merged without a decision.

**Clusters.** Pairs at or above :data:`AUTO_MERGE` are merged best first, but never two
clusters that hold entries of the same table (a list names each entity once: two of its
entries are two entities), nor two with different Wikidata ids, nor two that a
``not-same-as`` decision separates. ``same-as`` decisions are applied first and override
everything but a ``not-same-as``. A wrong merge is worse than a missed one, so everything
uncertain is left as a candidate for the report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest.importers.common import Place, Record
from ingest.importers.countries import same_or_compatible
from ingest.resolution.names import NameKey, all_keys, token_set

AUTO_MERGE = 0.9
"""Pairs scoring at least this merge without a decision."""
REVIEW = 0.5
"""Pairs scoring at least this (and below :data:`AUTO_MERGE`) are listed for review."""
TRUSTED_ALIASES = frozenset({"curated", "eto"})
"""Sources whose aliases are as good as names: curated by analysts, or full names of a
short provider name (ETO). List aliases also hold trade names, former names, parents'
brands and front companies, so a match through one needs the countries to agree. (Only
organizations' aliases come from list entries; importers name policies, countries and
technologies themselves.)"""
MAX_TOKEN_FREQUENCY = 40
"""Words used by more entities than this are too common to propose a near miss."""


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
    keys: dict[str, NameKey] = field(default_factory=dict)
    official: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        own = [self.record["name"], *self.record.get("names", {}).values()]
        aliases = list(self.record.get("aliases", []))
        self.keys = all_keys([*own, *aliases])
        trusted_aliases = self.source in TRUSTED_ALIASES or self.family != "organization"
        trusted = own + (aliases if trusted_aliases else [])
        self.official = frozenset(all_keys(trusted))
        self.tokens = token_set([*own, *aliases])

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
        """A pair that evidence (different Wikidata ids) says is two entities."""
        return self.score <= 0.0


def score_pair(a: Member, b: Member, ambiguous: set[tuple[str, str]]) -> Candidate | None:
    """The candidate match of two members, or None when nothing links them."""
    first, second = (a, b) if a.uid < b.uid else (b, a)

    def result(score: float, *reasons: str) -> Candidate:
        return Candidate(first.uid, second.uid, round(max(0.0, min(score, 0.99)), 3), reasons)

    qa, qb = a.record.get("wikidata"), b.record.get("wikidata")
    if qa and qb:
        if qa == qb:
            return result(0.99, f"same Wikidata id {qa}")
        return result(0.0, f"different Wikidata ids {qa} and {qb}")
    country = same_or_compatible(a.country, b.country)
    if a.family == "jurisdiction" and a.country and b.country:
        return result(0.99, f"same country code {a.country}") if country else None
    shared = set(a.keys) & set(b.keys)
    if shared:
        key = max(
            shared,
            key=lambda k: (
                k in a.official and k in b.official,
                a.keys[k].distinctive and b.keys[k].distinctive,
                len(k),
                k,
            ),
        )
        distinctive = a.keys[key].distinctive and b.keys[key].distinctive
        official = key in a.official and key in b.official
        what = "name" if distinctive else "short name"
        reasons = [f"same {what} {key!r}" if official else f"{what} {key!r} via an alias"]
        score = (0.95 if distinctive else 0.86) - (0.0 if official else 0.07)
        if country is True:
            score += 0.03 if distinctive and official else 0.06
            reasons.append(f"same country {a.country}")
        elif country is False:
            score -= 0.35
            reasons.append(f"different countries {a.country} and {b.country}")
        if (a.uid, key) in ambiguous or (b.uid, key) in ambiguous:
            score = min(score, AUTO_MERGE - 0.05)
            reasons.append(f"{key!r} is shared by several entries of one table")
        return result(score, *reasons)
    common = a.tokens & b.tokens
    if not common:
        return None
    overlap = len(common) / len(a.tokens | b.tokens)
    contained = a.tokens <= b.tokens or b.tokens <= a.tokens
    if overlap < 0.5 and not contained:
        return None
    score = min(0.85, 0.35 + 0.5 * overlap + (0.1 if contained else 0.0))
    reasons = [f"shared words {', '.join(sorted(common))}"]
    if contained:
        reasons.append("one name's words contain the other's")
    if country is False:
        score -= 0.2
        reasons.append(f"different countries {a.country} and {b.country}")
    return result(score, *reasons)


def candidates(members: Sequence[Member], *, near_miss_sources: set[str]) -> list[Candidate]:
    """Scored pairs from different tables of one family. Exact keys are compared for all
    members; word-overlap near misses only where one side comes from ``near_miss_sources``
    (the curated set and the supply-chain data), so the report stays readable."""
    by_key: dict[tuple[str | None, str], list[Member]] = defaultdict(list)
    by_token: dict[tuple[str | None, str], list[Member]] = defaultdict(list)
    by_country: dict[str, list[Member]] = defaultdict(list)
    for m in members:
        if m.family is None:
            continue
        for key in m.keys:
            by_key[(m.family, key)].append(m)
        for token in m.tokens:
            by_token[(m.family, token)].append(m)
        if m.family == "jurisdiction" and m.country:
            by_country[m.country].append(m)
    ambiguous: set[tuple[str, str]] = set()
    for (_, key), holders in by_key.items():
        per_group: dict[str, int] = defaultdict(int)
        for m in holders:
            per_group[m.group] += 1
        for m in holders:
            if per_group[m.group] > 1:
                ambiguous.add((m.uid, key))
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
                exact = any(r.startswith(("same ", "different Wikidata")) for r in found.reasons)
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
