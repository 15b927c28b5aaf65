"""The metadata quality of an open dataset (A25.1), as pure functions: udata's nine criteria and data.europa.eu's
Metadata Quality Assessment (MQA), each criterion visible with what it was read from.

The unified catalogue's elements are not DCAT's, so each criterion reads the element that carries its meaning here,
and what the catalogue has no element for is decided once, by the hub (documented in docs/open-data.md):

* licence: the catalogue has none; every open dataset is published under the city's open licence (settings
  `open_licence_title`, `open_licence_url`).
* temporal coverage: the catalogue states none; a dataset whose items include a date or datetime carries the
  period its records cover (and the portal can show it), one without has none.
* spatial coverage: the entry's administrative region (every entry has one, A4.1).
* distributions ("resources"): an unconditionally open dataset is offered as CSV, JSON and XLSX downloads (A24.1);
  a conditionally open one through the records API, reached with a data key (A24.2, A24.3). udata counts them as
  resources only once the open platform holds records of the dataset.
* documentation: the data items' labels and types, the data dictionary every distribution is described by.
* contact point: the dataset's feedback channel (error reports and objections, routed to its agency, A26.1).
* file size: the files are generated on request, so none is stated.

udata (opendatateam/udata, `Dataset.compute_quality` and `compute_quality_score`): one point per criterion met, of
nine; the three resource criteria only with resources; the description must be longer than 100 characters; "updated
on time" allows one day past the last update plus the frequency's period (udata's periods: a month is 31 days, a
quarter 93, half a year and a year 365), and holds for frequencies without a period (real time, irregular).

MQA (data.europa.eu's methodology): findability 100 points (keywords 30, categories 30, spatial 20, temporal 20),
accessibility 100 (access URL answering 50, download URL 20, download URL answering 30), interoperability 110
(format 20, media type 10, both from a vocabulary 10, non-proprietary 20, machine-readable 20, DCAT-AP compliance
30), reusability 75 (licence 20, licence from the vocabulary 10, access rights 10, access rights from the vocabulary
5, contact point 20, publisher 10), contextuality 20 (rights 5, file size 5, issue date 5, modification date 5): 405
in all. A distribution's indicator earns its points in the share of distributions meeting it. Ratings: excellent
from 351, good from 221, sufficient from 121, bad below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import Category, ItemType, OpenType, UpdateCycle

# udata's QUALITY_DESCRIPTION_LENGTH: a description must be longer than this to count.
DESCRIPTION_LENGTH = 100
# udata's UpdateFrequency periods of the catalogue's update cycles (None: no regular update expected).
UPDATE_PERIODS: dict[UpdateCycle, timedelta | None] = {
    UpdateCycle.real_time: None,  # udata "continuous"
    UpdateCycle.daily: timedelta(days=1),
    UpdateCycle.weekly: timedelta(weeks=1),
    UpdateCycle.monthly: timedelta(days=31),
    UpdateCycle.quarterly: timedelta(days=31 * 3),
    UpdateCycle.half_yearly: timedelta(days=365),  # udata "semiannual": twice within a year
    UpdateCycle.yearly: timedelta(days=365),
    UpdateCycle.irregular: None,
}
# udata's CLOSED_FORMATS among the files the platform serves.
CLOSED_FORMATS = frozenset({"xlsx"})
# The EU file-type vocabulary's machine-readable and non-proprietary formats among those the platform serves.
MACHINE_READABLE = frozenset({"csv", "json", "xlsx"})
NON_PROPRIETARY = frozenset({"csv", "json"})
EU_LICENCE_AUTHORITY = "http://publications.europa.eu/resource/authority/licence/"
MQA_RATINGS = ((351.0, "excellent"), (221.0, "good"), (121.0, "sufficient"), (0.0, "bad"))


@dataclass(frozen=True)
class DatasetFacts:
    """What the quality criteria read of an open dataset."""

    name: str
    summary: str
    open_type: OpenType
    open_conditions: str | None
    category: Category | None
    region_code: str
    update_cycle: UpdateCycle
    items: tuple[DataItemSpec, ...]
    published_at: datetime
    records: int
    last_record_update: datetime | None
    publisher_known: bool
    licence_title: str | None
    licence_url: str | None


@dataclass(frozen=True)
class Criterion:
    """One criterion: its id, the points earned of its maximum, and what it was read from."""

    id: str
    points: float
    max_points: float
    basis: str
    dimension: str = ""

    @property
    def met(self) -> bool:
        return self.points > 0


def distributions(facts: DatasetFacts) -> tuple[str, ...]:
    """The formats of the dataset's distributions: the three files when unconditionally open, the records API
    (JSON) when open on conditions."""
    return ("csv", "json", "xlsx") if facts.open_type == OpenType.unconditional else ("json",)


def has_temporal_items(items: tuple[DataItemSpec, ...]) -> bool:
    """Whether the records carry dates (the period they cover)."""
    return any(item.data_type in (ItemType.date, ItemType.datetime) for item in items)


def last_update(facts: DatasetFacts) -> datetime:
    """udata's last update: the resources' latest change, else the metadata's (the version's publication)."""
    return facts.last_record_update or facts.published_at


def updated_on_time(facts: DatasetFacts, now: datetime) -> bool:
    """udata's "update fulfilled in time": the next expected update (last update + period) is at most one day
    past; true for a frequency without a period."""
    period = UPDATE_PERIODS[facts.update_cycle]
    if period is None:
        return True
    return (last_update(facts) + period - now).days >= -1


def _point(criterion: str, met: bool, basis: str) -> Criterion:
    return Criterion(criterion, 1.0 if met else 0.0, 1.0, basis)


def udata_criteria(facts: DatasetFacts, now: datetime) -> list[Criterion]:
    """udata's nine criteria, one point each (A25.1)."""
    resources = facts.records > 0
    formats = distributions(facts)
    return [
        _point("license", bool(facts.licence_title), "the city's open licence (settings)"),
        _point("temporal_coverage", has_temporal_items(facts.items), "a date or datetime item"),
        _point("spatial", bool(facts.region_code), "the entry's region"),
        _point("update_frequency", True, "the entry's update cycle"),
        _point("update_fulfilled_in_time", updated_on_time(facts, now), "last record update plus the cycle"),
        _point("dataset_description_quality", len(facts.summary) > DESCRIPTION_LENGTH, "summary over 100 characters"),
        _point("has_open_format", resources and not all(f in CLOSED_FORMATS for f in formats), "CSV, JSON"),
        _point("all_resources_available", resources, "records held by the open platform"),
        _point("resources_documentation", resources and bool(facts.items), "the data items' labels and types"),
    ]


def udata_score(criteria: list[Criterion]) -> float:
    """udata's score: the points earned over the nine criteria, between 0 and 1."""
    return sum(c.points for c in criteria) / 9


def _share(distribution_formats: tuple[str, ...], meeting: frozenset[str]) -> float:
    return sum(1 for f in distribution_formats if f in meeting) / len(distribution_formats)


def mqa_indicators(facts: DatasetFacts) -> list[Criterion]:
    """data.europa.eu MQA's indicators in its five dimensions, with its weights (A25.1)."""
    formats = distributions(facts)
    anonymous = facts.open_type == OpenType.unconditional
    licensed = bool(facts.licence_title)
    eu_licence = (facts.licence_url or "").startswith(EU_LICENCE_AUTHORITY)
    rights = licensed if anonymous else bool((facts.open_conditions or "").strip())

    def indicator(dimension: str, name: str, weight: float, share: float, basis: str) -> Criterion:
        return Criterion(name, weight * share, weight, basis, dimension)

    def yes(condition: bool) -> float:
        return 1.0 if condition else 0.0

    return [
        indicator("findability", "keyword_usage", 30, yes(bool(facts.items)), "the data items' labels"),
        indicator("findability", "categories", 30, yes(facts.category is not None), "the entry's category"),
        indicator("findability", "geo_search", 20, yes(bool(facts.region_code)), "the entry's region"),
        indicator("findability", "time_based_search", 20, yes(has_temporal_items(facts.items)), "a date item"),
        indicator("accessibility", "access_url_accessibility", 50, yes(anonymous), "answers without a data key"),
        indicator("accessibility", "download_url", 20, yes(anonymous), "files to download"),
        indicator("accessibility", "download_url_accessibility", 30, yes(anonymous), "answers without a data key"),
        indicator("interoperability", "format", 20, 1.0, "every distribution states its format"),
        indicator("interoperability", "media_type", 10, 1.0, "every distribution states its media type"),
        indicator("interoperability", "format_media_type_vocabulary", 10, 1.0, "EU file types, IANA media types"),
        indicator("interoperability", "non_proprietary", 20, _share(formats, NON_PROPRIETARY), "CSV, JSON"),
        indicator("interoperability", "machine_readable", 20, _share(formats, MACHINE_READABLE), "CSV, JSON, XLSX"),
        indicator(
            "interoperability",
            "dcat_ap_compliance",
            30,
            yes(bool(facts.name.strip() and facts.summary.strip())),
            "DCAT-AP's mandatory title and description",
        ),
        indicator("reusability", "license_information", 20, yes(licensed), "the city's open licence (settings)"),
        indicator("reusability", "license_vocabulary", 10, yes(eu_licence), "an EU licence authority URI"),
        indicator("reusability", "access_restrictions", 10, 1.0, "the open type"),
        indicator("reusability", "access_restrictions_vocabulary", 5, 1.0, "EU access rights: public, restricted"),
        indicator("reusability", "contact_point", 20, 1.0, "the dataset's feedback channel (A26.1)"),
        indicator("reusability", "publisher", 10, yes(facts.publisher_known), "the responsible agency"),
        indicator("contextuality", "rights", 5, yes(rights), "the licence, or the open conditions"),
        indicator("contextuality", "file_size", 5, 0.0, "files are generated on request"),
        indicator("contextuality", "date_of_issue", 5, 1.0, "the version's publication"),
        indicator("contextuality", "modification_date", 5, yes(facts.records > 0), "the records' last update"),
    ]


def mqa_points(indicators: list[Criterion]) -> float:
    """The MQA points earned, of 405."""
    return sum(i.points for i in indicators)


def mqa_rating(points: float) -> str:
    """MQA's rating of a number of points."""
    return next(rating for floor, rating in MQA_RATINGS if points >= floor)
