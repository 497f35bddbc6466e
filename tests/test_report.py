"""The strategist report and the concentration rules it rests on.

The graph: a lithography taxonomy, a Dutch lithography maker (stated share) with a German
supplier and a subsidiary, a Chinese rival, a Taiwanese foundry supplying a Chinese buyer
through a broker; an industrial policy promoting domestic lithography in China, an export
control on lithography that also names a firm, and a policy that reaches nothing.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from neo4j import Driver

from exports.concentration import (
    HIGHLY_CONCENTRATED,
    Chokepoint,
    chokepoints,
    firm_betweenness,
    hhi,
)
from exports.report import REPORT_FILE, write_report
from ontology.errors import NotFound
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from tests.graph_builders import fact

SCHEMA = default_schema()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rel(a: str, rtype: str, b: str, evidence: str | None = None, **props: object) -> Relation:
    return fact(a, rtype, b, 0.8, evidence, "trade-press", **props)


def graph_of(entities: list[tuple[str, str]], relations: list[Relation]) -> Graph:
    return Graph.of(
        [Entity(id=i, kind=k, name=i.replace("-", " ").title()) for i, k in entities],
        relations,
        [Source(id="trade-press", title="Lithography market review", publisher="Trade Press",
                url="https://example.org/litho", published=date(2024, 5, 1), source_type="news")],
    )  # fmt: skip


def report_graph() -> Graph:
    entities = [
        ("china", "Country"), ("netherlands", "Country"), ("germany", "Country"),
        ("taiwan", "Jurisdiction"), ("semiconductors", "Technology"),
        ("lithography", "Technology"), ("euv", "Technology"), ("asml", "Firm"),
        ("zeiss", "Firm"), ("asml-sub", "Firm"), ("smee", "Firm"), ("tsmc", "Firm"),
        ("broker", "Firm"), ("buyer", "Firm"), ("listed", "Firm"),
        ("mic", "IndustrialPolicy"), ("ec", "ExportControl"), ("idle", "Policy"),
    ]  # fmt: skip
    relations = [
        rel("lithography", "broader", "semiconductors"),
        rel("euv", "broader", "lithography"),
        rel("asml", "headquarteredIn", "netherlands"),
        rel("zeiss", "headquarteredIn", "germany"),
        rel("smee", "headquarteredIn", "china"),
        rel("tsmc", "headquarteredIn", "taiwan"),
        rel("buyer", "headquarteredIn", "china"),
        rel("asml", "produces", "euv", "ASML is the only maker of EUV scanners", share=1.0),
        rel("smee", "produces", "lithography", "SMEE builds older scanners"),
        rel("zeiss", "supplies", "asml", "Zeiss makes the optics", item="euv"),
        rel("asml-sub", "subsidiaryOf", "asml"),
        rel("tsmc", "supplies", "broker"),
        rel("broker", "supplies", "buyer"),
        rel("asml", "supplies", "tsmc", "TSMC buys EUV tools"),
        rel("mic", "targets", "lithography", "Made in China targets lithography",
            effect="promotes-domestic"),
        rel("mic", "appliesTo", "china"),
        rel("ec", "targets", "euv", "controls on EUV tools", effect="restricts-trade"),
        rel("ec", "names", "listed", "the listed firm is named"),
        # The rule versions the exposure analysis evaluates (see store/rules.py).
        rel("mic-rule", "ruleOf", "mic"), rel("mic-rule", "covers", "lithography"),
        rel("mic-rule", "imposedBy", "china"), rel("mic-rule", "appliesIn", "china"),
        rel("ec-rule", "ruleOf", "ec"), rel("ec-rule", "covers", "euv"),
        rel("ec-rule", "imposedBy", "netherlands"), rel("ec-rule", "appliesIn", "china"),
    ]  # fmt: skip
    graph = graph_of(entities, relations)
    rules = {
        "mic-rule": {"ruleDirection": "promotes-domestic", "inForceFrom": date(2015, 5, 8)},
        "ec-rule": {"ruleDirection": "both", "inForceFrom": date(2019, 1, 1)},
    }
    for rule_id, attributes in rules.items():
        graph.entities[rule_id] = Entity(
            id=rule_id, kind="PolicyRule", name=rule_id, attributes=attributes
        )
    return graph


@pytest.fixture
def store() -> EmbeddedStore:
    s = EmbeddedStore(SCHEMA)
    s.load(report_graph())
    return s


def test_report_shows_each_requested_policy_and_a_chokepoint_table(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    path = write_report(store, SCHEMA, ["mic", "ec"], tmp_path)
    assert path == tmp_path / REPORT_FILE
    page = path.read_text(encoding="utf-8")
    assert "<h2>Mic</h2>" in page and "<h2>Ec</h2>" in page
    assert 'id="policy-mic"' in page and 'id="policy-ec"' in page
    assert "<table class='chokepoints'>" in page
    table = page.split("<table class='chokepoints'>", 1)[1].split("</table>", 1)[0]
    assert "<td>Euv</td>" in table  # one supplier, but its share of the market is stated
    # Two known suppliers and no stated share: flagged as too little data, not a chokepoint.
    assert "<td>Lithography</td>" not in table
    thin = page.split("<table class='thin'>", 1)[1].split("</table>", 1)[0]
    assert "<tr><td>Lithography</td><td class='num'>2</td>" in thin
    assert "1 more score as concentrated only because" not in page  # counts are plural-safe
    assert "<b>1</b> more score as concentrated" in page or "<b>2</b> more" in page


def test_report_figures_exist_as_png_files_and_are_embedded(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    page = write_report(store, SCHEMA, ["mic", "ec"], tmp_path).read_text(encoding="utf-8")
    pngs = sorted(tmp_path.glob("*.png"))
    assert {p.name for p in pngs} >= {
        "policies.png", "chokepoints.png", "betweenness.png", "dependencies.png",
    }  # fmt: skip
    # A policy whose exposures fall in one tier, one way, gets a sentence, not a lone bar.
    for policy in ("mic", "ec"):
        section = page.split(f'id="policy-{policy}"', 1)[1].split("</section>", 1)[0]
        assert ((tmp_path / f"exposure-{policy}.png").exists()) == ("<img" in section)
        assert "<img" in section or ", all at tier " in section or "No organization" in section
    for png in pngs:
        data = png.read_bytes()
        assert len(data) > 1000 and data.startswith(PNG_SIGNATURE), png.name
    assert page.count('src="data:image/png;base64,') == len(pngs)


def test_report_cites_the_evidence_and_lists_its_sources(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    page = write_report(store, SCHEMA, ["ec"], tmp_path).read_text(encoding="utf-8")
    assert "“the listed firm is named”" in page
    assert "“ASML is the only maker of EUV scanners”" in page
    sources = page.split('<section id="sources">', 1)[1]
    assert "Lithography market review" in sources and "https://example.org/litho" in sources
    assert re.search(r'<a href="#src-1">\[1\]</a>', page)


def test_exposed_suppliers_appear_with_their_tier(store: EmbeddedStore, tmp_path: Path) -> None:
    page = write_report(store, SCHEMA, ["ec"], tmp_path).read_text(encoding="utf-8")
    section = page.split('id="policy-ec"', 1)[1].split("</section>", 1)[0]
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td>[^<]*</td><td class='num'>"
                           r"(\d+)</td>", section))  # fmt: skip
    assert rows["Listed"] == "0" and rows["Asml"] == "0"
    assert rows["Zeiss"] == "1" and rows["Asml Sub"] == "1"


def test_default_policies_are_those_that_reach_something(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    page = write_report(store, SCHEMA, None, tmp_path).read_text(encoding="utf-8")
    assert 'id="policy-mic"' in page and 'id="policy-ec"' in page
    assert 'id="policy-idle"' not in page


def test_report_refuses_an_unknown_policy(store: EmbeddedStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        write_report(store, SCHEMA, ["no-such-policy"], tmp_path)


def test_report_is_the_same_from_neo4j_and_the_embedded_store(
    neo4j_db: Driver, store: EmbeddedStore, tmp_path: Path
) -> None:
    neo = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA)
    neo.load(report_graph())

    def body(page: str) -> str:
        return re.sub(r"<p class='meta'>Generated .*?</p>", "", page, count=1)

    embedded = write_report(store, SCHEMA, None, tmp_path / "embedded")
    from_neo4j = write_report(neo, SCHEMA, None, tmp_path / "neo4j")
    assert body(from_neo4j.read_text(encoding="utf-8")) == body(
        embedded.read_text(encoding="utf-8")
    )


# ------------------------------------------------------------------ concentration rules


def test_hhi_is_the_sum_of_squared_percentage_shares() -> None:
    assert hhi([1.0]) == 10_000
    assert hhi([0.5, 0.5]) == 5_000
    assert hhi([0.6, 0.2, 0.2]) == 4_400


def _chokepoint(
    relations: list[Relation], entities: list[tuple[str, str]], item: str
) -> Chokepoint:
    graph = graph_of(entities, relations)
    return next(c for c in chokepoints(graph, SCHEMA) if c.item == item)


FIRMS = [("a", "Firm"), ("b", "Firm"), ("c", "Firm"), ("x", "Country"), ("y", "Country")]


def test_suppliers_without_a_stated_share_split_the_rest_equally() -> None:
    c = _chokepoint(
        [
            rel("a", "produces", "t", share=0.6),
            rel("b", "produces", "t"),
            rel("c", "produces", "t"),
        ],
        [*FIRMS, ("t", "Technology")],
        "t",
    )
    assert {s.supplier: round(s.share, 6) for s in c.suppliers} == {"a": 0.6, "b": 0.2, "c": 0.2}
    assert c.hhi_firms == 4_400 and c.stated_coverage == pytest.approx(0.6)


def test_without_any_stated_share_suppliers_are_equal() -> None:
    c = _chokepoint(
        [rel("a", "produces", "t"), rel("b", "produces", "t")], [*FIRMS, ("t", "Technology")], "t"
    )
    assert c.hhi_firms == 5_000


def test_shares_adding_up_to_more_than_one_are_scaled_down() -> None:
    c = _chokepoint(
        [rel("a", "produces", "t", share=0.9), rel("b", "produces", "t", share=0.6),
         rel("c", "produces", "t")],
        [*FIRMS, ("t", "Technology")],
        "t",
    )  # fmt: skip
    assert sum(s.share for s in c.suppliers) == pytest.approx(1.0)
    shares = {s.supplier: s.share for s in c.suppliers}
    assert shares["c"] == pytest.approx(shares["b"])  # nothing left: the smallest stated share


def test_market_outside_the_graph_counts_as_fragmented() -> None:
    c = _chokepoint([rel("a", "produces", "t", share=0.5)], [*FIRMS, ("t", "Technology")], "t")
    assert c.hhi_firms == 2_500 and c.is_chokepoint


def test_countries_pool_their_firms_and_unknown_headquarters_stay_apart() -> None:
    entities = [*FIRMS, ("t", "Technology")]
    relations = [rel(f, "produces", "t") for f in ("a", "b", "c")]
    relations += [rel("a", "headquarteredIn", "x"), rel("b", "headquarteredIn", "x")]
    c = _chokepoint(relations, entities, "t")
    assert c.hhi_firms == pytest.approx(3_333.3)
    assert c.hhi_countries == pytest.approx(hhi([2 / 3, 1 / 3]))


def test_producers_of_narrower_technologies_supply_the_broader_one() -> None:
    entities = [*FIRMS, ("broad", "Technology"), ("narrow", "Technology")]
    relations = [
        rel("narrow", "broader", "broad"),
        rel("a", "produces", "narrow", share=1.0),
        rel("b", "produces", "broad"),
    ]
    c = _chokepoint(relations, entities, "broad")
    assert {s.supplier: s.stated for s in c.suppliers} == {"a": False, "b": False}
    assert c.hhi_firms == 5_000


def test_a_supply_naming_the_item_makes_a_supplier_and_development_does_not() -> None:
    entities = [*FIRMS, ("t", "Technology")]
    relations = [rel("a", "supplies", "b", item="t", share=0.3), rel("c", "develops", "t")]
    c = _chokepoint(relations, entities, "t")
    assert [(s.supplier, s.share) for s in c.suppliers] == [("a", 0.3)]


def test_a_supply_of_parts_to_the_items_maker_is_not_an_alternative_source() -> None:
    entities = [*FIRMS, ("t", "Technology")]
    relations = [rel("a", "produces", "t"), rel("b", "supplies", "a", item="t")]
    c = _chokepoint(relations, entities, "t")
    assert [s.supplier for s in c.suppliers] == ["a"] and c.hhi_firms == 10_000


def test_products_are_not_chokepoint_items() -> None:
    graph = graph_of([("a", "Firm"), ("phone", "Product")], [rel("a", "produces", "phone")])
    assert chokepoints(graph, SCHEMA) == []


def test_chokepoints_rank_stated_concentration_before_sparse_data() -> None:
    ranked = chokepoints(report_graph(), SCHEMA)
    assert ranked[0].item == "euv" and ranked[0].stated_coverage == 1.0
    assert all(c.concentrated == (max(c.hhi_firms, c.hhi_countries) >= HIGHLY_CONCENTRATED)
               for c in ranked)  # fmt: skip
    assert all(c.is_chokepoint == (c.concentrated and not c.thin_data) for c in ranked)


def test_few_known_suppliers_without_stated_shares_are_too_little_data_to_call() -> None:
    entities = [*FIRMS, ("t", "Technology"), ("d", "Firm"), ("u", "Technology")]
    three = _chokepoint([rel(f, "produces", "t") for f in ("a", "b", "c")], entities, "t")
    assert three.hhi_firms == pytest.approx(3_333.3) and three.concentrated
    assert three.known_suppliers == 3 and three.thin_data and not three.is_chokepoint
    four = _chokepoint([rel(f, "produces", "u") for f in ("a", "b", "c", "d")], entities, "u")
    assert four.hhi_firms == 2_500 and four.is_chokepoint and not four.thin_data
    stated = _chokepoint(
        [rel("a", "produces", "t", share=0.7), rel("b", "produces", "t")], entities, "t"
    )
    assert stated.known_suppliers == 2 and not stated.thin_data and stated.is_chokepoint


def test_betweenness_peaks_on_the_firm_between_supplier_and_customer() -> None:
    between = firm_betweenness(report_graph(), SCHEMA)
    assert max(between, key=lambda f: (between[f], f)) in {"tsmc", "broker"}
    assert between["buyer"] == 0 and between["zeiss"] == 0
    assert between["tsmc"] > 0 and between["broker"] > 0
