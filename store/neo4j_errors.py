"""Which Neo4j driver failures mean "the store cannot serve now" rather than a bug.

Kept apart from :mod:`store.neo4j_store` so every module that talks to the driver
classifies failures the same way.
"""

from __future__ import annotations

from neo4j import exceptions as neo4j_errors

# Server error codes that mean "the store cannot serve this now", not "the query is wrong".
_OUTAGE_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    "Neo.ClientError.Database.DatabaseNotFound",
    "Neo.ClientError.Security.",
    "Neo.TransientError.",
    "Neo.DatabaseError.",
)


def is_outage(exc: Exception) -> bool:
    if isinstance(
        exc,
        neo4j_errors.ServiceUnavailable
        | neo4j_errors.SessionExpired
        | neo4j_errors.ConfigurationError
        | neo4j_errors.ConnectionAcquisitionTimeoutError,
    ):
        return True
    if isinstance(exc, neo4j_errors.Neo4jError):
        code = exc.code or ""
        return isinstance(exc, neo4j_errors.TransientError | neo4j_errors.AuthError) or any(
            code.startswith(c) for c in _OUTAGE_CODES
        )
    return False


def reason(exc: Exception) -> str:
    """A one-line cause: the driver's message without traces, parameters or credentials."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    first_line = str(message).strip().splitlines()[0] if str(message).strip() else ""
    return f"{type(exc).__name__}: {first_line}"
