"""The Bloom perspective's search phrases and scene actions: the analyst questions as
Cypher over the stored graph, with labels and relationship types read from the
:class:`~ontology.schema.Schema` and its relation roles (``ts:relationRole``).

**Which date they answer for.** The engine answers on ``asOf``, today by default. Each
phrase comes twice: as typed without a date it answers for today, as the API does when
``asOf`` is not given; with ``on $asOf`` (a Bloom ``Date`` parameter) it answers for the
date typed, as the API does with ``asOf``:

- "suppliers exposed to $policy" returns the exposure engine's own answer
  (:mod:`store.answers`): the load computes it per policy, under the rule version in force
  that day, and stores it next to the graph. The phrase shows it only when it was computed
  today (``computed_on = date()``); the store recomputes stale answers when it is next
  loaded or started.
- "suppliers exposed to $policy on $asOf" returns the engine's answer for that date: the
  load also stores, per policy, the engine's answers as date intervals over which the
  answer is constant (:mod:`store.answer_timeline`), and the phrase picks the interval
  holding the date (``start <= $asOf < end``, open ends). Cypher never evaluates the rules,
  so there is one statement of them, the engine's. The load spends at most
  :func:`store.answer_timeline.budget_for` evaluations per policy, outwards from the
  load day: where a policy's answer changes more often than that (dense validity dates),
  its intervals cover a range around the load day only, and a date outside it finds no
  interval: the phrase answers nothing rather than a guess (ask the API).
- The other phrases follow only relations valid on the date (``valid_from``/``valid_to``,
  the same interval test as the engine's), like the engine's facts on that date; the path
  phrase, like the API's undirected ``path``, follows any relation at any time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from ontology.schema import ROOT_CLASS, Schema
from store import analysis
from store.neo4j_queries import ANSWER_HASH, ANSWERS_LABEL, INTERVALS_LABEL

ENTITY_CAPTION = "name"
SUPPLY_TIERS = 3
"""Supplier tiers the exposure and supply-chain phrases follow upstream."""
PATH_MAX_LENGTH = 6
"""Longest chain the path phrase looks for (the API's default depth cap)."""
TODAY = "date()"
AS_OF = "$asOf"
"""The date parameter of the dated phrases (a Bloom ``Date``; ``date()`` also reads text)."""
DAY = f"date({AS_OF})"


@dataclass(frozen=True)
class Phrase:
    """A search phrase and, when it starts from one node, the matching scene action."""

    name: str  # the description Bloom shows under the phrase
    text: str  # what the user types, with $param tokens
    params: tuple[tuple[str, str], ...]  # ($name, suggestion label)
    anchor: tuple[str, str]  # (variable, label) of the node the first parameter names
    body: str  # Cypher from the anchor on, returning paths
    action: str | None = None  # scene-action name, if the query makes sense from a node
    start: str = ""  # Cypher binding the anchor(s), when not one node named by $param
    dates: tuple[str, ...] = ()  # $params typed as a Bloom Date, after ``params``

    @property
    def phrase_start(self) -> str:
        var, label = self.anchor
        return self.start or f"MATCH ({var}:{label} {{{ENTITY_CAPTION}: {self.params[0][0]}}})"

    @property
    def action_start(self) -> str:
        var, label = self.anchor
        return f"UNWIND $nodes AS eid\nMATCH ({var}:{label}) WHERE elementId({var}) = eid"


def _types(schema: Schema, *names: str) -> str:
    """``:A|B`` for ontology relation names, in the schema's Neo4j spelling."""
    return ":" + "|".join(schema.relations[n].neo4j_type for n in names)


def _roles(schema: Schema, *roles: str) -> str:
    """``:A|B`` for the relation types playing ``roles`` (``ts:relationRole``)."""
    return _types(schema, *schema.with_role(*roles))


def valid_on(rel: str, day: str = TODAY) -> str:
    """Cypher: relationship ``rel`` is valid on ``day`` (the engine's interval test)."""
    return (
        f"({rel}.valid_from IS NULL OR {rel}.valid_from <= {day}) "
        f"AND ({rel}.valid_to IS NULL OR {day} <= {rel}.valid_to)"
    )


def valid_today(rel: str) -> str:
    """Cypher: relationship ``rel`` is valid today (the engine's interval test)."""
    return valid_on(rel)


def _all_valid(path: str, day: str) -> str:
    return f"all(r IN relationships({path}) WHERE {valid_on('r', day)})"


def _dated(q: Phrase) -> Phrase:
    """``q`` asked for the date the analyst types: no scene action (those start from the
    nodes on the scene, with no date to ask)."""
    return replace(
        q, text=f"{q.text} on {AS_OF}", dates=(AS_OF,), action=None,
        name=q.name.replace("today", "on the date given"),
    )  # fmt: skip


def _stored_answer(schema: Schema, pick: str) -> str:
    """Cypher from a stored answer node ``a`` (picked by ``pick``) to the exposed
    organizations and the facts explaining each, up to :data:`SUPPLY_TIERS`."""
    org = analysis.ORGANIZATION
    all_types = _types(schema, *schema.relation_types)
    return (
        f"{pick}\n"
        "UNWIND range(0, size(a.suppliers) - 1) AS i\n"
        f"WITH a, i WHERE a.depths[i] <= {SUPPLY_TIERS}\n"
        f"MATCH reach = (:{org} {{id: a.suppliers[i]}})\n"
        "CALL (a, i) {\n"
        "    UNWIND range(a.offsets[i], a.offsets[i + 1] - 1) AS j\n"
        f"    MATCH fact = (:{ROOT_CLASS} {{id: a.rel_sources[j]}})"
        f"-[r{all_types}]->(:{ROOT_CLASS} {{id: a.rel_targets[j]}})\n"
        "    WHERE r.id = a.rel_ids[j]\n"
        "    RETURN collect(fact) AS facts\n"
        "}\n"
        "RETURN reach, facts, null AS tier, null AS owner"
    )


def _exposure(schema: Schema) -> Phrase:
    pol = analysis.POLICY
    return Phrase(
        name=(
            "Organizations a policy exposes today under the rule version in force "
            f"(up to {SUPPLY_TIERS} tiers), each with the facts that explain it: the "
            "exposure engine's answer stored with the graph, shown when computed today"
        ),
        text="suppliers exposed to $policy",
        params=(("$policy", pol),),
        anchor=("p", pol),
        body=_stored_answer(
            schema, f"MATCH (a:{ANSWERS_LABEL} {{policy: p.id}}) WHERE a.computed_on = date()"
        ),
        action="Exposed suppliers",
    )


def _exposure_on(schema: Schema) -> Phrase:
    pol = analysis.POLICY
    return Phrase(
        name=(
            "Organizations a policy exposes on the date given under the rule version in "
            f"force that day (up to {SUPPLY_TIERS} tiers), each with the facts that explain "
            "it: the exposure engine's answer for that date, stored with the graph"
        ),
        text=f"suppliers exposed to $policy on {AS_OF}",
        params=(("$policy", pol),),
        dates=(AS_OF,),
        anchor=("p", pol),
        body=_stored_answer(
            schema,
            f"MATCH (d:{INTERVALS_LABEL} {{policy: p.id}})\n"
            f"WHERE (d.valid_from IS NULL OR d.valid_from <= {DAY}) "
            f"AND (d.valid_to IS NULL OR {DAY} < d.valid_to)\n"
            # An interval holding the answers' own day shares the answer node's lists.
            f"OPTIONAL MATCH (t:{ANSWERS_LABEL} {{policy: p.id}}) "
            f"WHERE t.hash = d.{ANSWER_HASH}\n"
            "WITH coalesce(t, d) AS a",
        ),
    )


def _jurisdiction(schema: Schema) -> str:
    return schema.relations[schema.with_role("HeadquartersRole")[0]].range[0]


def _supply_chain(schema: Schema, day: str = TODAY) -> Phrase:
    org, jurisdiction = analysis.ORGANIZATION, _jurisdiction(schema)
    supplies, made = _roles(schema, "SupplyRole"), _roles(schema, "ProductionRole")
    hq = _roles(schema, "HeadquartersRole")
    supplied = schema.relations[schema.with_role("SupplyRole")[0]]
    return Phrase(
        name=(
            f"Suppliers of an organization up to {SUPPLY_TIERS} tiers, what each of them "
            "produces or develops, and where each is headquartered: facts valid today"
        ),
        text="supply chain of $firm",
        params=(("$firm", supplied.range[0]),),
        anchor=("f", org),
        body=(
            f"MATCH chain = (f)<-[{supplies}*0..{SUPPLY_TIERS}]-(o:{org})\n"
            f"WHERE {_all_valid('chain', day)}\n"
            f"OPTIONAL MATCH product = (o)-[m{made}]->() WHERE {valid_on('m', day)}\n"
            f"OPTIONAL MATCH seat = (o)-[h{hq}]->(:{jurisdiction}) WHERE {valid_on('h', day)}\n"
            "RETURN chain, product, seat"
        ),
        action="Supply chain",
    )


def _targets(schema: Schema, day: str = TODAY) -> Phrase:
    pol = analysis.POLICY
    scope, broader = _roles(schema, "ScopeRole"), _roles(schema, "KindOfRole")
    return Phrase(
        name="Technologies and products a policy targets or its rules cover, with their "
        "narrower kinds in the technology taxonomy: facts valid today",
        text="what $policy targets",
        params=(("$policy", pol),),
        anchor=("p", pol),
        body=(
            f"MATCH path = (p)<-[{_roles(schema, 'RuleOfRole')}*0..1]-()-[{scope}]->()"
            f"<-[{broader}*0..]-()\nWHERE {_all_valid('path', day)}\nRETURN path"
        ),
        action="What it targets",
    )


def _path(schema: Schema) -> Phrase:
    all_types = _types(schema, *schema.relation_types)
    return Phrase(
        name=(
            "Shortest chain of facts between two entities, in either direction, "
            f"at most {PATH_MAX_LENGTH} long"
        ),
        text="path from $a to $b",
        params=(("$a", ROOT_CLASS), ("$b", ROOT_CLASS)),
        anchor=("a", ROOT_CLASS),
        start=(
            f"MATCH (a:{ROOT_CLASS} {{{ENTITY_CAPTION}: $a}}), "
            f"(b:{ROOT_CLASS} {{{ENTITY_CAPTION}: $b}})"
        ),
        body=(
            "WHERE a <> b\n"
            f"MATCH path = shortestPath((a)-[{all_types}*..{PATH_MAX_LENGTH}]-(b))\n"
            "RETURN path"
        ),
    )


def _listing(schema: Schema, day: str = TODAY) -> Phrase:
    org, jurisdiction = analysis.ORGANIZATION, _jurisdiction(schema)
    names, hq = _roles(schema, "ListingRole"), _roles(schema, "HeadquartersRole")
    named_label = schema.relations[schema.with_role("ListingRole")[0]].domain[0]
    return Phrase(
        name="Organizations a listing or sanction names today, and where they are headquartered",
        text="who is named by $listing",
        params=(("$listing", named_label),),
        anchor=("l", named_label),
        body=(
            f"MATCH path = (l)-[n{names}]->(o:{org}) WHERE {valid_on('n', day)}\n"
            f"OPTIONAL MATCH seat = (o)-[h{hq}]->(:{jurisdiction}) WHERE {valid_on('h', day)}\n"
            "RETURN path, seat"
        ),
        action="Who it names",
    )


def phrases(schema: Schema) -> list[Phrase]:
    """The analyst questions as Bloom phrases, for today then for a date typed; labels
    and types come from the schema."""
    today = [build(schema) for build in (_exposure, _supply_chain, _targets, _path, _listing)]
    dated = [_dated(build(schema, DAY)) for build in (_supply_chain, _targets, _listing)]
    return [*today, _exposure_on(schema), *dated]


def search_phrase_cypher(schema: Schema) -> dict[str, str]:
    """``{phrase text: Cypher}``: what each generated search phrase runs."""
    return {q.text: f"{q.phrase_start}\n{q.body}" for q in phrases(schema)}


def scene_action_cypher(schema: Schema) -> dict[str, str]:
    """``{action name: Cypher}``: the scene actions, which start from ``$nodes``."""
    return {q.action: f"{q.action_start}\n{q.body}" for q in phrases(schema) if q.action}


def _param(name: str, label: str | None) -> dict[str, Any]:
    """A phrase parameter: a name suggested from the nodes of ``label``, or (no label) a
    date, which Bloom reads into a ``Date`` and offers no suggestions for."""
    return {
        "name": name,
        "dataType": "String" if label else "Date",
        "suggestions": "property" if label else "none",
        "cypher": None,
        "suggestionLabel": label,
        "suggestionProp": ENTITY_CAPTION if label else None,
        "suggestionBoolean": False,
        "collapsed": False,
    }


def template(q: Phrase, created: int) -> dict[str, Any]:
    """The perspective's entry for a search phrase."""
    return {
        "name": q.name,
        "id": f"tmpl:{created}",
        "createdAt": created,
        "text": q.text,
        "cypher": f"{q.phrase_start}\n{q.body}",
        "isUpdateQuery": None,
        "isWriteTransactionChecked": None,
        "params": [_param(pname, label) for pname, label in q.params]
        + [_param(pname, None) for pname in q.dates],
        "hasCypherErrors": False,
    }


def scene_action(
    schema: Schema, q: Phrase, categories: list[dict[str, Any]], created: int
) -> dict[str, Any]:
    """The perspective's entry for a phrase's scene action, on the categories it fits."""
    label = q.anchor[1]
    ids = [c["id"] for c in categories if any(schema.is_a(lbl, label) for lbl in c["labels"])]
    return {
        "name": q.action or "",
        "id": str(uuid.uuid1()),
        "createdAt": created,
        "cypher": f"{q.action_start}\n{q.body}",
        "isUpdateQuery": False,
        "isWriteTransactionChecked": None,
        "categories": ids,
        "relationshipTypes": None,
        "hasCypherErrors": False,
    }
