"""Every per-record problem message, written once.

The record validator (:mod:`ingest.records`) reads YAML files, bulk CSV rows and the records
importers build alike, so a curator, a data engineer and an importer's test all read the same
words for the same mistake. Each entry is a template (``str.format`` fields) or, where the
wording depends on what was found, a small function. The message never names the file, line
or field: a :class:`~ontology.errors.Problem` carries those beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

MISSING = "missing; expected {what}"
NOT_A_MAPPING = "each {what} must be a mapping; found {found}"
BAD_ID = (
    "{value!r} is not a valid id; use lower-case letters and digits joined by single hyphens "
    "(kebab-case), e.g. 'made-in-china-2025'"
)
UNKNOWN_FIELD = "unknown field {key!r}{hint}; expected {expected}"
UNKNOWN_SOURCE_FIELD = "unknown field {key!r}; a source has {expected}"
SOURCE_TYPE_TWICE = (
    "sourceType {new!r} and its former name kind {old!r} differ; write sourceType only"
)
UNKNOWN_DEFAULT_FIELD = "unknown field {key!r}; defaults may set {expected}"
UNKNOWN_PROVENANCE_FIELD = "unknown field {key!r}; a provenance entry has source and evidence"
NOT_AN_ATTRIBUTE = "{key!r} is not an attribute of {kind} (its attributes: {allowed})"
NOT_A_QUALIFIER = "{key!r} is not a qualifier of {type} (its qualifiers: {allowed})"
BAD_URL = "must be an http(s) address; found {value!r}"
BAD_WIKIDATA = "expected a Wikidata QID like Q1636958; {why}"
NOT_A_KIND = "{kind!r} {what}{hint}; expected one of {expected}"
NOT_A_RELATION_TYPE = (
    "{type!r} is not a relation type of the ontology{hint}; expected one of {expected}"
)
NAMES_NOT_A_MAPPING = "expected a mapping of language tag to name, found {found}"
NOT_A_LANGUAGE_TAG = "{lang!r} is not a language tag such as en, zh, zh-Hans{hint}"
COMMA_IN_FLOW_MAPPING = "; a comma inside {...} ends the name before it: quote names with commas"
ALIASES_NOT_A_LIST = "expected a list of names, found {found}"
DEFAULTS_NOT_A_MAPPING = "expected a mapping, found {found}"
PROVENANCE_NOT_A_LIST = "expected a list of at least one {{source, evidence}} entry, found {found}"
PROVENANCE_ENTRY_NOT_A_MAPPING = "expected a mapping with source and evidence, found {found}"
MISSING_CONFIDENCE = "missing; set a confidence from 0 to 1{where}"
MISSING_PROVENANCE = "missing; cite at least one source{where}"
OR_IN_DEFAULTS = " here or in the file's defaults"
"""The ``where`` of the two above for inputs that have file defaults (curated YAML)."""
EVIDENCE_NEEDS_ONE_SOURCE = "evidence needs exactly one cited source"
DATES_OUT_OF_ORDER = "validTo {valid_to} is before validFrom {valid_from}"
MISSING_QUALIFIER = "missing; a {type} relation must set {key}{hint}"

# conversions of one value to a schema datatype
EXPECTED_TEXT = "expected text, found {found}; put it in quotes if it is text"
EMPTY_TEXT = "must not be empty"
EXPECTED_DATE = "expected a date YYYY-MM-DD, found {found}"
NOT_A_REAL_DATE = "{text} is not a real date (check the month and day)"
EXPECTED_NUMBER = "expected a number, found {found}{hint}"
REMOVE_QUOTES = "; remove the quotes"
EXPECTED_FINITE = "expected a finite number, found {found!r}"
EXPECTED_WHOLE = "expected a whole number, found {found}"
EXPECTED_BOOL = "expected true or false, found {found}"
UNSUPPORTED_DATATYPE = "unsupported datatype {datatype}"
EXPECTED_OF_DATATYPE = {"string": "text", "date": "a date YYYY-MM-DD", "float": "a number"}


def expected_value(datatype: str, found: str) -> str:
    """A list or mapping where one value of ``datatype`` belongs."""
    return f"expected {EXPECTED_OF_DATATYPE.get(datatype, datatype)}, found {found}"


def one_of(values: Iterable[str]) -> str:
    """The tail that lists the allowed values of a qualifier, if the shapes give a list."""
    listed = ", ".join(values)
    return f" (one of {listed})" if listed else ""
