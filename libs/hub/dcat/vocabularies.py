"""The hub's catalogue vocabulary mapped to the EU controlled vocabularies DCAT-AP 3.0.1 names (section "Controlled
vocabularies to be used"): frequency, access right, file type, language, licence, data theme, planned availability,
and the ADMS publisher types of agents. The one place this mapping lives: catalog-svc's export of the unified
catalogue and open-svc's feed and CKAN-compatible API all read it here.

Each EU concept carries its English preferred label as the EU table gives it (a receiver without the tables still
gets a label, and DCAT-AP's Concept requires one); data themes also carry the Chinese name the portal shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from hub.contracts.vocabulary import AgencyKind, BaseDatabase, Category, OpenType, Secrecy, UpdateCycle

E = TypeVar("E", bound=StrEnum)
AUTHORITY = "http://publications.europa.eu/resource/authority/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"


@dataclass(frozen=True)
class Concept:
    """A concept of an EU authority table (or of the ADMS publisher types): its IRI, the table it belongs to, and its
    English preferred label."""

    scheme: str
    code: str
    label: str

    @property
    def iri(self) -> str:
        return self.scheme + self.code


def _table(name: str) -> str:
    return f"{AUTHORITY}{name}/"


FREQUENCY = _table("frequency")
ACCESS_RIGHT = _table("access-right")
FILE_TYPE = _table("file-type")
LANGUAGE = _table("language")
LICENCE = _table("licence")
DATA_THEME = _table("data-theme")
COUNTRY = _table("country")
PLANNED_AVAILABILITY = _table("planned-availability")

# 更新周期 → the EU frequency table.
FREQUENCIES: dict[UpdateCycle, Concept] = {
    UpdateCycle.real_time: Concept(FREQUENCY, "UPDATE_CONT", "continuously updated"),
    UpdateCycle.daily: Concept(FREQUENCY, "DAILY", "daily"),
    UpdateCycle.weekly: Concept(FREQUENCY, "WEEKLY", "weekly"),
    UpdateCycle.monthly: Concept(FREQUENCY, "MONTHLY", "monthly"),
    UpdateCycle.quarterly: Concept(FREQUENCY, "QUARTERLY", "quarterly"),
    UpdateCycle.half_yearly: Concept(FREQUENCY, "ANNUAL_2", "semiannual"),
    UpdateCycle.yearly: Concept(FREQUENCY, "ANNUAL", "annual"),
    UpdateCycle.irregular: Concept(FREQUENCY, "IRREG", "irregular"),
}

# 开放类型 → the EU access-right table (A22.1): conditional opening is on application, so restricted.
ACCESS_RIGHTS: dict[OpenType, Concept] = {
    OpenType.unconditional: Concept(ACCESS_RIGHT, "PUBLIC", "public"),
    OpenType.conditional: Concept(ACCESS_RIGHT, "RESTRICTED", "restricted"),
    OpenType.not_open: Concept(ACCESS_RIGHT, "NON_PUBLIC", "non-public"),
}

CHINESE = Concept(LANGUAGE, "ZHO", "Chinese")
CHINA = Concept(COUNTRY, "CHN", "China")
# What the hub's feeds promise of a distribution: it is kept for as long as its entry is published.
STABLE = Concept(PLANNED_AVAILABILITY, "STABLE", "stable")


@dataclass(frozen=True)
class Theme:
    """An EU data theme, with the Chinese name a portal shows for it (a CKAN group)."""

    concept: Concept
    chinese: str

    @property
    def code(self) -> str:
        return self.concept.code


def _theme(code: str, label: str, chinese: str) -> Theme:
    return Theme(Concept(DATA_THEME, code, label), chinese)


SOCIETY = _theme("SOCI", "Population and society", "人口和社会")
ECONOMY = _theme("ECON", "Economy and finance", "经济和金融")
ENVIRONMENT = _theme("ENVI", "Environment", "环境")
GOVERNMENT = _theme("GOVE", "Government and public sector", "政府和公共部门")

# The five base databases of Article 18 (A18.1), each under the EU theme its content belongs to.
BASE_DATABASE_THEMES: dict[BaseDatabase, Theme] = {
    BaseDatabase.population: SOCIETY,
    BaseDatabase.legal_persons: ECONOMY,
    BaseDatabase.natural_resources_geography: ENVIRONMENT,
    # Electronic licences are documents the administration issues.
    BaseDatabase.e_licences: GOVERNMENT,
    # Credit records of companies and people: the market's trust, under economy.
    BaseDatabase.social_credit: ECONOMY,
}
THEMES: tuple[Theme, ...] = (SOCIETY, ECONOMY, ENVIRONMENT, GOVERNMENT)


def data_themes(category: Category | None, base_database: BaseDatabase | None) -> list[Theme]:
    """The EU data themes of an entry (A18.1): a base database's own theme; theme and department data are what
    agencies produce in their public duties, which the EU table files under government and public sector. None
    for an entry whose category is not known."""
    if base_database is not None:
        return [BASE_DATABASE_THEMES[base_database]]
    if category is None:
        return []
    return [GOVERNMENT]


def frequency(update_cycle: UpdateCycle | str | None) -> Concept | None:
    """The EU frequency of an update cycle (更新周期); None when the cycle is not known."""
    cycle = member(UpdateCycle, update_cycle)
    return FREQUENCIES[cycle] if cycle is not None else None


def access_right(open_type: OpenType | str | None, secrecy: Secrecy | str | None) -> Concept:
    """The EU access right of an open type (开放类型); secret data is never public (A22.1, A38.1), and an entry whose
    open type is not known is not public either."""
    known = member(OpenType, open_type)
    if secrecy == Secrecy.secret or known is None:
        return ACCESS_RIGHTS[OpenType.not_open]
    return ACCESS_RIGHTS[known]


def member(enum: type[E], value: str | None) -> E | None:
    """The member of a vocabulary a stored string names; None for None or a string outside it (a catalogue's draft
    columns hold plain strings)."""
    try:
        return None if value is None else enum(value)
    except ValueError:
        return None


# ADMS publisher types of the agencies of Article 2 and 37 (A2.1).
PUBLISHER_TYPES: dict[AgencyKind, Concept] = {
    AgencyKind.administrative_organ: Concept(ADMS_PUBLISHER_TYPE, "LocalAuthority", "Local Authority"),
    # 事业单位: public institutions (schools, hospitals, research institutes) run without profit.
    AgencyKind.public_institution: Concept(ADMS_PUBLISHER_TYPE, "NonProfitOrganisation", "Non-Profit Organisation"),
    AgencyKind.enterprise: Concept(ADMS_PUBLISHER_TYPE, "Company", "Company"),
    AgencyKind.social_organisation: Concept(
        ADMS_PUBLISHER_TYPE, "NonGovernmentalOrganisation", "Non-Governmental Organisation"
    ),
    # 驻锡单位: branches of provincial and national bodies stationed in the city (Article 37).
    AgencyKind.stationed_unit: Concept(ADMS_PUBLISHER_TYPE, "RegionalAuthority", "Regional Authority"),
}


@dataclass(frozen=True)
class FileType:
    """An EU file type, with its IANA media type where it has one."""

    concept: Concept
    media_type: str | None = None

    @property
    def code(self) -> str:
        return self.concept.code


def _file_type(code: str, media_type: str | None = None) -> FileType:
    return FileType(Concept(FILE_TYPE, code, code), media_type)


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = _file_type("CSV", "text/csv")
JSON = _file_type("JSON", "application/json")
XLSX = _file_type("XLSX", XLSX_MEDIA_TYPE)
# Formats an entry may declare that the EU file-type table has, by their usual spelling.
FILE_TYPES: dict[str, FileType] = {
    f.code: f
    for f in (
        CSV, JSON, XLSX, _file_type("XML", "application/xml"), _file_type("XLS", "application/vnd.ms-excel"),
        _file_type("ODS", "application/vnd.oasis.opendocument.spreadsheet"), _file_type("PDF", "application/pdf"),
        _file_type("DOC", "application/msword"), _file_type("DOCX"), _file_type("TXT", "text/plain"),
        _file_type("ZIP", "application/zip"), _file_type("HTML", "text/html"), _file_type("SHP"),
        _file_type("GEOJSON", "application/geo+json"), _file_type("KML"), _file_type("JSON_LD", "application/ld+json"),
        _file_type("RDF_XML", "application/rdf+xml"), _file_type("TSV", "text/tab-separated-values"),
        _file_type("PARQUET"), _file_type("WMS_SRVC"), _file_type("WFS_SRVC"),
    )
}  # fmt: skip


def file_type(declared: str | None) -> FileType | None:
    """The EU file type of a declared format ("csv", "xlsx", "json-ld" …), or None when the table has none."""
    if not declared:
        return None
    return FILE_TYPES.get(declared.strip().upper().replace("-", "_").replace(" ", "_"))


@dataclass(frozen=True)
class Licence:
    """The licence open data is published under: the catalogue has no licence element, so a platform names one for
    all it opens (open-svc's settings). `url` is its document, an EU licence-table IRI when it is one of those."""

    title: str
    url: str | None = None

    @property
    def from_eu_table(self) -> bool:
        return bool(self.url) and str(self.url).startswith(LICENCE)
