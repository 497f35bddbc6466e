"""US restricted-party lists (structured extracts of the official publications) onto the
ontology.

Each list becomes a policy that *names* the organizations it lists, so the analysis
(``suppliersExposedTo``) reaches them like any curated listing: the BIS Entity List and the
Military End-User List are EntityListings (export controls that name parties); the DoD
Section 1260H list, the FCC Covered List, OFAC's NS-CMIC list and the DHS UFLPA list are
Sanctions. ``lists.json`` gives each policy its official name, authority (``reference``),
issuing agency (``issuedBy``) and description.

Every entry becomes an organization and one ``names`` fact carrying what the list says
about the listing: ``validFrom`` is the entry's effective date or else the date of its
first Federal Register citation (the rule that added it), ``citation`` that citation,
``recordId`` the entry's position in the file; its provenance cites the list extract (with
the citation or note copied verbatim) and the Federal Register rule itself as a source of
its own. The country an entry is listed under becomes ``headquarteredIn``.

The lists also name people and addresses. An entry that reads as a personal name (two to
five plain words, no organizational word, acronym or digit in the name or any alias)
becomes a Person, with the country the list files it under as ``nationality``; a
placeholder entry ("Address 01", an address used by a diversion network) becomes an
Address named by the address it lists. Neither gets a headquarters. Only classes of
equipment (FCC entries with no country, such as "Routers produced in a foreign country")
are skipped and counted.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from ingest.importers.common import (
    EntityInfo,
    Place,
    SourceImport,
    citation,
    dataset_source,
    excerpt,
    files_version,
    keyed_id,
    parse_date,
    relation_id,
    slug,
)
from ingest.importers.countries import country_code, country_name
from ingest.importers.files import JsonSpec, check_files
from ingest.importers.registry import Importer
from ingest.record_model import CitationInput, EntityInput, RelationInput, SourceInput
from ontology.names import name_keys

SOURCE = "us-lists"
PUBLISHER = "NSF Restricted Entities Guide (Independent), phagehunter/nsfreg"
LISTS: dict[str, tuple[str, str]] = {
    "bis-entity-list": ("bis_entity_list.json", "EntityListing"),
    "bis-meu": ("bis_meu.json", "EntityListing"),
    "dow-1260h": ("dow_1260h.json", "Sanction"),
    "fcc-covered": ("fcc_covered.json", "Sanction"),
    "ofac-nscmic": ("ofac_nscmic.json", "Sanction"),
    "dhs-uflpa": ("dhs_uflpa.json", "Sanction"),
}
EXTRA_ALIASES = {
    "bis-entity-list": ["US Entity List", "BIS Entity List"],
    "dow-1260h": ["1260H list", "Chinese military companies list"],
}
"""Names the policies are commonly known by, so resolution meets the curated ones."""

CONFIDENCE = 0.95
"""Official lists, mechanically extracted: as sure as a curated fact from a notice."""
LOCATION_CONFIDENCE = 0.8
"""The country a list files an entry under is where it is, not always its headquarters."""

_LIST_SPECS = [
    JsonSpec(
        f,
        ("name", "aliases", "country", "federal_register"),
        typed={"effective_date": (parse_date, "a date (YYYY-MM-DD or Month D, YYYY)")},
        optional=True,
    )
    for f, _ in LISTS.values()
]
_FR = re.compile(r"(\d+)\s*FR\s*(\d+)\s*[,.]?\s*\(?\s*([^)\n]*)")
_ORG_WORDS = re.compile(
    r"\b(co|corp|corporation|company|companies|ltd|limited|inc|incorporated|llc|l\.l\.c|"
    r"gmbh|ag|jsc|ojsc|pjsc|cjsc|ooo|oao|zao|llp|plc|pte|pty|sa|s\.a|sarl|srl|spa|bv|nv|"
    r"fze|fzco|fzc|fzllc|dmcc|kft|sro|oy|ab|as|ltda|group|holding|holdings|industr\w*|"
    r"technolog\w*|tech|institute|university|universit\w+|academy|center|centre|college|"
    r"school|laboratory|laboratories|lab|labs|bureau|ministry|agency|enterprise\w*|"
    r"trading|trade|electronics?|electric|systems?|services?|international|factory|plant|"
    r"works|bank|airlines?|air|aviation|aerospace|research|engineering|solutions|"
    r"networks?|communications?|telecom\w*|cloud|semiconductor\w*|foundation|committee|"
    r"department|office|association|union|council|stores?|shop|zone|products|"
    r"establishment|unitary|shipyard|design|development|logistics|export|import|imports|"
    r"exports|supply|supplies|machinery|instruments?|equipment|devices?|software|"
    r"chemicals?|materials?|energy|power|defen[cs]e|military|army|navy|force|forces|"
    r"police|guard|security|intelligence|directorate|administration|authority|commission|"
    r"organi[sz]ation|partners|brothers|sons|global|general|national|state|federal|"
    r"scientific|science|sciences|resources|investment|investments|capital|venture|"
    r"ventures|pharma\w*|medical|hospital|computer|computers|digital|data|media|"
    r"marine|maritime|shipping|transport|freight|express|motors?|automotive|mining|"
    r"metals?|steel|oil|gas|petroleum|construction|manufactur\w*|production|"
    r"optics?|optical|photonics|laser|nuclear|space|satellite|robotics|drone|uav|"
    r"vision|micro\w*|nano\w*|precision|dynamics|sensor\w*|test|testing)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"^[^\W\d_][^\W\d_'’“”\".-]*(?:[-'’][^\W\d_]+)*[.,]?$", re.UNICODE)
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_ADDRESS_ALIAS = re.compile(r",.*\d|\d.*,")
_PLACEHOLDER = re.compile(r"^\s*Address\s+\d+\s*$", re.IGNORECASE)


def looks_like_person(name: str, aliases: list[str]) -> bool:
    """True for a plain personal name: 2-5 words, none organizational, no acronym, digit or
    parenthesis, and no alias that is organizational either."""
    if any(_ORG_WORDS.search(text) for text in (name, *aliases)):
        return False
    if _ACRONYM.search(name) or any(c.isdigit() or c in "()&/" for c in name):
        return False
    words = name.replace("“", " ").replace("”", " ").split()
    return 2 <= len(words) <= 5 and all(_WORD.match(w) for w in words)


def fr_citations(text: str | None) -> list[tuple[str, str, date | None]]:
    """``(citation as written, "84-FR-22963", date)`` for each Federal Register citation."""
    out: list[tuple[str, str, date | None]] = []
    for line in (text or "").splitlines():
        m = _FR.search(line)
        if m is None:
            continue
        when = parse_date(m.group(3).strip().rstrip(".").strip())
        out.append((line.strip().rstrip("."), f"{m.group(1)}-FR-{m.group(2)}", when))
    return out


def entry_key(name: str) -> str:
    """What makes two entries of one list the same entry: the name without case, punctuation,
    legal form or closing acronym ("MGI Tech Co., Ltd." and "MGI Tech Co., Ltd. (MGI)")."""
    keys = [k for k in name_keys(name) if not k.acronym]
    return keys[0].text if keys else name.lower()


def _clean_aliases(name: str, aliases: list[str]) -> list[str]:
    """Aliases as listed, less the ones an address leaked into during extraction."""
    out: list[str] = []
    for alias in aliases:
        alias = alias.strip()
        if alias and alias != name and alias not in out and not _ADDRESS_ALIAS.search(alias):
            out.append(alias)
    return out


class _Builder:
    def __init__(self, folder: Path, version: str, released: date) -> None:
        self.folder = folder
        self.imp = SourceImport(SOURCE, version, released)
        self.countries: dict[str, str] = {}
        self.entry_ids: dict[tuple[str, str, str, str | None], str] = {}

    def place(self, file: str, line: int) -> Place:
        return Place(f"{self.folder.name}/{file}", line)

    def policy(self, list_id: str, kind: str, meta: dict[str, Any]) -> str:
        pid = f"us-lists-{list_id}"
        official = meta.get("official_name") or list_id
        record = EntityInput(pid, kind, meta.get("short_name") or official)
        if official != record.name:
            record.names = {"en": official}
        record.aliases = [a for a in (list_id, *EXTRA_ALIASES.get(list_id, ())) if a != record.name]
        if meta.get("authority"):
            record.attributes["reference"] = meta["authority"]
        record.description = meta.get("description") or None
        self.imp.add_entity(
            record,
            EntityInfo(
                f"us-lists:{list_id}", "us-lists-policies", "USA", self.place("lists.json", 1)
            ),
        )
        agency = meta.get("agency")
        if agency:
            self._issued_by(pid, agency, meta.get("agency_short"))
        return pid

    def _issued_by(self, policy: str, agency: str, short: str | None) -> None:
        name = agency.rsplit(", ", 1)[-1]
        aid = f"us-lists-agency-{slug(name)}"
        aliases = [a for a in (agency, short) if a and a != name]
        record = EntityInput(aid, "GovernmentBody", name, aliases=aliases)
        self.imp.add_entity(
            record,
            EntityInfo(
                f"us-lists:agency:{name}", "us-lists-agencies", "USA", self.place("lists.json", 1)
            ),
        )
        self._relation(
            RelationInput("issuedBy", policy, aid),
            self.list_sources["lists"],
            None,
            self.place("lists.json", 1),
            CONFIDENCE,
        )

    def list_file(
        self, list_id: str, file: str, kind: str, meta: dict[str, Any], when: date
    ) -> None:
        """One list extract: its source (dated by the extract), its policy, its entries."""
        data = json.loads((self.folder / file).read_text(encoding="utf-8"))
        extracted = parse_date(data.get("extracted")) or when
        source_id = f"nsfreg-{list_id}-{extracted.isoformat()}"
        self.imp.add_source(
            dataset_source(
                source_id,
                f"{meta.get('official_name', list_id)} (extract of {extracted})",
                PUBLISHER,
                extracted,
                meta.get("official_url"),
            )
        )
        policy = self.policy(list_id, kind, meta)
        self.entries(list_id, file, policy, source_id)

    def entries(self, list_id: str, file: str, policy: str, source_id: str) -> None:
        data = json.loads((self.folder / file).read_text(encoding="utf-8"))
        for index, entry in enumerate(data.get("entities", []), start=1):
            self._entry(list_id, file, policy, source_id, index, entry)

    def _entry(
        self,
        list_id: str,
        file: str,
        policy: str,
        source_id: str,
        index: int,
        entry: dict[str, Any],
    ) -> None:
        name = " ".join(str(entry.get("name") or "").split())
        raw_aliases = [str(a) for a in entry.get("aliases") or []]
        country = entry.get("country")
        if not name:
            self.imp.skipped["entry without a name"] += 1
            return
        if list_id == "fcc-covered" and not country and not _ORG_WORDS.search(name):
            self.imp.skipped["class of equipment, not an organization"] += 1
            return
        tally = self.imp.listed_by_country.setdefault((list_id, str(country or "(none)")), [0, 0])
        tally[0] += 1
        address = " ".join(str(entry.get("address") or "").split())
        kind, record_name = _kind(name, raw_aliases, address)
        place = self.place(file, index)
        code = country_code(country)
        known = len(self.entry_ids)
        eid = self.entry_ids.setdefault(
            (list_id, kind, entry_key(record_name), code or country),
            keyed_id(list_id, record_name if kind != "Person" else f"{record_name} (person)"),
        )
        tally[1] += len(self.entry_ids) - known
        record = _entry_record(eid, kind, record_name, name, raw_aliases, country)
        citations = fr_citations(entry.get("federal_register"))
        self.imp.add_entity(
            record,
            EntityInfo(
                f"{list_id}:{name}",
                list_id,
                code or country,
                place,
                address=address or None,
                citation=citations[0][1] if citations else None,
            ),
        )
        self._listing(policy, eid, entry, (file, index), source_id, citations)
        if (code or country) and kind in ("Firm", "Organization"):
            self._located(eid, code, str(country), place, source_id)

    def _listing(
        self,
        policy: str,
        eid: str,
        entry: dict[str, Any],
        where: tuple[str, int],
        source_id: str,
        citations: list[tuple[str, str, date | None]],
    ) -> None:
        """The list naming the entry, from its effective date (or its first Federal Register
        notice), citing the list extract and that notice."""
        file, index = where
        listed = parse_date(entry.get("effective_date")) or (citations[0][2] if citations else None)
        names = RelationInput(
            "names", policy, eid, qualifiers={"recordId": f"{file}#{index}"}, valid_from=listed
        )
        name = " ".join(str(entry.get("name") or "").split())
        evidence = entry.get("federal_register") or entry.get("notes") or name
        provenance = [citation(source_id, excerpt(str(evidence)))]
        if citations:
            text, key, when = citations[0]
            names.qualifiers["citation"] = text
            provenance.append(citation(self._fr_source(key, when), text))
        names.id = relation_id(policy, "names", eid)
        self._relation(names, None, None, self.place(file, index), CONFIDENCE, provenance)

    def _located(
        self, eid: str, code: str | None, country: str, place: Place, source_id: str
    ) -> None:
        key = code or country
        cid = self.countries.get(key)
        if cid is None:
            cid = f"us-lists-country-{slug(key)}"
            self.imp.add_entity(
                EntityInput(cid, "Country", country_name(code) if code else country),
                EntityInfo(f"us-lists:country:{key}", "us-lists-countries", code, place),
            )
            self.countries[key] = cid
        self._relation(
            RelationInput(
                "headquarteredIn",
                eid,
                cid,
                qualifiers={"recordId": place.file.rsplit("/", 1)[-1] + f"#{place.line}"},
            ),
            source_id,
            country,
            place,
            LOCATION_CONFIDENCE,
        )

    def _fr_source(self, key: str, when: date | None) -> str:
        sid = f"federal-register-{key.lower()}"
        url = f"https://www.federalregister.gov/citation/{key}"
        title = key.replace("-", " ")
        self.imp.add_source(
            SourceInput(sid, title, "Federal Register", url, when, "government-notice")
        )
        return sid

    def _relation(
        self,
        record: RelationInput,
        source_id: str | None,
        evidence: str | None,
        place: Place,
        confidence: float,
        provenance: list[CitationInput] | None = None,
    ) -> None:
        record.id = record.id or relation_id(record.source, record.type, record.target)
        record.confidence = confidence
        if provenance is None:
            assert source_id is not None
            provenance = [citation(source_id, evidence)]
        record.provenance = provenance
        self.imp.add_relation(record, place)

    list_sources: dict[str, str]


def _entry_record(
    eid: str, kind: str, record_name: str, name: str, raw_aliases: list[str], country: object
) -> EntityInput:
    """An entry's entity record: a person's nationality or an address's country as the list
    gives it; an address keeps the listed text among its aliases."""
    record = EntityInput(eid, kind, record_name)
    if kind == "Person" and country:
        record.attributes["nationality"] = str(country)
    if kind == "Address" and country:
        record.attributes["addressCountry"] = str(country)
    if kind == "Address":
        raw_aliases = [name, *raw_aliases]
    record.aliases = _clean_aliases(record_name, raw_aliases)
    return record


def _kind(name: str, aliases: list[str], address: str) -> tuple[str, str]:
    """The entry's kind and the name its record takes: a placeholder entry ("Address 01")
    is the address it lists; a plain personal name a Person; else a Firm or Organization."""
    if _PLACEHOLDER.match(name) and address:
        return "Address", address.rstrip(".")
    if looks_like_person(name, aliases):
        return "Person", name
    return ("Firm" if _is_firm(name, aliases) else "Organization"), name


def _is_firm(name: str, aliases: list[str]) -> bool:
    """Firm when the name (or an alias) carries a company form; else a generic
    Organization (institutes, universities, state bodies, units)."""
    forms = re.compile(
        r"\b(co|corp|corporation|company|ltd|limited|inc|incorporated|llc|gmbh|ag|jsc|ojsc|"
        r"pjsc|cjsc|ooo|oao|zao|llp|plc|pte|pty|s\.a|sarl|srl|spa|bv|nv|fze|fzco|fzc|dmcc|"
        r"kft|ltda|group|holdings?)\b\.?",
        re.IGNORECASE,
    )
    return any(forms.search(text) for text in (name, *aliases))


def import_us_lists(
    folder: Path, *, version: str | None = None, released: date | None = None
) -> SourceImport:
    """Read the list extracts in ``folder`` (``lists.json`` and any of the six list files).

    ``version`` and ``released`` default to the extract's ``generated`` date.
    """
    meta_path = folder / "lists.json"
    if not meta_path.is_file():
        raise FileNotFoundError(f"{folder}: no lists.json (not a restricted-lists extract)")
    check_files(folder, _LIST_SPECS)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    generated = parse_date(meta.get("generated"))
    present = {lid: spec for lid, spec in LISTS.items() if (folder / spec[0]).is_file()}
    if not present:
        raise FileNotFoundError(f"{folder}: none of {', '.join(f for f, _ in LISTS.values())}")
    paths = [meta_path, *(folder / f for f, _ in present.values())]
    when = released or generated or date.today()
    builder = _Builder(
        folder, version or (generated.isoformat() if generated else files_version(paths)), when
    )
    by_id = {m["id"]: m for m in meta.get("lists", [])}
    lists_source = f"nsfreg-lists-{slug(builder.imp.version)}"
    builder.imp.add_source(
        dataset_source(
            lists_source,
            f"Restricted-list metadata (lists.json), {when}",
            PUBLISHER,
            when,
            "https://github.com/phagehunter/nsfreg",
        )
    )
    builder.list_sources = {"lists": lists_source}
    for list_id, (file, kind) in present.items():
        builder.list_file(list_id, file, kind, by_id.get(list_id, {"id": list_id}), when)
    return builder.imp


IMPORTER = Importer(
    name=SOURCE,
    help="the US restricted-party lists (a folder with lists.json and the list extracts).",
    read=import_us_lists,
    priority=2,
    other_names=(
        (
            "entity-list",
            "the US restricted-party lists: another name of `techsov import us-lists`.",
        ),
    ),
)


def reconcile(imported: SourceImport, list_id: str) -> dict[str, tuple[int, int]]:
    """Per country the list files entries under: (entries in the list file, entities the
    imported list names). They differ only by entries the list repeats (the same name,
    kind and country twice) and by FCC classes of equipment, which are not entities."""
    return {
        country: (counts[0], counts[1])
        for (lid, country), counts in sorted(imported.listed_by_country.items())
        if lid == list_id
    }
