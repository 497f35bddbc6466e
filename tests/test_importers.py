"""Importers on the real data sets: what each maps onto the ontology, with provenance per
fact, through the curated validation; and versioned re-import ending dropped facts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.importers.common import Place, SourceImport, validate_import
from ingest.importers.pipeline import import_source, resolve_folder, write_resolution
from ingest.importers.staging import effective, fold_versions
from ingest.importers.us_lists import fr_citations, looks_like_person
from ingest.record_model import RelationInput
from ingest.validate import build_graph
from ontology.errors import ValidationFailed
from tests.real_data import (
    ETO,
    ETO_CURRENT,
    eto_versions,
    opensanctions,
    require_data,
    us_lists,
)


@pytest.fixture(autouse=True)
def _data() -> None:
    require_data()


def _relation(imp: SourceImport, rid: str) -> RelationInput:
    return next(r for r in imp.relations if r.id == rid)


def test_eto_maps_taxonomy_inputs_shares_and_headquarters_with_row_provenance() -> None:
    _, current = eto_versions()
    graph, problems = validate_import(current)
    assert problems == []
    euv = graph.relations["eto-p88--produces--eto-n20--2025"]
    assert euv.properties == {"share": 1.0, "year": 2025, "recordId": euv.properties["recordId"]}
    evidence = euv.provenance[0].evidence or ""
    assert evidence.startswith("ASML,P88,EUV lithography tools,N20,100.0,2025")
    assert graph.relations["eto-n20--broader--eto-n19"].type == "broader"
    assert graph.relations["eto-n8--inputTo--eto-n26"].type == "inputTo"
    assert graph.relations["eto-p45--hostsProductionOf--eto-n20--2025"].properties["share"] == 1.0
    assert graph.relations["eto-p37--headquarteredIn--eto-p2"].target == "eto-p2"
    assert graph.entities["eto-p139"].aliases == ("Nanometrics", "Rudolph Technologies")
    assert graph.entities["eto-p2"].kind == "Country"
    assert graph.entities["eto-p370"].kind == "Organization"  # "Various companies"


def test_eto_2024_layout_reads_percent_shares_without_year() -> None:
    old, _ = eto_versions()
    rel = _relation(old, "eto-p88--produces--eto-n20")
    assert rel.qualifiers["share"] == 1.0 and "year" not in rel.qualifiers
    assert _relation(old, "eto-p34--produces--eto-s2").type == "produces"


def test_us_lists_name_firms_with_federal_register_citation_and_listing_date() -> None:
    imp = us_lists()
    graph, problems = validate_import(imp)
    assert problems == []
    smee = next(
        e
        for e in graph.entities.values()
        if e.name.startswith("Shanghai Micro Electronics Equipment")
    )
    names = next(r for r in graph.relations.values() if r.type == "names" and r.target == smee.id)
    assert names.source == "us-lists-bis-entity-list"
    assert names.valid_from == date(2022, 12, 19)
    assert names.properties["citation"] == "87 FR 77508, 12/19/22"
    sources = [p.source for p in names.provenance]
    assert "federal-register-87-fr-77508" in sources
    fr = graph.sources["federal-register-87-fr-77508"]
    assert fr.published == date(2022, 12, 19) and fr.url is not None
    assert graph.entities["us-lists-bis-entity-list"].kind == "EntityListing"
    person = graph.entities[next(e.id for e in imp.entities if e.name == "Khalil Zadran")]
    assert person.kind == "Person" and person.attributes["nationality"] == "Afghanistan"
    address = next(e for e in graph.entities.values() if e.kind == "Address")
    assert "Address 01" in address.aliases and address.attributes["addressCountry"] == "China"
    named = {r.target for r in graph.relations.values() if r.type == "names"}
    assert person.id in named and address.id in named


def test_entity_list_counts_per_country_reconcile_with_the_list_file() -> None:
    import json
    from collections import Counter

    from ingest.importers.us_lists import reconcile
    from tests.real_data import US_LISTS

    imp = us_lists()
    counts = reconcile(imp, "bis-entity-list")
    entries = json.loads((US_LISTS / "bis_entity_list.json").read_text(encoding="utf-8"))
    official = Counter(str(e["country"] or "(none)") for e in entries["entities"])
    assert {c: n for c, (n, _) in counts.items()} == dict(official)
    assert counts["China"] == (1106, 1103) and counts["Russia"] == (1081, 1079)
    # every entry is an entity but for entries the list repeats verbatim (11 of 3,409)
    assert sum(n for n, _ in counts.values()) - sum(e for _, e in counts.values()) == 11


def test_person_names_are_told_from_organizations() -> None:
    assert looks_like_person("Abdul Satar Ghoura", [])
    assert not looks_like_person("Kindroid", [])
    assert not looks_like_person("Beijing Tianhua", ["Beijing Tianhua International Co., Ltd."])
    assert not looks_like_person("KGB Alpha", [])
    assert fr_citations("91 FR 35189 (June 10, 2026)")[0][2] == date(2026, 6, 10)
    assert fr_citations("85 FR 83799, 12/23/2020")[0][2] == date(2020, 12, 23)


def test_opensanctions_keeps_1260h_rounds_as_separate_periods() -> None:
    imp = opensanctions()
    graph, problems = validate_import(imp)
    assert problems == []
    ymtc = [
        r
        for r in graph.relations.values()
        if r.type == "names" and "yangtze-memory" in r.target and r.source == "os-dod-1260h"
    ]
    periods = sorted((r.valid_from, r.valid_to) for r in ymtc)
    # listed in the 2024 round, named again in 2025, ended 2026-02-17, relisted 2026-06-08
    assert (date(2024, 1, 31), date(2026, 2, 17)) in periods
    assert (date(2026, 6, 8), None) in periods
    uel = graph.entities["os-cn-unreliable-entity-list"]
    assert uel.kind == "EntityListing"
    assert any(e.wikidata for e in graph.entities.values())


def test_a_bad_record_is_reported_at_its_data_file_row(tmp_path: Path) -> None:
    folder = tmp_path / "current"
    folder.mkdir()
    for f in ETO.joinpath("current").iterdir():
        folder.joinpath(f.name).write_bytes(f.read_bytes())
    text = folder.joinpath("provision.csv").read_text(encoding="utf-8")
    folder.joinpath("provision.csv").write_text(
        text.replace(
            "ASML,P88,EUV lithography tools,N20,100.0", "ASML,P88,EUV lithography tools,N20,130.0"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as failed:
        import_source("eto", folder, tmp_path / "out", version="bad", released=date(2026, 1, 1))
    problem = next(p for p in failed.value.problems if p.field == "share")
    assert problem.file == "current/provision.csv" and problem.line > 1
    assert not (tmp_path / "out" / ".staging").exists() or not any(
        (tmp_path / "out" / ".staging").rglob("*.json")
    )


def test_newer_version_ends_dropped_facts_and_keeps_both_provenances() -> None:
    old, new = eto_versions()
    folded = fold_versions([old, new])
    by_id = {r.id: r for r in folded.relations}
    tsmc_fab = by_id["eto-p34--produces--eto-s2"]  # 2024 only: foundries left the stages
    assert tsmc_fab.valid_to == date(2026, 8, 13)
    assert by_id["eto-p88--produces--eto-n20--2025"].valid_to is None
    taxonomy = by_id["eto-n20--broader--eto-n19"]  # in both versions
    assert taxonomy.valid_to is None and len(taxonomy.provenance) == 2
    euv = next(e for e in folded.entities if e.id == "eto-n20")
    assert euv.name == "EUV lithography tools" and "EUV scanners" in euv.aliases


def test_reimport_is_idempotent_and_output_reads_back_through_the_curated_reader(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    version, released = ETO_CURRENT
    _, new = import_source("eto", ETO / "current", out, version=version, released=released)
    _, again = import_source("eto", ETO / "current", out, version=version, released=released)
    assert new and not again
    eff = effective(out, "eto")
    assert eff is not None and eff.version == version
    resolution = resolve_folder(out)
    write_resolution(resolution, out)
    graph = build_graph([out], run_shacl=False)
    assert graph.counts() == resolution.graph.counts()
    assert graph.relations == resolution.graph.relations
    assert Place("x", 1).line == 1
