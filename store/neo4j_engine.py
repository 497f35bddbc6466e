"""Exposure to a policy evaluated by Neo4j: the semantics of :mod:`store.exposure`, at a
cost that follows the answer.

Why it exists: evaluated over the :meth:`GraphStore.edges` primitive, one request made a
round trip per step of every tier and shipped every relation it touched, provenance
included, to return a page of a hundred rows. Here:

- the rule versions of a policy are read once per graph version (:meth:`rule_versions`,
  keyed by :meth:`Neo4jStore.version`);
- the rule's direct reach (its scope, producers, users, named parties, beneficiaries and
  their seats: :func:`store.exposure._direct`, the same code the embedded store runs) reads
  *light* records: ids, types, ends, confidences and the two qualifiers the rules read;
- every supply and ownership tier is one statement (:data:`store.neo4j_exposure.TIERS`)
  that keeps the best path per organization tier by tier and stops at the tier that fills
  the page (exposures are ordered by depth first, so deeper tiers cannot enter it);
- a policy promoting domestic capability walks its tiers in the same statement: each
  tier's new organizations are placed on the server (seat, else owners' seat, and the
  blocs of the seat), and the domestic ones become beneficiaries, not expanded;
- the widest reads of the direct reach are narrowed on the server: producers come back
  with their places (jurisdiction ids, computed there), a rule that cuts no users off
  reads only the uses by products, and one that does reads only the uses and the sales
  (naming an item the seller makes) of organizations in its target jurisdictions, the
  only users it can cut off;
- only the page's paths (and, for a whole evaluation, the beneficiaries') are read in
  full, provenance included, in one more statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, cast

from ontology.errors import StoreUnavailable
from ontology.model import Entity, Relation
from ontology.schema import Schema
from store import neo4j_exposure as qx
from store.base import Direction, GraphStore
from store.exposure import (
    HEADQUARTERS,
    MEMBERSHIP,
    ORGANIZATION,
    OWNERSHIP,
    PRODUCT,
    PRODUCTION,
    SUPPLY,
    USE,
    _direct,
    _Evaluator,
)
from store.exposure_results import Beneficiary, Evaluation, page
from store.paths import Path, best_candidates
from store.rules import RuleVersion, read_versions
from store.sales import made_by, sales_of
from store.tier_borders import cut_off_roots

Read = Callable[[str, Mapping[str, Any]], list[Any]]
Types = Callable[[Sequence[str] | None], list[str]]


class LightRelation:
    """A relation with what the rules read and nothing else (no provenance, no dates).

    Duck-typed as a :class:`Relation` for the evaluation (the attributes and methods it
    reads), built without validation or a model per record — the evaluation builds
    thousands per request — and never leaves the engine: the answer's paths are read in
    full (see :meth:`Neo4jExposureEngine._hydrate`)."""

    __slots__ = ("confidence", "id", "properties", "source", "target", "type")
    provenance: tuple[()] = ()
    valid_from = valid_to = None

    def __init__(
        self, rel_id: str, rel_type: str, source: str, target: str, confidence: float,
        item: Any = None, share: Any = None,
    ) -> None:  # fmt: skip
        self.id, self.type, self.source, self.target = rel_id, rel_type, source, target
        self.confidence = confidence
        self.properties = {} if item is None and share is None else _qualifiers(item, share)

    def valid_at(self, as_of: date | None) -> bool:
        return True  # read valid on the day asked

    def other(self, entity_id: str) -> str:
        return self.target if self.source == entity_id else self.source


def light_relation(m: Mapping[str, Any], type_names: Mapping[str, str]) -> Relation:
    """A :class:`LightRelation` from a map (``id, _type, _source, _target, confidence``
    and the ``item`` and ``share`` qualifiers)."""
    light = LightRelation(m["id"], type_names[m["_type"]], m["_source"], m["_target"],
                          m["confidence"], m.get("item"), m.get("share"))  # fmt: skip
    return cast(Relation, light)


UNBOUNDED = 1_000_000_000
"""A page no walk fills."""


def _entity(b: Beneficiary) -> str:
    return b.entity


def _qualifiers(item: Any, share: Any) -> dict[str, Any]:
    return {k: v for k, v in (("item", item), ("share", share)) if v is not None}


class _Kind:
    """An entity as the evaluation reads it: its id and kind (no model per entity)."""

    __slots__ = ("id", "kind", "name")

    def __init__(self, entity_id: str, kind: str) -> None:
        self.id = self.name = entity_id
        self.kind = kind


class LightReader:
    """The two primitives :class:`store.exposure._Evaluator` reads, answered with light
    records: relations as :func:`light_relation`, entities with their id and kind only
    (the kinds of the ends of every relation read are kept, so most lookups are free)."""

    engine = "neo4j"

    def __init__(self, read: Read, types: Types, type_names: Mapping[str, str]) -> None:
        self._read, self._types, self._names = read, types, type_names
        self._kinds: dict[str, str] = {}  # of the ends of the relations read so far

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
    ) -> list[Relation]:
        if not node_ids:
            return []
        params = {"ids": list(dict.fromkeys(node_ids)), "types": self._types(types), "day": as_of}
        return self._lights(self._read(qx.LIGHT_EDGES[direction.value], params)[0]["rels"])

    def _lights(self, rows: list[list[Any]]) -> list[Relation]:
        kinds, names, out = self._kinds, self._names, []
        for rel_id, rel_type, source, target, conf, item, share, source_kind, target_kind in rows:
            kinds[source], kinds[target] = source_kind, target_kind
            light = LightRelation(rel_id, names[rel_type], source, target, conf, item, share)
            out.append(cast(Relation, light))
        return out

    def read(self, text: str, params: Mapping[str, Any]) -> list[Any]:
        return self._read(text, params)

    def types(self, names: Sequence[str]) -> list[str]:
        return self._types(names)

    def rows(self, rows: list[list[Any]]) -> list[Relation]:
        """Light relations from the rows of a light read (see :data:`qx.LIGHT_EDGES`)."""
        return self._lights(rows)

    def lights(
        self, text: str, ids: Sequence[str], types: Sequence[str], **params: Any
    ) -> list[Relation]:
        """A light read (``text``) of ``types`` from ``ids`` valid on ``day``."""
        if not ids:
            return []
        params = {"day": None, **params, "ids": list(ids), "types": self._types(types)}
        return self._lights(self._read(text, params)[0]["rels"])

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        known = {i: self._kinds[i] for i in ids if i in self._kinds}
        missing = list(dict.fromkeys(i for i in ids if i not in self._kinds))
        if missing:
            for entity_id, kind in self._read(qx.KINDS, {"ids": missing})[0]["kinds"]:
                known[entity_id] = self._kinds[entity_id] = kind
        return {i: cast(Entity, _Kind(i, k)) for i, k in known.items()}


class _ServerEvaluator(_Evaluator):
    """:class:`store.exposure._Evaluator` with its two widest reads answered on the
    server: the places of many organizations (one statement that returns their
    jurisdictions, instead of four that return every seat, parent and membership fact),
    and the sales of the producers (only the facts naming an item they make)."""

    def __init__(self, reader: LightReader, schema: Schema, rule: RuleVersion, day: date,
                 places: Mapping[str, Any]) -> None:  # fmt: skip
        super().__init__(cast(GraphStore, reader), schema, rule, day)
        self.reader, self.place_types = reader, places

    def places(self, orgs: Iterable[str]) -> dict[str, frozenset[str]]:
        wanted = list(orgs)
        todo = sorted(set(wanted) - set(self._places))
        if todo:
            params = {**self.place_types, "ids": todo, "day": self.day}
            for org, places in self.reader.read(qx.PLACES, params)[0]["places"]:
                self._places[org] = frozenset(places)
        return {o: self._places.get(o, frozenset()) for o in wanted}

    def _targeting(self) -> dict[str, Any]:
        """The parameters of the target test (:data:`qx.LIGHT_SALES`)."""
        rule = self.rule
        return {
            **self.place_types,
            "has_targets": bool(rule.targets),
            "targets": sorted(rule.targets),
            "imposers": sorted(rule.imposers),
            "organization": ORGANIZATION,
            "day": self.day,
        }

    def uses(self, items: Iterable[str], dependents: bool) -> list[Relation]:
        ids, types = sorted(set(items)), self.schema.with_role(USE)
        if dependents:
            params = {**self._targeting(), "product": PRODUCT}
            return self.reader.lights(qx.LIGHT_USES_CUT_OFF, ids, types, **params)
        return self.reader.lights(
            qx.LIGHT_USES_BY_PRODUCTS, ids, types, product=PRODUCT, day=self.day
        )

    def producers(self, items: dict[str, Path]) -> list[tuple[str, Path]]:
        if not items:
            return []
        params = {**self.place_types, "ids": sorted(items), "day": self.day}
        params["types"] = self.reader.types(self.schema.with_role(PRODUCTION))
        record = self.reader.read(qx.PRODUCERS, params)[0]
        for org, places in record["places"]:
            self._places.setdefault(org, frozenset(places))
        return [(r.source, (r, *items[r.target])) for r in self.reader.rows(record["rels"])]

    def buyers(
        self, producers: list[tuple[str, Path]], items: dict[str, Path]
    ) -> list[tuple[str, Path]]:
        made = made_by(producers)
        if not made:
            return []
        wares: dict[str, list[str]] = {}
        for org, ware in sorted(made):
            wares.setdefault(org, []).append(ware)
        supply = self.schema.with_role(SUPPLY)
        params = {**self._targeting(), "made": wares}
        sold = self.reader.lights(qx.LIGHT_SALES, list(wares), supply, **params)
        return sales_of(sold, made)


class Neo4jExposureEngine:
    """Evaluates rule versions on one Neo4j database (see the module docstring)."""

    def __init__(
        self,
        read: Read,
        schema: Schema,
        types: Types,
        type_names: Mapping[str, str],
        relation: Callable[[Mapping[str, Any]], Relation],
    ) -> None:
        self._read, self._schema, self._types = read, schema, types
        self._names, self._relation = type_names, relation
        self._rules: dict[tuple[str, str], list[RuleVersion]] = {}

    # ------------------------------------------------------------ rules
    def rule_versions(
        self, store: GraphStore, policy: str, version: str | None
    ) -> list[RuleVersion]:
        """``policy``'s rule versions, read once per graph ``version`` (never cached for a
        graph without one)."""
        if version is None:
            return read_versions(store, self._schema, policy)
        key = (version, policy)
        if key not in self._rules:
            if any(v != version for v, _ in self._rules):
                self._rules.clear()
            self._rules[key] = read_versions(store, self._schema, policy)
        return self._rules[key]

    # ------------------------------------------------------------ exposure
    def evaluate(
        self,
        rule: RuleVersion | None,
        day: date,
        *,
        policy: str | None,
        max_depth: int,
        first: int,
        exposures_only: bool = False,
    ) -> Evaluation:
        """:func:`store.exposure.evaluate`, with the tiers in one statement."""
        if rule is None or not rule.binds:
            return Evaluation(policy, day, rule, [], [], [], [], [])
        # A reader per evaluation: the kinds it learns hold for the graph it reads now.
        max_depth = rule.depth(max_depth)
        reader = LightReader(self._read, self._types, self._names)
        ev = _ServerEvaluator(reader, self._schema, rule, day, self._place_types())
        candidates, benefit, reach = _direct(ev, policy)
        settled = best_candidates(candidates, set(benefit))
        depth_of = dict.fromkeys(settled, 0)
        domestic = rule.direction == "promotes-domestic"
        # Deeper tiers cannot enter the page, but a domestic-promotion rule finds
        # beneficiaries there, which a whole evaluation reports.
        walk_to = first if exposures_only or not domestic else UNBOUNDED
        if settled and max_depth > 0 and len(settled) < walk_to:
            found, home = self._tiers(ev, settled, set(benefit), max_depth, walk_to, domestic)
            for row in found:
                chain = tuple(light_relation(m, self._names) for m in row["chain"])
                settled[row["id"]] = (row["kind"], (*chain, *settled[row["root"]][1]))
                depth_of[row["id"]] = int(row["depth"])
            for row in home:
                chain = tuple(light_relation(m, self._names) for m in row["chain"])
                path = (*chain, *settled[row["root"]][1])
                benefit.setdefault(row["id"], Beneficiary(row["id"], "domestic", path))
        found_ = Evaluation(
            policy=policy,
            as_of=day,
            rule=rule,
            exposures=page(settled, depth_of, first, rule.id, day),
            beneficiaries=[] if exposures_only else sorted(benefit.values(), key=_entity),
            scope=reach.scope,
            named=reach.named,
            jurisdictions=reach.jurisdictions,
        )
        return self._hydrate(found_)

    def _place_types(self) -> dict[str, Any]:
        roles = self._schema.with_role
        return qx.places_params(
            seat=self._types(roles(HEADQUARTERS)),
            ownership=self._types(roles(OWNERSHIP)),
            membership=self._types(roles(MEMBERSHIP)),
        )

    def _tiers(
        self,
        ev: _Evaluator,
        settled: dict[str, tuple[str, Path]],
        benefit: set[str],
        max_depth: int,
        first: int,
        domestic: bool,
    ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
        """The rows of the tiers' organizations: (exposed, domestic beneficiaries)."""
        rule = ev.rule
        params = qx.tier_params(
            roots=sorted((org, len(path)) for org, (_, path) in settled.items()),
            taken=set(settled) | benefit,
            max_depth=max_depth,
            first=first,
            day=ev.day,
            supply=self._types(self._schema.with_role(SUPPLY)),
            ownership=self._types(self._schema.with_role(OWNERSHIP)),
            threshold=rule.ownership_threshold,
            reach=getattr(ev, "reach_items", None),
            organization=ORGANIZATION,
            places=self._place_types(),
            home=set(rule.imposers) | set(rule.targets) if domestic else None,
            cut_roots=cut_off_roots(rule, settled),
            shield=rule.imposers,
        )
        record = self._read(qx.TIERS, params)[0]
        return list(record["found"]), list(record["home"])

    def _hydrate(self, found: Evaluation) -> Evaluation:
        """The page's paths and the beneficiaries' with full relations (one statement)."""
        light = {
            r.id: {"id": r.id, "source": r.source, "target": r.target}
            for path in (
                *(e.path for e in found.exposures),
                *(b.path for b in found.beneficiaries),
            )
            for r in path
            if not r.provenance
        }
        if not light:
            return found
        records = self._read(qx.HYDRATE, qx.hydrate_params(light.values()))
        full = {r.id: r for r in (self._relation(rec["rel"]) for rec in records)}
        missing = sorted(set(light) - set(full))
        if missing:
            raise StoreUnavailable(
                f"the graph changed while the answer was read (relation {missing[0]} is gone);"
                " ask again"
            )

        def whole(path: Path) -> Path:
            return tuple(full.get(r.id, r) if not r.provenance else r for r in path)

        return replace(
            found,
            exposures=[replace(e, path=whole(e.path)) for e in found.exposures],
            beneficiaries=[
                Beneficiary(b.entity, b.reason, whole(b.path)) for b in found.beneficiaries
            ],
        )
