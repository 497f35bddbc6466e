"""Screening names against the real lists: candidates with the evidence of the match,
listings as they stood on a date, exposure with its path, through Python, the CLI and
GraphQL; malformed input files are refused with their row and column; nothing is written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ontology.model import Graph
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore
from store.screening import ScreenInput, ScreenResult, screen
from techsov.cli import app
from techsov.screen_commands import BadScreenInput, read_inputs, result_rows
from tests.api_fixtures import make_client
from tests.real_data import require_data, resolved

TODAY = date(2026, 9, 1)


@pytest.fixture(scope="module")
def graph() -> Graph:
    require_data()
    return resolved().graph


@pytest.fixture(scope="module")
def store(graph: Graph) -> EmbeddedStore:
    loaded = EmbeddedStore(default_schema())
    loaded.load(graph)
    return loaded


def _screen(store: EmbeddedStore, *inputs: ScreenInput, **kwargs: object) -> list[ScreenResult]:
    return screen(store, default_schema(), list(inputs), **kwargs)  # type: ignore[arg-type]


def test_entity_list_name_finds_the_chip_supplier_with_listing_and_exposure_path(
    store: EmbeddedStore,
) -> None:
    [result] = _screen(
        store,
        ScreenInput("Sunway Microelectronics", "China"),
        as_of=TODAY,
        policies=["us-entity-list"],
        max_depth=1,
    )
    best = result.candidates[0]
    assert best.entity == "sunway" and best.score >= 0.9
    assert any("sunway microelectronics" in f for f in best.features)
    assert any(f.startswith("same country China") for f in best.features)
    listing = next(li for li in best.listings if li.policy == "us-entity-list")
    assert listing.valid_from == date(2021, 4, 9) and listing.citation == "86 FR 18438, 4/9/21"
    [exposure] = [pe for pe in best.exposures if pe.policy == "us-entity-list"]
    assert exposure.exposure.basis == "named" and exposure.exposure.path[0].type == "names"


def test_listings_are_those_of_the_asked_date(store: EmbeddedStore) -> None:
    amec = ScreenInput("Advanced Micro-Fabrication Equipment Inc. China", "China")
    [in_2024] = _screen(store, amec, as_of=date(2024, 6, 1))
    [today] = _screen(store, amec, as_of=TODAY)
    assert in_2024.candidates[0].entity == today.candidates[0].entity == "amec"
    policies_2024 = {li.policy_name for li in in_2024.candidates[0].listings}
    assert any("1260H" in p for p in policies_2024)
    assert not any("1260H" in li.policy_name for li in today.candidates[0].listings)


def test_unknown_names_get_no_candidate_and_look_alikes_rank_below(store: EmbeddedStore) -> None:
    acme, zte = _screen(store, ScreenInput("Acme Widgets Ltd", "Germany"), ScreenInput("ZTE Corp"))
    assert acme.candidates == ()
    assert zte.candidates[0].entity == "zte"
    assert all(
        c.entity != "zte-parsian" or c.score < zte.candidates[0].score for c in zte.candidates
    )


def test_screening_writes_nothing(store: EmbeddedStore) -> None:
    before = store.snapshot()
    _screen(store, ScreenInput("Huawei Technologies Co. Ltd"), policies=["us-entity-list"])
    after = store.snapshot()
    assert after.counts() == before.counts() and after.relations == before.relations


def test_graphql_screen_answers_per_input_with_candidates_listings_and_paths(
    store: EmbeddedStore,
) -> None:
    client = make_client(store)
    data = client.data(
        """query($names: [ScreenInput!]!) {
          screen(entities: $names, asOf: "2026-09-01", policies: ["us-entity-list"], maxDepth: 1) {
            name candidates { entityId score features entity { name }
              listings { policyId validFrom citation }
              exposures { policyId exposure { kind path { id type } } } } } }""",
        names=[{"name": "Sunway Microelectronics", "country": "China"}, {"name": "Acme Ltd"}],
    )
    sunway, acme = data["screen"]
    best = sunway["candidates"][0]
    assert best["entityId"] == "sunway" and best["entity"]["name"] == "Sunway"
    assert {
        "policyId": "us-entity-list",
        "validFrom": "2021-04-09",
        "citation": "86 FR 18438, 4/9/21",
    } in best["listings"]
    assert best["exposures"][0]["exposure"]["path"][0]["type"] == "names"
    assert acme["candidates"] == []


def test_cli_screens_a_csv_file_into_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The curated set on the embedded store, whatever Neo4j the environment names.
    monkeypatch.delenv("TECHSOV_NEO4J_URI", raising=False)
    suppliers = tmp_path / "suppliers.csv"
    suppliers.write_text("name,country\nSMIC,China\nNobody In Particular GmbH,Germany\n")
    out = tmp_path / "answer.csv"
    result = CliRunner().invoke(app, ["screen", str(suppliers), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("row,input,input_country,rank,entity")
    assert "\n2,SMIC,China,1,smic," in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"company,country\nSMIC,China\n", ":1: no name column"),
        (b"name,country\nSMIC,China\nHuawei,China,extra\n", ":3: 3 columns, the header has 2"),
        (b"name,country\n,China\n", ":2: column name: empty"),
        (b"name\nSMIC\n\xff\xfeHuawei\n", ":3: not UTF-8"),
        (b"name,vat\nSMIC,1\n", "unknown column(s) vat"),
    ],
)
def test_malformed_supplier_file_names_row_and_column(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "suppliers.csv"
    path.write_bytes(content)
    with pytest.raises(BadScreenInput) as failed:
        read_inputs(path)
    assert message in str(failed.value)


def test_json_supplier_file_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "s.json"
    good.write_text('[{"name": "SMIC", "country": "China", "identifiers": "Q1063855"}]')
    assert read_inputs(good) == [ScreenInput("SMIC", "China", ("Q1063855",), 1)]
    bad = tmp_path / "b.json"
    bad.write_text('[{"name": "SMIC"},\n {"name": ')
    with pytest.raises(BadScreenInput, match=r"b.json:2: column \d+"):
        read_inputs(bad)


def test_result_rows_flatten_one_row_per_candidate(store: EmbeddedStore) -> None:
    results = _screen(store, ScreenInput("Huawei Technologies Co., Ltd.", "China"), as_of=TODAY)
    rows = result_rows(results)
    assert rows[0]["entity"] == "huawei" and rows[0]["rank"] == 1
    assert "US Entity List (since 2019-05-21; 84 FR 22963, 5/21/19)" in rows[0]["listings"]
