"""Name keys for entity resolution: the forms under which two records may name one entity.

Lists and data sets write one firm many ways: "Huawei Technologies Co., Ltd." (Entity
List), "Huawei Technologies Company" (FCC), "华为技术有限公司" (curated), "Semiconductor
Manufacturing International Corporation (SMIC)", "Changjiang Cunchu" (a transliteration of
长江存储). A key removes what does not tell entities apart - case, accents, punctuation,
legal forms ("Co., Ltd.", "Corporation", "有限公司") - and keeps everything that does:
place names ("(Beijing)", "Canada"), "Group", "Holding", "Technologies". An acronym in
parentheses becomes a key of its own. Chinese names also get their pinyin as a key,
without spaces, so "Changjiang Cunchu" meets 长江存储.

Two more forms carry weaker evidence. The *core* of a name drops, besides legal forms, the
words that describe a firm's trade ("Technology", "Microelectronics", "Scientific
Instruments") and a place that qualifies it ("Changsha ...", "... (Shanghai)"): ETO's
"Jingjia Micro" and the Entity List's "Changsha Jingjia Microelectronics" share the core
"jingjia". A core says little on its own - every subsidiary "Piotech (Beijing)" shares its
parent's - so resolution trusts it only when one entry of a list holds it. The *full form*
keeps legal forms, spelled out ("Co." is "company"): two lists writing "ZTE Corporation"
agree on more than the short key "zte".

This module is pure name vocabulary (no data, no I/O): entity resolution in ``ingest`` and
screening in ``store`` both read names through it.
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
    qualified: bool = False
    """The key of a name whose place qualifier ("(Beijing)") was dropped: "Piotech (Beijing)"
    also has the key "piotech", which its parent holds too."""

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
    elif (alias := _END_ALIAS.search(text)) is not None and _bracketed_alias(alias.group(1)):
        inner = _strip_legal(_ascii_words(alias.group(1)))
        keys.append(NameKey(" ".join(inner), tuple(inner), acronym=False))
        text = text[: alias.start()]
    outer = _PAREN.sub(lambda m: f" {m.group(1)} ", text)
    _add_words(keys, _strip_legal(_ascii_words(outer)), outer)
    if _PAREN.search(text):
        bare = _PAREN.sub(lambda m: " " if _is_place(m.group(1)) else f" {m.group(1)} ", text)
        if bare != outer:
            _add_words(keys, _strip_legal(_ascii_words(bare)), bare, qualified=True)
    return keys


_END_ALIAS = re.compile(r"\(\s*([^()]{2,40}?)\s*\)\s*\.?\s*$")


def _is_place(text: str) -> bool:
    words = _ascii_words(text)
    return bool(words) and all(w in PLACE_WORDS for w in words)


def _bracketed_alias(inner: str) -> bool:
    """A closing parenthesis that holds another name of the entity ("HiSilicon Technologies
    Co., Ltd (HiSilicon)"), not a place or a bare legal form ("(Limited)")."""
    words = _ascii_words(inner)
    return bool(words) and not _is_place(inner) and not all(w in LEGAL_FORMS for w in words)


def _add_words(
    keys: list[NameKey], words: list[str], outer: str, *, qualified: bool = False
) -> None:
    if not words or any(k.text == " ".join(words) for k in keys):
        return
    is_acronym = len(words) == 1 and bool(_ACRONYM.match(outer.strip().rstrip(".")))
    keys.append(NameKey(" ".join(words), tuple(words), acronym=is_acronym, qualified=qualified))
    joined = "".join(words)
    if len(words) > 1 and len(joined) >= 8:
        keys.append(NameKey(joined, (joined,), acronym=False, qualified=qualified))


LEGAL_SPELLED = {
    "co": "company",
    "corp": "corporation",
    "inc": "incorporated",
    "ltd": "limited",
    "llc": "limited liability company",
}
"""Abbreviated legal forms and the words they stand for, for full forms."""

TRADE_WORDS = frozenset(
    [
        "technology",
        "technologies",
        "tech",
        "microelectronics",
        "microelectronic",
        "micro",
        "electronics",
        "electronic",
        "electron",
        "semiconductor",
        "semiconductors",
        "scientific",
        "instruments",
        "instrument",
        "information",
        "science",
        "sciences",
    ]
)
"""Words that say what a firm does, not which firm it is (dropped from cores)."""

PLACE_WORDS = frozenset(
    [
        "beijing",
        "shanghai",
        "tianjin",
        "chongqing",
        "shenzhen",
        "guangzhou",
        "hangzhou",
        "nanjing",
        "wuhan",
        "chengdu",
        "xian",
        "xi",
        "an",
        "suzhou",
        "wuxi",
        "hefei",
        "changsha",
        "shenyang",
        "dalian",
        "qingdao",
        "xiamen",
        "zhuhai",
        "dongguan",
        "kunshan",
        "ningbo",
        "harbin",
        "jinan",
        "zhengzhou",
        "anhui",
        "jiangsu",
        "zhejiang",
        "guangdong",
        "hubei",
        "hunan",
        "sichuan",
        "shaanxi",
        "shandong",
        "fujian",
        "liaoning",
        "hebei",
        "henan",
        "xinjiang",
        "hong",
        "kong",
        "hongkong",
        "macau",
        "taiwan",
    ]
)
"""Chinese provinces and cities that open or qualify ("(Shanghai)") a firm's name."""

_NO_ACRONYM = re.compile(r"\(\s*[A-Z][A-Z0-9&\-]{1,9}\s*\)")


def core_key(name: str) -> str | None:
    """The distinctive core of a Latin-script name (see the module docstring), or None when
    nothing distinctive is left (fewer than five letters)."""
    text = " ".join(name.split())
    if not text or _CJK.search(text):
        return None
    text = _RELATIONSHIP.sub(" ", text)
    text = _NO_ACRONYM.sub(" ", text)

    def place_only(m: re.Match[str]) -> str:
        inner = _ascii_words(m.group(1))
        return " " if inner and all(w in PLACE_WORDS for w in inner) else f" {m.group(1)} "

    text = _PAREN.sub(place_only, text)
    words = [w for w in _strip_legal(_ascii_words(text)) if w not in LEGAL_FORMS]
    while words and words[0] in PLACE_WORDS:
        words = words[1:]
    words = [w for w in words if w not in TRADE_WORDS and w not in STOP_WORDS]
    core = " ".join(words)
    return core if len(core.replace(" ", "")) >= 5 else None


def full_form(name: str) -> str | None:
    """The name with its legal form spelled out ("ZTE Corp." -> "zte corporation"), when it
    has one; None for names without a legal form or in Chinese script."""
    if _CJK.search(name):
        return None
    words = _ascii_words(_PAREN.sub(lambda m: f" {m.group(1)} ", name))
    if not any(w in LEGAL_FORMS for w in words) or len(words) < 2:
        return None
    return " ".join(LEGAL_SPELLED.get(w, w) for w in words)


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
