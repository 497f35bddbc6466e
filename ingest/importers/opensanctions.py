"""OpenSanctions' curated tech-policy lists onto the ontology: US procurement bans (NDAA
sections 889, 5949 and 154), the history of the DoD Section 1260H list, and China's
counter-measures (MOFCOM's Unreliable Entity List and export-control lists, MFA
counter-sanctions, Taiwan Affairs Office lists).

Every list is a policy that *names* what it lists; China's lists name US, Japanese and
Taiwanese firms, so the graph holds both sides of the contest. The 1260H history is a time
series: one ``names`` fact per designation round (``validFrom`` the round's date,
``validTo`` its end date when the data set records one), so a firm delisted and relisted
keeps both periods; its ``Parent Name`` becomes ``subsidiaryOf``. The counter-measure table
gives each target's Wikidata id (used by entity resolution), Chinese name, country
(``headquarteredIn``) and the government page of the announcement, cited as a source of
its own. Rows about people become Persons (their country as ``nationality``, no
headquarters).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ingest.importers.common import (
    EntityInfo,
    Place,
    SourceImport,
    citation,
    dataset_source,
    excerpt,
    files_date,
    files_version,
    keyed_id,
    parse_date,
    parse_day_first,
    relation_id,
    short_hash,
    slug,
)
from ingest.importers.countries import country_code, country_name
from ingest.importers.files import CsvSpec, check_files
from ingest.importers.registry import Importer
from ingest.importers.rounds import RoundEntry, listing_periods
from ingest.importers.us_lists import entry_key
from ingest.record_model import CitationInput, EntityInput, RelationInput, SourceInput

SOURCE = "opensanctions"
REPOSITORY = "https://github.com/opensanctions/opensanctions"
PUBLISHER = "OpenSanctions"
NDAA = {
    "us_ndaa_section_889.csv": ("ndaa-889", "NDAA FY2019 Section 889 procurement ban"),
    "us_ndaa_section_5949.csv": ("ndaa-5949", "NDAA FY2023 Section 5949 semiconductor ban"),
    "us_ndaa_section_154.csv": ("ndaa-154", "NDAA FY2024 Section 154 battery ban"),
}
HISTORY_1260H = "us_dod_1260h_history.csv"
CN = "cn_countermeasures.csv"
FILES = (*NDAA, HISTORY_1260H, CN)
CONFIDENCE = 0.9
LOCATION_CONFIDENCE = 0.8

CN_LISTS: dict[str, tuple[str, str, str | None]] = {
    "UEL": ("EntityListing", "Unreliable Entity List", "不可靠实体清单"),
    "List of Export Controls": ("EntityListing", "MOFCOM export control list", "出口管制管控名单"),
    "Export Control Watch List": (
        "EntityListing",
        "MOFCOM export control watch list",
        "出口管制关注名单",
    ),
    "AFSL": ("Sanction", "Countermeasures under the Anti-Foreign Sanctions Law", "反外国制裁法"),
}
BODIES = {
    "Ministry of Commerce": "Ministry of Commerce of the People's Republic of China",
    "Ministry of Foreign Affairs": "Ministry of Foreign Affairs of the People's Republic of China",
}
_DATE = (parse_date, "a date (YYYY-MM-DD, M/D/YY or Month D, YYYY)")
_DAY_FIRST_DATE = (parse_day_first, "a date (DD.MM.YY, DD.MM.YYYY or YYYY-MM-DD)")
OS_FILES = (
    *(
        CsvSpec(
            f,
            ("name", "aliases", "country", "start-date"),
            unique=("name",),
            typed={"start-date": _DATE, "report-date": _DATE, "end-date": _DATE},
            optional=True,
        )
        for f in NDAA
    ),
    CsvSpec(
        HISTORY_1260H,
        ("Name", "Clean Name", "Alias", "Parent Name", "Start date", "End date"),
        typed={"Start date": _DATE, "End date": _DATE},
        optional=True,
    ),
    CsvSpec(
        CN,
        ("Type", "Name", "Country", "List", "Date"),
        typed={"Date": _DAY_FIRST_DATE, "End date": _DAY_FIRST_DATE},
        optional=True,
    ),
)
"""What the importer reads of each file (checked before reading)."""
TITLE_1260H = "Entities identified as Chinese military companies operating in the United States"
_SPLIT_1260H = re.compile(r",(?!\s)")


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _ = reader.fieldnames
    previous = reader.line_num
    for row in reader:
        first, previous = previous + 1, reader.line_num
        yield first, {k: (v or "").strip() for k, v in row.items() if k is not None}


class _Builder:
    def __init__(self, folder: Path, version: str, released: date) -> None:
        self.folder = folder
        self.imp = SourceImport(SOURCE, version, released)
        self.countries: dict[str, str] = {}
        self.sources: dict[str, str] = {}

    def place(self, file: str, line: int) -> Place:
        return Place(f"{self.folder.name}/{file}", line)

    def dataset(self, file: str) -> str:
        sid = f"opensanctions-{slug(file.removesuffix('.csv'))}-{slug(self.imp.version)[:12]}"
        url = REPOSITORY if len(self.imp.version) != 40 else f"{REPOSITORY}/tree/{self.imp.version}"
        self.imp.add_source(
            dataset_source(
                sid,
                f"OpenSanctions {file}, version {self.imp.version}",
                PUBLISHER,
                self.imp.released,
                url,
            )
        )
        return sid

    def page(self, url: str, when: date | None, title: str) -> str | None:
        """A source for the official page or document a row cites."""
        if not url.startswith(("http://", "https://")):
            return None
        sid = self.sources.get(url)
        if sid is None:
            sid = f"web-{slug(url.split('//', 1)[1], 40)}-{short_hash(url)}"
            self.imp.add_source(
                SourceInput(sid, title, url=url, published=when, source_type="government-notice")
            )
            self.sources[url] = sid
        return sid

    def policy(self, pid: str, kind: str, name: str, place: Place, **fields: object) -> str:
        stated = {k: v for k, v in fields.items() if v}
        record = EntityInput.from_fields({"id": pid, "kind": kind, "name": name, **stated})
        self.imp.add_entity(record, EntityInfo(f"opensanctions:{pid}", "os-policies", None, place))
        return pid

    def body(self, name: str, place: Place, country: str | None = None) -> str:
        full = BODIES.get(name, name)
        bid = f"os-body-{slug(full)}"
        record = EntityInput(bid, "GovernmentBody", full, aliases=[name] if full != name else [])
        self.imp.add_entity(
            record, EntityInfo(f"opensanctions:body:{full}", "os-bodies", country, place)
        )
        return bid

    def organization(
        self,
        group: str,
        name: str,
        kind: str,
        place: Place,
        *,
        aliases: list[str] = (),  # type: ignore[assignment]
        country: str | None = None,
        zh: str | None = None,
        wikidata: str | None = None,
    ) -> str:
        eid = keyed_id(f"os-{group}", name)
        record = EntityInput(eid, kind, name)
        record.aliases = [a for a in dict.fromkeys(aliases) if a and a != name]
        if zh:
            record.names = {"zh": zh}
        if wikidata and re.fullmatch(r"Q[1-9][0-9]*", wikidata):
            record.wikidata = wikidata
        if kind == "Person" and country:
            record.attributes["nationality"] = country
        self.imp.add_entity(record, EntityInfo(f"{group}:{name}", group, country, place))
        return eid

    def located(self, eid: str, code: str | None, raw: str, place: Place, source: str) -> None:
        key = code or raw
        cid = self.countries.get(key)
        if cid is None:
            cid = f"os-country-{slug(key)}"
            self.imp.add_entity(
                EntityInput(cid, "Country", country_name(code) if code else raw),
                EntityInfo(f"opensanctions:country:{key}", "os-countries", code, place),
            )
            self.countries[key] = cid
        self.relation(
            RelationInput(
                "headquarteredIn",
                eid,
                cid,
                qualifiers={"recordId": f"{place.file.rsplit('/', 1)[-1]}:{place.line}"},
            ),
            [citation(source, raw)],
            place,
            LOCATION_CONFIDENCE,
        )

    def relation(
        self,
        record: RelationInput,
        provenance: list[CitationInput],
        place: Place,
        confidence: float = CONFIDENCE,
        *discriminators: str,
    ) -> None:
        record.id = record.id or relation_id(
            record.source, record.type, record.target, *discriminators
        )
        record.confidence = confidence
        record.provenance = provenance
        self.imp.add_relation(record, place)

    # ------------------------------------------------------------ files
    def ndaa(self, file: str) -> None:
        key, name = NDAA[file]
        source = self.dataset(file)
        rows = list(_rows(self.folder / file))
        if not rows:
            return
        program = rows[0][1].get("program", "")
        congress = self.body("United States Congress", self.place(file, rows[0][0]), "USA")
        pid = self.policy(
            f"os-{key}",
            "Sanction",
            name,
            self.place(file, rows[0][0]),
            reference=program,
            names={"en": program} if program else None,
        )
        self.relation(
            RelationInput("issuedBy", pid, congress),
            [citation(source, rows[0][1].get("authority") or None)],
            self.place(file, rows[0][0]),
        )
        for line, row in rows:
            place = self.place(file, line)
            aliases = [a.strip() for a in row.get("aliases", "").split(";")]
            eid = self.organization(
                key,
                row["name"],
                "Person" if row.get("schema") == "Person" else "Firm",
                place,
                aliases=aliases,
                country=country_code(row.get("country")),
            )
            start = parse_date(row.get("start-date")) or parse_date(row.get("report-date"))
            end = parse_date(row.get("end-date"))
            names = _names(pid, eid, f"{file}:{line}", start, end)
            provenance = [citation(source, excerpt(row.get("notes") or row["name"]))]
            if law := self.page(row.get("source_url", ""), None, program or name):
                provenance.append(citation(law))
            self.relation(names, provenance, place)

    def history_1260h(self) -> None:
        file = HISTORY_1260H
        source = self.dataset(file)
        first = self.place(file, 1)
        pid = self.policy(
            "os-dod-1260h",
            "Sanction",
            "Section 1260H list of Chinese military companies",
            first,
            aliases=["1260H list", "Chinese military companies list"],
            reference="Sec. 1260H, William M. (Mac) Thornberry NDAA for FY2021 (Pub. L. 116-283)",
        )
        rows = list(_rows(self.folder / file))
        first_name: dict[str, str] = {}
        entries: list[RoundEntry] = []
        for line, row in rows:
            place = self.place(file, line)
            name = row.get("Clean Name") or row["Name"].rstrip("*").strip()
            raw = row["Name"].rstrip("*").strip()
            aliases = [a.strip() for a in _SPLIT_1260H.split(row.get("Alias", ""))]
            aliases += [raw, row.get("Previous Name", "")]
            key = entry_key(name)
            canonical = first_name.setdefault(key, name)
            eid = self.organization("dod-1260h", canonical, "Firm", place, aliases=[name, *aliases])
            start = parse_date(row.get("Start date"))
            if start is not None:
                entries.append(RoundEntry(eid, start, line, parse_date(row.get("End date"))))
            else:
                self._period_1260h(pid, source, eid, [line], dict(rows), None, None)
            parent = row.get("Parent Name", "")
            if parent and entry_key(parent) != key:
                parent_name = first_name.setdefault(entry_key(parent), parent)
                pid_parent = self.organization(
                    "dod-1260h", parent_name, "Firm", place, aliases=[parent]
                )
                self.relation(
                    RelationInput(
                        "subsidiaryOf", eid, pid_parent, qualifiers={"recordId": f"{file}:{line}"}
                    ),
                    [citation(source, parent)],
                    place,
                )
        by_line = dict(rows)
        for period in listing_periods(entries):
            self._period_1260h(
                pid, source, period.key, period.rows, by_line, period.start, period.end
            )

    def _period_1260h(
        self,
        pid: str,
        source: str,
        eid: str,
        lines: list[int],
        rows: dict[int, dict[str, str]],
        start: date | None,
        end: date | None,
    ) -> None:
        """One listing period: the rounds that named the entity, each row cited."""
        file = HISTORY_1260H
        names = _names(pid, eid, f"{file}:{lines[0]}", start, end)
        provenance: list[CitationInput] = []
        for line in lines:
            row = rows[line]
            when = parse_date(row.get("Start date"))
            entry = citation(source, excerpt(row.get("Note") or row["Name"]))
            if entry not in provenance:
                provenance.append(entry)
            if (doc := self.page(row.get("Source Url", ""), when, TITLE_1260H)) and citation(
                doc
            ) not in provenance:
                provenance.append(citation(doc))
        self.relation(
            names,
            provenance,
            self.place(file, lines[0]),
            CONFIDENCE,
            start.isoformat() if start else "",
        )

    def countermeasures(self) -> None:
        file = CN
        source = self.dataset(file)
        policies: dict[tuple[str, str], str] = {}
        for line, row in _rows(self.folder / file):
            place = self.place(file, line)
            key = (row.get("Body", ""), row.get("List", ""))
            if key not in policies:
                policies[key] = self._cn_policy(*key, place)
            code = country_code(row.get("Country"))
            aliases = [a.strip() for a in row.get("Alias", "").split(";")]
            kind = {"Company": "Firm", "Person": "Person"}.get(row.get("Type", ""), "Organization")
            eid = self.organization(
                "cn-countermeasures",
                row["Name"],
                kind,
                place,
                aliases=aliases,
                country=code or row.get("Country") or None,
                zh=row.get("Chinese name") or None,
                wikidata=row.get("QID") or None,
            )
            start = parse_day_first(row.get("Date"))
            end = parse_day_first(row.get("End date"))
            names = _names(policies[key], eid, f"{file}:{line}", start, end)
            provenance = [citation(source, excerpt(row.get("Summary") or row["Name"]))]
            if page := self.page(
                row.get("Source URL", ""),
                start,
                f"{row.get('Body') or 'Chinese government'} announcement",
            ):
                provenance.append(citation(page))
            self.relation(names, provenance, place, CONFIDENCE, start.isoformat() if start else "")
            if row.get("Country") and kind != "Person":
                self.located(eid, code, row["Country"], place, source)

    def _cn_policy(self, body: str, list_name: str, place: Place) -> str:
        kind, name, zh = CN_LISTS.get(list_name, ("Sanction", list_name, None))
        if not list_name:
            name = f"Countermeasures announced by the {body or 'Chinese government'}"
        pid = self.policy(
            f"os-cn-{slug(name)}", kind, name, place, names={"zh": zh} if zh else None
        )
        if body:
            bid = self.body(body, place, "CHN")
            self.relation(
                RelationInput("issuedBy", pid, bid),
                [citation(self.dataset(CN), body)],
                place,
            )
        return pid


def _names(
    listing: str, entity: str, record_id: str, start: date | None, end: date | None
) -> RelationInput:
    """The ``names`` fact of one listing period, its row as ``recordId``."""
    return RelationInput(
        "names", listing, entity, qualifiers={"recordId": record_id}, valid_from=start,
        valid_to=end,
    )  # fmt: skip


def import_opensanctions(
    folder: Path, *, version: str | None = None, released: date | None = None
) -> SourceImport:
    """Read the curated lists in ``folder`` (any of the five files).

    ``version`` (a commit of the OpenSanctions repository, ideally) and ``released``
    default to a hash of the files and their newest modification date.
    """
    present = [f for f in FILES if (folder / f).is_file()]
    if not present:
        raise FileNotFoundError(f"{folder}: none of {', '.join(FILES)}")
    check_files(folder, OS_FILES)
    paths = [folder / f for f in present]
    builder = _Builder(folder, version or files_version(paths), released or files_date(paths))
    for file in present:
        if file in NDAA:
            builder.ndaa(file)
        elif file == HISTORY_1260H:
            builder.history_1260h()
        else:
            builder.countermeasures()
    return builder.imp


IMPORTER = Importer(
    name=SOURCE,
    help="the OpenSanctions tech-policy lists (a folder with the CSV files).",
    read=import_opensanctions,
    priority=3,
)
