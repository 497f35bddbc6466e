"""The relation types the synthetic generator writes, read through their ontology roles
(``ts:relationRole``), so that the generator states the facts the analyst questions follow:
a new supply or ownership type in the ontology is what the generator writes, with no edit
here (:mod:`ingest.synth`).

A role can be played by several types (``produces`` and ``develops`` are both production);
the generator names the role and the kinds at either end, and gets the most specific type
whose domain and range admit them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology.schema import RelationDef, Schema


def role_types(schema: Schema, role: str, source: str, target: str) -> tuple[str, ...]:
    """The relation types playing ``role`` from a ``source`` kind to a ``target`` kind, the
    most specific first (fewest entity kinds admitted at both ends, then by name)."""

    def admitted(classes: tuple[str, ...]) -> int:
        return sum(1 for k in schema.concrete_kinds if schema.is_any(k, classes))

    def specificity(rdef: RelationDef) -> tuple[int, str]:
        return admitted(rdef.domain) + admitted(rdef.range), rdef.name

    fitting = [
        schema.relations[name]
        for name in schema.with_role(role)
        if schema.is_any(source, schema.relations[name].domain)
        and schema.is_any(target, schema.relations[name].range)
    ]
    return tuple(r.name for r in sorted(fitting, key=specificity))


def role_type(schema: Schema, role: str, source: str, target: str) -> str:
    """The most specific relation type playing ``role`` from ``source`` to ``target``; a
    :class:`ValueError` names the role when the ontology has none."""
    found = role_types(schema, role, source, target)
    if not found:
        raise ValueError(f"the ontology has no {role} relation from {source} to {target}")
    return found[0]


@dataclass(frozen=True)
class SynthRelations:
    """The role-bound relation types of one generation run, resolved once."""

    supply: str  # firm to firm, up the tiers
    production: str  # a firm's output: a product or a technology
    development: tuple[str, ...]  # the other production types of a firm's technology work
    standard_development: str  # a standards body's standard
    use: str  # a product's technologies
    dependence: str  # a firm or a country relying on a technology
    kind_of: str  # the technology taxonomy
    parent: str  # a firm's group parent
    state_owner: str  # a state-owned firm's country
    headquarters: str
    membership: str  # a country in a bloc
    body_membership: str  # a firm in a standards body
    listing: str  # a list or sanction naming a firm
    benefit: str
    market_entry: str
    scope: str  # what a policy targets
    target_jurisdiction: str  # where a policy applies
    rule_of: str
    rule_scope: str
    rule_imposer: str
    rule_jurisdiction: str
    rule_invokes: str
    rule_amends: str

    @classmethod
    def of(cls, schema: Schema) -> SynthRelations:
        def one(role: str, source: str, target: str) -> str:
            return role_type(schema, role, source, target)

        production = one("ProductionRole", "Firm", "Technology")
        return cls(
            supply=one("SupplyRole", "Firm", "Firm"),
            production=production,
            development=tuple(
                t
                for t in role_types(schema, "ProductionRole", "Firm", "Technology")
                if t != production
            ),
            standard_development=one("ProductionRole", "StandardsBody", "Standard"),
            use=one("UseRole", "Product", "Technology"),
            dependence=one("UseRole", "Firm", "Technology"),
            kind_of=one("KindOfRole", "Technology", "Technology"),
            parent=one("OwnershipRole", "Firm", "Firm"),
            state_owner=one("OwnershipRole", "Firm", "Country"),
            headquarters=one("HeadquartersRole", "Firm", "Country"),
            membership=one("MembershipRole", "Country", "Bloc"),
            body_membership=one("MembershipRole", "Firm", "StandardsBody"),
            listing=one("ListingRole", "EntityListing", "Firm"),
            benefit=one("BenefitRole", "Firm", "Policy"),
            market_entry=one("MarketEntryRole", "Firm", "Country"),
            scope=one("ScopeRole", "Policy", "Technology"),
            target_jurisdiction=one("TargetJurisdictionRole", "Policy", "Country"),
            rule_of=one("RuleOfRole", "PolicyRule", "Policy"),
            rule_scope=one("ScopeRole", "PolicyRule", "Technology"),
            rule_imposer=one("ImposerRole", "PolicyRule", "Country"),
            rule_jurisdiction=one("TargetJurisdictionRole", "PolicyRule", "Country"),
            rule_invokes=one("InvokedListRole", "PolicyRule", "EntityListing"),
            rule_amends=one("AmendmentRole", "PolicyRule", "PolicyRule"),
        )
