"""Typed access to one YAML mapping, recording a problem for every value that does not fit.

Every conversion reports what was expected *and* what was found ("expected a date
YYYY-MM-DD, found a whole number (2024)"), at the line of the field, so a curator can fix
the file without reading code. Conversions never raise: a bad value becomes ``None`` plus a
problem, and the caller carries on to find the next one.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from datetime import date

from ingest.reader import YamlField, YamlList, YamlMap, YamlScalar, YamlValue
from ontology.errors import Problem
from ontology.model import Scalar

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def suggestion(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" tail for unknown names, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


class FieldReader:
    """Reads the fields of one mapping (a record) and counts the problems it reports."""

    def __init__(self, file: str, node: YamlMap, problems: list[Problem], prefix: str = "") -> None:
        self.file = file
        self.node = node
        self.problems = problems
        self.prefix = prefix
        self.errors = 0

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def line(self, key: str | None = None) -> int:
        f = self.node.get(key) if key is not None else None
        return f.line if f is not None else self.node.line

    def problem(self, key: str, message: str, line: int | None = None) -> None:
        self.errors += 1
        self.problems.append(
            Problem(
                self.file, line if line is not None else self.line(key), self.name(key), message
            )
        )

    def get(self, key: str) -> YamlValue | None:
        """The value of ``key``; an explicit empty value (``key:``) counts as absent."""
        f = self.node.get(key)
        if f is None or (isinstance(f.value, YamlScalar) and f.value.kind == "null"):
            return None
        return f.value

    def field(self, key: str) -> YamlField | None:
        return self.node.get(key)

    def require(self, key: str, what: str) -> YamlValue | None:
        value = self.get(key)
        if value is None:
            self.problem(key, f"missing; expected {what}")
        return value

    def unknown_fields(self, allowed: Iterable[str], explain: Callable[[str], str]) -> None:
        """Report keys outside ``allowed``; ``explain(key)`` says what would be allowed."""
        allowed_set = set(allowed)
        for key, f in self.node.fields.items():
            if key not in allowed_set:
                self.problem(key, explain(key), f.line)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.require(key, "text") if required else self.get(key)
        if value is None:
            return None
        result = self.convert(value, "string", key)
        return result if isinstance(result, str) else None

    def slug(self, key: str, pattern: str, *, required: bool = False) -> str | None:
        """An id: text matching ``pattern`` (lower-case letters and digits joined by hyphens)."""
        value = self.text(key, required=required)
        if value is not None and not re.match(pattern, value):
            self.problem(
                key,
                f"{value!r} is not a valid id; use lower-case letters and digits joined by "
                "single hyphens (kebab-case), e.g. 'made-in-china-2025'",
            )
            return None
        return value

    def value(self, key: str, datatype: str) -> Scalar | None:
        value = self.get(key)
        return None if value is None else self.convert(value, datatype, key)

    def convert(
        self, value: YamlValue, datatype: str, key: str, line: int | None = None
    ) -> Scalar | None:
        """Convert ``value`` to the schema datatype, or report why it cannot be."""
        where = line if line is not None else value.line
        result, message = convert_value(value, datatype)
        if message is not None:
            self.problem(key, message, where)
        return result


def convert_value(value: YamlValue, datatype: str) -> tuple[Scalar | None, str | None]:
    """``(converted, None)`` or ``(None, what went wrong)`` for one schema datatype."""
    if not isinstance(value, YamlScalar):
        expected = {"string": "text", "date": "a date YYYY-MM-DD", "float": "a number"}
        return None, f"expected {expected.get(datatype, datatype)}, found {value.describe()}"
    if datatype == "string":
        return _text(value)
    if datatype == "date":
        return _date(value)
    if datatype == "float":
        return _float(value)
    if datatype == "int":
        if value.kind == "int" and isinstance(value.value, int):
            return value.value, None
        return None, f"expected a whole number, found {value.describe()}"
    if datatype == "bool":
        if value.kind == "bool" and isinstance(value.value, bool):
            return value.value, None
        return None, f"expected true or false, found {value.describe()}"
    return None, f"unsupported datatype {datatype}"


def _text(value: YamlScalar) -> tuple[Scalar | None, str | None]:
    if value.kind != "str" or not isinstance(value.value, str):
        return None, f"expected text, found {value.describe()}; put it in quotes if it is text"
    if not value.value.strip():
        return None, "must not be empty"
    return value.value, None


def _date(value: YamlScalar) -> tuple[Scalar | None, str | None]:
    raw = value.value
    if value.kind not in ("timestamp", "str") or not isinstance(raw, str):
        return None, f"expected a date YYYY-MM-DD, found {value.describe()}"
    if not _DATE_RE.match(raw):
        return None, f"expected a date YYYY-MM-DD, found {raw!r}"
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, f"{raw} is not a real date (check the month and day)"


def _float(value: YamlScalar) -> tuple[Scalar | None, str | None]:
    raw = value.value
    if (
        value.kind in ("int", "float")
        and isinstance(raw, int | float)
        and not isinstance(raw, bool)
    ):
        number = float(raw)
        if not math.isfinite(number):
            return None, f"expected a finite number, found {raw!r}"
        return number, None
    hint = "; remove the quotes" if value.kind == "str" else ""
    return None, f"expected a number, found {value.describe()}{hint}"


def as_list(value: YamlValue | None) -> tuple[YamlValue, ...] | None:
    """Items of a list value; ``None`` when it is not a list."""
    return value.items if isinstance(value, YamlList) else None


def as_map(value: YamlValue | None) -> YamlMap | None:
    return value if isinstance(value, YamlMap) else None
