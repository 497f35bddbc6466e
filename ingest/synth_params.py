"""What synthetic graphs are made of: sizes, shares, the countries, domains and names drawn
from, and the Zipf weights that give the graphs their heavy tails (:mod:`ingest.synth`)."""

from __future__ import annotations

from datetime import date
from itertools import accumulate

SIZES: dict[str, int] = {"S": 1_300, "M": 13_000, "L": 130_000}
"""Firm counts of the three standard sizes: about 10k, 100k and 1M relations."""

FORMATS = ("csv", "yaml")
TIERS = 6
TIER_SHARES = (0.06, 0.13, 0.19, 0.22, 0.22, 0.18)
"""Share of firms per tier, final assemblers (tier 0) to raw materials (tier 5)."""

IN_DOMAIN = 0.9
"""Chance that a supplier, a product's technology or a firm's output is from the firm's own
technology domain: battery makers buy from battery suppliers, and exposure to a policy
spreads through a domain's supply chain first, leaking into others through the rest."""

LISTED_SHARE = 0.01
"""Share of firms that listings (and sanctions) name."""

AMENDED_SHARE = 0.25
"""Share of policies whose rule has a second, amending version (one more covered subtree)."""

INVOKING_SHARE = 0.3
"""Share of export controls whose rule also applies to the parties a listing names."""

MANIFEST = "manifest.json"
EPOCH = date(2005, 1, 1).toordinal()
SPAN_DAYS = date(2024, 12, 31).toordinal() - EPOCH
DAYS = [date.fromordinal(EPOCH + k).isoformat() for k in range(SPAN_DAYS + 31)]
DAY_INDEX = {day: k for k, day in enumerate(DAYS)}  # formatting dates once, not per relation
CONFIDENCES = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
# fmt: off
COUNTRIES = (
    ("cn", "China"), ("us", "United States"), ("jp", "Japan"), ("kr", "South Korea"),
    ("tw", "Taiwan"), ("de", "Germany"), ("nl", "Netherlands"), ("fr", "France"),
    ("gb", "United Kingdom"), ("in", "India"), ("sg", "Singapore"), ("my", "Malaysia"),
    ("vn", "Vietnam"), ("il", "Israel"), ("ca", "Canada"), ("se", "Sweden"),
    ("fi", "Finland"), ("it", "Italy"), ("es", "Spain"), ("pl", "Poland"),
    ("ch", "Switzerland"), ("ie", "Ireland"), ("be", "Belgium"), ("at", "Austria"),
    ("cz", "Czechia"), ("au", "Australia"), ("br", "Brazil"), ("mx", "Mexico"),
    ("th", "Thailand"), ("id", "Indonesia"), ("ph", "Philippines"), ("tr", "Türkiye"),
)
BLOCS = (
    ("eu", "European Union",
     ("de", "nl", "fr", "it", "es", "pl", "se", "fi", "ie", "be", "at", "cz")),
    ("asean", "ASEAN", ("sg", "my", "vn", "th", "id", "ph")),
)
DOMAINS = (
    "Semiconductors", "Telecommunications", "Artificial intelligence", "Batteries",
    "Advanced materials", "Aerospace", "Biotechnology", "Quantum technologies",
    "Operating systems", "Automotive electronics",
)
SYLLABLES = ("ka", "no", "ri", "ven", "tal", "mo", "zu", "lex", "sa", "tor", "qui", "dra")
SECTORS = (
    ("Motors", "Devices", "Systems"), ("Electronics", "Modules", "Integration"),
    ("Semiconductor", "Components", "Precision"), ("Wafer", "Optics", "Equipment"),
    ("Chemicals", "Materials", "Gases"), ("Mining", "Minerals", "Metals"),
)
# fmt: on
HANZI = "华芯中科海光新泰宏远星辰达信"
SOURCES = (
    ("synth-registry", "Synthetic company registry", "dataset"),
    ("synth-customs", "Synthetic customs records", "dataset"),
    ("synth-filings", "Synthetic company filings", "company-filing"),
    ("synth-gazette", "Synthetic official gazette", "government-notice"),
    ("synth-taxonomy", "Synthetic technology taxonomy", "taxonomy"),
)


def zipf(n: int, alpha: float) -> list[float]:
    """Cumulative Zipf weights for ranks 1..n (what ``random.choices`` bisects)."""
    return list(accumulate(1.0 / (rank**alpha) for rank in range(1, n + 1)))


def firm_id(i: int) -> str:
    return f"firm-{i:06d}"


def country_id(code: str) -> str:
    return f"country-{code}"
