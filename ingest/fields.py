"""Typed access to one input record, recording a problem for every value that does not fit.

Every conversion reports what was expected *and* what was found ("expected a date
YYYY-MM-DD, found a whole number (2024)"), at the line of the field, so a curator can fix
the file without reading code. Conversions never raise: a bad value becomes ``None`` plus a
problem, and the caller carries on to find the next one. How a written value reads (YAML,
CSV text, an importer's Python values) is the record's :class:`~ingest.values.Values`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from ingest import messages as msg
from ingest.values import RecordInput
from ontology.errors import Problem
from ontology.model import Scalar


def suggestion(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" tail for unknown names, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


class FieldReader:
    """Reads the fields of one record and counts the problems it reports."""

    def __init__(self, record: RecordInput, problems: list[Problem], prefix: str = "") -> None:
        self.record = record
        self.file = record.file
        self.values = record.values
        self.problems = problems
        self.prefix = prefix
        self.errors = 0

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def line(self, key: str | None = None) -> int:
        f = self.record.fields.get(key) if key is not None else None
        return f[1] if f is not None else self.record.line

    def problem(self, key: str, message: str, line: int | None = None) -> None:
        self.errors += 1
        where = line if line is not None else self.line(key)
        self.problems.append(Problem(self.file, where, self.name(key), message))

    def get(self, key: str) -> object | None:
        """The value of ``key``; an explicit empty value (``key:``) counts as absent."""
        f = self.record.fields.get(key)
        if f is None:
            return None
        value = f[0]
        return None if self.values.absent(value) else value

    def keys(self) -> Iterable[str]:
        return self.record.fields.keys()

    def require(self, key: str, what: str) -> object | None:
        value = self.get(key)
        if value is None:
            self.problem(key, msg.MISSING.format(what=what))
        return value

    def unknown_fields(self, allowed: Iterable[str], explain: Callable[[str], str]) -> None:
        """Report keys outside ``allowed``; ``explain(key)`` says what would be allowed."""
        allowed_set = allowed if isinstance(allowed, frozenset | set) else set(allowed)
        for key, (_, line) in self.record.fields.items():
            if key not in allowed_set:
                self.problem(key, explain(key), line)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.require(key, "text") if required else self.get(key)
        if value is None:
            return None
        result = self.convert(value, "string", key)
        return result if isinstance(result, str) else None

    def slug(self, key: str, pattern: str, *, required: bool = False) -> str | None:
        """An id: text matching ``pattern`` (lower-case letters and digits joined by hyphens)."""
        value = self.text(key, required=required)
        return self.check_slug(key, value, pattern)

    def check_slug(
        self, key: str, value: str | None, pattern: str, line: int | None = None
    ) -> str | None:
        if value is not None and not re.match(pattern, value):
            self.problem(key, msg.BAD_ID.format(value=value), line)
            return None
        return value

    def value(self, key: str, datatype: str) -> Scalar | None:
        value = self.get(key)
        return None if value is None else self.convert(value, datatype, key)

    def convert(
        self, value: object, datatype: str, key: str, line: int | None = None
    ) -> Scalar | None:
        """Convert ``value`` to the schema datatype, or report why it cannot be."""
        result, message = self.values.scalar(value, datatype)
        if message is not None:
            self.problem(key, message, line if line is not None else self.line(key))
        return result

    def items(self, key: str) -> list[tuple[object, int]] | None:
        """The items of a list field (with their lines); ``None`` when it is not a list."""
        value = self.get(key)
        return None if value is None else self.values.items(value, self.line(key))

    def entries(self, key: str) -> dict[str, tuple[object, int]] | None:
        """The entries of a mapping field (with their lines); ``None`` if not a mapping."""
        value = self.get(key)
        return None if value is None else self.values.entries(value, self.line(key))

    def nested(self, value: object, line: int, prefix: str) -> FieldReader | None:
        """A reader for a mapping inside this record (a provenance entry); ``None`` if the
        value is not a mapping. Its problems count towards this record's."""
        entries = self.values.entries(value, line)
        if entries is None:
            return None
        outer = self.record
        record = RecordInput(self.file, line, entries, self.values, outer.flat, outer.with_defaults)
        return FieldReader(record, self.problems, prefix=f"{self.prefix}{prefix}")

    def describe(self, value: object) -> str:
        return self.values.describe(value)
