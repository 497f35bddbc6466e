"""Broken data files: every problem is reported with its file, row and column, and the
output folder keeps the previous import byte for byte."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ingest.importers.pipeline import import_source
from ontology.errors import ValidationFailed
from tests.real_data import ETO, OPENSANCTIONS, US_LISTS, require_data

NDAA_FILES = ("us_ndaa_section_889.csv", "us_ndaa_section_5949.csv", "us_ndaa_section_154.csv")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An output folder holding a previous import (the three NDAA files)."""
    require_data()
    folder = tmp_path / "ndaa"
    folder.mkdir()
    for name in NDAA_FILES:
        shutil.copy(OPENSANCTIONS / name, folder / name)
    target = tmp_path / "out"
    import_source("opensanctions", folder, target, version="v1", released=date(2026, 8, 22))
    return target


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _copy(src: Path, dst: Path, names: tuple[str, ...] | None = None) -> Path:
    dst.mkdir()
    for path in src.iterdir():
        if path.is_file() and (names is None or path.name in names):
            shutil.copy(path, dst / path.name)
    return dst


def _edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8-sig")), encoding="utf-8")


def _eto(tmp: Path) -> Path:
    return _copy(ETO / "2024", tmp / "2024")


def _lists(tmp: Path) -> Path:
    folder = _copy(US_LISTS, tmp / "lists", ("lists.json",))
    data = json.loads((US_LISTS / "bis_entity_list.json").read_text(encoding="utf-8"))
    data["entities"] = data["entities"][:5]
    (folder / "bis_entity_list.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    return folder


def _os(tmp: Path, name: str) -> Path:
    return _copy(OPENSANCTIONS, tmp / "os", (name,))


def _replace_line(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[line - 1] = text
    path.write_text("".join(lines), encoding="utf-8")


def case_bad_encoding(tmp: Path) -> tuple[str, Path]:
    folder = _eto(tmp)
    path = folder / "providers.csv"
    raw = path.read_bytes().split(b"\n")
    raw[3] = raw[3] + b",\xe9"[1:]
    path.write_bytes(b"\n".join(raw))
    return "eto", folder


def case_missing_column(tmp: Path) -> tuple[str, Path]:
    folder = _eto(tmp)
    _edit(folder / "provision.csv", lambda t: t.replace("share_provided", "share", 1))
    return "eto", folder


def case_duplicate_id(tmp: Path) -> tuple[str, Path]:
    folder = _eto(tmp)
    path = folder / "stages.csv"
    text = path.read_text(encoding="utf-8-sig")
    cells = len(text.splitlines()[0].split(","))
    path.write_text(text.rstrip("\n") + "\nS1,Design again" + "," * (cells - 2) + "\n")
    return "eto", folder


def case_share_not_a_number(tmp: Path) -> tuple[str, Path]:
    folder = _eto(tmp)
    _edit(folder / "provision.csv", lambda t: t.replace("61%", "sixty-one", 1))
    return "eto", folder


def case_empty_file(tmp: Path) -> tuple[str, Path]:
    folder = _eto(tmp)
    (folder / "sequence.csv").write_text("", encoding="utf-8")
    return "eto", folder


def case_truncated_csv(tmp: Path) -> tuple[str, Path]:
    folder = _eto(tmp)
    path = folder / "inputs.csv"
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text[: text.index('"', 200) + 40], encoding="utf-8")
    return "eto", folder


def case_extra_cells(tmp: Path) -> tuple[str, Path]:
    folder = _eto(tmp)
    path = folder / "providers.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    _replace_line(path, 5, lines[4].rstrip("\n") + ",extra,cells\n")
    return "eto", folder


def case_slashed_date(tmp: Path) -> tuple[str, Path]:
    folder = _os(tmp, "us_dod_1260h_history.csv")
    _edit(folder / "us_dod_1260h_history.csv", lambda t: t.replace("2021-06-03", "2021/06/03", 1))
    return "opensanctions", folder


def case_impossible_date(tmp: Path) -> tuple[str, Path]:
    folder = _os(tmp, "cn_countermeasures.csv")
    _edit(folder / "cn_countermeasures.csv", lambda t: t.replace(",16.02.23,", ",31.02.23,", 1))
    return "opensanctions", folder


def case_duplicate_name(tmp: Path) -> tuple[str, Path]:
    folder = _os(tmp, "us_ndaa_section_5949.csv")
    path = folder / "us_ndaa_section_5949.csv"
    rows = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join([*rows, rows[1]]), encoding="utf-8")
    return "opensanctions", folder


def case_truncated_json(tmp: Path) -> tuple[str, Path]:
    folder = _lists(tmp)
    path = folder / "bis_entity_list.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    return "us-lists", folder


def case_entry_without_name(tmp: Path) -> tuple[str, Path]:
    folder = _lists(tmp)
    path = folder / "bis_entity_list.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["entities"][2]["name"]
    data["entities"][3]["effective_date"] = "sometime in 2022"
    path.write_text(json.dumps(data), encoding="utf-8")
    return "us-lists", folder


CASES: dict[str, tuple[Callable[[Path], tuple[str, Path]], str, int, str]] = {
    # name: (make the broken folder, file, line (0: any), field or message fragment)
    "bad encoding": (case_bad_encoding, "2024/providers.csv", 4, "not UTF-8"),
    "missing column": (case_missing_column, "2024/provision.csv", 1, "share_provided"),
    "duplicate id": (case_duplicate_id, "2024/stages.csv", 0, "'S1' also on line"),
    "share not a number": (case_share_not_a_number, "2024/provision.csv", 0, "share_provided"),
    "empty file": (case_empty_file, "2024/sequence.csv", 1, "empty file"),
    "truncated csv": (case_truncated_csv, "2024/inputs.csv", 0, "cut off"),
    "extra cells": (case_extra_cells, "2024/providers.csv", 5, "cells, the header has"),
    "date with slashes": (case_slashed_date, "os/us_dod_1260h_history.csv", 0, "Start date"),
    "impossible date": (case_impossible_date, "os/cn_countermeasures.csv", 0, "Date"),
    "duplicate name": (case_duplicate_name, "os/us_ndaa_section_5949.csv", 5, "name"),
    "truncated json": (case_truncated_json, "lists/bis_entity_list.json", 0, "malformed JSON"),
    "entry without name": (case_entry_without_name, "lists/bis_entity_list.json", 3, "name"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_file_is_named_at_its_row_and_the_previous_import_stays(
    case: str, out: Path, tmp_path: Path
) -> None:
    make, file, line, fragment = CASES[case]
    source, folder = make(tmp_path)
    before = _snapshot(out)
    with pytest.raises(ValidationFailed) as failed:
        import_source(source, folder, out, version="broken", released=date(2026, 9, 1))
    found = [p for p in failed.value.problems if p.file == file]
    assert found, [str(p) for p in failed.value.problems]
    assert any(fragment in f"{p.field} {p.message}" for p in found), [str(p) for p in found]
    if line:
        assert any(p.line == line for p in found), [str(p) for p in found]
    assert _snapshot(out) == before


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    require_data()
    source, folder = case_entry_without_name(tmp_path)
    with pytest.raises(ValidationFailed) as failed:
        import_source(source, folder, tmp_path / "out", version="b", released=date(2026, 9, 1))
    fields = {p.field for p in failed.value.problems}
    assert {"entities[3].name", "entities[4].effective_date"} <= fields
