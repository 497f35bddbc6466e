"""Exposure answers that say what produced them, through GraphQL on the curated graph, on
both stores: the date and rule version, beneficiaries, export controls reaching both sides,
the diff between dates, and hypothetical rules that write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from api_fixtures import STORES, ApiClient, curated_client, curated_store

from store.base import GraphStore

DAY = "2025-06-01"


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return curated_store(request)


@pytest.fixture
def client(store: GraphStore) -> ApiClient:
    return curated_client(store)


def kinds(exposures: list[dict[str, Any]]) -> dict[str, str]:
    return {e["supplier"]["id"]: e["kind"] for e in exposures}


ANSWER = """asOf inForce ruleVersion rule { id direction action inForceFrom inForceTo }
    exposures { supplier { id } kind depth ruleVersion asOf }
    beneficiaries { entity { id } reason }"""


def test_a_plan_exposes_nobody_before_it_was_issued(client: ApiClient) -> None:
    found = client.data(
        f"""{{ early: exposure(policy: "made-in-china-2025", asOf: "2014-01-01") {{ {ANSWER} }}
              now: exposure(policy: "made-in-china-2025", asOf: "{DAY}") {{ {ANSWER} }} }}"""
    )
    assert found["early"]["inForce"] is False and found["early"]["exposures"] == []
    assert found["early"]["asOf"] == "2014-01-01" and found["early"]["ruleVersion"] is None
    now = found["now"]
    assert now["ruleVersion"] == "rule-made-in-china-2025"
    assert now["rule"]["inForceFrom"] == "2015-05-08"
    assert {e["ruleVersion"] for e in now["exposures"]} == {"rule-made-in-china-2025"}
    assert {e["asOf"] for e in now["exposures"]} == {DAY}
    # Chinese firms benefit from their own plan, at any depth; they are never exposed.
    benefit = {b["entity"]["id"]: b["reason"] for b in now["beneficiaries"]}
    assert {"catl", "ganfeng-lithium", "smic"} <= set(benefit)
    assert benefit["cxmt"] == "benefits-from"
    assert not set(benefit) & set(kinds(now["exposures"]))


def test_grant_recipients_benefit_from_the_chips_act(client: ApiClient) -> None:
    found = client.data(
        f'{{ exposure(policy: "chips-and-science-act", asOf: "{DAY}") {{ {ANSWER} }} }}'
    )
    answer = found["exposure"]
    benefit = {b["entity"]["id"]: b["reason"] for b in answer["beneficiaries"]}
    assert {benefit[f] for f in ("tsmc", "samsung", "intel")} == {"exempted"}
    assert not {"tsmc", "samsung", "intel"} & set(kinds(answer["exposures"]))


def test_the_eu_chips_act_counts_dutch_firms_as_domestic(client: ApiClient) -> None:
    found = client.data(f'{{ exposure(policy: "eu-chips-act", asOf: "{DAY}") {{ {ANSWER} }} }}')
    benefit = {b["entity"]["id"]: b["reason"] for b in found["exposure"]["beneficiaries"]}
    assert benefit.get("asml") == "domestic"
    assert "asml" not in kinds(found["exposure"]["exposures"])


def test_chinas_material_controls_reach_the_users_abroad(client: ApiClient) -> None:
    found = client.data(
        f"""{{ re: exposure(policy: "china-rare-earth-export-controls-2025", asOf: "{DAY}",
                maxDepth: 0) {{ {ANSWER} }}
              graphite: exposure(policy: "china-graphite-export-controls", asOf: "{DAY}",
                maxDepth: 0) {{ {ANSWER} }} }}"""
    )
    assert kinds(found["re"]["exposures"])["tesla"] == "cut-off"
    graphite = kinds(found["graphite"]["exposures"])
    assert {graphite[f] for f in ("lg-chem", "panasonic", "tesla")} == {"cut-off"}


def test_a_waiver_lists_its_holders_as_beneficiaries_until_it_ends(client: ApiClient) -> None:
    found = client.data(
        f"""{{ during: exposure(policy: "us-veu-korean-fabs-in-china", asOf: "{DAY}") {{ {ANSWER} }}
              after: exposure(policy: "us-veu-korean-fabs-in-china", asOf: "2026-02-01") {{
                {ANSWER} }} }}"""
    )
    during = found["during"]
    assert during["exposures"] == []
    assert {b["entity"]["id"] for b in during["beneficiaries"]} >= {"samsung", "sk-hynix"}
    assert found["after"]["rule"]["action"] == "rescinds" and not found["after"]["inForce"]


def test_exposure_diff_names_the_versions_and_the_firms_that_changed(client: ApiClient) -> None:
    diff = client.data(
        """{ exposureDiff(policy: "china-us-critical-minerals-ban", from: "2025-06-01",
                to: "2026-01-01", maxDepth: 0) {
            before { ruleVersion inForce } after { ruleVersion inForce rule { action } }
            becameExposed { supplier { id } } stopped { supplier { id } } } }"""
    )["exposureDiff"]
    assert diff["before"] == {"ruleVersion": "rule-china-us-minerals-ban", "inForce": True}
    assert diff["after"]["ruleVersion"] == "rule-china-us-minerals-ban-suspended"
    assert diff["after"]["rule"]["action"] == "suspends" and not diff["after"]["inForce"]
    assert diff["becameExposed"] == []


def test_what_if_extends_a_control_without_writing(client: ApiClient, store: GraphStore) -> None:
    before = store.counts()
    found = client.data(
        f"""{{ actual: exposure(policy: "us-advanced-semiconductor-export-controls", asOf: "{DAY}",
                maxDepth: 0) {{ {ANSWER} }}
              extended: whatIf(rule: {{policy: "us-advanced-semiconductor-export-controls",
                alsoCovers: [{{item: "automotive-chips"}}], excludes: []}}, asOf: "{DAY}",
                maxDepth: 0) {{ {ANSWER} }} }}"""
    )
    actual, extended = kinds(found["actual"]["exposures"]), kinds(found["extended"]["exposures"])
    # Automotive chips were left out of the 2022 controls: Chinese carmakers buying
    # NVIDIA's driving chips are cut off only in the hypothetical.
    assert not {"nio", "xpeng", "li-auto"} & set(actual)
    assert {extended[f] for f in ("nio", "xpeng", "li-auto")} == {"cut-off"}
    assert found["extended"]["ruleVersion"] is None and found["extended"]["rule"]["id"] is None
    assert store.counts() == before


def test_what_if_refuses_unknown_ids_and_bad_thresholds(client: ApiClient) -> None:
    body = client.graphql(
        """{ whatIf(rule: {policy: "us-entity-list", alsoCovers: [{item: "warp-drives"}]}) {
            inForce } }"""
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "warp-drives" in body["errors"][0]["message"]
    body = client.graphql(
        """{ whatIf(rule: {policy: "us-entity-list", ownershipThreshold: 1.5}) { inForce } }"""
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    body = client.graphql(
        """{ whatIf(rule: {policy: "us-entity-list", maxTiers: -1}) { inForce } }"""
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "maxTiers" in body["errors"][0]["message"]


def test_an_investment_ban_list_exposes_its_named_firms_not_their_suppliers(
    client: ApiClient,
) -> None:
    """EO 13959 barred buying a listed firm's securities, not selling to it: on a day
    Xiaomi was on the CCMC list, Xiaomi is exposed and its suppliers are not; the same
    list as a trade ban (a hypothetical with no tier limit) reaches them."""
    found = client.data(
        """{ listed: whatIf(rule: {policy: "us-ccmc-list"}, asOf: "2021-03-01", maxDepth: 2) {
               rule { maxTiers } exposures { supplier { id } kind depth } }
             trade: whatIf(rule: {policy: "us-ccmc-list", maxTiers: 6}, asOf: "2021-03-01",
                           maxDepth: 2) { exposures { supplier { id } kind depth } } }"""
    )
    listed, trade = found["listed"], found["trade"]
    assert listed["rule"]["maxTiers"] == 0
    assert [(e["supplier"]["id"], e["kind"]) for e in listed["exposures"]] == [("xiaomi", "named")]
    suppliers = {e["supplier"]["id"] for e in trade["exposures"] if e["depth"] == 1}
    assert "qualcomm" in suppliers, "Qualcomm supplies Xiaomi in the curated graph"


def test_todays_answers_name_their_rule_version_and_date(client: ApiClient) -> None:
    """Without asOf the answer is today's (served from the answers stored at load when the
    store keeps them): it still says which version and date produced it."""
    from datetime import date

    found = client.data(
        """{ suppliersExposedTo(policy: "made-in-china-2025", maxDepth: 1, first: 5) {
            supplier { id } ruleVersion asOf } }"""
    )["suppliersExposedTo"]
    assert found
    assert {e["ruleVersion"] for e in found} == {"rule-made-in-china-2025"}
    assert {e["asOf"] for e in found} == {date.today().isoformat()}
