"""Name keys for entity resolution: the forms under which two records may name one entity.

Lists and data sets write one firm many ways: "Huawei Technologies Co., Ltd." (Entity
List), "Huawei Technologies Company" (FCC), "华为技术有限公司" (curated), "Semiconductor
Manufacturing International Corporation (SMIC)", "Changjiang Cunchu" (a transliteration of
长江存储). A key removes what does not tell entities apart - case, accents, punctuation,
legal forms ("Co., Ltd.", "Corporation", "有限公司") - and keeps everything that does:
place names ("(Beijing)", "Canada"), "Group", "Holding", "Technologies". An acronym in
parentheses becomes a key of its own. Chinese names also get their pinyin as a key,
without spaces, so "Changjiang Cunchu" meets 长江存储.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from unidecode import unidecode

LEGAL_FORMS = frozenset(
    [
        "co",
        "company",
        "companies",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "ltd",
        "limited",
        "llc",
        "lc",
        "llp",
        "plc",
        "pte",
        "pty",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "asa",
        "kk",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "ooo",
        "oao",
        "zao",
        "tov",
        "fze",
        "fzco",
        "fzc",
        "fzllc",
        "dmcc",
        "kft",
        "sro",
        "ltda",
        "sdn",
        "bhd",
        "tbk",
    ]
)
"""Legal-form words (after punctuation is removed: "Co., Ltd." is "co ltd")."""

CJK_LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "公司")
STOP_WORDS = frozenset({"the", "of", "and", "for"})

_PAREN = re.compile(r"\(([^()]*)\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&\-]{1,9}$")
_END_ACRONYM = re.compile(r"\(\s*([A-Z][A-Z0-9&\-]{1,9})\s*\)\s*\.?\s*$")
"""An acronym in parentheses closing a name ("... Corporation (SMIC)") names the entity;
one inside a name ("China's (AVIC) Institute 625") names something else."""
_RELATIONSHIP = re.compile(
    r"\((?:[^()]*\([^()]*\))*[^()]*(?::|\bparent\b|\bsubordinate\b|\bsubsidiary\b|"
    r"\baffiliate\b|\bformerly\b|\bsee\b)(?:[^()]*\([^()]*\))*[^()]*\)",
    re.IGNORECASE,
)
"""A parenthesis that states a relationship ("(Parent Organization: CNNC)") is not part of
the entity's name."""


@dataclass(frozen=True)
class NameKey:
    """One comparable form of a name: ``text`` is the key, ``tokens`` its words,
    ``acronym`` whether it came from a bare acronym such as "SMIC" or "(SMIC)"."""

    text: str
    tokens: tuple[str, ...]
    acronym: bool

    @property
    def distinctive(self) -> bool:
        """Long enough to identify an entity on its own (not a two-letter code); three
        Chinese characters already make a name."""
        if _CJK.search(self.text):
            return len(self.text) >= 3
        return len(self.tokens) >= 2 or len(self.text) >= 8


def _ascii_words(text: str) -> list[str]:
    folded = unidecode(unicodedata.normalize("NFKC", text)).lower().replace("&", " and ")
    return [w for w in _NON_WORD.split(folded) if w]


def _strip_legal(words: list[str]) -> list[str]:
    """Legal forms go wherever they stand ("Huawei Technologies Co., Ltd." and the FCC's
    "Huawei Technologies Company" meet); words such as "Group" stay."""
    kept = [w for w in words if w not in LEGAL_FORMS]
    while kept and kept[0] in STOP_WORDS:
        kept = kept[1:]
    return kept or words


def name_keys(name: str) -> list[NameKey]:
    """Every key of one written name (usually one; more with an acronym or Chinese)."""
    keys: list[NameKey] = []
    text = " ".join(name.split())
    if not text:
        return keys
    if _CJK.search(text):
        core = text
        for suffix in CJK_LEGAL_SUFFIXES:
            if core.endswith(suffix) and len(core) > len(suffix) + 1:
                core = core[: -len(suffix)]
                break
        keys.append(NameKey(core, (core,), acronym=False))
        pinyin = "".join(_ascii_words(core))
        if len(pinyin) >= 6:
            keys.append(NameKey(pinyin, (pinyin,), acronym=False))
        return keys
    text = _RELATIONSHIP.sub(" ", text)
    if (end := _END_ACRONYM.search(text)) is not None:
        keys.append(NameKey(end.group(1).lower(), (end.group(1).lower(),), acronym=True))
        text = text[: end.start()]
    outer = _PAREN.sub(lambda m: f" {m.group(1)} ", text)
    words = _strip_legal(_ascii_words(outer))
    if words:
        is_acronym = len(words) == 1 and bool(_ACRONYM.match(outer.strip().rstrip(".")))
        keys.append(NameKey(" ".join(words), tuple(words), acronym=is_acronym))
        joined = "".join(words)
        if len(words) > 1 and len(joined) >= 8:
            keys.append(NameKey(joined, (joined,), acronym=False))
    return keys


def all_keys(names: Iterable[str]) -> dict[str, NameKey]:
    """Keys of all of an entity's names, by key text (the first form of each wins)."""
    out: dict[str, NameKey] = {}
    for name in names:
        for key in name_keys(name):
            out.setdefault(key.text, key)
    return out


def token_set(names: Iterable[str]) -> frozenset[str]:
    """Words of all names (legal forms removed): the material for near-miss scores."""
    words: set[str] = set()
    for name in names:
        if _CJK.search(name):
            continue
        words.update(w for w in _strip_legal(_ascii_words(_PAREN.sub(" ", name))) if len(w) > 1)
    return frozenset(words - STOP_WORDS)
