"""``techsov screen suppliers.csv``: screen a file of names against the graph.

The input is a CSV file (UTF-8, a header row) with a ``name`` column and optional
``country`` and ``identifiers`` columns (identifiers separated by ``;``, e.g. a Wikidata
id), or a JSON list of objects with the same keys. Every malformed row is reported at
once with its file, row and column, and nothing is screened. The answer (CSV or JSON, to
stdout or ``--out``) has one row per input and candidate: the score and the features that
matched, the listings that name the candidate on ``--as-of``, and its exposure to each
``--policy`` with the relation ids of the path that explains it. Screening only reads the
store.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ontology.errors import BadRequest
from ontology.schema import default_schema
from store.screening import DEFAULT_CANDIDATES, DEFAULT_THRESHOLD, ScreenInput, ScreenResult, screen
from techsov.console import err_console, exits_on_error, progress_bar
from techsov.settings import Settings
from techsov.wiring import serving_store

COLUMNS = ("name", "country", "identifiers")
MAX_NAME = 500


class BadScreenInput(BadRequest):
    """The file to screen is malformed; the message names every bad row and column."""


def read_inputs(path: Path) -> list[ScreenInput]:
    """The names to screen in ``path`` (CSV, or JSON when it ends in ``.json``)."""
    if not path.is_file():
        raise BadScreenInput(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadScreenInput(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise BadScreenInput(f"{path}: empty file, expected a header row with a name column")
    rows = _json_rows(path, text) if path.suffix.lower() == ".json" else _csv_rows(path, text)
    problems: list[str] = []
    out: list[ScreenInput] = []
    for line, row in rows:
        name = " ".join(str(row.get("name") or "").split())
        if not name:
            problems.append(f"{path}:{line}: column name: empty")
            continue
        if len(name) > MAX_NAME:
            problems.append(f"{path}:{line}: column name: longer than {MAX_NAME} characters")
            continue
        idents = str(row.get("identifiers") or "")
        out.append(
            ScreenInput(
                name,
                str(row.get("country") or "").strip() or None,
                tuple(i.strip() for i in idents.split(";") if i.strip()),
                line,
            )
        )
    if problems:
        raise BadScreenInput(f"{len(problems)} problem(s) found:\n" + "\n".join(problems))
    return out


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise BadScreenInput(f"{path}:1: {exc}") from None
    if "name" not in header:
        raise BadScreenInput(f"{path}:1: no name column (columns: {', '.join(header)})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise BadScreenInput(
            f"{path}:1: unknown column(s) {', '.join(unknown)}; expected {', '.join(COLUMNS)}"
        )
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                problems.append(
                    f"{path}:{line}: {len(values)} columns, the header has {len(header)}"
                )
                continue
            rows.append((line, dict(zip(header, values, strict=True))))
    except csv.Error as exc:
        problems.append(f"{path}:{reader.line_num}: {exc}")
    if problems:
        raise BadScreenInput(f"{len(problems)} problem(s) found:\n" + "\n".join(problems))
    return rows


def _json_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadScreenInput(f"{path}:{exc.lineno}: column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, list):
        raise BadScreenInput(f"{path}: expected a list of objects with a name key")
    out = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise BadScreenInput(f"{path}: item {i}: expected an object with a name key")
        out.append((i, item))
    return out


def result_rows(results: Sequence[ScreenResult]) -> list[dict[str, Any]]:
    """One flat row per input and candidate (an input without candidates keeps one row)."""
    rows: list[dict[str, Any]] = []
    for res in results:
        base = {"row": res.input.row, "input": res.input.name, "input_country": res.input.country}
        if not res.candidates:
            rows.append({**base, "rank": None, "entity": None, "score": None})
        for rank, c in enumerate(res.candidates, start=1):
            listings = [
                f"{li.policy_name} (since {li.valid_from or '?'}"
                + (f", until {li.valid_to}" if li.valid_to else "")
                + (f"; {li.citation}" if li.citation else "")
                + ")"
                for li in c.listings
            ]
            exposures = [
                f"{pe.policy}: {pe.exposure.basis} depth {pe.exposure.depth} "
                f"via {' > '.join(r.id for r in pe.exposure.path)}"
                for pe in c.exposures
            ]
            rows.append(
                {
                    **base,
                    "rank": rank,
                    "entity": c.entity,
                    "entity_name": c.name,
                    "kind": c.kind,
                    "score": c.score,
                    "features": "; ".join(c.features),
                    "listings": " | ".join(listings),
                    "exposures": " | ".join(exposures),
                }
            )
    return rows


def result_json(results: Sequence[ScreenResult]) -> list[dict[str, Any]]:
    return [
        {
            "row": r.input.row,
            "input": {"name": r.input.name, "country": r.input.country},
            "candidates": [
                {
                    "entity": c.entity,
                    "name": c.name,
                    "kind": c.kind,
                    "score": c.score,
                    "features": list(c.features),
                    "listings": [
                        {
                            "policy": li.policy,
                            "policyName": li.policy_name,
                            "relation": li.relation,
                            "validFrom": li.valid_from.isoformat() if li.valid_from else None,
                            "validTo": li.valid_to.isoformat() if li.valid_to else None,
                            "citation": li.citation,
                        }
                        for li in c.listings
                    ],
                    "exposures": [
                        {
                            "policy": pe.policy,
                            "kind": pe.exposure.basis,
                            "depth": pe.exposure.depth,
                            "score": pe.exposure.score,
                            "path": [r.id for r in pe.exposure.path],
                        }
                        for pe in c.exposures
                    ],
                }
                for c in r.candidates
            ],
        }
        for r in results
    ]


@exits_on_error
def screen_command(
    file: Annotated[Path, typer.Argument(help="CSV (name, country, identifiers) or JSON.")],
    data: Annotated[
        list[Path] | None, typer.Option("--data", help="Fact files or folders (default: settings).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Listings and exposure on this date (YYYY-MM-DD).")
    ] = None,
    policy: Annotated[
        list[str] | None, typer.Option("--policy", help="Policy id to report exposure to.")
    ] = None,
    max_depth: Annotated[int, typer.Option("--max-depth", help="Exposure depth.")] = 2,
    candidates: Annotated[int, typer.Option(help="Candidates per input.")] = DEFAULT_CANDIDATES,
    threshold: Annotated[float, typer.Option(help="Lowest score kept.")] = DEFAULT_THRESHOLD,
    output_format: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default stdout).")] = None,
) -> None:
    """Screen a file of names: candidates, listings on a date, exposure to policies."""
    if output_format not in ("csv", "json"):
        raise BadRequest(f"--format must be csv or json, not {output_format!r}")
    when = _date(as_of)
    inputs = read_inputs(file)
    settings = Settings()
    schema = default_schema()
    with serving_store(settings, schema, data or ()) as store, progress_bar() as bar:
        results = screen(
            store,
            schema,
            inputs,
            as_of=when,
            policies=policy or (),
            max_depth=max_depth,
            candidates=candidates,
            threshold=threshold,
            progress=lambda done: bar("screening", done, len(inputs)),
        )
    if output_format == "json":
        text = json.dumps(result_json(results), ensure_ascii=False, indent=1) + "\n"
    else:
        buffer = io.StringIO()
        rows = result_rows(results)
        fields = list(dict.fromkeys(k for row in rows for k in row))
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    hits = sum(1 for r in results if r.candidates)
    err_console.print(f"screened {len(inputs)} names: {hits} with candidates")


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from None


def register(app: typer.Typer) -> None:
    app.command("screen")(screen_command)
