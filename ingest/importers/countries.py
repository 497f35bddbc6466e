"""Country codes and names as the imported data sets write them, to one key per country.

The data sets name countries in four ways: ISO 3166 alpha-3 codes (ETO: ``CHN``), alpha-2
codes (OpenSanctions: ``TW``), English short names (the US lists: ``Burma``) and a few
non-standard codes (ETO 2024: ``MAL`` for Malaysia). Entity resolution compares countries,
and importers create one Country entity per country, so all of them are read into the
alpha-3 code here. Only countries the data sets use are listed; an unknown name is kept as
it is (and compared as it is), never guessed.
"""

from __future__ import annotations

from ontology.model import normalize

# alpha-3, alpha-2, English short name, other names the data sets use
_TABLE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("AFG", "AF", "Afghanistan", ()),
    ("ARE", "AE", "United Arab Emirates", ("UAE",)),
    ("ARG", "AR", "Argentina", ()),
    ("ARM", "AM", "Armenia", ()),
    ("AUS", "AU", "Australia", ()),
    ("AUT", "AT", "Austria", ()),
    ("BEL", "BE", "Belgium", ()),
    ("BGR", "BG", "Bulgaria", ()),
    ("BHR", "BH", "Bahrain", ()),
    ("BLR", "BY", "Belarus", ()),
    ("BLZ", "BZ", "Belize", ()),
    ("BOL", "BO", "Bolivia", ()),
    ("BRA", "BR", "Brazil", ()),
    ("CAN", "CA", "Canada", ()),
    ("CHE", "CH", "Switzerland", ()),
    ("CHL", "CL", "Chile", ()),
    ("CHN", "CN", "China", ("People's Republic of China", "PRC")),
    ("CRI", "CR", "Costa Rica", ()),
    ("CUB", "CU", "Cuba", ()),
    ("CYM", "KY", "Cayman Islands", ()),
    ("CYP", "CY", "Cyprus", ()),
    ("CZE", "CZ", "Czech Republic", ("Czechia",)),
    ("DEU", "DE", "Germany", ()),
    ("DNK", "DK", "Denmark", ()),
    ("ECU", "EC", "Ecuador", ()),
    ("EGY", "EG", "Egypt", ()),
    ("ESP", "ES", "Spain", ()),
    ("EST", "EE", "Estonia", ()),
    ("FIN", "FI", "Finland", ()),
    ("FRA", "FR", "France", ()),
    ("GBR", "GB", "United Kingdom", ("UK", "Great Britain")),
    ("GEO", "GE", "Georgia", ()),
    ("GRC", "GR", "Greece", ()),
    ("HKG", "HK", "Hong Kong", ()),
    ("HUN", "HU", "Hungary", ()),
    ("IDN", "ID", "Indonesia", ()),
    ("IND", "IN", "India", ()),
    ("IRL", "IE", "Ireland", ()),
    ("IRN", "IR", "Iran", ()),
    ("IRQ", "IQ", "Iraq", ()),
    ("ISL", "IS", "Iceland", ()),
    ("ISR", "IL", "Israel", ()),
    ("ITA", "IT", "Italy", ()),
    ("JAM", "JM", "Jamaica", ()),
    ("JOR", "JO", "Jordan", ()),
    ("JPN", "JP", "Japan", ()),
    ("KAZ", "KZ", "Kazakhstan", ()),
    ("KEN", "KE", "Kenya", ()),
    ("KGZ", "KG", "Kyrgyzstan", ()),
    ("KOR", "KR", "South Korea", ("Republic of Korea", "Korea")),
    ("LAO", "LA", "Laos", ()),
    ("LBN", "LB", "Lebanon", ()),
    ("LKA", "LK", "Sri Lanka", ()),
    ("LTU", "LT", "Lithuania", ()),
    ("LUX", "LU", "Luxembourg", ()),
    ("LVA", "LV", "Latvia", ()),
    ("MAR", "MA", "Morocco", ()),
    ("MDG", "MG", "Madagascar", ()),
    ("MEX", "MX", "Mexico", ()),
    ("MKD", "MK", "North Macedonia", ()),
    ("MLT", "MT", "Malta", ()),
    ("MMR", "MM", "Burma", ("Myanmar",)),
    ("MYS", "MY", "Malaysia", ("MAL",)),
    ("NIC", "NI", "Nicaragua", ()),
    ("NLD", "NL", "Netherlands", ("The Netherlands",)),
    ("NOR", "NO", "Norway", ()),
    ("NZL", "NZ", "New Zealand", ()),
    ("OMN", "OM", "Oman", ()),
    ("PAK", "PK", "Pakistan", ()),
    ("PAN", "PA", "Panama", ()),
    ("PER", "PE", "Peru", ()),
    ("PHL", "PH", "Philippines", ()),
    ("POL", "PL", "Poland", ()),
    ("PRT", "PT", "Portugal", ()),
    ("PRY", "PY", "Paraguay", ()),
    ("QAT", "QA", "Qatar", ()),
    ("ROU", "RO", "Romania", ()),
    ("RUS", "RU", "Russia", ("Russian Federation",)),
    ("SAU", "SA", "Saudi Arabia", ()),
    ("SEN", "SN", "Senegal", ()),
    ("SGP", "SG", "Singapore", ()),
    ("SSD", "SS", "South Sudan", ()),
    ("SVK", "SK", "Slovakia", ()),
    ("SWE", "SE", "Sweden", ()),
    ("SYR", "SY", "Syria", ()),
    ("THA", "TH", "Thailand", ()),
    ("TUR", "TR", "Turkey", ("Türkiye",)),
    ("TWN", "TW", "Taiwan", ()),
    ("UGA", "UG", "Uganda", ()),
    ("UKR", "UA", "Ukraine", ()),
    ("USA", "US", "United States", ("United States of America", "U.S.")),
    ("UZB", "UZ", "Uzbekistan", ()),
    ("VEN", "VE", "Venezuela", ()),
    ("VGB", "VG", "British Virgin Islands", ()),
    ("VNM", "VN", "Vietnam", ("Viet Nam",)),
    ("ZAF", "ZA", "South Africa", ()),
)

_BY_KEY: dict[str, str] = {}
_NAME: dict[str, str] = {}
_ALPHA2: dict[str, str] = {}
for _a3, _a2, _name, _others in _TABLE:
    _NAME[_a3] = _name
    _ALPHA2[_a3] = _a2
    for _key in (_a3, _a2, _name, *_others):
        _BY_KEY[normalize(_key)] = _a3
# Regions the lists file under a country: BIS lists Crimea under Ukraine's heading.
_BY_KEY[normalize("Crimea Region of Ukraine")] = "UKR"

COMPATIBLE = {frozenset({"CHN", "HKG"})}
"""Pairs that do not contradict each other: the US lists file Hong Kong firms under China."""


def country_code(text: str | None) -> str | None:
    """The alpha-3 code of a country written as a code or a name, else ``None``."""
    if text is None or not text.strip():
        return None
    return _BY_KEY.get(normalize(text))


def country_name(code: str) -> str:
    return _NAME.get(code, code)


def alpha2(code: str) -> str | None:
    return _ALPHA2.get(code)


def same_or_compatible(a: str | None, b: str | None) -> bool | None:
    """True when two countries agree, False when they contradict, None when one is unknown."""
    if a is None or b is None:
        return None
    return a == b or frozenset({a, b}) in COMPATIBLE
