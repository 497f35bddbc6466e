"""The project's error hierarchy, shared by every layer.

Each error knows its CLI exit code and HTTP status, so the mapping lives here once; the
CLI and the API translate them at their edges and nowhere else. Errors are raised, never
swallowed into status strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in input: where it is and what was expected."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class TechsovError(Exception):
    """Base of all errors the project raises on purpose."""

    exit_code = 1
    http_status = 500
    code = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OntologyError(TechsovError):
    """The ontology itself is inconsistent (unknown parent, missing domain, ...)."""

    exit_code = 3
    code = "ONTOLOGY_INVALID"

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("ontology is inconsistent:\n  " + "\n  ".join(self.problems))


class ValidationFailed(TechsovError):
    """Input facts break the ontology or the file format; carries every problem found."""

    exit_code = 2
    http_status = 422
    code = "VALIDATION_FAILED"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) found:\n{lines}")


class NotFound(TechsovError):
    exit_code = 4
    http_status = 404
    code = "NOT_FOUND"


class LimitExceeded(TechsovError):
    """A request asks for more than the configured limits allow."""

    exit_code = 2
    http_status = 400
    code = "LIMIT_EXCEEDED"


class BadRequest(TechsovError):
    exit_code = 2
    http_status = 400
    code = "BAD_REQUEST"


class StoreUnavailable(TechsovError):
    """The graph store cannot be reached (Neo4j down, wrong credentials, timeout)."""

    exit_code = 5
    http_status = 503
    code = "STORE_UNAVAILABLE"


class LoadFailed(TechsovError):
    """A load was rolled back; the store holds exactly what it held before."""

    exit_code = 6
    http_status = 500
    code = "LOAD_FAILED"


class BadSetting(TechsovError):
    """A ``TECHSOV_*`` setting (or a ``.env`` line) has a value that cannot be used."""

    exit_code = 2
    code = "BAD_SETTING"


class CannotUse(TechsovError):
    """The machine refuses what a command needs: a port in use, a file it cannot read or
    write. Nothing about the graph is wrong; the fix is on the machine's side."""

    exit_code = 7
    code = "UNAVAILABLE_RESOURCE"
