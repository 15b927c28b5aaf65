"""What the open platform says of each open dataset to other catalogues, the same in its DCAT-AP feed and its
CKAN-compatible API: its addresses, the forms its data is offered in, its licence, keywords and themes.

A dataset is an open published entry (hub.published_catalogue.openness, A22.1, A38.1). Its data is offered as the
open platform serves it (open_svc.datasets.rules): unconditionally open data as CSV, JSON and XLSX files and the
records API, to anyone (A24.1); conditionally open data through the records API only, with the data key issued once
an application is approved and the open-use agreement accepted (A24.2, A24.3). Every address is absolute, under
the hub's public address (HUB_PUBLIC_URL).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.contracts.vocabulary import AgencyKind, OpenType
from hub.dcat import vocabularies as eu
from hub.dcat.graph import Agent, Catalogue, DataService, Dataset, Distribution
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.datasets.rules import Distribution as Form
from open_svc.datasets.rules import distributions_of
from open_svc.settings import Settings

API = "/api/open"
# The records API answers JSON.
FORM_FORMATS = {Form.csv: eu.CSV, Form.json: eu.JSON, Form.xlsx: eu.XLSX, Form.api: eu.JSON}
DIRECT_API = "按记录键分页读取全部记录。"
KEYED_API = "凭申请获批、签署开放利用协议后发放的数据密钥读取（A24.2, A24.3）。"
FORM_TITLES = {Form.csv: "CSV 文件", Form.json: "JSON 文件", Form.xlsx: "XLSX 文件", Form.api: "数据接口"}


@dataclass(frozen=True)
class Offer:
    """One form a dataset's data is offered in, and where."""

    form: Form
    access_url: str
    download_url: str | None
    description: str

    @property
    def file_type(self) -> eu.FileType:
        return FORM_FORMATS[self.form]

    @property
    def format_name(self) -> str:
        """The form's name as CKAN catalogues show it: the file's format, or API."""
        return "API" if self.form == Form.api else self.file_type.code


def base(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def dataset_url(settings: Settings, entry: PublishedEntry) -> str:
    """The dataset's address on the open platform's API (its IRI in the feed)."""
    return f"{base(settings)}{API}/datasets/{entry.entry_id}"


def offers(settings: Settings, entry: PublishedEntry) -> list[Offer]:
    """The forms the dataset's data is offered in, in the open platform's order (A24.1, A24.2)."""
    page = dataset_url(settings, entry)
    found = []
    for form in distributions_of(entry.open_type):
        if form == Form.api:
            direct = entry.open_type == OpenType.unconditional
            url = f"{page}/records" if direct else f"{base(settings)}{API}/access/{entry.entry_id}/records"
            note = DIRECT_API if direct else KEYED_API
            found.append(Offer(form, url, None, note))
        else:
            found.append(Offer(form, page, f"{page}/download?format={form.value}", "全部记录，流式下载。"))
    return found


def licence(settings: Settings) -> eu.Licence | None:
    """The licence every open dataset is published under (open-svc's settings); None when none is named."""
    if not settings.open_licence_title:
        return None
    return eu.Licence(settings.open_licence_title, settings.open_licence_url)


def keywords(entry: PublishedEntry) -> list[str]:
    """The dataset's keywords: the labels of the data items it opens (信息项), each once."""
    return list(dict.fromkeys(item.label for item in entry.items if item.label))


def themes(entry: PublishedEntry) -> list[eu.Theme]:
    """The dataset's EU data themes, from its category and base database (A18.1)."""
    return eu.data_themes(entry.category, entry.base_database)


def rights(entry: PublishedEntry) -> str | None:
    """What a conditional opening asks of the user (A24.2, A24.3); None for unconditional data."""
    if entry.open_type != OpenType.conditional:
        return None
    conditions = (entry.open_conditions or "").strip()
    terms = "申请获批并签署开放利用协议后使用（A24.2, A24.3）。"
    return f"有条件开放：{conditions}；{terms}" if conditions else f"有条件开放：{terms}"


def agent(settings: Settings, entry: PublishedEntry, agency: KnownAgency | None) -> Agent:
    """The provider agency (A15.2), named as the registry now names it (A2.1)."""
    return Agent(
        iri=f"{base(settings)}{API}/open-lists/{entry.provider_agency_id}",
        name=agency.name if agency else str(entry.provider_agency_id),
        kind=agency.kind if agency else None,
        identifier=agency.credit_code if agency else None,
    )


def dataset(settings: Settings, entry: PublishedEntry, agency: KnownAgency | None) -> Dataset:
    """The open dataset as a dcat:Dataset with its distributions (one per offered form)."""
    iri = dataset_url(settings, entry)
    terms = licence(settings)
    return Dataset(
        iri=iri,
        identifier=entry.code,
        title=entry.name,
        description=entry.summary or entry.name,
        publisher=agent(settings, entry, agency),
        contact=agency.name if agency else None,
        keywords=keywords(entry),
        themes=themes(entry),
        update_cycle=entry.update_cycle,
        open_type=entry.open_type,
        secrecy=entry.secrecy,
        region_code=entry.region_code,
        issued=entry.published_at,
        modified=entry.published_at,
        version=entry.version,
        distributions=[
            Distribution(
                iri=f"{iri}#{offer.form.value}",
                title=FORM_TITLES[offer.form],
                description=offer.description,
                access_url=offer.access_url,
                download_url=offer.download_url,
                media_format=offer.file_type.code,
                licence=terms,
                rights=rights(entry),
            )
            for offer in offers(settings, entry)
        ],
    )


def catalogue(settings: Settings) -> Catalogue:
    """The open catalogue (开放目录), published by the bureau, served by the CKAN-compatible API."""
    root = base(settings)
    return Catalogue(
        iri=f"{root}{API}/dcat/catalog",
        title="公共数据开放目录",
        description="公共管理和服务机构依法开放的公共数据（A22.1, A23.1）。",
        publisher=Agent(iri=None, name=settings.bureau_name, kind=AgencyKind.administrative_organ),
        homepage=f"{root}/",
        licence=licence(settings),
        service=DataService(
            iri=f"{root}/api/3/action/",
            title="CKAN 兼容接口",
            endpoint_url=f"{root}/api/3/action/",
            endpoint_description=f"{root}{API}/openapi.json",
        ),
    )
