"""Listings by rounds: a listing ends at the first complete round that no longer names the
entity; addition-only rounds close nothing; a relisting opens a new period; importing an
older round after a newer one never reopens what the newer one closed."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from ingest.importers.pipeline import import_source
from ingest.importers.rounds import RoundEntry, complete_rounds, listing_periods
from ingest.importers.staging import effective
from tests.real_data import US_LISTS, opensanctions, require_data

R1, R2, R3, R4 = date(2021, 6, 3), date(2022, 10, 5), date(2025, 1, 7), date(2026, 6, 8)


def _periods(entries: list[RoundEntry]) -> dict[str, list[tuple[date, date | None]]]:
    out: dict[str, list[tuple[date, date | None]]] = {}
    for p in listing_periods(entries):
        out.setdefault(p.key, []).append((p.start, p.end))
    return out


def test_a_complete_round_closes_what_it_no_longer_names_the_day_before() -> None:
    rows = [RoundEntry(k, R1, i) for i, k in enumerate("abcd")]
    rows += [RoundEntry("e", R2, 10)]  # addition-only round
    rows += [RoundEntry(k, R3, 20 + i) for i, k in enumerate("abce")]  # republishes, drops d
    assert complete_rounds(rows) == {R3}
    periods = _periods(rows)
    assert periods["d"] == [(R1, date(2025, 1, 6))]
    assert periods["a"] == [(R1, None)] and periods["e"] == [(R2, None)]


def test_recorded_end_and_relisting_give_two_periods() -> None:
    rows = [RoundEntry(k, R1, i) for i, k in enumerate("abc")]
    rows += [RoundEntry("a", R3, 10, ended=date(2026, 2, 17)), RoundEntry("b", R3, 11)]
    rows += [RoundEntry("c", R3, 12), RoundEntry("a", R4, 20), RoundEntry("b", R4, 21)]
    periods = _periods(rows)
    assert periods["a"] == [(R1, date(2026, 2, 17)), (R4, None)]
    assert periods["c"] == [(R1, date(2026, 6, 7))]


def test_1260h_history_amec_ends_with_the_2025_round_huawei_stays_listed() -> None:
    require_data()
    imp = opensanctions()
    rows = [r.fields() for r in imp.relations]  # the format's view of the typed records
    names = [r for r in rows if r["type"] == "names" and r["from"] == "os-dod-1260h"]
    amec = [r for r in names if "advanced-micro-fabrication" in r["to"]]
    assert [(r["validFrom"], r.get("validTo")) for r in amec] == [("2024-01-31", "2025-01-06")]
    huawei = [r for r in names if r["to"].startswith("os-dod-1260h-huawei-technologies")]
    assert [(r["validFrom"], r.get("validTo")) for r in huawei] == [("2021-06-03", None)]
    assert len(huawei[0]["provenance"]) >= 3  # every round that named it is cited


def _lists_round(tmp: Path, name: str, generated: str, keep: int) -> Path:
    folder = tmp / name
    folder.mkdir()
    meta = json.loads((US_LISTS / "lists.json").read_text(encoding="utf-8"))
    meta["generated"] = generated
    (folder / "lists.json").write_text(json.dumps(meta), encoding="utf-8")
    data = json.loads((US_LISTS / "dow_1260h.json").read_text(encoding="utf-8"))
    data["entities"] = data["entities"][:keep]
    (folder / "dow_1260h.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_importing_an_older_round_after_a_newer_one_never_reopens_a_listing(
    tmp_path: Path,
) -> None:
    require_data()
    out = tmp_path / "out"
    newer = _lists_round(tmp_path, "newer", "2026-07-09", keep=3)
    older = _lists_round(tmp_path, "older", "2026-01-15", keep=5)
    import_source("us-lists", newer, out)
    import_source("us-lists", older, out)
    folded = effective(out, "us-lists")
    assert folded is not None and folded.version == "2026-07-09"
    names = [f for f in (r.fields() for r in folded.relations) if f["type"] == "names"]
    ended = sorted(r.get("validTo") or "" for r in names)
    assert ended.count("2026-07-08") == 2 and ended.count("") == 3
    shutil.rmtree(older)
    import_source("us-lists", newer, out)  # the newer round again: nothing reopens
    again = effective(out, "us-lists")
    assert again is not None
    rows = [r.fields() for r in again.relations]
    assert sorted(r.get("validTo") or "" for r in rows if r["type"] == "names") == ended
