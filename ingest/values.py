"""The input record model: one record as written, whatever wrote it, and how its values read.

A :class:`RecordInput` is what the record validator (:mod:`ingest.records`) checks: the file
and line a record starts at, and each field's value *as written* with the line of that field.
What "as written" means differs by input, and only that differs, so each input brings a
:class:`Values` reader that turns a written value into a schema datatype, a list or a mapping:

* :class:`YamlValues` - curated YAML: typed scalars as YAML resolved them (``2024`` is a
  whole number, so it is not a date), with a line for every list item and mapping entry;
* :class:`TextValues` - bulk CSV cells: untyped text parsed per datatype (``2024-01-01`` is
  a date, ``0.9`` a number), lists and mappings as JSON, every value on the row's line;
  conversions are cached per distinct text, since a million rows share a few thousand;
* :class:`NativeValues` - the Python values of an importer's typed record
  (:mod:`ingest.record_model`: ``str``, ``float``, ``date``, its citations as a list of
  mappings), every value on the data-set row's line.

The messages come from :mod:`ingest.messages`; a conversion never raises, it returns the
converted value or what went wrong.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from ingest import messages as msg
from ingest.reader import YamlList, YamlMap, YamlScalar
from ontology.model import Scalar

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Converted = tuple[Scalar | None, str | None]


class Values(Protocol):
    """How one input's written values read (see the module docstring)."""

    def absent(self, value: object) -> bool: ...
    def describe(self, value: object) -> str: ...
    def scalar(self, value: object, datatype: str) -> Converted: ...
    def items(self, value: object, line: int) -> list[tuple[object, int]] | None: ...
    def entries(self, value: object, line: int) -> dict[str, tuple[object, int]] | None: ...


@dataclass(frozen=True, slots=True)
class RecordInput:
    """One record as written: ``fields`` maps a field name to (value, line of the field).

    ``flat`` records (CSV rows) cite their sources in ``sources``/``evidence`` columns
    instead of a nested ``provenance`` list; ``with_defaults``: the file may set defaults
    for what a record leaves out (curated YAML).
    """

    file: str
    line: int
    fields: Mapping[str, tuple[object, int]]
    values: Values
    flat: bool = False
    with_defaults: bool = False


def yaml_record(file: str, node: YamlMap) -> RecordInput:
    """A parsed YAML mapping as a record."""
    fields = {k: (f.value, f.line) for k, f in node.fields.items()}
    return RecordInput(file, node.line, fields, YAML_VALUES, with_defaults=True)


def native_record(file: str, line: int, record: Mapping[str, object]) -> RecordInput:
    """An importer's record (field name -> Python value) read at ``file:line``."""
    return RecordInput(file, line, {k: (v, line) for k, v in record.items()}, NATIVE_VALUES)


# ---------------------------------------------------------------- typed scalars


def _kind_of(value: object) -> str:
    """The YAML kind a Python value would have been written as."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, date):
        return "timestamp"
    return "str"


def typed_scalar(raw: object, kind: str, datatype: str, found: str) -> Converted:
    """A value whose type is known (YAML or Python) as ``datatype``; ``found`` describes it."""
    if datatype == "string":
        if kind != "str" or not isinstance(raw, str):
            return None, msg.EXPECTED_TEXT.format(found=found)
        return (raw, None) if raw.strip() else (None, msg.EMPTY_TEXT)
    if datatype == "date":
        if isinstance(raw, date):
            return raw, None
        if kind not in ("timestamp", "str") or not isinstance(raw, str):
            return None, msg.EXPECTED_DATE.format(found=found)
        return _iso_date(raw)
    if datatype == "float":
        if kind in ("int", "float") and isinstance(raw, int | float) and not isinstance(raw, bool):
            return _finite(float(raw), raw)
        hint = msg.REMOVE_QUOTES if kind == "str" else ""
        return None, msg.EXPECTED_NUMBER.format(found=found, hint=hint)
    if datatype == "int":
        if kind == "int" and isinstance(raw, int):
            return raw, None
        return None, msg.EXPECTED_WHOLE.format(found=found)
    if datatype == "bool":
        if kind == "bool" and isinstance(raw, bool):
            return raw, None
        return None, msg.EXPECTED_BOOL.format(found=found)
    return None, msg.UNSUPPORTED_DATATYPE.format(datatype=datatype)


def _iso_date(text: str) -> Converted:
    if not _DATE_RE.match(text):
        return None, msg.EXPECTED_DATE.format(found=repr(text))
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, msg.NOT_A_REAL_DATE.format(text=text)


def _finite(number: float, raw: object) -> Converted:
    if not math.isfinite(number):
        return None, msg.EXPECTED_FINITE.format(found=raw)
    return number, None


def text_scalar(text: str, datatype: str) -> Converted:
    """Untyped text (a CSV cell) as ``datatype``."""
    if datatype == "string":
        return (text, None) if text.strip() else (None, msg.EMPTY_TEXT)
    if datatype == "date":
        return _iso_date(text)
    if datatype == "float":
        try:
            number = float(text)
        except ValueError:
            return None, msg.EXPECTED_NUMBER.format(found=repr(text), hint="")
        return _finite(number, text)
    if datatype == "int":
        try:
            return int(text), None
        except ValueError:
            return None, msg.EXPECTED_WHOLE.format(found=repr(text))
    if datatype == "bool":
        if text.lower() not in ("true", "false"):
            return None, msg.EXPECTED_BOOL.format(found=repr(text))
        return text.lower() == "true", None
    return None, msg.UNSUPPORTED_DATATYPE.format(datatype=datatype)


# ---------------------------------------------------------------- the three inputs


class YamlValues:
    """Values of a parsed YAML file (:mod:`ingest.reader`)."""

    def absent(self, value: object) -> bool:
        return value is None or (isinstance(value, YamlScalar) and value.kind == "null")

    def describe(self, value: object) -> str:
        if isinstance(value, YamlScalar | YamlList | YamlMap):
            return value.describe()
        return NATIVE_VALUES.describe(value)

    def scalar(self, value: object, datatype: str) -> Converted:
        if not isinstance(value, YamlScalar):
            return None, msg.expected_value(datatype, self.describe(value))
        return typed_scalar(value.value, value.kind, datatype, value.describe())

    def items(self, value: object, line: int) -> list[tuple[object, int]] | None:
        return [(v, v.line) for v in value.items] if isinstance(value, YamlList) else None

    def entries(self, value: object, line: int) -> dict[str, tuple[object, int]] | None:
        if not isinstance(value, YamlMap):
            return None
        return {k: (f.value, f.line) for k, f in value.fields.items()}


class NativeValues:
    """Python values, as importers build their records."""

    def absent(self, value: object) -> bool:
        return value is None

    def describe(self, value: object) -> str:
        if isinstance(value, Mapping):
            return "a mapping"
        if isinstance(value, list | tuple):
            return "a list"
        return YamlScalar(_plain(value), _kind_of(value), 0).describe()

    def scalar(self, value: object, datatype: str) -> Converted:
        if isinstance(value, Mapping | list | tuple):
            return None, msg.expected_value(datatype, self.describe(value))
        return typed_scalar(value, _kind_of(value), datatype, self.describe(value))

    def items(self, value: object, line: int) -> list[tuple[object, int]] | None:
        return [(v, line) for v in value] if isinstance(value, list | tuple) else None

    def entries(self, value: object, line: int) -> dict[str, tuple[object, int]] | None:
        if not isinstance(value, Mapping):
            return None
        return {str(k): (v, line) for k, v in value.items()}


def _plain(value: object) -> str | int | float | bool | None:
    return value if isinstance(value, str | int | float | bool | None) else str(value)


class TextValues:
    """CSV cells: untyped text, JSON for lists and mappings, conversions cached per text."""

    def __init__(self) -> None:
        self._converted: dict[tuple[str, str], Converted] = {}

    def absent(self, value: object) -> bool:
        return value is None or value == ""

    def describe(self, value: object) -> str:
        return repr(value) if isinstance(value, str) else NATIVE_VALUES.describe(value)

    def scalar(self, value: object, datatype: str) -> Converted:
        if not isinstance(value, str):  # an item of a JSON list or object
            return NATIVE_VALUES.scalar(value, datatype)
        key = (datatype, value)
        found = self._converted.get(key)
        if found is None:
            found = self._converted[key] = text_scalar(value, datatype)
        return found

    def items(self, value: object, line: int) -> list[tuple[object, int]] | None:
        parsed = _json(value)
        return [(v, line) for v in parsed] if isinstance(parsed, list) else None

    def entries(self, value: object, line: int) -> dict[str, tuple[object, int]] | None:
        parsed = _json(value)
        return {str(k): (v, line) for k, v in parsed.items()} if isinstance(parsed, dict) else None


def _json(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return None


YAML_VALUES = YamlValues()
NATIVE_VALUES = NativeValues()
