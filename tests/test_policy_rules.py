"""Each rule of exposure semantics, pinned on a tiny graph, on both stores.

Every graph here is one the earlier exposure search answered wrongly: it exposed firms to a
policy before the policy existed, counted facts that had ended, listed a policy's own
beneficiaries, never reached the foreign users of a controlled material, followed ``broader``
wherever it led, and explained exposures through headquarters and competitors.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ontology.errors import BadRequest
from ontology.schema import default_schema
from store.analysis import (
    exposure,
    exposure_diff,
    policy_impact,
    shortest_path,
    suppliers_exposed_to,
    what_if,
)
from store.rules import Coverage, RuleVersion
from tests.rule_worlds import add_rule, firm, who, world

SCHEMA = default_schema()
DAY = date(2025, 6, 1)


# --------------------------------------------------------------------------- time


def test_a_policy_exposes_nobody_before_or_after_its_rule_is_in_force(load: Any) -> None:
    b = world()
    firm(b, "foreign-fab", "us", "logic")
    b.entity("plan", "IndustrialPolicy")
    add_rule(b, "plan-v1", "plan", "promotes-domestic", date(2015, 5, 8), end=date(2025, 12, 31),
             covers=["chips"], imposers=["china"], targets=["china"])  # fmt: skip
    store = load(b.build())
    early = exposure(store, SCHEMA, "plan", max_depth=2, as_of=date(2014, 1, 1))
    assert early.exposures == [] and not early.in_force and early.rule_version is None
    during = exposure(store, SCHEMA, "plan", max_depth=2, as_of=DAY)
    assert who(during.exposures) == [("foreign-fab", "technology", 0)]
    assert during.rule_version == "plan-v1" and during.as_of == DAY
    assert suppliers_exposed_to(store, SCHEMA, "plan", max_depth=2, as_of=date(2026, 1, 1)) == []


def test_as_of_defaults_to_today_and_facts_that_ended_never_count(load: Any) -> None:
    b = world()
    firm(b, "delisted", "china")
    firm(b, "listed", "china")
    b.entity("list", "EntityListing")
    b.relation("names", "list", "delisted", valid_from=date(2019, 1, 1), valid_to=date(2021, 1, 1))
    b.relation("names", "list", "listed", valid_from=date(2019, 1, 1))
    add_rule(b, "list-v1", "list", "lists", date(1997, 2, 3), imposers=["us"])
    store = load(b.build())
    found = exposure(store, SCHEMA, "list", max_depth=1)
    assert found.as_of == date.today()
    assert who(found.exposures) == [("listed", "named", 0)]
    assert {e.as_of for e in found.exposures} == {date.today()}
    in_2020 = exposure(store, SCHEMA, "list", max_depth=1, as_of=date(2020, 6, 1))
    assert who(in_2020.exposures) == [("delisted", "named", 0), ("listed", "named", 0)]


def test_suspension_and_rescission_are_versions_that_expose_nobody(load: Any) -> None:
    b = world()
    firm(b, "us-user", "us")
    b.relation("dependsOn", "us-user", "gallium")
    b.entity("ban", "ExportControl")
    add_rule(b, "ban-v1", "ban", "both", date(2024, 12, 3),
             covers=["gallium"], imposers=["china"], targets=["us"])  # fmt: skip
    add_rule(b, "ban-suspended", "ban", "both", date(2025, 11, 9), end=date(2026, 11, 27),
             action="suspends", amends="ban-v1")  # fmt: skip
    add_rule(b, "ban-rescinded", "ban", "both", date(2027, 6, 1), action="rescinds",
             amends="ban-v1")  # fmt: skip
    store = load(b.build())

    def at(day: date) -> tuple[str | None, list[tuple[str, str, int]]]:
        found = exposure(store, SCHEMA, "ban", max_depth=0, as_of=day)
        return found.rule_version, who(found.exposures)

    assert at(date(2025, 1, 1)) == ("ban-v1", [("us-user", "cut-off", 0)])
    assert at(date(2026, 1, 1)) == ("ban-suspended", [])
    assert at(date(2026, 12, 1)) == ("ban-v1", [("us-user", "cut-off", 0)])  # suspension over
    assert at(date(2027, 7, 1)) == ("ban-rescinded", [])


def test_each_exposure_names_the_version_that_produced_it(load: Any) -> None:
    b = world()
    firm(b, "logic-maker", "us", "logic")
    firm(b, "memory-maker", "us", "auto-chips")
    b.entity("ctrl", "ExportControl")
    add_rule(b, "ctrl-2022", "ctrl", "restricts-exporters", date(2022, 10, 7),
             covers=["logic"], imposers=["us"], targets=["china"])  # fmt: skip
    add_rule(b, "ctrl-2024", "ctrl", "restricts-exporters", date(2024, 12, 2), action="amends",
             amends="ctrl-2022", covers=["logic", "auto-chips"], imposers=["us"],
             targets=["china"])  # fmt: skip
    store = load(b.build())
    old = suppliers_exposed_to(store, SCHEMA, "ctrl", max_depth=0, as_of=date(2023, 1, 1))
    new = suppliers_exposed_to(store, SCHEMA, "ctrl", max_depth=0, as_of=DAY)
    assert [(e.supplier, e.rule_version) for e in old] == [("logic-maker", "ctrl-2022")]
    assert sorted((e.supplier, e.rule_version) for e in new) == [
        ("logic-maker", "ctrl-2024"),
        ("memory-maker", "ctrl-2024"),
    ]
    assert [r.id for r in old[0].path] == [
        "logic-maker--produces--logic",
        "ctrl-2022--covers--logic",
        "ctrl-2022--rule-of--ctrl",
    ]
    pinned = exposure(store, SCHEMA, "ctrl", max_depth=0, as_of=DAY, version="ctrl-2022")
    assert who(pinned.exposures) == [("logic-maker", "restricted", 0)]
    with pytest.raises(BadRequest, match="no rule version"):
        exposure(store, SCHEMA, "ctrl", max_depth=0, as_of=DAY, version="ctrl-1999")


# --------------------------------------------------------------------------- beneficiaries


def test_beneficiaries_are_never_exposed_at_any_depth(load: Any) -> None:
    b = world()
    firm(b, "cn-fab", "china", "logic")
    firm(b, "us-fab", "us", "logic")
    firm(b, "tw-fab", "japan", "logic")  # a foreign grant recipient
    firm(b, "nl-toolmaker", "netherlands", "logic")
    firm(b, "cn-supplier", "china")
    firm(b, "jp-supplier", "japan")
    firm(b, "fan", "japan", "logic")
    b.relation("supplies", "cn-supplier", "us-fab")
    b.relation("supplies", "jp-supplier", "us-fab")
    b.relation("benefitsFrom", "fan", "plan")
    b.entity("plan", "IndustrialPolicy")
    add_rule(b, "plan-v1", "plan", "promotes-domestic", date(2015, 1, 1), covers=["chips"],
             imposers=["china"], targets=["china"], exempts=["tw-fab"])  # fmt: skip
    b.entity("eu-act", "IndustrialPolicy")
    add_rule(b, "eu-v1", "eu-act", "promotes-domestic", date(2023, 9, 21), covers=["chips"],
             imposers=["eu"], targets=["eu"])  # fmt: skip
    store = load(b.build())
    found = exposure(store, SCHEMA, "plan", max_depth=2, as_of=DAY)
    assert who(found.exposures) == [
        ("jp-supplier", "supplier", 1),
        ("nl-toolmaker", "technology", 0),
        ("us-fab", "technology", 0),
    ]
    reasons = {x.entity: x.reason for x in found.beneficiaries}
    assert reasons == {
        "cn-fab": "domestic",
        "cn-supplier": "domestic",  # a domestic firm at depth 1 benefits too
        "fan": "benefits-from",
        "tw-fab": "exempted",
    }
    impact = policy_impact(store, SCHEMA, "plan", as_of=DAY)
    assert impact.beneficiaries == ["cn-fab", "fan", "tw-fab"]  # direct reach only
    assert impact.in_force and impact.rule_version == "plan-v1"
    # A member state's firms are domestic to its bloc.
    eu = exposure(store, SCHEMA, "eu-act", max_depth=0, as_of=DAY)
    assert "nl-toolmaker" not in {e.supplier for e in eu.exposures}
    assert "nl-toolmaker" in {x.entity for x in eu.beneficiaries}


def test_a_seat_belongs_to_the_blocs_it_is_a_member_of_but_not_to_their_blocs(
    load: Any,
) -> None:
    b = world()
    b.entity("union", "Bloc")
    b.entity("wider", "Bloc")
    # Read in this order, the second fact once made the first one's member a member of
    # the wider bloc too.
    b.relation("memberOf", "netherlands", "union", id="m1")
    b.relation("memberOf", "union", "wider", id="m2")
    firm(b, "nl-fab", "netherlands", "logic")  # in the union, which is in the wider bloc
    firm(b, "union-office", "union", "logic")  # seated in the union itself
    b.entity("wider-plan", "IndustrialPolicy")
    add_rule(b, "wider-v1", "wider-plan", "promotes-domestic", date(2020, 1, 1),
             covers=["chips"], imposers=["wider"], targets=["wider"])  # fmt: skip
    store = load(b.build())
    found = exposure(store, SCHEMA, "wider-plan", max_depth=1, as_of=DAY)
    assert who(found.exposures) == [("nl-fab", "technology", 0)]
    assert [(x.entity, x.reason) for x in found.beneficiaries] == [("union-office", "domestic")]


def test_a_grant_lists_the_parties_it_names_as_beneficiaries_not_as_named(load: Any) -> None:
    b = world()
    firm(b, "holder", "japan", "logic")
    b.entity("waiver", "Policy")
    b.relation("names", "waiver", "holder")
    add_rule(b, "waiver-v1", "waiver", "grants", date(2022, 10, 1), end=date(2025, 12, 30),
             imposers=["us"], targets=["china"])  # fmt: skip
    store = load(b.build())
    found = exposure(store, SCHEMA, "waiver", max_depth=2, as_of=DAY)
    assert found.exposures == [] and found.in_force
    assert [(x.entity, x.reason) for x in found.beneficiaries] == [("holder", "granted")]
    assert policy_impact(store, SCHEMA, "waiver", as_of=DAY).named_entities == []


# --------------------------------------------------------------------------- direction


def test_an_export_control_reaches_its_own_exporters_and_the_users_abroad(load: Any) -> None:
    b = world()
    firm(b, "cn-smelter", "china", "gallium")
    firm(b, "jp-smelter", "japan", "gallium")  # outside the imposer's reach
    firm(b, "us-gan-fab", "us", "gan-chips")  # makes what gallium goes into
    firm(b, "us-buyer", "us")
    firm(b, "us-bystander", "us", "logic")
    b.relation("supplies", "cn-smelter", "us-buyer", properties={"item": "gallium"})
    b.entity("ctrl", "ExportControl")
    add_rule(
        b, "ctrl-v1", "ctrl", "both", date(2023, 8, 1), covers=["gallium"], imposers=["china"]
    )  # fmt: skip  -- no target: every foreign destination
    store = load(b.build())
    found = exposure(store, SCHEMA, "ctrl", max_depth=0, as_of=DAY)
    assert who(found.exposures) == [
        ("cn-smelter", "restricted", 0),
        ("us-buyer", "cut-off", 0),
        ("us-gan-fab", "cut-off", 0),
    ]
    gan = next(e for e in found.exposures if e.supplier == "us-gan-fab")
    assert [r.id for r in gan.path] == [
        "us-gan-fab--produces--gan-chips",
        "gallium--input-to--gan-chips",
        "ctrl-v1--covers--gallium",
        "ctrl-v1--rule-of--ctrl",
    ]


def test_a_supply_carries_exposure_only_when_its_item_is_within_the_rules_reach(
    load: Any,
) -> None:
    b = world()
    firm(b, "us-designer", "us", "logic")  # a foreign producer of what the act promotes
    firm(b, "cn-battery", "china", "battery")
    firm(b, "tw-foundry", "netherlands", "logic")
    firm(b, "kr-generalist", "japan")
    firm(b, "kr-unknown", "japan")
    b.relation("supplies", "cn-battery", "us-designer", properties={"item": "battery"})
    b.relation("supplies", "tw-foundry", "us-designer", properties={"item": "logic"})
    b.relation("supplies", "kr-generalist", "us-designer", properties={"item": "chips"})
    b.relation("supplies", "kr-unknown", "us-designer")  # what flows is not stated
    b.entity("act", "IndustrialPolicy")
    add_rule(
        b, "act-v1", "act", "promotes-domestic", date(2023, 1, 1),
        covers=["logic"], imposers=["eu"],
    )  # fmt: skip
    store = load(b.build())
    found = exposure(store, SCHEMA, "act", max_depth=1, as_of=DAY)
    # The battery maker sells nothing the act reaches; the broader "chips" may hold logic.
    assert who(found.exposures) == [
        ("kr-generalist", "supplier", 1),
        ("kr-unknown", "supplier", 1),
        ("us-designer", "technology", 0),
    ]
    assert [b.entity for b in found.beneficiaries] == ["tw-foundry"]


# --------------------------------------------------------------------------- taxonomy


def test_broader_is_kind_of_and_components_count_only_where_the_rule_includes_them(
    load: Any,
) -> None:
    b = world()
    firm(b, "carmaker", "us", "ev")
    firm(b, "cellmaker", "us", "battery")
    firm(b, "logic-maker", "us", "logic")
    for pid in ("narrow", "whole", "parts"):
        b.entity(pid, "IndustrialPolicy")
    add_rule(b, "narrow-v1", "narrow", "promotes-domestic", date(2015, 1, 1),
             covers=[("chips", False, False)], imposers=["china"])  # fmt: skip
    add_rule(b, "whole-v1", "whole", "promotes-domestic", date(2015, 1, 1), covers=["ev"],
             imposers=["china"])  # fmt: skip
    add_rule(b, "parts-v1", "parts", "promotes-domestic", date(2015, 1, 1),
             covers=[("ev", True, True)], imposers=["china"])  # fmt: skip
    store = load(b.build())

    def exposed(policy: str) -> list[str]:
        return sorted(
            e.supplier for e in suppliers_exposed_to(store, SCHEMA, policy, max_depth=0, as_of=DAY)
        )

    assert exposed("narrow") == []  # narrower kinds left out: logic is not "chips" itself
    assert exposed("whole") == ["carmaker"]  # a battery is part of an EV, not a kind of one
    assert exposed("parts") == ["carmaker", "cellmaker"]


def test_excluded_kinds_and_the_products_using_them_are_out_of_scope(load: Any) -> None:
    b = world()
    firm(b, "chip-designer", "us")
    firm(b, "carmaker", "china")
    b.entity("drive-chip", "Chip")
    b.relation("develops", "chip-designer", "drive-chip")
    b.relation("uses", "drive-chip", "logic")
    b.relation("uses", "drive-chip", "auto-chips")
    b.relation("supplies", "chip-designer", "carmaker", properties={"item": "drive-chip"})
    b.entity("ctrl", "ExportControl")
    add_rule(b, "ctrl-v1", "ctrl", "both", date(2022, 10, 7), covers=["chips"],
             excludes=["auto-chips"], imposers=["us"], targets=["china"])  # fmt: skip
    store = load(b.build())
    assert suppliers_exposed_to(store, SCHEMA, "ctrl", max_depth=2, as_of=DAY) == []
    # The same rule without the exclusion reaches both sides of the sale.
    base = exposure(store, SCHEMA, "ctrl", max_depth=0, as_of=DAY).rule
    assert base is not None
    rule = RuleVersion(
        id=None, policy="ctrl", direction="both", covers=(Coverage("chips"),),
        imposers=("us",), targets=("china",),
    )  # fmt: skip
    found = what_if(store, SCHEMA, rule, max_depth=0, as_of=DAY)
    assert who(found.exposures) == [
        ("carmaker", "cut-off", 0),
        ("chip-designer", "restricted", 0),
    ]


def test_an_ownership_threshold_names_majority_owned_affiliates(load: Any) -> None:
    b = world()
    firm(b, "listed", "china")
    firm(b, "majority", "china")
    firm(b, "minority", "china")
    b.relation("ownedBy", "majority", "listed", properties={"share": 0.6})
    b.relation("ownedBy", "minority", "listed", properties={"share": 0.2})
    b.entity("list", "EntityListing")
    b.relation("names", "list", "listed")
    add_rule(b, "list-v1", "list", "lists", date(1997, 2, 3), imposers=["us"], threshold=0.5)
    store = load(b.build())
    found = exposure(store, SCHEMA, "list", max_depth=1, as_of=DAY)
    assert who(found.exposures) == [("listed", "named", 0), ("majority", "affiliate", 0)]


def test_a_rule_with_max_tiers_exposes_no_one_beyond_them(load: Any) -> None:
    """A ban on investing in listed firms binds the listed firm (and the affiliates a
    threshold names), not those selling to it; a trade ban's list reaches its suppliers."""
    b = world()
    firm(b, "listed", "china")
    firm(b, "owned", "china")
    firm(b, "vendor", "us")
    firm(b, "vendors-vendor", "japan")
    b.relation("ownedBy", "owned", "listed", properties={"share": 0.6})
    b.relation("supplies", "vendor", "listed")
    b.relation("supplies", "vendors-vendor", "vendor")
    for name, tiers in (("investment-ban", 0), ("one-tier", 1), ("trade-ban", None)):
        b.entity(name, "EntityListing")
        b.relation("names", name, "listed")
        add_rule(b, f"{name}-v1", name, "lists", date(2020, 1, 1), imposers=["us"],
                 threshold=0.5, max_tiers=tiers)  # fmt: skip
    store = load(b.build())
    direct = [("listed", "named", 0), ("owned", "affiliate", 0)]
    found = exposure(store, SCHEMA, "investment-ban", max_depth=3, as_of=DAY)
    assert who(found.exposures) == direct
    found = exposure(store, SCHEMA, "one-tier", max_depth=3, as_of=DAY)
    assert who(found.exposures) == sorted([*direct, ("vendor", "supplier", 1)])
    found = exposure(store, SCHEMA, "trade-ban", max_depth=3, as_of=DAY)
    assert who(found.exposures) == sorted(
        [*direct, ("vendor", "supplier", 1), ("vendors-vendor", "supplier", 2)]
    )
    assert who(suppliers_exposed_to(store, SCHEMA, "investment-ban", max_depth=3, as_of=DAY)) == (
        direct
    )
    rule = RuleVersion(id=None, policy="trade-ban", direction="lists", max_tiers=0)
    assert who(what_if(store, SCHEMA, rule, max_depth=3, as_of=DAY).exposures) == [
        ("listed", "named", 0)
    ]  # a hypothetical rule without the threshold names no affiliate


# --------------------------------------------------------------------------- path


def test_the_directed_path_reads_towards_the_policy_and_leaves_hubs_out(load: Any) -> None:
    b = world()
    firm(b, "supplier", "us")
    firm(b, "maker", None, "logic")
    firm(b, "rival", "us")
    b.relation("supplies", "supplier", "maker")
    b.relation("competesWith", "rival", "supplier")
    b.entity("plan", "IndustrialPolicy")
    b.relation("issuedBy", "plan", "us")
    add_rule(b, "plan-v1", "plan", "promotes-domestic", date(2015, 1, 1), covers=["chips"],
             imposers=["china"])  # fmt: skip
    store = load(b.build())
    undirected = shortest_path(store, "supplier", "plan", max_length=6)
    assert undirected is not None
    assert [r.id for r in undirected] == [
        "supplier--headquartered-in--us",
        "plan--issued-by--us",
    ]
    directed = shortest_path(
        store, "supplier", "plan", max_length=6, schema=SCHEMA, directed=True, as_of=DAY
    )
    assert directed is not None
    assert [r.id for r in directed] == [
        "supplier--supplies--maker",
        "maker--produces--logic",
        "logic--broader--chips",
        "plan-v1--covers--chips",
        "plan-v1--rule-of--plan",
    ]
    # Read the other way, nothing explains the supplier from the policy's side.
    assert (
        shortest_path(store, "rival", "supplier", max_length=3, schema=SCHEMA, directed=True)
        is None
    )
    typed = shortest_path(
        store, "rival", "supplier", max_length=3, schema=SCHEMA, directed=True,
        types=["competesWith"],
    )  # fmt: skip
    assert typed is not None and [r.type for r in typed] == ["competesWith"]


# --------------------------------------------------------------------------- diff and what-if


def test_exposure_diff_between_dates_and_between_versions(load: Any) -> None:
    b = world()
    firm(b, "logic-maker", "us", "logic")
    firm(b, "auto-maker", "us", "auto-chips")
    firm(b, "supplier", "japan")
    b.relation("supplies", "supplier", "logic-maker", valid_to=date(2023, 12, 31))
    b.relation("supplies", "supplier", "auto-maker", id="supplier--supplies--auto-maker")
    b.entity("ctrl", "ExportControl")
    add_rule(b, "ctrl-2022", "ctrl", "restricts-exporters", date(2022, 10, 7),
             covers=["logic"], imposers=["us"], targets=["china"])  # fmt: skip
    add_rule(b, "ctrl-2024", "ctrl", "restricts-exporters", date(2024, 12, 2), action="amends",
             amends="ctrl-2022", covers=["auto-chips"], imposers=["us"],
             targets=["china"])  # fmt: skip
    store = load(b.build())
    diff = exposure_diff(
        store, SCHEMA, "ctrl", from_date=date(2023, 1, 1), to_date=DAY, max_depth=1
    )
    assert [e.supplier for e in diff.became_exposed] == ["auto-maker"]
    assert [e.supplier for e in diff.stopped] == ["logic-maker"]
    assert [(a.supplier, b_.supplier) for a, b_ in diff.changed] == [("supplier", "supplier")]
    assert (diff.before.rule_version, diff.after.rule_version) == ("ctrl-2022", "ctrl-2024")
    by_version = exposure_diff(
        store, SCHEMA, "ctrl", from_date=DAY, to_date=DAY, max_depth=0,
        from_version="ctrl-2022", to_version="ctrl-2024",
    )  # fmt: skip
    assert [e.supplier for e in by_version.became_exposed] == ["auto-maker"]
    assert [e.supplier for e in by_version.stopped] == ["logic-maker"]


def test_what_if_evaluates_a_hypothetical_rule_without_writing(load: Any) -> None:
    b = world()
    firm(b, "auto-maker", "us", "auto-chips")
    b.entity("ctrl", "ExportControl")
    add_rule(b, "ctrl-v1", "ctrl", "restricts-exporters", date(2022, 10, 7),
             covers=["logic"], imposers=["us"], targets=["china"])  # fmt: skip
    store = load(b.build())
    before = store.counts()
    extended = RuleVersion(
        id=None, policy="ctrl", direction="restricts-exporters",
        covers=(Coverage("logic"), Coverage("auto-chips")), imposers=("us",), targets=("china",),
    )  # fmt: skip
    found = what_if(store, SCHEMA, extended, max_depth=0, as_of=DAY)
    assert who(found.exposures) == [("auto-maker", "restricted", 0)]
    assert found.rule_version is None and found.in_force
    assert [r.id for r in found.exposures[0].path] == ["auto-maker--produces--auto-chips"]
    assert store.counts() == before
    assert suppliers_exposed_to(store, SCHEMA, "ctrl", max_depth=0, as_of=DAY) == []
    ghost = RuleVersion(id=None, policy="ctrl", direction="both", covers=(Coverage("ghost"),))
    with pytest.raises(BadRequest, match="ghost"):
        what_if(store, SCHEMA, ghost, max_depth=0, as_of=DAY)
