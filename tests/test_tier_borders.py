"""Where the tiers of a cut-off user stop: at the borders of the jurisdictions imposing
the rule (``store.tier_borders``), on both stores."""

from __future__ import annotations

from datetime import date
from typing import Any

from ontology.schema import default_schema
from store.analysis import exposure
from tests.rule_worlds import add_rule, firm, who, world

SCHEMA = default_schema()
DAY = date(2025, 6, 1)


def test_a_control_cuts_off_users_abroad_not_their_suppliers_or_subsidiaries_at_home(
    load: Any,
) -> None:
    """China's licence requirement cuts a US fab off; the fab's Chinese supplier and its
    Chinese subsidiary still buy at home, so the tiers stop at the imposer's border. The
    restricted exporters' suppliers at home stay exposed: that side binds them."""
    b = world()
    firm(b, "cn-smelter", "china", "gallium")  # restricted exporter
    firm(b, "us-gan-fab", "us", "gan-chips")  # cut-off user
    firm(b, "cn-ore", "china")
    firm(b, "jp-parts", "japan")
    firm(b, "jp-wafer", "japan")
    firm(b, "cn-wafer", "china")
    firm(b, "cn-dual", "china")
    firm(b, "cn-sub", "china")
    firm(b, "jp-vendor", "japan")
    b.relation("supplies", "cn-ore", "cn-smelter")
    b.relation("supplies", "jp-parts", "cn-smelter")
    b.relation("supplies", "jp-wafer", "us-gan-fab")
    b.relation("supplies", "cn-wafer", "us-gan-fab")
    b.relation("supplies", "cn-dual", "us-gan-fab")
    b.relation("supplies", "cn-dual", "cn-smelter")
    b.relation("subsidiaryOf", "cn-sub", "us-gan-fab")
    b.relation("supplies", "jp-vendor", "cn-sub")
    b.entity("ctrl", "ExportControl")
    add_rule(
        b, "ctrl-v1", "ctrl", "both", date(2023, 8, 1), covers=["gallium"], imposers=["china"]
    )  # fmt: skip
    store = load(b.build())
    found = exposure(store, SCHEMA, "ctrl", max_depth=3, as_of=DAY)
    assert who(found.exposures) == [
        ("cn-dual", "supplier", 1),
        ("cn-ore", "supplier", 1),
        ("cn-smelter", "restricted", 0),
        ("jp-parts", "supplier", 1),
        ("jp-wafer", "supplier", 1),
        ("us-gan-fab", "cut-off", 0),
    ]
    dual = next(e for e in found.exposures if e.supplier == "cn-dual")
    assert dual.path[0].id == "cn-dual--supplies--cn-smelter"
    assert found.beneficiaries == []  # out of reach is not a benefit
    # A rule that names no imposer has no border to stop at.
    b2 = world()
    firm(b2, "us-gan-fab", "us", "gan-chips")
    firm(b2, "cn-wafer", "china")
    b2.relation("supplies", "cn-wafer", "us-gan-fab")
    b2.entity("ctrl", "ExportControl")
    add_rule(
        b2, "ctrl-v1", "ctrl", "cuts-off-users", date(2023, 8, 1), covers=["gallium"],
        targets=["us"],
    )  # fmt: skip
    found = exposure(load(b2.build()), SCHEMA, "ctrl", max_depth=3, as_of=DAY)
    assert who(found.exposures) == [("cn-wafer", "supplier", 1), ("us-gan-fab", "cut-off", 0)]
