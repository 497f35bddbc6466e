"""Checks of a data set's files before anything is read into facts.

A data file can be broken in ways the fact rules never see: not UTF-8, empty, cut off in
the middle of a quoted field, a header without the columns the importer reads, a row with
more or fewer cells than the header, an id given twice, a date or a share written in a
form the importer does not know. Each importer declares what it reads (:class:`CsvSpec`,
:class:`JsonSpec`) and :func:`check_files` reports every such problem at once, each with
its file, row and column; the import then stops before anything is staged, so the output
folder keeps the previous import exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ontology.errors import Problem, ValidationFailed

Parser = Callable[[str], object | None]
"""Returns None when the text is not a value of the column's type."""


@dataclass(frozen=True)
class CsvSpec:
    """What an importer reads from one CSV file."""

    file: str
    required: tuple[str, ...]
    unique: tuple[str, ...] = ()  # columns whose non-empty values identify a row
    typed: dict[str, tuple[Parser, str]] = field(default_factory=dict)  # column: (parse, form)
    optional: bool = False  # the importer reads the file only when it is there


@dataclass(frozen=True)
class JsonSpec:
    """A list extract: an object whose ``entities`` list holds objects with ``required``
    keys; ``typed`` keys are checked when not null."""

    file: str
    required: tuple[str, ...]
    typed: dict[str, tuple[Parser, str]] = field(default_factory=dict)
    optional: bool = False


def _text(path: Path, label: str, problems: list[Problem]) -> str | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(label, line, "", f"not UTF-8 text (byte {exc.start})"))
        return None
    if not text.strip():
        problems.append(Problem(label, 1, "", "empty file"))
        return None
    return text


def check_csv(folder: Path, spec: CsvSpec) -> list[Problem]:
    label = f"{folder.name}/{spec.file}"
    path = folder / spec.file
    if not path.is_file():
        return [] if spec.optional else [Problem(label, 0, "", "file missing")]
    problems: list[Problem] = []
    text = _text(path, label, problems)
    if text is None:
        return problems
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
        missing = [c for c in spec.required if c not in header]
        if missing:
            return [Problem(label, 1, c, "column missing from the header") for c in missing]
        seen: dict[tuple[str, str], int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(
                    Problem(label, line, "", f"{len(cells)} cells, the header has {len(header)}")
                )
                continue
            row = dict(zip(header, (c.strip() for c in cells), strict=True))
            _check_row(label, line, row, spec.unique, spec.typed, seen, problems)
    except csv.Error as exc:
        problems.append(Problem(label, reader.line_num, "", f"malformed CSV: {exc}"))
    if text.count('"') % 2:
        problems.append(Problem(label, reader.line_num, "", "unbalanced quotes: file cut off?"))
    return problems


def _check_row(
    label: str,
    line: int,
    row: dict[str, str],
    unique: Sequence[str],
    typed: dict[str, tuple[Parser, str]],
    seen: dict[tuple[str, str], int],
    problems: list[Problem],
) -> None:
    for col in unique:
        value = row.get(col, "")
        if value and (col, value) in seen:
            problems.append(
                Problem(label, line, col, f"{value!r} also on line {seen[(col, value)]}")
            )
        elif value:
            seen[(col, value)] = line
    for col, (parse, form) in typed.items():
        value = row.get(col, "")
        if value and parse(value) is None:
            problems.append(Problem(label, line, col, f"{value!r} is not {form}"))


def check_json(folder: Path, spec: JsonSpec) -> list[Problem]:
    label = f"{folder.name}/{spec.file}"
    path = folder / spec.file
    if not path.is_file():
        return [] if spec.optional else [Problem(label, 0, "", "file missing")]
    problems: list[Problem] = []
    text = _text(path, label, problems)
    if text is None:
        return problems
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return [Problem(label, exc.lineno, f"column {exc.colno}", f"malformed JSON: {exc.msg}")]
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, list):
        return [Problem(label, 1, "entities", "expected an object with an entities list")]
    for i, entity in enumerate(entities, start=1):
        where = f"entities[{i}]"
        if not isinstance(entity, dict):
            problems.append(Problem(label, i, where, "not an object"))
            continue
        for key in spec.required:
            if key not in entity:
                problems.append(Problem(label, i, f"{where}.{key}", "missing"))
        for key, (parse, form) in spec.typed.items():
            value = entity.get(key)
            if value is not None and (not isinstance(value, str) or parse(value) is None):
                problems.append(Problem(label, i, f"{where}.{key}", f"{value!r} is not {form}"))
    return problems


def check_files(folder: Path, specs: Sequence[CsvSpec | JsonSpec]) -> None:
    """Raise :class:`ValidationFailed` with every problem of every file, or return."""
    problems: list[Problem] = []
    for spec in specs:
        if isinstance(spec, CsvSpec):
            problems += check_csv(folder, spec)
        else:
            problems += check_json(folder, spec)
    if problems:
        raise ValidationFailed(problems)


def number(text: str) -> float | None:
    """A number, optionally with a trailing percent sign."""
    try:
        return float(text.strip().rstrip("%"))
    except ValueError:
        return None
